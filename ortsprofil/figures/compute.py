"""Computing a profile's figures: indicator data per registry, each Stat with comparators, rank,
caveats and source, the peer rule, trends, DeSO and the tätort's own series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ortsprofil import config
from ortsprofil.figures import indicators as ind
from ortsprofil.figures import measures
from ortsprofil import text as T
from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures.localities import Locality, Registry
from ortsprofil.data.bundle import source_text
from ortsprofil.figures.model import COMPARATORS, NOISE_FROM_YEAR, NOISE_PERSONS, SMALL_BASE, SMALL_COUNT, Source, Stat
from ortsprofil.data.snapshot import Snapshot
from ortsprofil.data.tidy import coerce_tidy, empty_tidy
from ortsprofil.data.transforms import total_of


def _data_for(reg: Registry) -> ind.Data:
    snap = reg.snapshot
    kommun = snap.read("kommun_folkmangd") if snap.has("kommun_folkmangd") else empty_tidy()
    if snap.has("kommun_alder_kon"):
        kommun = _with_fetched_totals(kommun, snap.read("kommun_alder_kon"))
    return ind.Data(tatorter=reg.frame.reset_index(drop=True), kommun_folkmangd=kommun, snapshot=snap)


def _with_fetched_totals(base: pd.DataFrame, by_age_sex: pd.DataFrame) -> pd.DataFrame:
    """Population 31 December per region and year: the bundled series, where fetched replaced by
    SCB TAB638 totals (all ages, both sexes) — one series for charts and growth figures alike."""
    k = by_age_sex[(by_age_sex["variable"] == "folkmangd") & by_age_sex["source"].str.startswith("SCB TAB")]
    if k.empty:  # only the bundled 2019 bands: the bundled population series stays as it is
        return base
    keys = ["region_code", "region_name", "level", "year", "ref_date", "variable", "unit", "source"]
    # SCB's published total where the table has one (TAB5557 'TotSA'), else the sum of single
    # years and both sexes (TAB638) — never a total added to its own parts.
    by_sex = total_of(k, keys + ["kon"], "alder").assign(alder="")
    totals = total_of(by_sex, keys, "kon")
    totals["source"] = totals["source"] + " (hämtad)"
    totals = coerce_tidy(totals)
    keep = ~base.set_index(["region_code", "year"]).index.isin(totals.set_index(["region_code", "year"]).index)
    return pd.concat([base[keep], totals], ignore_index=True).sort_values(["region_code", "year"])


def data_for(reg: Registry) -> ind.Data:
    """The indicator data of ``reg``, computed once per registry (batches build many profiles)."""
    sig = reg.snapshot.signature()
    data = getattr(reg, "_indicator_data", None)
    # New figures since (a refresh in another process): compute again. Data set by a caller without
    # a signature (tests injecting a table) is kept as it is.
    if data is None or getattr(reg, "_indicator_sig", sig) != sig:
        data = reg._indicator_data = _data_for(reg)
        reg._indicator_sig = sig
    return data


def indicator_series(indicator: ind.Indicator, data: ind.Data) -> pd.Series:
    cache = data.series_cache
    if indicator.key not in cache:
        cache[indicator.key] = indicator.compute(data)
    return cache[indicator.key]


def aggregate_series(indicator: ind.Indicator, data: ind.Data) -> pd.Series:
    cache = data.series_cache
    key = f"{indicator.key}__agg"
    if key not in cache:
        cache[key] = indicator.aggregate(data)  # type: ignore[misc]
    return cache[key]


def _source_for(indicator: ind.Indicator, series: pd.Series, snap: Snapshot) -> Source:
    ref = series.attrs.get("ref", indicator.ref)
    fetched = [snap.info(k) for k in indicator.requires if snap.has(k) and snap.info(k).origin == "fetched"]
    if fetched:
        tables = "; ".join(dict.fromkeys(i.scb_table for i in fetched))
        return Source(tables, ref, fetched_at=max(i.fetched_at or "" for i in fetched) or None, origin="fetched")
    return Source(indicator.table, ref)


def make_stat(indicator: ind.Indicator, data: ind.Data, ctx: dict) -> Stat | None:
    ort: Locality = ctx["ort"]
    peers: pd.DataFrame = ctx["peers"]
    lan = ctx["lan_code"]
    label = indicator.label
    if indicator.periodic:
        end = ctx["end_year"]  # one period for kommun, län and riket
        if end is None:
            return None
        key = f"{indicator.key}@{end}"
        if key not in data.series_cache:
            data.series_cache[key] = indicator.compute(data, end)  # type: ignore[call-arg]
        series = data.series_cache[key]
        label = label.format(start=end - indicator.periodic, end=end)
    else:
        series = indicator_series(indicator, data)
    values: dict[str, float] = {c: float("nan") for c in ("ort",) + COMPARATORS}
    rank = percentile = base = None
    if indicator.level == "tatort":
        values["ort"] = float(series.get(ort.code, np.nan))
        peer_vals = series.reindex(peers["tatort_code"]).astype(float)
        others = peer_vals.drop(ort.code, errors="ignore").dropna()
        if len(others):
            values["peers_median"] = float(others.median())
        if not np.isnan(values["ort"]) and len(peer_vals.dropna()):
            pv = peer_vals.dropna()
            rank = (int((pv > values["ort"]).sum()) + 1, int(len(pv)))
            percentile = float(100.0 * (others < values["ort"]).sum() / max(len(others), 1))
        if indicator.aggregate is not None:
            agg = aggregate_series(indicator, data)
            values["kommun"] = float(agg.get(ort.kommun_code, np.nan))
            values["lan"] = float(agg.get(lan, np.nan))
            values["riket"] = float(agg.get("00", np.nan))
        if indicator.count_base is not None:
            base = float(indicator.count_base(data).get(ort.code, np.nan))
    else:  # kommun-level figure: the kommun, the län, riket; rank among the län's kommuner
        values["kommun"] = float(series.get(ort.kommun_code, np.nan))
        values["lan"] = float(series.get(lan, np.nan))
        values["riket"] = float(series.get("00", np.nan))
        all_kommuner = [c for c in ctx["kommuner"] if c.startswith(lan)]
        kommuner = series.reindex(all_kommuner).dropna()
        # A place among the län's kommuner only when (nearly) all of them have the figure.
        if len(kommuner) >= max(2, 0.9 * len(all_kommuner)) and not np.isnan(values["kommun"]):
            rank = (int((kommuner > values["kommun"]).sum()) + 1, int(len(kommuner)))
    source = _source_for(indicator, series, data.snapshot)
    if "kommun_folkmangd" in indicator.requires:  # name what produced the population figures used
        years = [y for y in (series.attrs.get("start"), series.attrs.get("year")) if y] or [ind.TATORT_YEAR]
        source = Source(_population_source(data, [ort.kommun_code, lan, "00"], years), source.ref,
                        source.fetched_at, source.origin)
    stat = Stat(
        key=indicator.key, label=label, unit=indicator.unit, section=indicator.section,
        level=indicator.level, values=values, source=source,
        rank=rank, percentile=percentile, note=indicator.note, wording=indicator.wording, base=base,
        comparator_label=indicator.comparator_label,
    )
    code = ort.code if indicator.level == "tatort" else ort.kommun_code
    if T.is_missing(stat.value):
        stat.status = (series.attrs.get("status") or {}).get(code)
    stat.caveats = caveats_for(stat, series, code)
    return stat


def _population_source(data: ind.Data, regions: list[str], years: list[int]) -> str:
    """Readable sources of the population figures of ``regions`` in ``years`` ("SCB, … (via Wikipedia)")."""
    k = data.kommun_folkmangd
    rows = k[k["region_code"].isin(regions) & k["year"].isin([int(y) for y in years])]
    ids = ";".join(rows["source"].astype(str))
    return source_text(ids.replace(" (hämtad)", "")) or "SCB, folkmängd 31 december"


def caveats_for(stat: Stat, series: pd.Series | None = None, code: str | None = None) -> list[str]:
    """Plain-Swedish caveats for small counts, small bases and changes within SCB's noise (a change in
    per cent is judged by the persons behind it, ``series.attrs["persons"][code]``)."""
    out = []
    v = stat.value
    if stat.unit in ("personer", "antal", "förändring personer") and not T.is_missing(v) and abs(v) < SMALL_COUNT \
            and stat.key not in ("kommun_forandring_1", "tatorter_10km"):
        out.append(f"Litet tal (under {SMALL_COUNT}): slumpen spelar stor roll.")
    if stat.base is not None and not T.is_missing(stat.base) and stat.base < SMALL_BASE:
        out.append(f"Andelen bygger på färre än {SMALL_BASE} personer och kan ändras mycket från år till år.")
    year = (series.attrs.get("year") if series is not None else None) or 0
    persons = v if stat.unit in ("personer", "förändring personer") else \
        ((series.attrs.get("persons") or {}).get(code) if series is not None else None)
    if stat.key == "kommun_forandring_1" and not T.is_missing(persons) and abs(persons) < NOISE_PERSONS \
            and year >= NOISE_FROM_YEAR:
        out.append("Förändringen är så liten att den kan bero på SCB:s slumpbrus.")
    return out


#: How "liknande orter" are chosen (``--liknande``): structural twins in Sweden (default) or in the län,
#: the size band with places of the same kind, or every place in the band. "samma" is the old name of
#: "storlek".
PEER_TYPES = {
    "struktur": "de orter i hela Sverige som mest liknar orten (storlek, läge, utveckling, ålder, inkomst, arbete, service)",
    "struktur-lan": "de orter i länet som mest liknar orten",
    "storlek": "orterna i länet i samma storleksintervall och av samma slag (landsbygd eller inte)",
    "alla": "alla orter i länet i samma storleksintervall",
}


def validate_peer_typ(value: str | None) -> str:
    """The peer rule's name, normalised ("samma" → "storlek"; empty → "struktur").

    Raises
    ------
    InvalidParameterError
        For any other value.
    """
    v = str(value or "").strip().lower() or "struktur"
    v = {"samma": "storlek"}.get(v, v)
    if v not in PEER_TYPES:
        raise InvalidParameterError(f"Okänt urval av liknande orter {value!r}: välj "
                                    + ", ".join(f'"{k}"' for k in PEER_TYPES) + ".")
    return v


def peer_rule(reg: Registry, loc: Locality, lan: str, peer_min: int, peer_max: int, peer_typ: str) -> dict:
    """Which tätorter are "liknande orter" for ``loc``, and the words that say so."""
    peer_typ = validate_peer_typ(peer_typ)
    structural = peer_typ.startswith("struktur")
    in_band = peer_min <= loc.population <= peer_max
    if in_band:
        lo, hi = peer_min, peer_max
        size = f"{T.fmt_number(lo)}–{T.fmt_number(hi)} invånare"
    else:  # a town outside the band is compared with towns of its own size, never with villages
        lo, hi = int(round(loc.population / 2)), int(round(loc.population * 2))
        size = (f"hälften till dubbelt så många invånare som {loc.name} ({T.fmt_number(lo)}–{T.fmt_number(hi)}), "
                f"eftersom {loc.name} ligger utanför intervallet {T.fmt_number(peer_min)}–{T.fmt_number(peer_max)}")
    kind = ("samma" if peer_typ != "alla" else "alla") if in_band else "alla"
    rural = reg.is_rural(loc.code)
    where = "" if peer_typ == "struktur" else lan
    if not in_band:  # too few towns of its size in the län: look in all of Sweden, then wider
        f = reg.frame
        n_lan = int(((f["lan_code"] == lan) & f["population"].between(lo, hi)).sum()) - 1
        if n_lan < 5 or where == "":
            where = ""
            n_all = int(f["population"].between(lo, hi).sum()) - 1
            if n_all < 5:
                lo, hi = int(round(loc.population / 3)), int(round(loc.population * 3))
                size = (f"en tredjedel till tre gånger så många invånare som {loc.name} ({T.fmt_number(lo)}–"
                        f"{T.fmt_number(hi)}), eftersom {loc.name} ligger utanför intervallet "
                        f"{T.fmt_number(peer_min)}–{T.fmt_number(peer_max)}")
    if kind == "samma":
        what = ("landsbygdsorter: minst " if rural else "orter som, liksom " + loc.name + ", ligger inom ") + \
            f"{T.fmt_number(config.RURAL_KM)} km fågelvägen från en annan tätort med minst " \
            f"{T.fmt_number(config.TOWN_MIN)} invånare"
    else:
        what = "alla tätorter i storleksintervallet"
    return {"min": lo, "max": hi, "kind": kind, "in_band": in_band, "rural": rural, "size": size, "what": what,
            "lan": where, "typ": peer_typ, "twins": structural}


def age_trend(data: ind.Data, loc: Locality, lan: str) -> pd.DataFrame:
    """Share (%) 65 år och äldre per 31 December: the kommun and the län (sum of its kommuner)."""
    parts = []
    f = data.table("kommun_alder_55plus") if data.has("kommun_alder_55plus") else pd.DataFrame()
    f = f[f["region_code"].str.startswith(lan)] if len(f) else f
    if len(f):  # 55+ in bands and the total population (alder "") per kommun and year
        old = f[f["alder"].map(measures.band_of) == "65+"].groupby(["region_code", "year"])["value"].sum()
        total = f[f["alder"] == ""].groupby(["region_code", "year"])["value"].sum()
        if loc.kommun_code in old.index.get_level_values(0):
            own = 100 * old.loc[loc.kommun_code] / total.loc[loc.kommun_code]
            parts.append(pd.DataFrame({"region_code": loc.kommun_code, "year": own.index, "share": own.to_numpy()}))
        if f["region_code"].nunique() >= 2:  # the län as the sum of its kommuner
            lan_share = 100 * old.groupby(level="year").sum() / total.groupby(level="year").sum()
            parts.append(pd.DataFrame({"region_code": lan, "year": lan_share.index, "share": lan_share.to_numpy()}))
    if data.has("kommun_alder_kon"):
        k = data.table("kommun_alder_kon")
        k = k[(k["variable"] == "folkmangd") & (k["alder"] != "")]
        k = k[k["region_code"].isin([loc.kommun_code, lan, "00"])]
        g = k.assign(old=k["value"].where(k["alder"].map(measures.band_of) == "65+", 0.0)).groupby(["region_code", "year"])
        share = 100 * g["old"].sum() / g["value"].sum()
        parts.append(share.rename("share").reset_index())
    if not parts:
        return pd.DataFrame(columns=["region_code", "year", "share"])
    out = pd.concat(parts, ignore_index=True).drop_duplicates(["region_code", "year"], keep="last")
    return out.sort_values(["region_code", "year"]).reset_index(drop=True)


def income_trend(data: ind.Data, loc: Locality, lan: str) -> pd.DataFrame:
    """Median income per year: the kommun, and the median and range of the län's kommuner."""
    if not data.has("kommun_inkomst"):
        return pd.DataFrame(columns=["year", "kommun", "lan_kommuner_median", "lan_min", "lan_max"])
    f = data.table("kommun_inkomst")
    f = f[(f["variable"] == "medianinkomst") & (f["kon"] == "")]
    ks = f[(f["region_code"].str.len() == 4) & f["region_code"].str.startswith(lan)]
    g = ks.groupby("year")["value"]
    own = f[f["region_code"] == loc.kommun_code].set_index("year")["value"]
    out = pd.DataFrame({"kommun": own, "lan_kommuner_median": g.median(), "lan_min": g.min(), "lan_max": g.max()})
    return out.rename_axis("year").reset_index().dropna(subset=["kommun"])


