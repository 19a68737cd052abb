"""The profile's data model: sources, figures (Stat) and the profile's data, with the thresholds
for small numbers and SCB's noise. No presentation and no computation here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

import pandas as pd

from ortsprofil import text as T
from ortsprofil.figures.localities import Locality
from ortsprofil.data.snapshot import Snapshot

if TYPE_CHECKING:
    from ortsprofil.figures import indicators as ind


#: Tätorter within this distance are kept with the profile (for maps).
NEARBY_KM = 80.0
COMPARATORS = ("kommun", "lan", "riket", "peers_median")
#: Section keys and their Swedish headings, in report order.
SECTIONS = {
    "oversikt": "Översikt",
    "befolkning": "Befolkning",
    "alder": "Ålder och kön",
    "arbete": "Arbete och inkomst",
    "boende": "Boende",
    "lage": "Läge och service",
    "liknande": "Liknande orter",
    "kallor": "Källor och förbehåll",
}
#: Small-number thresholds (plain-Swedish caveats are attached below these).
SMALL_COUNT = 10
SMALL_BASE = 50
#: SCB's Cell Key Method noise (from reference year 2025) moves counts by a few persons.
NOISE_PERSONS = 10
NOISE_FROM_YEAR = 2025
CKM_NOTE = (
    "Från och med referensåret 2025 lägger SCB till ett litet, kontrollerat slumpmässigt brus i "
    "befolkningsstatistiken för att ingen enskild person ska kunna pekas ut. Därför är summan av "
    "delarna inte alltid lika med totalen, och mycket små förändringar kan bero på bruset."
)


def _period(ref: str) -> str:
    """The years a reference names, as "2019" or "2013–2023" ("" when it names none)."""
    years = list(dict.fromkeys(re.findall(r"(?<!\d)(\d{4})(?!\d)", ref)))
    return "–".join(years[:1] + years[-1:]) if len(years) > 1 else (years[0] if years else "")


@dataclass(frozen=True)
class Source:
    """Where a figure comes from: SCB table, reference date, and fetch date for fetched data."""

    table: str
    ref: str
    fetched_at: str | None = None
    origin: str = "bundled"

    def text(self) -> str:
        out = f"{self.table}, {self.ref}"
        if self.fetched_at:
            out += f" (hämtad {self.fetched_at[:10]})"
        return out

    #: SCB's product codes in words, for readers (the ids themselves are listed under Källor).
    PRODUCTS = {"MI0810": "tätorter", "AM0210": "befolkningens arbetsmarknadsstatus", "HE0110": "inkomster",
                "OE0101": "kommunalskatter", "UF0506": "befolkningens utbildning", "HE0111": "hushåll och boende",
                "BE0101": "befolkningsstatistik"}

    def what(self) -> str:
        """The source in plain words, without its years: "SCB, inkomster" (no table ids)."""
        code = next((c for c in self.PRODUCTS if c in self.table), None)
        if self.table.startswith("SCB") and code and not self.table.startswith("SCB,"):
            return f"SCB, {self.PRODUCTS[code]}"
        return re.sub(r"\s*\(?TAB\d+(, TAB\d+)*\)?", "", self.table).strip(" ;,")

    def words(self) -> str:
        """The source in plain words with its year: "SCB, inkomster, 2024" (no table ids)."""
        when = _period(self.ref)
        return f"{self.what()}, {when}" if when else self.what()


def sources_line(sources) -> str:
    """Several figures' sources in one line, each source once with all its years:
    "SCB, inkomster, 2024; SCB, folkmängd 31 december, 1992–2022, 2012–2022"."""
    years: dict[str, list[str]] = {}
    for s in sources:
        when = _period(s.ref)
        got = years.setdefault(s.what(), [])
        if when and when not in got:
            got.append(when)
    return "; ".join(f"{what}, {', '.join(sorted(w))}" if w else what for what, w in sorted(years.items()))


@dataclass
class Stat:
    """One figure of the profile with its comparisons.

    ``values`` maps "ort", "kommun", "lan", "riket" and "peers_median" to numbers (NaN when
    not available). ``rank`` is (place, of how many) among the peer group, 1 = highest;
    for kommun-level figures it is the kommun's place among the län's kommuner.
    """

    key: str
    label: str
    unit: str
    section: str
    level: str
    values: dict[str, float]
    source: Source
    rank: tuple[int, int] | None = None
    percentile: float | None = None
    note: str | None = None
    status: str | None = None
    caveats: list[str] = field(default_factory=list)
    wording: T.Wording = T.HIGH
    base: float | None = None
    comparator_label: str | None = None

    @property
    def period(self) -> str:
        """The reference year or years of the figure ("2019", "2013–2023")."""
        return _period(self.source.ref)

    @property
    def display_label(self) -> str:
        """The label with its reference year, unless the label already names the years."""
        if re.search(r"\d{4}", self.label) or not self.period:
            return self.label
        return f"{self.label} ({self.period})"

    @property
    def value(self) -> float:
        """The locality's value (for kommun figures: the kommun's)."""
        return self.values.get("ort" if self.level == "tatort" else "kommun", float("nan"))

    def formatted(self, who: str | None = None) -> str:
        who = who or ("ort" if self.level == "tatort" else "kommun")
        status = self.status if who == ("ort" if self.level == "tatort" else "kommun") else None
        return T.fmt_value(self.values.get(who), self.unit, status)


@dataclass
class Profile:
    """Everything known about one locality: its figures (:class:`Stat`), peers, neighbours, series,
    sources and caveats — data only. How it is shown lives in :mod:`ortsprofil.present`
    (``page``, ``tables``, ``charts``, ``maps``), which takes a Profile and never changes it.
    """

    ort: Locality
    lan_code: str
    lan_name: str
    peer_min: int
    peer_max: int
    peer_rule: dict
    deso: dict | None
    age_trend: pd.DataFrame
    income_trend: pd.DataFrame
    stats: dict[str, Stat]
    missing: list[ind.Indicator]
    peers: pd.DataFrame
    neighbours: pd.DataFrame
    nearby: pd.DataFrame
    larger_towns: pd.DataFrame
    kommun_series: pd.DataFrame
    tatort_series: pd.DataFrame
    age_table: pd.DataFrame | None
    lan_rank: tuple[int, int]
    sources: list[Source]
    notes: list[str]
    built: str
    snapshot: Snapshot

    # -- lookups ------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Stat:
        return self.stats[key]

    def __contains__(self, key: str) -> bool:
        return key in self.stats

    def section(self, name: str) -> list[Stat]:
        return [s for s in self.stats.values() if s.section == name]

    @property
    def kommun_label(self) -> str:
        return f"{self.ort.kommun_name} kommun"

    @property
    def lan_short(self) -> str:
        """"Skåne" for "Skåne län" (as people say it)."""
        return T.lan_short(self.lan_name)
