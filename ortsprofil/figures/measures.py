"""The compute functions behind the indicators: each takes a :class:`~ortsprofil.figures.indicators.Data`
bundle of tidy frames and returns a Series keyed by region code (tätort codes for tätort
figures; kommun, län and riket codes for kommun figures). Pure, and each unit tested on a tiny
frame; :mod:`ortsprofil.figures.indicators` declares which figure uses which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ortsprofil.figures.localities import DELINEATION_YEAR as TATORT_YEAR  # 2020

if TYPE_CHECKING:
    from ortsprofil.figures.indicators import Data


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
    out.attrs.update({"ref": f"{start}-12-31 – {end}-12-31", "year": end, "start": start,
                      "persons": (b[both] - a[both]).astype(float).to_dict()})
    return out


#: The status of a tätort without a comparable 2015 figure (see :func:`tatort_change`).
NEW_2020 = "ny 2020"
MERGED_2015 = "sammanslagen"
#: The earlier delineation every tätort can be compared with (SCB's tätorter 2015, all of Sweden).
EARLIER_YEAR = 2015


def tatort_change(data: Data) -> pd.Series:
    """Population change (%) of each tätort from 31 Dec 2015 to 31 Dec 2020, each year with that year's
    boundaries. Only where SCB's 2015 tätort is the one 2020 tätort it became (``tatort_2015``, linked by
    code); a 2020 tätort that was no tätort in 2015 has status ``NEW_2020``, one formed of several 2015
    tätorter ``MERGED_2015`` — never a figure."""
    h = data.table("tatort_historik")
    h = h[(h["year"] == EARLIER_YEAR) & (h["variable"] == "folkmangd") & h["value"].notna()]
    before = h.set_index("region_code")["value"].astype(float)
    now = tatort_population(data)
    both = now.index.intersection(before.index)
    out = (100.0 * (now[both] / before[both] - 1.0)).reindex(now.index).astype(float)
    status = {}
    if data.has("tatort_2015"):
        links = data.table("tatort_2015")
        linked = links[links["tatort_code"] != ""].groupby("tatort_code")["n_2015"].max()
        for code in now.index[out.isna()]:
            status[code] = MERGED_2015 if linked.get(code, 0) > 1 else NEW_2020 if code not in linked.index else None
    out.attrs.update({"ref": f"{EARLIER_YEAR}-12-31 – {TATORT_YEAR}-12-31", "year": TATORT_YEAR,
                      "start": EARLIER_YEAR, "status": {k: v for k, v in status.items() if v}})
    return out


def region_change(start: int, end: int) -> Callable[[Data], pd.Series]:
    """Population change (%) of every kommun, län and riket from 31 Dec ``start`` to 31 Dec ``end``."""

    def compute(data: Data) -> pd.Series:
        return _change(data, start, end, percent=True)

    compute.__name__ = f"region_change_{start}_{end}"
    return compute


def growth(span: int) -> Callable[[Data, int], pd.Series]:
    """Population change (%) over ``span`` years ending in ``end`` (the profile picks ``end``:
    the latest year its kommun, län and riket all have — one period for every comparator)."""

    def compute(data: Data, end: int) -> pd.Series:
        return _change(data, end - span, end, percent=True)

    compute.__name__ = f"growth_{span}"
    return compute


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


def band_of(alder: str) -> str | None:
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
    k = k[k["year"] == year].assign(band=lambda f: f["alder"].map(band_of))
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
    """Share (%) of households living in ``group`` (boende_hyresratt …) per kommun, län and riket; where the
    table has only kommuner, each län is the sum of its kommuner."""

    def compute(data: Data) -> pd.Series:
        h = data.table("kommun_hushall")
        year = _latest_year(h)
        h = h[h["year"] == year]
        by = h.pivot_table(index="region_code", columns="variable", values="value", aggfunc="sum")
        if not (by.index.str.len() == 2).any():
            by = pd.concat([by, by.groupby(by.index.str[:2]).sum()])
        out = (100.0 * by.get(group, np.nan) / by.sum(axis=1)).astype(float)
        out.attrs["ref"] = f"{year}-12-31"
        return out

    compute.__name__ = f"share_{group}"
    return compute


def living_alone_share(data: Data) -> pd.Series:
    """Share (%) of the population living alone (in one-person households), per kommun, län and riket."""
    h = data.table("kommun_hushallsstorlek")
    year = _latest_year(h)
    h = h[(h["year"] == year) & (h["variable"] == "personer_i_hushall")]
    by = h.pivot_table(index="region_code", columns="alder", values="value", aggfunc="sum")
    out = (100.0 * by["1"] / by.sum(axis=1)).astype(float)
    out.attrs["ref"] = f"{year}-12-31"
    return out


def service_distance(column: str) -> Callable[[Data], pd.Series]:
    """Straight-line km from the tätort point to the nearest pharmacy service point (Pipos, all Sweden)."""

    def compute(data: Data) -> pd.Series:
        s = data.table("tatort_service")
        return s.set_index("tatort_code")[column].astype(float)

    compute.__name__ = f"service_{column}"
    return compute