def deso_area(snap: Snapshot, loc: Locality) -> dict | None:
    """The DeSO area that holds the tätort's point, when it is in the snapshot."""
    if not (snap.has("tatort_deso") and snap.has("deso_indikatorer")):
        return None
    m = snap.read("tatort_deso")
    hit = m[m["tatort_code"] == loc.code]
    if hit.empty:
        return None
    code = hit["deso_code"].iloc[0]
    ind_ = snap.read("deso_indikatorer")
    ind_ = ind_[ind_["region_code"] == code]
    values = {r.variable: (r.value, int(r.year), r.unit) for r in ind_.itertuples()}
    ages = snap.read("deso_alder") if snap.has("deso_alder") else None
    shares = {}
    if ages is not None:
        a = ages[(ages["region_code"] == code) & (ages["variable"] == "folkmangd")]
        if len(a):
            year = int(a["year"].max())
            a = a[a["year"] == year]
            # The one totals rule: SCB's published totals (both sexes; all ages) where the table has them,
            # else the sum of the parts — never a total added to its own parts.
            keys = ["region_code", "year", "alder"]
            by_age = total_of(a, keys, "kon")
            total = float(total_of(by_age.assign(kon=""), ["region_code", "year"], "alder")["value"].iloc[0])
            parts = by_age[by_age["alder"] != ""]
            by_band = parts.groupby(parts["alder"].map(measures.band_of))["value"].sum()
            shares = {band: (100.0 * by_band.get(band, 0.0) / total, year) for band in measures.AGE_BANDS}
    return {"code": code, "values": values, "age_shares": shares,
            "source": snap.info("deso_indikatorer").scb_table}


