"""Region Skåne's screening: every tätort of a län against the pilot's criteria.

Region Skåne chose Näsum and Glimåkra by hand: 400–4 000 inhabitants, rural (not a district of a
city), partly by access to services — and by local interest, which is in no statistics. The
screening makes the statistical part transparent and adjustable:

* **storlek** — ``min_inv ≤ folkmängd ≤ max_inv`` (both ends included);
* **landsbygd** — not part of a city: at least ``stad_km`` km (fågelvägen) from the nearest
  tätort with at least ``stad_inv`` inhabitants (a suburb lies next to its city);
* **service** — at least ``service_km`` km to the nearest tätort with at least ``stad_inv``
  inhabitants, i.e. the larger town's services are some way off.

A criterion that cannot be judged (missing figure) is missing — neither met nor failed — and a
tätort with a missing criterion is not a candidate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from . import text as T
from .errors import InvalidParameterError
from .localities import Registry, fold, registry

#: The pilot localities of lokal platsutveckling.
PILOTS = ("1272TB105", "1256TB102")  # Näsum, Glimåkra
CRITERIA = {
    "storlek": "Storlek",
    "landsbygd": "Landsbygd (inte del av stad)",
    "service": "Avstånd till service",
}


@dataclass(frozen=True)
class Rules:
    """The screening thresholds (all adjustable)."""

    lan: str = "12"
    min_inv: int = 400
    max_inv: int = 4000
    stad_inv: int = 10_000
    stad_km: float = 5.0
    service_km: float = 15.0
    kommuner: tuple[str, ...] = ()

    def __post_init__(self):
        if self.min_inv > self.max_inv:
            raise InvalidParameterError(f"Minsta invånarantal ({self.min_inv}) är större än största ({self.max_inv}).")
        if min(self.min_inv, self.max_inv, self.stad_inv) < 0 or min(self.stad_km, self.service_km) < 0:
            raise InvalidParameterError("Gränserna kan inte vara negativa.")

    def describe(self) -> list[str]:
        """The rules in plain Swedish, one sentence each."""
        return [
            f"**{CRITERIA['storlek']}:** tätorten har mellan {T.fmt_number(self.min_inv)} och "
            f"{T.fmt_number(self.max_inv)} invånare (båda gränserna räknas in).",
            f"**{CRITERIA['landsbygd']}:** minst {T.fmt_number(self.stad_km, 1)} km fågelvägen till närmaste "
            f"tätort med minst {T.fmt_number(self.stad_inv)} invånare. En förort ligger tätt intill sin stad "
            "och faller bort; en egen by en bit bort är kvar.",
            f"**{CRITERIA['service']}:** minst {T.fmt_number(self.service_km, 1)} km fågelvägen till närmaste "
            f"tätort med minst {T.fmt_number(self.stad_inv)} invånare, där det mesta av servicen finns.",
            "Saknas en uppgift går kriteriet inte att bedöma; tätorten räknas då inte som kandidat.",
            "Intresse från kommun, näringsliv och civilsamhälle — det viktigaste urvalsskälet — finns inte i "
            "statistiken och måste bedömas lokalt.",
        ]


def parse_kommuner(text: str | None, reg: Registry) -> tuple[str, ...]:
    """"1272, Östra Göinge" → ("1256", "1272"): kommun codes from codes or names."""
    if not text or not str(text).strip():
        return ()
    f = reg.frame
    names = dict(zip(f["kommun_name"].map(fold), f["kommun_code"]))
    out = []
    for part in str(text).split(","):
        p = part.strip()
        if not p:
            continue
        if p.isdigit() and p.zfill(4) in set(f["kommun_code"]):
            out.append(p.zfill(4))
        elif fold(p) in names:
            out.append(names[fold(p)])
        else:
            raise InvalidParameterError(f"Okänd kommun {p!r}.")
    return tuple(sorted(set(out)))


def screen(rules: Rules | None = None, reg: Registry | None = None) -> pd.DataFrame:
    """Every tätort of ``rules.lan`` with its key figures and one column per criterion.

    Returns
    -------
    DataFrame
        tatort_code, tatort_name, kommun_code, kommun_name, population, land_area_ha, density,
        forandring (population change % between the two latest tätort years, where fetched),
        avstand_10k, avstand_50k, avstand_stad, tatorter_10km, and per criterion a nullable boolean
        (True = met, False = not met, <NA> = cannot be judged), ``antal_uppfyllda``, ``kandidat``,
        ``pilot``. Candidates first, then by criteria met and population.
    """
    from . import indicators as ind
    from .profile import _compute, data_for

    rules = rules or Rules()
    reg = reg or registry()
    data = data_for(reg)
    f = reg.frame.reset_index(drop=True)
    lan_mask = (f["lan_code"] == rules.lan).to_numpy()
    if not lan_mask.any():
        raise InvalidParameterError(f"Inga tätorter i län {rules.lan!r}.")
    def cached(key: str) -> np.ndarray:  # the profile's own indicator series, computed once per Data
        return _compute(ind.get(key), data).reindex(f["tatort_code"]).to_numpy(dtype=float)

    to_city = ind.distance_to_size(rules.stad_inv)(data)
    out = pd.DataFrame({
        "tatort_code": f["tatort_code"],
        "tatort_name": f["tatort_name"],
        "kommun_code": f["kommun_code"],
        "kommun_name": f["kommun_name"],
        "population": f["population"].astype(float),
        "land_area_ha": f["land_area_ha"].astype(float),
        "density": f["density"].astype(float),
        "avstand_10k": cached("avstand_10k"),
        "avstand_50k": cached("avstand_50k"),
        "avstand_stad": to_city.to_numpy(),
        "tatorter_10km": cached("tatorter_10km"),
    })[lan_mask].reset_index(drop=True)
    out["forandring"], out["forandring_period"] = _tatort_change(reg, out["tatort_code"])
    if rules.kommuner:
        out = out[out["kommun_code"].isin(rules.kommuner)].reset_index(drop=True)
    return apply_rules(out, rules)


def apply_rules(frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Add the criterion columns to a frame with population and avstand_stad (pure; unit tested)."""
    out = frame.copy()

    def crit(ok: pd.Series, known: pd.Series) -> pd.Series:
        return pd.Series(np.where(known, ok, pd.NA), index=out.index, dtype="boolean")

    pop, dist = out["population"], out["avstand_stad"]
    out["storlek"] = crit(pop.between(rules.min_inv, rules.max_inv), pop.notna())
    out["landsbygd"] = crit(dist >= rules.stad_km, dist.notna() & pop.notna())
    out["service"] = crit(dist >= rules.service_km, dist.notna() & pop.notna())
    crits = out[list(CRITERIA)]
    out["antal_uppfyllda"] = crits.fillna(False).astype(int).sum(axis=1)
    out["kandidat"] = crits.fillna(False).all(axis=1) & crits.notna().all(axis=1)
    out["pilot"] = out["tatort_code"].isin(PILOTS)
    out = out.sort_values(["kandidat", "antal_uppfyllda", "population", "tatort_code"],
                          ascending=[False, False, False, True], na_position="last").reset_index(drop=True)
    out.attrs["rules"] = asdict(rules)
    return out


