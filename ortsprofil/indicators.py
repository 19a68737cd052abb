"""The indicator registry: every figure a profile can show, declared once.

Each :class:`Indicator` names its Swedish label, unit, section, source table and a small
compute function. Compute functions are pure: they take a :class:`Data` bundle of tidy frames
and return a Series keyed by region code — tätort codes for tätort indicators, kommun/län/riket
codes for kommun indicators. The profile picks the locality's value, its comparators and its
rank among peers from that Series; the notebook never computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Callable

import numpy as np
import pandas as pd

from .localities import DELINEATION_YEAR as TATORT_YEAR  # 2020
from .snapshot import Snapshot
from .text import HIGH, LARGE, LONG, MANY, Wording


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
    #: Computed indicator series by key (each indicator runs once per Data, for all tätorter).
    series_cache: dict[str, pd.Series] = field(default_factory=dict)

    def table(self, key: str) -> pd.DataFrame:
        if key in self.extra:
            return self.extra[key]
        if self.snapshot is None:
            raise KeyError(key)
        return self.snapshot.read(key)

    def has(self, key: str) -> bool:
        return key in self.extra or (self.snapshot is not None and self.snapshot.has(key))

    def distances_km(self, to: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """Straight-line distances (km) from every tätort to the tätorter selected by the boolean mask
        ``to`` (default all), in blocks of rows: ``(rows, block)`` with ``block[i, j]`` the distance
        from tätort ``rows.start + i`` to the ``j``-th selected one. Blocks keep memory small (the
        whole 2 017 × 2 017 matrix and its temporaries took about 100 MB in every kernel)."""
        xy = self.tatorter[["x", "y"]].to_numpy(dtype=float)
        other = xy if to is None else xy[to]
        for start in range(0, len(xy), 256):
            rows = slice(start, min(start + 256, len(xy)))
            part = xy[rows]
            yield rows, np.hypot(part[:, None, 0] - other[None, :, 0], part[:, None, 1] - other[None, :, 1]) / 1000.0


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
    #: How the kommun/län/riket values of a tätort figure are named ("tätorterna i {where}"): the
    #: aggregate of a tätort figure is the figure of the tätorter there, not of the whole region.
    comparator_label: str | None = None
    #: For figures over a period: its length in years. ``compute(data, end)`` then takes the end
    #: year, which the profile chooses so that the kommun, the län and riket share one period.
    periodic: int = 0


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


def _change(data: Data, start: int, end: int, *, percent: bool) -> pd.Series:
    """Population change from 31 Dec ``start`` to 31 Dec ``end``, in percent or in persons."""
    a, b = _kommun_population(data, start), _kommun_population(data, end)
    both = a.index.intersection(b.index)
    out = (100.0 * (b[both] / a[both] - 1.0) if percent else b[both] - a[both]).astype(float)
    out.attrs.update({"ref": f"{start}-12-31 – {end}-12-31", "year": end, "start": start})
    return out


def growth(span: int) -> Callable[[Data, int], pd.Series]:
    """Population change (%) over ``span`` years ending in ``end`` (the profile picks ``end``:
    the latest year its kommun, län and riket all have — one period for every comparator)."""

    def compute(data: Data, end: int) -> pd.Series:
        return _change(data, end - span, end, percent=True)

    compute.__name__ = f"growth_{span}"
    return compute


def change_persons(data: Data, end: int) -> pd.Series:
    """Change in persons from 31 Dec ``end - 1`` to 31 Dec ``end``."""
    return _change(data, end - 1, end, percent=False)


def common_end_year(data: Data, regions: list[str]) -> int | None:
    """The latest year in which every one of ``regions`` has a population figure (31 December)."""
    k = data.kommun_folkmangd
    k = k[(k["variable"] == "folkmangd") & k["region_code"].isin(regions) & k["value"].notna()]
    counts = k.groupby("year")["region_code"].nunique()
    years = counts[counts == len(set(regions))].index
    return int(max(years)) if len(years) else None


def distance_to_size(min_population: int, *, self_counts: bool = False) -> Callable[[Data], pd.Series]:
    """Distance (km) to the nearest *other* tätort of at least ``min_population`` inhabitants.

    A town that is itself that large is never its own nearest larger town (Kiruna's nearest town
    of 10 000+ is another town). With ``self_counts`` (the screening's "is it a town or near
    one?"), such a town gets 0.
    """

    def compute(data: Data) -> pd.Series:
        t = data.tatorter
        big = (t["population"] >= min_population).to_numpy()
        if not big.any():
            return pd.Series(np.nan, index=t["tatort_code"], dtype=float)
        nearest = np.empty(len(t))
        big_index = np.cumsum(big) - 1  # column of each big town among the big ones
        for rows, d in data.distances_km(big):
            mine = np.flatnonzero(big[rows])
            d[mine, big_index[rows][mine]] = np.inf  # itself
            nearest[rows] = d.min(axis=1)
        if self_counts:
            nearest[big] = 0.0
        return pd.Series(nearest, index=t["tatort_code"].to_numpy(), dtype=float)

    compute.__name__ = f"distance_to_{min_population}"
    compute.__doc__ = f"Avstånd till närmaste tätort med minst {min_population} invånare (km)."
    return compute


def tatorter_within(km: float) -> Callable[[Data], pd.Series]:
    """Number of *other* tätorter whose point lies within ``km`` of each tätort."""

    def compute(data: Data) -> pd.Series:
        within = np.empty(len(data.tatorter), dtype=int)
        for rows, d in data.distances_km():
            within[rows] = (d <= km).sum(axis=1) - 1  # minus itself
        return pd.Series(within.astype(float), index=data.tatorter["tatort_code"].to_numpy())

    compute.__name__ = f"tatorter_within_{km:g}km"
    return compute


# -- indicators from fetched tables (present after `ortsprofil data hamta`) ---------------------

#: Age bands SCB publishes per tätort, and how single years of age map onto them.
AGE_BANDS = {"0-19": (0, 19), "20-64": (20, 64), "65+": (65, 200)}


def _age_lower(alder: str) -> int | None:
    """'0' → 0, '100+' → 100, '65+' → 65, '0-19' → 0; '' (total) → None."""
    if not alder:
        return None
    head = alder.split("-")[0].rstrip("+")
    return int(head) if head.isdigit() else None


def _band_of(alder: str) -> str | None:
    low = _age_lower(alder)
    if low is None:
        return None
    for band, (lo, hi) in AGE_BANDS.items():
        if lo <= low <= hi:
            return band
    return None


def _latest_year(frame: pd.DataFrame) -> int | None:
    have = frame.loc[frame["value"].notna(), "year"]
    return int(have.max()) if len(have) else None


def _cached(data: Data, key: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    if key not in data.series_cache:
        data.series_cache[key] = make()  # type: ignore[assignment]
    return data.series_cache[key]  # type: ignore[return-value]


def _band_share(w: pd.DataFrame, band: str) -> pd.Series:
    """Share (%) of ``band`` in a frame of counts by band with a ``total`` column."""
    out = (100.0 * w[band] / w["total"]).astype(float)
    out.attrs = {"ref": f"{w.attrs['year']}-12-31"}  # not the inputs' attrs (pandas propagates them)
    return out


def tatort_age_counts(data: Data) -> pd.DataFrame:
    """Tätort population by band (columns 0-19, 20-64, 65+, total) in the latest year, both sexes."""
    return _cached(data, "__tatort_age_counts", lambda: _tatort_age_counts(data))


def _tatort_age_counts(data: Data) -> pd.DataFrame:
    t = data.table("tatort_alder")
    t = t[(t["kon"] == "") & (t["variable"] == "folkmangd")]
    year = _latest_year(t)
    t = t[t["year"] == year]
    wide = t.pivot_table(index="region_code", columns="alder", values="value", aggfunc="first", dropna=False)
    wide = wide.rename(columns={"": "total"})
    if "total" not in wide:  # only the bands were fetched (the leaves): the total is their sum
        wide["total"] = wide[[b for b in AGE_BANDS if b in wide]].sum(axis=1, min_count=len(AGE_BANDS))
    status = t.dropna(subset=["status"]).pivot_table(index="region_code", columns="alder", values="status",
                                                     aggfunc="first").rename(columns={"": "total"})
    wide.attrs["year"] = year
    wide.attrs["status"] = status
    return wide


def kommun_age_counts(data: Data, year: int | None = None) -> pd.DataFrame:
    """Kommun/län/riket population by band (0-19, 20-64, 65+, total), both sexes, one year."""
    return _cached(data, f"__kommun_age_counts_{year}", lambda: _kommun_age_counts(data, year))


def _kommun_age_counts(data: Data, year: int | None) -> pd.DataFrame:
    k = data.table("kommun_alder_kon")
    k = k[k["variable"] == "folkmangd"]
    years = set(k["year"])
    year = year if year in years else _latest_year(k)
    k = k[k["year"] == year].assign(band=lambda f: f["alder"].map(_band_of))
    # Sum sexes (and single years into bands); a missing part makes the sum missing.
    wide = k.groupby(["region_code", "band"])["value"].sum(min_count=1).unstack("band")
    wide["total"] = wide[list(AGE_BANDS)].sum(axis=1, min_count=len(AGE_BANDS))
    wide.attrs["year"] = year
    return wide


def age_share(band: str) -> Callable[[Data], pd.Series]:
    """Share (%) of the tätort's population in ``band`` — SCB MI0810 TatortAlderNN."""

    def compute(data: Data) -> pd.Series:
        w = tatort_age_counts(data)
        out = _band_share(w, band)
        st = w.attrs["status"]
        parts = [st[c] for c in (band, "total") if c in st]
        if parts:  # the SCB symbol of a missing part explains the missing share
            sym = parts[0].combine_first(parts[1]) if len(parts) > 1 else parts[0]
            out.attrs["status"] = sym.dropna().to_dict()
        return out

    def aggregate(data: Data) -> pd.Series:
        return _band_share(kommun_age_counts(data, tatort_age_counts(data).attrs["year"]), band)

    def base(data: Data) -> pd.Series:
        return tatort_age_counts(data)["total"].astype(float)

    compute.aggregate, compute.base = aggregate, base  # type: ignore[attr-defined]
    return compute


def kommun_age_share(band: str) -> Callable[[Data], pd.Series]:
    """Share (%) of the kommun's (län's, riket's) population in ``band`` — SCB TAB638."""

    def compute(data: Data) -> pd.Series:
        return _band_share(kommun_age_counts(data), band)

    return compute


def _kommun_total(data: Data, year: int) -> pd.Series:
    """Population 31 December per region: the one series of :attr:`Data.kommun_folkmangd`."""
    k = data.kommun_folkmangd
    if len(k) and (k["year"] == year).any():
        return _kommun_population(data, year)
    return kommun_age_counts(data, year)["total"]


def events_per_1000(event: str) -> Callable[[Data], pd.Series]:
    """Births, deaths or net migration per 1 000 inhabitants in the latest year."""

    def compute(data: Data) -> pd.Series:
        f = data.table("kommun_forandringar")
        f = f[f["variable"] == event]
        year = _latest_year(f)
        f = f[f["year"] == year]
        # Use the both-sexes row when SCB has one; otherwise sum the sexes.
        both = f[f["kon"] == ""]
        counts = (both if len(both) else f).groupby("region_code")["value"].sum(min_count=1)
        pop = _kommun_total(data, year) if data.has("kommun_alder_kon") else pd.Series(dtype=float)
        out = (1000.0 * counts / pop.reindex(counts.index)).astype(float)
        out.attrs["ref"] = str(year)
        return out

    compute.__name__ = f"{event}_per_1000"
    return compute


def _latest_value(data: Data, table: str, variable: str) -> pd.Series:
    """``variable`` for both sexes in the latest year of ``table``, per region."""
    f = data.table(table)
    f = f[(f["variable"] == variable) & (f["kon"] == "")]
    if f.empty:
        return pd.Series(dtype=float)
    year = _latest_year(f)
    out = f[f["year"] == year].groupby("region_code")["value"].first().astype(float)
    out.attrs["ref"] = str(year)
    return out


def median_income(data: Data) -> pd.Series:
    """Median sammanräknad förvärvsinkomst, tkr, 16 år och äldre, both sexes, latest year."""
    return _latest_value(data, "kommun_inkomst", "medianinkomst")


def post_secondary_share(data: Data) -> pd.Series:
    """Share (%) of 25–64-year-olds with eftergymnasial education (incl. forskarutbildning)."""
    f = data.table("kommun_utbildning")
    year = _latest_year(f)
    f = f[f["year"] == year]
    by = f.groupby(["region_code", "variable"])["value"].sum(min_count=1).unstack("variable")
    out = (100.0 * by["utb_eftergymnasial"] / by.sum(axis=1, min_count=1)).astype(float)
    out.attrs["ref"] = str(year)
    return out


def employment_rate(data: Data) -> pd.Series:
    """Sysselsättningsgrad 20–64 år (%), both sexes, latest year."""
    return _latest_value(data, "kommun_sysselsattning", "sysselsattningsgrad")


def kommun_density(data: Data) -> pd.Series:
    """Inhabitants per km² of land in the whole kommun, län and riket: population 31 Dec 2020 / land area."""
    pop = _kommun_population(data, TATORT_YEAR)
    area = data.table("kommun_areal")
    area = area[area["variable"] == "landareal"].set_index("region_code")["value"]
    out = (pop / area.reindex(pop.index)).astype(float).dropna()
    out.attrs["ref"] = f"{TATORT_YEAR}-12-31"
    return out


def unemployment(data: Data) -> pd.Series:
    """Arbetslöshet 20–64 år (%), both sexes, latest year (BAS)."""
    return _latest_value(data, "kommun_sysselsattning", "arbetsloshet")


def tax_rate(data: Data) -> pd.Series:
    """Total kommunal skattesats (%), the latest year."""
    return _latest_value(data, "kommun_skattesats", "skattesats")


def tenure_share(group: str) -> Callable[[Data], pd.Series]:
    """Share (%) of households living in ``group`` (boende_hyresratt …); the län is the sum of its kommuner."""

    def compute(data: Data) -> pd.Series:
        h = data.table("kommun_hushall")
        year = _latest_year(h)
        h = h[h["year"] == year]
        by = h.pivot_table(index="region_code", columns="variable", values="value", aggfunc="sum")
        lan = by.groupby(by.index.str[:2]).sum()
        by = pd.concat([by, lan])
        out = (100.0 * by.get(group, np.nan) / by.sum(axis=1)).astype(float)
        out.attrs["ref"] = f"{year}-12-31"
        return out

    compute.__name__ = f"share_{group}"
    return compute


def service_distance(column: str) -> Callable[[Data], pd.Series]:
    """Straight-line km from the tätort point to the nearest pharmacy service point (Pipos, Skåne)."""

    def compute(data: Data) -> pd.Series:
        s = data.table("tatort_service")
        return s.set_index("tatort_code")[column].astype(float)

    compute.__name__ = f"service_{column}"
    return compute


_MI0810 = "SCB MI0810 LandarealTatortN"
_BE0101 = "SCB, folkmängd 31 december"
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
        "tathet", "Befolkningstäthet i tätorten", "per km²", "oversikt", "tatort", tatort_density,
        aggregate=density_by_region, table=_MI0810, ref=_REF_T, comparator_label="tätorterna i {where}",
        note="Folkmängd per km² landareal inom tätortens gräns, jämförd med alla tätorter i kommunen, "
        "länet och riket tillsammans (inte med hela kommunens yta).",
    ),
    Indicator(
        "kommun_tathet", "Befolkningstäthet i hela kommunen", "per km²", "oversikt", "kommun", kommun_density,
        table="SCB BE0101 folkmängd; SCB landareal", ref=f"{TATORT_YEAR}", requires=("kommun_folkmangd", "kommun_areal"),
        note="Kommunens, länets och rikets folkmängd 31 december 2020 delad med deras landareal (2016).",
    ),
    Indicator(
        "andel_av_kommunen", "Andel av kommunens invånare som bor i tätorten", "procent", "oversikt", "tatort",
        share_of_kommun, table=f"{_MI0810}; {_BE0101}", ref=_REF_T, requires=("kommun_folkmangd",),
        note="Tätortens folkmängd delad med kommunens, båda den 31 december 2020.",
    ),
    Indicator(
        "kommun_forandring_1", "Kommunens befolkningsförändring {start}–{end}", "förändring personer", "befolkning",
        "kommun", change_persons, table=_BE0101, ref="senaste året", requires=("kommun_folkmangd",),
        wording=LARGE, periodic=1,
    ),
    Indicator(
        "kommun_forandring_10", "Kommunens befolkningsförändring {start}–{end}", "förändring procent",
        "befolkning", "kommun", growth(10), table=_BE0101, ref="tio år", requires=("kommun_folkmangd",),
        periodic=10,
    ),
    Indicator(
        "kommun_forandring_30", "Kommunens befolkningsförändring {start}–{end}", "förändring procent",
        "befolkning", "kommun", growth(30), table=_BE0101, ref="trettio år", requires=("kommun_folkmangd",),
        periodic=30,
    ),
    Indicator(
        "avstand_10k", "Avstånd till närmaste annan tätort med minst 10 000 invånare", "km", "lage",
        "tatort", distance_to_size(10_000), table=_MI0810, ref=_REF_T, wording=LONG,
        note="Fågelvägen mellan SCB:s tätortspunkter, inte väg- eller restid.",
    ),
    Indicator(
        "avstand_50k", "Avstånd till närmaste annan tätort med minst 50 000 invånare", "km", "lage",
        "tatort", distance_to_size(50_000), table=_MI0810, ref=_REF_T, wording=LONG,
        note="Fågelvägen mellan SCB:s tätortspunkter, inte väg- eller restid.",
    ),
    Indicator(
        "apotek_km", "Avstånd till närmaste apotek", "km", "lage", "tatort", service_distance("apotek_km"),
        table="Tillväxtanalys Pipos (apotek); SCB:s tätortspunkter", ref="2025-11-12", wording=LONG,
        requires=("tatort_service",),
        note="Fågelvägen från tätortens punkt till närmaste apotek (Tillväxtanalys serviceställen, 12 november 2025).",
    ),
    Indicator(
        "apoteksombud_km", "Avstånd till närmaste apotek eller apoteksombud", "km", "lage", "tatort",
        service_distance("narmaste_km"), table="Tillväxtanalys Pipos (apotek och apoteksombud)", ref="2025-11-12",
        wording=LONG, requires=("tatort_service",),
        note="Ett apoteksombud är till exempel en dagligvarubutik som lämnar ut läkemedel.",
    ),
    Indicator(
        "tatorter_10km", "Andra tätorter inom 10 km", "antal", "lage", "tatort",
        tatorter_within(10.0), table=_MI0810, ref=_REF_T, wording=MANY,
        note="Räknat fågelvägen mellan SCB:s tätortspunkter, i hela Sverige (även över länsgräns).",
    ),
]