def kommun_series(data: ind.Data, regions: list[str]) -> pd.DataFrame:
    """Population 31 December per year for ``regions`` (bundled, or fetched where fetched)."""
    k = data.kommun_folkmangd
    return k[k["region_code"].isin(regions)].copy()


def used_tables(stats: dict[str, Stat]) -> set[str]:
    return {k for key in stats for k in ind.get(key).requires}


def age_table(data: ind.Data, loc: Locality, lan: str, deso: dict | None = None) -> pd.DataFrame | None:
    """Shares (%) by age band for the tätort (when fetched), its kommun, the län and riket."""
    if not data.has("kommun_alder_kon"):
        return None
    bands = list(measures.AGE_BANDS)
    cols: dict[str, pd.Series] = {}
    year = None
    if data.has("tatort_alder"):
        t = measures.tatort_age_counts(data)
        year = t.attrs["year"]
        if loc.code in t.index:
            cols["ort"] = 100.0 * t.loc[loc.code, bands] / t.loc[loc.code, "total"]
    k = measures.kommun_age_counts(data, year)
    for who, code in (("kommun", loc.kommun_code), ("lan", lan), ("riket", "00")):
        if code in k.index:
            cols[who] = 100.0 * k.loc[code, bands] / k.loc[code, "total"]
    out = pd.DataFrame(cols).astype(float)
    out.attrs["year"] = year or k.attrs["year"]
    out.attrs["years"] = {c: out.attrs["year"] for c in out.columns}
    if deso and deso.get("age_shares"):
        sh = deso["age_shares"]
        out["deso"] = [sh[b][0] if b in sh else np.nan for b in out.index]
        out.attrs["years"]["deso"] = next(iter(sh.values()))[1]
        out.attrs["deso_code"] = deso["code"]
    return out


def tatort_series(loc: Locality, snap: Snapshot) -> pd.DataFrame:
    """The locality's tätort figures over the years (fetched or bundled; SCB tables win over others)."""
    parts = []
    for key in ("tatort_folkmangd", "tatort_historik"):
        if snap.has(key):
            f = snap.read(key)
            parts.append(f[(f["region_code"] == loc.code) & (f["alder"] == "") & (f["kon"] == "")])
    out = pd.concat(parts, ignore_index=True)
    out = out[out["value"].notna() | out["status"].notna()]
    out = out[out["variable"].isin(["folkmangd", "landareal"])]
    # Keep the first (tatort_folkmangd: SCB's table) of duplicated years.
    out = out.drop_duplicates(["year", "variable"], keep="first")
    out = out.sort_values(["variable", "year"]).reset_index(drop=True)
    return out if out["year"].nunique() > 1 else out.iloc[0:0]
