"""Swedish number formatting (Babel, sv_SE) and comparison phrases.

Everything a reader sees goes through here, so a missing value is always written the same
way — ``uppgift saknas`` — and never as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "sv_SE"
MISSING = "uppgift saknas"
SUPPRESSED = "uppgift saknas (sekretess eller noll)"
#: SCB symbols for values that are not published.
STATUS_TEXT = {
    "..": SUPPRESSED,
    ".": "uppgift kan inte förekomma",
    ":": "uppgift saknas (sekretess)",
    "...": "uppgift saknas",
    "-": "uppgift saknas",
    # not SCB symbols: why a tätort has no change since 2015 (ortsprofil.figures.measures.tatort_change)
    "ny 2020": "ny tätort 2020 (ingen tätort 2015)",
    "sammanslagen": "uppgift saknas (2015 var orten flera tätorter)",
}


def is_missing(value: object) -> bool:
    """True for None and NaN (what a suppressed or absent figure looks like)."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_number(value: float | int | None, decimals: int = 0, status: str | None = None) -> str:
    """Format a number the Swedish way: "1 314", "27,1", "−3,5".

    Parameters
    ----------
    value : float or None
    decimals : int
        Fixed number of decimals.
    status : str, optional
        SCB status symbol; when set and the value is missing, its meaning is returned.

    Examples
    --------
    >>> fmt_number(1314)
    '1\\xa0314'
    >>> fmt_number(27.14, 1)
    '27,1'
    >>> fmt_number(float("nan"))
    'uppgift saknas'
    """
    if is_missing(value):
        return STATUS_TEXT.get(status or "", MISSING)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    out = format_decimal(float(value), format=pattern, locale=LOCALE)  # type: ignore[arg-type]
    return out.replace("-", "−")


def fmt_percent(value: float | None, decimals: int = 1, status: str | None = None) -> str:
    """A value already in percent (27.1) as "27,1 %"."""
    if is_missing(value):
        return fmt_number(value, status=status)
    return f"{fmt_number(value, decimals)}\xa0%"


def fmt_signed_percent(value: float | None, decimals: int = 1) -> str:
    """A change in percent with its sign: "+3,2 %", "−1,0 %"."""
    if is_missing(value):
        return MISSING
    sign = "+" if float(value) > 0 else ""  # type: ignore[arg-type]
    return f"{sign}{fmt_percent(value, decimals)}"


#: How each unit is written: (decimals, suffix). Rendering depends on the unit, never the stat.
UNITS: dict[str, tuple[int, str]] = {
    "personer": (0, ""),
    "antal": (0, ""),
    "ha": (0, "\xa0ha"),
    "km²": (1, "\xa0km²"),
    "per km²": (0, "\xa0inv./km²"),
    "km": (1, "\xa0km"),
    "procent": (1, "\xa0%"),
    "förändring procent": (1, "\xa0%"),
    "förändring personer": (0, ""),
    "tkr": (1, "\xa0tkr"),
    "kr": (0, "\xa0kr"),
    "år": (1, "\xa0år"),
    "per 1 000 inv.": (1, "\xa0per 1\xa0000 inv."),
}


def fmt_value(value: float | None, unit: str, status: str | None = None) -> str:
    """Format ``value`` according to its ``unit`` (see :data:`UNITS`).

    Examples
    --------
    >>> fmt_value(527.7, "per km²")
    '528\\xa0inv./km²'
    >>> fmt_value(None, "procent", status="..")
    'uppgift saknas (sekretess eller noll)'
    """
    if is_missing(value):
        return fmt_number(value, status=status)
    decimals, suffix = UNITS.get(unit, (1, f"\xa0{unit}" if unit else ""))
    text = fmt_number(value, decimals) + suffix
    if unit.startswith("förändring") and float(value) > 0:  # type: ignore[arg-type]
        text = "+" + text
    return text


def fmt_date(iso: str) -> str:
    """"2020-12-31" → "31 december 2020"; anything that is no ISO date is returned as is."""
    from datetime import date

    try:
        d = date.fromisoformat(iso[:10])
    except (TypeError, ValueError):
        return iso
    return format_date(d, format="d MMMM y", locale=LOCALE)


# -- comparison phrases ----------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """The adjective forms an indicator uses: "hög"/"högre"/"lägre", "lång"/"längre"/"kortare"."""

    base: str = "hög"
    more: str = "högre"
    less: str = "lägre"
    most: str = "högst"  # place 1 in a ranking: "1 = högst", "1 = längst"


HIGH = Wording()
LARGE = Wording("stor", "större", "mindre", "störst")
LONG = Wording("långt", "längre", "kortare", "längst")  # "avståndet är …"
MANY = Wording("många", "fler", "färre", "flest")


