"""The indicator registry: every figure a profile can show, declared once.

Each :class:`Indicator` names its Swedish label, unit, section, source table and a small
compute function. Compute functions are pure: they take a :class:`Data` bundle of tidy frames
and return a Series keyed by region code — tätort codes for tätort indicators, kommun/län/riket
codes for kommun indicators. The profile picks the locality's value, its comparators and its
rank among peers from that Series; the notebook never computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np
import pandas as pd

from .snapshot import Snapshot
from .text import HIGH, LARGE, LONG, MANY, Wording

from .localities import DELINEATION_YEAR as TATORT_YEAR  # noqa: E402  (2020)


@dataclass
class Data:
    """The frames indicators compute from.

    Parameters
    ----------
    tatorter : DataFrame
        One row per tätort: tatort_code, kommun_code, lan_code, population, land_area_ha, x, y.
    kommun_folkmangd : DataFrame
        Tidy population rows for kommun/län/riket (region_code, year, value).
    snapshot : Snapshot, optional
        For indicators that read fetched tables.
    """

    tatorter: pd.DataFrame
    kommun_folkmangd: pd.DataFrame
    snapshot: Snapshot | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, key: str) -> pd.DataFrame:
        if key in self.extra:
            return self.extra[key]
        if self.snapshot is None:
            raise KeyError(key)
        return self.snapshot.read(key)

    def has(self, key: str) -> bool:
        return key in self.extra or (self.snapshot is not None and self.snapshot.has(key))

    @cached_property
    def distances_km(self) -> np.ndarray:
        """Pairwise straight-line distances between all tätorter (km)."""
        xy = self.tatorter[["x", "y"]].to_numpy()
        return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) / 1000.0


@dataclass(frozen=True)
class Indicator:
    """One figure in the profile.

    Attributes
    ----------
    key : str
    label : str
        Swedish label shown to readers.
    unit : str
        One of :data:`ortsprofil.text.UNITS` keys.
    section : str
        Profile section key ("oversikt", "befolkning", "alder", "arbete", "lage").
    level : str
        "tatort" (one value per tätort) or "kommun" (per kommun, län, riket).
    compute : callable
        ``compute(data) -> Series`` keyed by region code.
    aggregate : callable, optional
        For tätort indicators: ``aggregate(data) -> Series`` keyed by kommun/län/riket code
        (e.g. density of all tätorter in the län). None when such a comparison makes no sense.
    requires : tuple[str, ...]
        Snapshot tables needed; when one is missing the indicator is listed as missing.
    table : str
        SCB table named as source.
    ref : str
        Reference date / period shown with the source.
    wording : Wording
        Adjectives for comparison phrases.
    note : str, optional
        A caveat shown with the figure.
    count_base : callable, optional
        ``count_base(data) -> Series`` of the number of people a share is based on
        (small-number caveats).
    """

    key: str
    label: str
    unit: str
    section: str
    level: str
    compute: Callable[[Data], pd.Series]
    table: str
    ref: str
    requires: tuple[str, ...] = ()
    aggregate: Callable[[Data], pd.Series] | None = None
    wording: Wording = HIGH
    note: str | None = None
    count_base: Callable[[Data], pd.Series] | None = None


# -- compute functions (each unit tested on a tiny frame) -------------------------------------


def tatort_population(data: Data) -> pd.Series:
    """Folkmängd per tätort."""
    return data.tatorter.set_index("tatort_code")["population"].astype(float)


def tatort_land_area(data: Data) -> pd.Series:
    """Landareal per tätort (ha)."""
    return data.tatorter.set_index("tatort_code")["land_area_ha"].astype(float)


def tatort_density(data: Data) -> pd.Series:
    """Invånare per km² land: folkmängd / (landareal ha / 100)."""
    t = data.tatorter.set_index("tatort_code")
    return (t["population"] / (t["land_area_ha"] / 100.0)).astype(float)


def density_by_region(data: Data) -> pd.Series:
    """Density of all tätorter taken together, per kommun, län and riket ("00")."""
    t = data.tatorter
    parts = []
    for col in ("kommun_code", "lan_code"):
        g = t.groupby(col)[["population", "land_area_ha"]].sum()
        parts.append(g["population"] / (g["land_area_ha"] / 100.0))
    riket = pd.Series({"00": t["population"].sum() / (t["land_area_ha"].sum() / 100.0)})
    return pd.concat(parts + [riket]).astype(float)


def _kommun_population(data: Data, year: int) -> pd.Series:
    k = data.kommun_folkmangd
    k = k[(k["year"] == year) & (k["variable"] == "folkmangd")]
    return k.set_index("region_code")["value"].astype(float)


def share_of_kommun(data: Data) -> pd.Series:
    """Tätortens andel av kommunens folkmängd, percent (same reference date, 31 Dec 2020)."""
    kpop = _kommun_population(data, TATORT_YEAR)
    t = data.tatorter.set_index("tatort_code")
    return (100.0 * t["population"] / t["kommun_code"].map(kpop)).astype(float)


def _growth(data: Data, start: int, end: int = TATORT_YEAR) -> pd.Series:
    a, b = _kommun_population(data, start), _kommun_population(data, end)
    both = a.index.intersection(b.index)
    return (100.0 * (b[both] / a[both] - 1.0)).astype(float)


def kommun_growth_10(data: Data) -> pd.Series:
    """Befolkningsförändring 2010–2020 per kommun/län, percent."""
    return _growth(data, TATORT_YEAR - 10)


def kommun_growth_30(data: Data) -> pd.Series:
    """Befolkningsförändring 1990–2020 per kommun/län, percent."""
    return _growth(data, TATORT_YEAR - 30)


def distance_to_size(min_population: int) -> Callable[[Data], pd.Series]:
    """Distance (km) to the nearest tätort of at least ``min_population`` inhabitants.

    A tätort that is itself that large gets 0.
    """

    def compute(data: Data) -> pd.Series:
        t = data.tatorter
        big = (t["population"] >= min_population).to_numpy()
        if not big.any():
            return pd.Series(np.nan, index=t["tatort_code"], dtype=float)
        d = data.distances_km[:, big].copy()
        d[d == 0] = np.inf  # another point at the very same place does not count as itself
        nearest = d.min(axis=1)
        nearest[big] = 0.0
        return pd.Series(nearest, index=t["tatort_code"].to_numpy(), dtype=float)

    compute.__name__ = f"distance_to_{min_population}"
    compute.__doc__ = f"Avstånd till närmaste tätort med minst {min_population} invånare (km)."
    return compute


def tatorter_within(km: float) -> Callable[[Data], pd.Series]:
    """Number of *other* tätorter whose point lies within ``km`` of each tätort."""

    def compute(data: Data) -> pd.Series:
        d = data.distances_km
        within = (d <= km).sum(axis=1) - 1  # minus itself
        return pd.Series(within.astype(float), index=data.tatorter["tatort_code"].to_numpy())

    compute.__name__ = f"tatorter_within_{km:g}km"
    return compute


_MI0810 = "SCB MI0810 LandarealTatortN"
_BE0101 = "SCB BE0101 BefolkningNy (Folkmängd 31 december)"
_REF_T = f"{TATORT_YEAR}-12-31"

#: The registry. Order is display order within each section.
INDICATORS: list[Indicator] = [
    Indicator(
        "folkmangd", "Folkmängd", "personer", "oversikt", "tatort", tatort_population,
        table=_MI0810, ref=_REF_T, wording=LARGE,
    ),
    Indicator(
        "landareal", "Landareal", "ha", "oversikt", "tatort", tatort_land_area,
        table=_MI0810, ref=_REF_T, wording=LARGE,
    ),
    Indicator(
        "tathet", "Befolkningstäthet", "per km²", "oversikt", "tatort", tatort_density,
        aggregate=density_by_region, table=_MI0810, ref=_REF_T,
        note="Folkmängd per km² landareal inom tätortens gräns. Jämförelsen för kommun, län och "
        "riket avser alla tätorter där tillsammans.",
    ),
    Indicator(
        "andel_av_kommunen", "Andel av kommunens invånare", "procent", "oversikt", "tatort",
        share_of_kommun, table=f"{_MI0810}; {_BE0101}", ref=_REF_T, requires=("kommun_folkmangd",),
        note="Tätortens folkmängd delad med kommunens, båda den 31 december 2020.",
    ),
    Indicator(
        "kommun_forandring_10", "Kommunens befolkningsförändring 2010–2020", "förändring procent",
        "befolkning", "kommun", kommun_growth_10, table=_BE0101, ref="2010-12-31 – 2020-12-31",
        requires=("kommun_folkmangd",),
    ),
    Indicator(
        "kommun_forandring_30", "Kommunens befolkningsförändring 1990–2020", "förändring procent",
        "befolkning", "kommun", kommun_growth_30, table=_BE0101, ref="1990-12-31 – 2020-12-31",
        requires=("kommun_folkmangd",),
    ),
    Indicator(
        "avstand_10k", "Avstånd till närmaste tätort med minst 10 000 invånare", "km", "lage",
        "tatort", distance_to_size(10_000), table=_MI0810, ref=_REF_T, wording=LONG,
        note="Fågelvägen mellan SCB:s tätortspunkter, inte väg- eller restid.",
    ),
    Indicator(
        "avstand_50k", "Avstånd till närmaste tätort med minst 50 000 invånare", "km", "lage",
        "tatort", distance_to_size(50_000), table=_MI0810, ref=_REF_T, wording=LONG,
        note="Fågelvägen mellan SCB:s tätortspunkter, inte väg- eller restid.",
    ),
    Indicator(
        "tatorter_10km", "Andra tätorter inom 10 km", "antal", "lage", "tatort",
        tatorter_within(10.0), table=_MI0810, ref=_REF_T, wording=MANY,
        note="Räknat fågelvägen mellan SCB:s tätortspunkter, i hela Sverige (även över länsgräns).",
    ),
]

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


def get(key: str) -> Indicator:
    """The indicator called ``key``."""
    return BY_KEY[key]


def register(indicator: Indicator) -> None:
    """Add (or replace) an indicator in the registry."""
    global INDICATORS
    INDICATORS = [i for i in INDICATORS if i.key != indicator.key] + [indicator]
    BY_KEY[indicator.key] = indicator
