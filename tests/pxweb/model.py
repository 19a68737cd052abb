"""The table model of the local PxWeb server: variables, codelists, totals and cell evaluation.

A :class:`Table` is built from a real SCB metadata document (or, for tables with no recording,
a document in the same shape). Cells are evaluated the way PxWeb does it:

* a variable that is left out of a query is *eliminated*: SCB uses the variable's total code
  (``eliminationValueCode``, e.g. ``1+2``, ``tot``, ``TOT``, ``00``) when it has one, otherwise it
  sums over the variable's values; a variable with ``elimination: false`` must be selected;
* in an *additive* table (counts), a total code such as ``tot`` or a län is the sum of its leaf
  codes, computed from the same leaves that single cells come from — so "tot" and "the sum of
  0…100+" always agree, as at SCB before 2025;
* recorded SCB values (the data fixtures) win over computed ones, cell for cell.

Computed values are **test values**; a response that contains any is labelled ``TESTVÄRDEN``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

TEST_NOTE = "TESTVÄRDEN från ortsprofils testserver – inte SCB:s siffror."


@dataclass
class Codelist:
    """A ``vs_`` valueset (other codes) or an ``agg_`` aggregation (groups of the table's codes)."""

    id: str
    label: str
    kind: str  # "Valueset" or "Aggregation"
    values: list[tuple[str, str]]  # (code, label)
    value_map: dict[str, list[str]] = field(default_factory=dict)  # agg code -> table codes
    elimination: bool = True

    def document(self) -> dict[str, Any]:
        """``/codelists/{id}`` as PxWeb answers it."""
        return {
            "id": self.id, "label": self.label, "language": "sv", "languages": ["sv", "en"],
            "elimination": self.elimination, "type": self.kind,
            "values": [{"code": c, "label": l, "valueMap": self.value_map.get(c, [c])} for c, l in self.values],
            "links": [],
        }


@dataclass
class Var:
    """One variable (dimension) of a table."""

    code: str
    label: str
    values: list[tuple[str, str]]
    elimination: bool = True
    #: The total code used when the variable is eliminated (SCB's eliminationValueCode), if any.
    total: str | None = None
    #: Additive tables: code -> [(leaf code, weight)] (a län is the sum of its kommuner; ``tot`` of ages).
    parts: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    extension: dict[str, Any] = field(default_factory=dict)
    note: list[str] = field(default_factory=list)
    category_note: dict[str, list[str]] = field(default_factory=dict)
    codelists: dict[str, Codelist] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [c for c, _ in self.values]

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.values)

    def leaves(self, code: str) -> list[tuple[str, float]]:
        """The leaf codes (and weights) a code stands for."""
        if code not in self.parts:
            return [(code, 1.0)]
        out: list[tuple[str, float]] = []
        for leaf, w in self.parts[code]:
            out += [(c, w * w2) for c, w2 in self.leaves(leaf)]
        return out

    def leaf_codes(self) -> list[str]:
        return [c for c in self.codes if c not in self.parts]


#: A vectorised leaf function: var code -> array of leaf codes (broadcastable) -> values (NaN = "..").
LeafFn = Callable[[dict[str, np.ndarray]], np.ndarray]