def _tatort_change(reg: Registry, codes: pd.Series) -> np.ndarray:
    """Population change (%) between the two latest years the snapshot has for each tätort."""
    snap = reg.snapshot
    f = snap.read("tatort_folkmangd")
    f = f[(f["variable"] == "folkmangd") & (f["alder"] == "") & (f["kon"] == "") & f["value"].notna()]
    if snap.has("tatort_historik"):
        h = snap.read("tatort_historik")
        f = pd.concat([f, h[(h["variable"] == "folkmangd") & h["value"].notna()]]).drop_duplicates(
            ["region_code", "year"], keep="first")
    f = f[f["region_code"].isin(set(codes))].sort_values("year")
    last2 = f.groupby("region_code").tail(2)
    wide = last2.groupby("region_code").agg(first=("value", "first"), last=("value", "last"),
                                             y0=("year", "first"), y1=("year", "last"), n=("value", "count"))
    wide = wide[wide["n"] == 2]
    change = 100.0 * (wide["last"] / wide["first"] - 1)
    period = wide["y0"].astype(str) + "–" + wide["y1"].astype(str)
    return codes.map(change).to_numpy(dtype=float), codes.map(period).fillna("").to_numpy(dtype=object)


def display_table(s: pd.DataFrame) -> pd.DataFrame:
    """The screening as reader-facing Swedish strings (same rows and order as ``s``)."""
    def yes_no(v) -> str:
        return "uppgift saknas" if pd.isna(v) else ("ja" if v else "nej")

    return pd.DataFrame({
        "Tätort": [("★ " if p else "") + n for n, p in zip(s["tatort_name"], s["pilot"])],
        "Kommun": s["kommun_name"],
        "Folkmängd 2020": [T.fmt_number(v) for v in s["population"]],
        "Förändring": [f"{T.fmt_signed_percent(v)} ({p})" if not T.is_missing(v) else "–"
                       for v, p in zip(s["forandring"], s["forandring_period"])],
        "Inv./km²": [T.fmt_number(v) for v in s["density"]],
        "Till ≥ 10 000 (km)": [T.fmt_number(v, 1) for v in s["avstand_10k"]],
        "Till ≥ 50 000 (km)": [T.fmt_number(v, 1) for v in s["avstand_50k"]],
        "Tätorter inom 10 km": [T.fmt_number(v) for v in s["tatorter_10km"]],
        **{CRITERIA[c]: [yes_no(v) for v in s[c]] for c in CRITERIA},
        "Uppfyllda": s["antal_uppfyllda"].astype(str) + f" av {len(CRITERIA)}",
        "Kandidat": ["ja" if v else "nej" for v in s["kandidat"]],
    })