_AGE = "SCB MI0810 TatortAlderNN; jämförelser SCB BE0101 (TAB638)"
INDICATORS += [
    Indicator(
        "andel_0_19", "Andel 0–19 år", "procent", "alder", "tatort", age_share("0-19"),
        aggregate=age_share("0-19").aggregate, count_base=age_share("0-19").base,  # type: ignore[attr-defined]
        table=_AGE, ref="senaste året", requires=("tatort_alder", "kommun_alder_kon"),
    ),
    Indicator(
        "andel_20_64", "Andel 20–64 år", "procent", "alder", "tatort", age_share("20-64"),
        aggregate=age_share("20-64").aggregate, count_base=age_share("20-64").base,  # type: ignore[attr-defined]
        table=_AGE, ref="senaste året", requires=("tatort_alder", "kommun_alder_kon"),
    ),
    Indicator(
        "andel_65plus", "Andel 65 år och äldre", "procent", "alder", "tatort", age_share("65+"),
        aggregate=age_share("65+").aggregate, count_base=age_share("65+").base,  # type: ignore[attr-defined]
        table=_AGE, ref="senaste året", requires=("tatort_alder", "kommun_alder_kon"),
    ),
    Indicator(
        "kommun_andel_0_19", "Andel 0–19 år i kommunen", "procent", "alder", "kommun",
        kommun_age_share("0-19"), table="SCB BE0101 folkmängd efter ålder", ref="senaste året",
        requires=("kommun_alder_kon",),
    ),
    Indicator(
        "kommun_andel_65plus", "Andel 65 år och äldre i kommunen", "procent", "alder", "kommun",
        kommun_age_share("65+"), table="SCB BE0101 folkmängd efter ålder", ref="senaste året",
        requires=("kommun_alder_kon",),
    ),
    Indicator(
        "fodda_per_1000", "Födda per 1 000 invånare", "per 1 000 inv.", "befolkning", "kommun",
        events_per_1000("fodda"), table="SCB BE0101 befolkningsförändringar", ref="senaste året",
        requires=("kommun_forandringar", "kommun_alder_kon"),
    ),
    Indicator(
        "doda_per_1000", "Döda per 1 000 invånare", "per 1 000 inv.", "befolkning", "kommun",
        events_per_1000("doda"), table="SCB BE0101 befolkningsförändringar", ref="senaste året",
        requires=("kommun_forandringar", "kommun_alder_kon"),
    ),
    Indicator(
        "flyttnetto_per_1000", "Flyttnetto per 1 000 invånare", "per 1 000 inv.", "befolkning", "kommun",
        events_per_1000("flyttnetto"), table="SCB BE0101 befolkningsförändringar", ref="senaste året",
        requires=("kommun_forandringar", "kommun_alder_kon"),
        note="Inflyttade minus utflyttade (inom Sverige och från utlandet).",
    ),
    Indicator(
        "medianinkomst", "Medianinkomst, 16 år och äldre", "tkr", "arbete",
        "kommun", median_income, table="SCB HE0110 (TAB3554)", ref="senaste året", requires=("kommun_inkomst",),
        note="Sammanräknad förvärvsinkomst (lön, pension, sjukpenning m.m.) för dem som bodde i Sverige hela året. "
        "SCB redovisar ingen median för länet som helhet här; kommunens plats bland länets kommuner visas i stället.",
    ),
    Indicator(
        "andel_eftergymnasial", "Andel 25–64 år med eftergymnasial utbildning", "procent", "arbete", "kommun",
        post_secondary_share, table="SCB UF0506 utbildningsnivå", ref="senaste året",
        requires=("kommun_utbildning",),
    ),
    Indicator(
        "sysselsattningsgrad", "Sysselsättningsgrad 20–64 år", "procent", "arbete", "kommun",
        employment_rate, table="SCB AM0210 BAS (TAB3200)", ref="senaste året", requires=("kommun_sysselsattning",),
    ),
    Indicator(
        "arbetsloshet", "Arbetslöshet 20–64 år", "procent", "arbete", "kommun",
        unemployment, table="SCB AM0210 BAS (TAB3200)", ref="senaste året", requires=("kommun_sysselsattning",),
    ),
    Indicator(
        "skattesats", "Kommunal skattesats (kommun och region)", "procent", "arbete", "kommun",
        tax_rate, table="SCB OE0101 (TAB2017)", ref="senaste året", requires=("kommun_skattesats",),
    ),
    *(
        Indicator(key, label, "procent", "boende", "kommun", tenure_share(variable),
                  table="SCB HE0111 hushåll efter boendeform", ref="2019", requires=("kommun_hushall",))
        for key, label, variable in (
            ("andel_hyresratt", "Andel hushåll i hyresrätt", "boende_hyresratt"),
            ("andel_bostadsratt", "Andel hushåll i bostadsrätt", "boende_bostadsratt"),
            ("andel_smahus_agande", "Andel hushåll i eget småhus (äganderätt)", "boende_smahus_agande"),
        )
    ),
]

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


def get(key: str) -> Indicator:
    """The indicator called ``key``."""
    return BY_KEY[key]