@dataclass
class Table:
    """One table the server serves."""

    id: str
    label: str
    updated: str
    vars: list[Var]
    leaf: LeafFn
    additive: bool = True
    data_label: str = ""
    notes: list[str] = field(default_factory=list)
    note_mandatory: list[int] = field(default_factory=list)
    px: dict[str, Any] = field(default_factory=dict)
    contact: list[dict[str, Any]] = field(default_factory=list)
    recorded: dict[tuple[str, ...], tuple[float | None, str | None]] = field(default_factory=dict)
    #: The recorded answer to a data call without any selection (TAB6471), served as it is.
    default_response: dict[str, Any] | None = None
    #: The metadata document served by ``/tables/{id}/metadata`` (SCB's own where recorded).
    meta_doc: dict[str, Any] | None = None
    synthetic: bool = True  # False when every cell it can serve is real (none here)
    time_unit: str = "Annual"
    discontinued: bool | None = None
    subject_code: str = ""
    paths: list[list[dict[str, str]]] = field(default_factory=list)
    decimals: int = 0

    def var(self, code: str) -> Var | None:
        return next((v for v in self.vars if v.code.lower() == code.lower()), None)

    @property
    def time_var(self) -> Var:
        return next(v for v in self.vars if v.code == "Tid")

    def record(self, base: str) -> dict[str, Any]:
        """The ``/tables`` record (search hit) of this table."""
        times = self.time_var.codes
        return {
            "type": "Table", "id": self.id, "label": self.label, "description": "", "sortCode": self.label,
            "updated": self.updated, "firstPeriod": times[0], "lastPeriod": times[-1], "category": "public",
            "variableNames": [v.label for v in self.vars], "source": "SCB", "subjectCode": self.subject_code,
            "timeUnit": self.time_unit, "discontinued": self.discontinued, "paths": self.paths,
            "links": [
                {"rel": "self", "hreflang": "sv", "href": f"{base}/tables/{self.id}?lang=sv"},
                {"rel": "metadata", "hreflang": "sv", "href": f"{base}/tables/{self.id}/metadata?lang=sv"},
                {"rel": "data", "hreflang": "sv", "href": f"{base}/tables/{self.id}/data?lang=sv&outputFormat=json-stat2"},
            ],
        }

    def search_text(self) -> tuple[str, str, str]:
        """(label, variable names, value labels) — what SCB's search looks in."""
        return (self.label.lower(), " ".join(v.label for v in self.vars).lower(),
                " ".join(l for v in self.vars for _, l in v.values).lower())

    # -- evaluation -------------------------------------------------------------------------------
    def evaluate(self, chosen: dict[str, list[str]], codelists: dict[str, str]) -> tuple[list, dict[str, str], bool]:
        """Values (row-major over the chosen variables, in table order) for a validated selection.

        Variables not in ``chosen`` are eliminated. Returns (values, status by flat index,
        whether any value is a computed test value).
        """
        out_vars = [v for v in self.vars if v.code in chosen]
        # Per variable: the codes of the output axis and, for each, its leaves and weights.
        axes: list[tuple[Var, list[list[tuple[str, float]]], bool]] = []
        for v in self.vars:
            if v.code in chosen:
                cl = v.codelists.get(codelists.get(v.code, ""))
                groups = []
                for code in chosen[v.code]:
                    members = cl.value_map.get(code, [code]) if cl and cl.kind == "Aggregation" else [code]
                    groups.append([leaf for m in members for leaf in (v.leaves(m) if self.additive else [(m, 1.0)])])
                axes.append((v, groups, True))
            elif v.total is not None:
                axes.append((v, [v.leaves(v.total) if self.additive else [(v.total, 1.0)]], False))
            else:  # no total: PxWeb sums over the variable's values
                axes.append((v, [[(c, 1.0) for c in v.leaf_codes()]], False))
        needed = []
        for v, groups, _ in axes:
            seen = list(dict.fromkeys(c for g in groups for c, _ in g))
            needed.append(seen)
        grids = np.meshgrid(*[np.asarray(n, dtype=object) for n in needed], indexing="ij", sparse=True)
        values = np.asarray(self.leaf({v.code: g for (v, _, _), g in zip(axes, grids)}), dtype=float)
        values = np.broadcast_to(values, tuple(len(n) for n in needed)).copy()
        # Aggregate axis by axis with weight matrices (|groups| × |leaves|); a missing leaf ('..')
        # makes exactly the totals it belongs to missing.
        missing = np.isnan(values).astype(float)
        values = np.nan_to_num(values)
        for axis, ((v, groups, _), leaves) in enumerate(zip(axes, needed)):
            pos = {c: i for i, c in enumerate(leaves)}
            m = np.zeros((len(groups), len(leaves)))
            for gi, g in enumerate(groups):
                for c, w in g:
                    m[gi, pos[c]] += w
            values = np.moveaxis(np.tensordot(m, np.moveaxis(values, axis, 0), axes=(1, 0)), 0, axis)
            missing = np.moveaxis(np.tensordot(m != 0, np.moveaxis(missing, axis, 0), axes=(1, 0)), 0, axis)
        values = np.where(missing > 0, np.nan, values)
        flat = values.reshape(-1)  # eliminated axes have length 1; the order is the table's
        # Recorded cells win (only where every coordinate is a concrete code).
        synthetic = False
        status: dict[str, str] = {}
        result: list[float | None] = []
        if self.recorded:
            full = [v.code in chosen or v.total is not None for v in self.vars]
        idx = np.indices([len(chosen[v.code]) for v in out_vars]).reshape(len(out_vars), -1).T if out_vars else [()]
        for i, cell in enumerate(idx):
            rec = None
            if self.recorded and all(full):
                coords, k = [], 0
                for v in self.vars:
                    if v.code in chosen:
                        coords.append(chosen[v.code][cell[k]])
                        k += 1
                    else:
                        coords.append(v.total)
                rec = self.recorded.get(tuple(coords))
            if rec is not None:
                val, st = rec
            else:
                val = None if np.isnan(flat[i]) else float(round(flat[i], self.decimals))
                st = ".." if val is None else None
                synthetic = synthetic or self.synthetic
            if val is not None and self.decimals == 0:
                val = int(val)
            result.append(val)
            if st:
                status[str(i)] = st
        return result, status, synthetic


def det(*parts: Any) -> int:
    """A deterministic pseudo-random integer (for test values)."""
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def hash_grid(table_id: str, arrays: dict[str, np.ndarray], lo: float, hi: float) -> np.ndarray:
    """Deterministic test values in [lo, hi] for every combination of codes (vectorised)."""
    shape = np.broadcast_shapes(*[a.shape for a in arrays.values()])
    acc = np.full(shape, det(table_id) % 1000003, dtype=np.int64)
    for name, arr in arrays.items():
        codes = np.vectorize(lambda c, n=name: det(n, c) % 1000003, otypes=[np.int64])(arr)
        acc = (acc * 1000033 + codes) % 2147483647
    return lo + (acc % 10007) / 10006.0 * (hi - lo)