def export(s: pd.DataFrame, folder, sources: list[dict[str, str]]) -> dict[str, object]:
    """Write the screening to ``jamforelse.xlsx`` (sheets Urval, Källor, Parametrar) and ``.csv``.

    Written atomically (temporary name, then rename). Returns the paths.
    """
    import os
    import tempfile
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = s.drop(columns=["kommun_code"]).rename(columns={
        "tatort_code": "tätortskod", "tatort_name": "tätort", "kommun_name": "kommun", "population": "folkmängd_2020",
        "land_area_ha": "landareal_ha", "density": "invånare_per_km2", "forandring": "förändring_procent",
        "forandring_period": "förändring_period", "avstand_10k": "avstånd_10000_km", "avstand_50k": "avstånd_50000_km", "avstand_stad": "avstånd_stad_km",
        "tatorter_10km": "tätorter_inom_10_km", "antal_uppfyllda": "antal_uppfyllda", "kandidat": "kandidat",
    })
    params = pd.DataFrame({"parameter": list(s.attrs.get("rules", {})),
                           "värde": [str(v) for v in s.attrs.get("rules", {}).values()]})
    paths = {"xlsx": folder / "jamforelse.xlsx", "csv": folder / "jamforelse.csv"}
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=folder, prefix=".jamforelse.")
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            table.to_excel(xl, sheet_name="Urval", index=False)
            pd.DataFrame(sources).to_excel(xl, sheet_name="Källor", index=False)
            params.to_excel(xl, sheet_name="Parametrar", index=False)
        os.replace(tmp, paths["xlsx"])
    finally:
        Path(tmp).unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".csv", dir=folder, prefix=".jamforelse.")
    os.close(fd)
    try:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.replace(tmp, paths["csv"])
    finally:
        Path(tmp).unlink(missing_ok=True)
    return paths


@dataclass
class Screening:
    """A screening and what the comparison notebook shows of it."""

    frame: pd.DataFrame
    rules: Rules
    reg: Registry

    @property
    def lan_name(self) -> str:
        r = self.reg.snapshot.read("regioner")
        return str(r.loc[r["region_code"] == self.rules.lan, "region_name"].iloc[0])

    def heading(self):
        from .profile import HtmlBlock

        return HtmlBlock(
            f'<div class="op-cover"><p class="op-kicker">Lokal platsutveckling · urval</p>'
            f"<h1>Tätorterna i {self.lan_name} jämförda</h1>"
            f'<p class="op-sub">{len(self.frame)} tätorter prövade mot urvalskriterierna · SCB:s statistik</p></div>',
            f"Tätorterna i {self.lan_name} jämförda")

    def rules_text(self):
        from .profile import markdown_block

        return markdown_block("\n\n".join(self.rules.describe()))

    def summary(self):
        from .profile import markdown_block

        s = self.frame
        n, k = len(s), int(s["kandidat"].sum())
        pilots = s[s["pilot"]]
        parts = [f"Av {n} tätorter i {self.lan_name} uppfyller **{k}** alla tre kriterierna."]
        for r in pilots.itertuples():
            rank = int(s.index[s["tatort_code"] == r.tatort_code][0]) + 1
            status = "är kandidat" if r.kandidat else f"uppfyller {r.antal_uppfyllda} av {len(CRITERIA)} kriterier"
            parts.append(f"Pilotorten {r.tatort_name} ({r.kommun_name}) {status} och står på rad {rank} i tabellen.")
        by_crit = ", ".join(f"{CRITERIA[c].lower()} {int(s[c].fillna(False).sum())}" for c in CRITERIA)
        parts.append(f"Antal tätorter som klarar varje kriterium: {by_crit}.")
        return markdown_block(" ".join(parts))

    def table(self):
        from .profile import Table

        return Table(display_table(self.frame), caption="Alla tätorter, kandidaterna först (★ = pilotort)",
                     source="SCB MI0810 tätorter 2020 (folkmängd, landareal, läge); avstånd fågelvägen")

    def sources(self) -> list[dict[str, str]]:
        snap = self.reg.snapshot
        out = []
        for key in ("tatorter", "tatort_folkmangd", "tatort_historik"):
            if snap.has(key):
                info = snap.info(key)
                out.append({"tabell": info.scb_table, "innehåll": info.title, "referenstid": info.ref,
                            "ursprung": info.origin, "hämtad": info.fetched_at or ""})
        return out

    def sources_table(self):
        from .profile import Table

        return Table(pd.DataFrame(self.sources()).rename(columns=str.capitalize), caption="Källor",
                     source="Statistiska centralbyrån (SCB), fri data (CC0)")


def run(lan: str = "12", min_inv: int | str = 400, max_inv: int | str = 4000, stad_inv: int | str = 10_000,
        stad_km: float | str = 5.0, service_km: float | str = 15.0, kommuner: str = "",
        reg: Registry | None = None) -> Screening:
    """Validate the parameters (typed errors) and screen the län."""
    reg = reg or registry()
    try:
        rules = Rules(lan=str(lan).strip().zfill(2), min_inv=int(min_inv), max_inv=int(max_inv),
                      stad_inv=int(stad_inv), stad_km=float(stad_km), service_km=float(service_km),
                      kommuner=parse_kommuner(kommuner, reg))
    except ValueError as exc:
        if isinstance(exc, InvalidParameterError):
            raise
        raise InvalidParameterError(f"Ogiltigt värde: {exc}") from None
    return Screening(screen(rules, reg), rules, reg)