def lan_short(lan_name: str) -> str:
    """The län as people say it: "Skåne" for "Skåne län", "Värmland" for "Värmlands län"."""
    name = lan_name.removesuffix(" län")
    return name[:-1] if lan_name.endswith("s län") else name


def ordinal(n: int) -> str:
    """Swedish ordinal in digits: 1:a, 2:a, 3:e, 11:e, 21:a, 22:a."""
    return f"{n}:{'a' if n % 10 in (1, 2) and n % 100 not in (11, 12) else 'e'}"


def plural(n: int, one: str, many: str) -> str:
    """"1 annan tätort", "3 andra tätorter": the number with the right form."""
    return f"{fmt_number(n)} {one if n == 1 else many}"

#: Ratio bands (ort / comparator), lowest bound inclusive, checked top-down. One table, unit tested.
PHRASES: list[tuple[float, str]] = [
    (3.5, "mer än tre gånger så {base} som {where}"),
    (2.75, "ungefär tre gånger så {base} som {where}"),
    (2.25, "ungefär två och en halv gånger så {base} som {where}"),
    (1.75, "ungefär dubbelt så {base} som {where}"),
    (1.4, "ungefär en och en halv gång så {base} som {where}"),
    (1.2, "klart {more} än {where}"),
    (1.08, "något {more} än {where}"),
    (0.925, "ungefär som {where}"),
    (0.8, "något {less} än {where}"),
    (0.7, "ungefär tre fjärdedelar så {base} som {where}"),
    (0.58, "ungefär två tredjedelar så {base} som {where}"),
    (0.42, "ungefär hälften så {base} som {where}"),
    (0.29, "ungefär en tredjedel så {base} som {where}"),
    (0.2, "ungefär en fjärdedel så {base} som {where}"),
    (0.0, "mindre än en femtedel så {base} som {where}"),
]


def compare(value: float | None, reference: float | None, where: str, wording: Wording = HIGH) -> str | None:
    """A Swedish phrase placing ``value`` relative to ``reference``.

    Returns None when either value is missing or the reference is not positive (no phrase
    rather than a wrong one).

    Examples
    --------
    >>> compare(40, 20, "i Skåne")
    'ungefär dubbelt så hög som i Skåne'
    >>> compare(9.5, 10, "hos liknande orter")
    'ungefär som hos liknande orter'
    >>> compare(9, 10, "i kommunen")
    'något lägre än i kommunen'
    """
    if is_missing(value) or is_missing(reference) or float(reference) <= 0 or float(value) < 0:  # type: ignore[arg-type]
        return None
    ratio = float(value) / float(reference)  # type: ignore[arg-type]
    if ratio >= 3.5:  # large ratios in words that scale: "ungefär 300 gånger så stor"
        return f"ungefär {_round_ratio(ratio)} gånger så {wording.base} som {where}"
    if 0 < ratio < 0.2 and 1 / ratio >= 3.5:
        return f"ungefär en {_ordinal_part(1 / ratio)} så {wording.base} som {where}"
    for bound, template in PHRASES:
        if ratio >= bound:
            return template.format(base=wording.base, more=wording.more, less=wording.less, where=where)
    return None  # pragma: no cover - the last bound is 0


def _round_ratio(r: float) -> str:
    """4, 12, 40, 300, 3 000: two significant digits at most, in words a reader can say."""
    n = int(round(r))
    if n >= 20:
        digits = len(str(n)) - 2 if n >= 100 else len(str(n)) - 1
        n = int(round(n, -digits))
    return format_decimal(n, locale=LOCALE).replace("\xa0", " ")


def _ordinal_part(r: float) -> str:
    """1/5 → "femtedel", 1/10 → "tiondel", 1/300 → "trehundradel" (rounded like :func:`_round_ratio`)."""
    n = int(_round_ratio(r).replace(" ", ""))
    words = {4: "fjärdedel", 5: "femtedel", 6: "sjättedel", 7: "sjundedel", 8: "åttondel", 9: "niondel",
             10: "tiondel", 11: "elftedel", 12: "tolftedel", 13: "trettondel", 14: "fjortondel", 15: "femtondel",
             16: "sextondel", 17: "sjuttondel", 18: "artondel", 19: "nittondel", 20: "tjugondel",
             30: "trettiondel", 40: "fyrtiondel", 50: "femtiondel", 60: "sextiondel", 70: "sjuttiondel",
             80: "åttiondel", 90: "nittiondel", 100: "hundradel", 1000: "tusendel"}
    return words.get(n, f"{_round_ratio(r)}-del")


def join_sv(items: list[str]) -> str:
    """"a, b och c" (Swedish list conjunction)."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


def capitalize(text: str) -> str:
    """Upper-case the first letter only ("ungefär …" → "Ungefär …")."""
    return text[:1].upper() + text[1:] if text else text
