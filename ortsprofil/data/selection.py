"""Selections for SCB's data endpoint: expanding ``top(n)``/``range(a,b)``/wildcard expressions against a
table's codes, counting cells, and splitting a selection larger than ``maxDataCells`` into parts
(never on time or ContentsCode while another variable can be split).
"""

from __future__ import annotations

import fnmatch
import math
import re

from ortsprofil.errors import DataShapeError, TooManyCellsError

Selection = dict[str, list[str]]

_EXPR = re.compile(r"^(top|bottom|range|from|to)\((.*)\)$", re.IGNORECASE)


def expand(expressions: list[str], codes: list[str], variable: str = "") -> list[str]:
    """Expand PxWeb selection expressions against a variable's codes (order kept, no duplicates).

    Supports plain codes, ``*``, wildcards ``12*``/``*x``/``*x*``, ``?`` masks, ``top(n[,o])``,
    ``bottom(n[,o])``, ``range(a,b)``, ``from(a)`` and ``to(a)`` (case-insensitive), as the
    PxWeb server does.

    Raises
    ------
    DataShapeError
        For a code the variable does not have.

    Examples
    --------
    >>> expand(["top(2)"], ["2021", "2022", "2023"])
    ['2022', '2023']
    >>> expand(["12*"], ["00", "12", "1214", "1380"])
    ['12', '1214']
    """
    out: list[str] = []
    lower = {c.lower(): c for c in codes}
    for expr in expressions:
        e = str(expr).strip()
        m = _EXPR.match(e)
        if m:
            kind, args = m.group(1).lower(), [a.strip() for a in m.group(2).split(",")]
            if kind in ("top", "bottom"):
                n, off = int(args[0]), int(args[1]) if len(args) > 1 else 0
                picked = codes[max(0, len(codes) - n - off) : len(codes) - off] if kind == "top" else codes[off : off + n]
            else:
                def pos(code: str) -> int:
                    if code.lower() not in lower:
                        raise DataShapeError(f"{variable}: värdet {code!r} finns inte i tabellen.")
                    return codes.index(lower[code.lower()])

                if kind == "range":
                    picked = codes[pos(args[0]) : pos(args[1]) + 1]
                elif kind == "from":
                    picked = codes[pos(args[0]) :]
                else:
                    picked = codes[: pos(args[0]) + 1]
        elif "*" in e or "?" in e:
            picked = [c for c in codes if fnmatch.fnmatchcase(c.lower(), e.lower())]
        else:
            if e.lower() not in lower:
                raise DataShapeError(f"{variable}: värdet {e!r} finns inte i tabellen.")
            picked = [lower[e.lower()]]
        out.extend(picked)
    return list(dict.fromkeys(out))


def cell_count(selection: Selection) -> int:
    return int(math.prod(len(v) for v in selection.values())) if selection else 0


def split_selection(selection: Selection, max_cells: int, order: list[str],
                    protected: frozenset[str] = frozenset()) -> list[Selection]:
    """Split ``selection`` into parts of at most ``max_cells`` cells, in as few parts as possible.

    Splits one variable at a time into the largest chunks that fit, choosing the variable that
    gives the fewest parts; variables in ``protected`` (time, ContentsCode) are split only when
    no other variable can be. ``order`` breaks ties. If even single values are too big, recurse.
    """
    total = cell_count(selection)
    if total <= max_cells:
        return [selection]

    def parts_for(var: str) -> int:
        n = len(selection[var])
        chunk = max(1, max_cells // max(total // n, 1))
        return math.ceil(n / chunk)

    for group in ([v for v in order if v not in protected], [v for v in order if v in protected]):
        candidates = [v for v in group if len(selection[v]) > 1]
        if not candidates:
            continue
        # Prefer a variable whose chunks fit at once (fewest parts); else the largest, value by value.
        fitting = [v for v in candidates if total // len(selection[v]) <= max_cells]
        if fitting:
            var = min(fitting, key=lambda v: (parts_for(v), order.index(v)))
        else:
            var = max(candidates, key=lambda v: (len(selection[v]), -order.index(v)))
        values = selection[var]
        chunk = max(1, max_cells // max(total // len(values), 1))
        out: list[Selection] = []
        for i in range(0, len(values), chunk):
            out.extend(split_selection(dict(selection, **{var: values[i : i + chunk]}), max_cells, order, protected))
        return out
    raise TooManyCellsError(None, "För många celler",
                            f"En enda kombination har {total} celler (gräns {max_cells}).")
