"""Region Skåne's screening: every tätort of a län against the pilot's criteria.

Region Skåne chose Näsum and Glimåkra by hand: 400–4 000 inhabitants, rural (not a district of a
city), partly by access to services — and by local interest, which is in no statistics. The
screening makes the statistical part transparent and adjustable, with three *independent* criteria
(each from its own data, so that no criterion implies another):

* **storlek** — ``min_inv ≤ folkmängd ≤ max_inv`` (both ends included);
* **landsbygd** — not a district of a city: at least ``stad_km`` km (fågelvägen, between SCB's
  tätort points) to the nearest *other* tätort with at least ``stad_inv`` inhabitants;
* **service** — the place lacks its own pharmacy: at least ``service_km`` km to the nearest
  pharmacy (Tillväxtverket, Pipos, where the data covers the län: Skåne). Elsewhere a *proxy*,
  named as such: the distance to the nearest other tätort with at least ``SERVICE_PROXY_INV``
  inhabitants (a place large enough to have a pharmacy).

A criterion that cannot be judged (missing figure) is missing — neither met nor failed — and a
tätort with a missing criterion is not a candidate.

The population change is one period for every row, 2015–2020 (SCB's tätorter of 2015 and 2020, each
with that year's boundaries): the tätort's own where its 2015 tätort became this one, with a reason
where not (a tätort new in 2020, or several 2015 tätorter merged); the kommun's in a column of its own.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ortsprofil import config
from ortsprofil import text as T
from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures import indicators as ind
from ortsprofil.figures import twins
from ortsprofil.figures.compute import data_for, indicator_series
from ortsprofil.figures.localities import Registry, fold, registry, validate_lan
from ortsprofil.figures.measures import region_change

#: The pilot localities of lokal platsutveckling.
PILOTS = ("1272TB105", "1256TB102")  # Näsum, Glimåkra
CRITERIA = {
    "storlek": "Storlek",
    "landsbygd": "Landsbygd (inte del av stad)",
    "service": "Långt till apotek",
}
#: Where no pharmacy data covers the län: a tätort this large usually has a pharmacy.
SERVICE_PROXY_INV = 3_000
#: The service column's header where the proxy stands in for pharmacy data.
PROXY_HEADER = "Till tätort ≥ {} inv. (km, ersättning)".format(f"{SERVICE_PROXY_INV:,}".replace(",", " "))
#: The one period of the change column.
CHANGE_YEARS = (2015, 2020)
#: Upper bounds that keep a mistyped threshold from passing as a rule.
MAX_KM = 500.0


@dataclass(frozen=True)
class Rules:
    """The screening thresholds (all adjustable, each checked)."""

    lan: str = "12"
    min_inv: int = config.PEER_MIN
    max_inv: int = config.PEER_MAX
    stad_inv: int = config.TOWN_MIN
    stad_km: float = config.RURAL_KM
    service_km: float = 5.0
    kommuner: tuple[str, ...] = ()

    def __post_init__(self):
        if self.min_inv > self.max_inv:
            raise InvalidParameterError(f"Minsta invånarantal ({self.min_inv}) är större än största ({self.max_inv}).")
        if min(self.min_inv, self.max_inv, self.stad_inv) < 0:
            raise InvalidParameterError("Invånargränserna kan inte vara negativa.")
        for name, v in (("--stad-km", self.stad_km), ("--service-km", self.service_km)):
            if not math.isfinite(v) or not 0 <= v <= MAX_KM:
                raise InvalidParameterError(f"{name} måste vara ett tal mellan 0 och {MAX_KM:g} km, inte {v!r}.")

    def describe(self, proxy: bool = False) -> list[str]:
        """The rules in plain Swedish, one sentence each."""
        if proxy:
            service = (f"**{CRITERIA['service']}:** uppgift om apotek finns inte för länet, så ett "
                       f"*ersättningsmått* används: minst {T.fmt_number(self.service_km, 1)} km fågelvägen till "
                       f"närmaste annan tätort med minst {T.fmt_number(SERVICE_PROXY_INV)} invånare, där det "
                       "brukar finnas apotek och annan service.")
        else:
            service = (f"**{CRITERIA['service']}:** minst {T.fmt_number(self.service_km, 1)} km fågelvägen till "
                       "närmaste apotek (Tillväxtverket, Pipos). Orten har alltså inget eget apotek; ett "
                       "apoteksombud i butik visas i tabellen men räknas inte som apotek.")
        return [
            f"**{CRITERIA['storlek']}:** tätorten har mellan {T.fmt_number(self.min_inv)} och "
            f"{T.fmt_number(self.max_inv)} invånare (båda gränserna räknas in).",
            f"**{CRITERIA['landsbygd']}:** minst {T.fmt_number(self.stad_km, 1)} km fågelvägen till närmaste "
            f"annan tätort med minst {T.fmt_number(self.stad_inv)} invånare. En förort ligger tätt intill sin "
            "stad och faller bort; en egen by en bit bort är kvar.",
            service,
            "Kriterierna bygger på olika uppgifter och prövas var för sig; gränserna kan ändras var för sig.",
            "Saknas en uppgift går kriteriet inte att bedöma; tätorten räknas då inte som kandidat.",
            "Intresse från kommun, näringsliv och civilsamhälle — det viktigaste urvalsskälet — finns inte i "
            "statistiken och måste bedömas lokalt.",
        ]


def parse_kommuner(text: str | None, reg: Registry, lan: str | None = None) -> tuple[str, ...]:
    """"1272, Östra Göinge" → ("1256", "1272"): kommun codes from codes or names (in ``lan``, if given)."""
    if not text or not str(text).strip():
        return ()
    f = reg.frame
    names = dict(zip(f["kommun_name"].map(fold), f["kommun_code"]))
    codes = set(f["kommun_code"])
    out = []
    for part in str(text).split(","):
        p = part.strip()
        if not p:
            continue
        if p.isdigit() and p.zfill(4) in codes:
            out.append(p.zfill(4))
        elif fold(p) in names:
            out.append(names[fold(p)])
        else:
            raise InvalidParameterError(f"Okänd kommun {p!r}.")
        if lan and not out[-1].startswith(lan):
            name = f.loc[f["kommun_code"] == out[-1], "kommun_name"].iloc[0]
            raise InvalidParameterError(f"{name} kommun ligger inte i län {lan}. Välj kommuner i länet eller ett "
                                        "annat län med --lan.")
    return tuple(sorted(set(out)))


def screen(rules: Rules | None = None, reg: Registry | None = None) -> pd.DataFrame:
    """Every tätort of ``rules.lan`` with its key figures and one column per criterion.

    Returns
    -------
    DataFrame
        tatort_code, tatort_name, kommun_code, kommun_name, population, land_area_ha, density,
        forandring (the tätort's, %), forandring_status (why it is missing: "ny 2020", "sammanslagen"),
        forandring_kommun (its kommun's, %), forandring_period, tvillingar (a candidate's three structural
        twins in Sweden), avstand_stad,
        avstand_50k, tatorter_10km, service_km, apotek_namn, ombud_km, service_proxy (True where the
        service distance is the proxy), and per criterion a nullable boolean (True = met, False =
        not met, <NA> = cannot be judged), ``antal_uppfyllda``, ``kandidat``, ``pilot``.
        Candidates first, then by criteria met and population.
    """
    rules = rules or Rules()
    reg = reg or registry()
    data = data_for(reg)
    f = reg.frame.reset_index(drop=True)
    lan_mask = (f["lan_code"] == rules.lan).to_numpy()
    if not lan_mask.any():
        raise InvalidParameterError(f"Inga tätorter i län {rules.lan!r}.")

    def cached(key: str) -> np.ndarray:  # the profile's own indicator series, computed once per Data
        return indicator_series(ind.get(key), data).reindex(f["tatort_code"]).to_numpy(dtype=float)

    out = pd.DataFrame({
        "tatort_code": f["tatort_code"],
        "tatort_name": f["tatort_name"],
        "kommun_code": f["kommun_code"],
        "kommun_name": f["kommun_name"],
        "population": f["population"].astype(float),
        "land_area_ha": f["land_area_ha"].astype(float),
        "density": f["density"].astype(float),
        "avstand_stad": ind.distance_to_size(rules.stad_inv)(data).to_numpy(),
        "avstand_50k": cached("avstand_50k"),
        "tatorter_10km": cached("tatorter_10km"),
        "proxy_km": ind.distance_to_size(SERVICE_PROXY_INV)(data).to_numpy(),
    })[lan_mask].reset_index(drop=True)
    if rules.kommuner:
        out = out[out["kommun_code"].isin(rules.kommuner)].reset_index(drop=True)
    service = reg.snapshot.read("tatort_service").set_index("tatort_code") if reg.snapshot.has("tatort_service") \
        else pd.DataFrame(columns=["apotek_km", "apotek_namn", "ombud_km"])
    covered = out["tatort_code"].isin(service.index).any()
    if covered:
        out["service_km"] = out["tatort_code"].map(service["apotek_km"]).astype(float)
        out["apotek_namn"] = out["tatort_code"].map(service["apotek_namn"]).fillna("")
        out["ombud_km"] = out["tatort_code"].map(service["ombud_km"]).astype(float)
        out["service_proxy"] = False
    else:
        out["service_km"] = out["proxy_km"]
        out["apotek_namn"] = ""
        out["ombud_km"] = np.nan
        out["service_proxy"] = True
    out = out.drop(columns=["proxy_km"])
    # The tätort's own change (2015 and 2020 boundaries; none for a tätort new in 2020 or merged), and its
    # kommun's in a column of its own: each column compares like with like.
    change = indicator_series(ind.get("tatort_forandring"), data)
    out["forandring"] = out["tatort_code"].map(change).astype(float)
    out["forandring_status"] = out["tatort_code"].map(change.attrs.get("status", {})).fillna("")
    out["forandring_kommun"] = out["kommun_code"].map(region_change(*CHANGE_YEARS)(data)).astype(float)
    out["forandring_period"] = "–".join(map(str, CHANGE_YEARS))
    out = apply_rules(out, rules)
    out["tvillingar"] = [twin_names(reg, data, code, rules) if cand else ""
                         for code, cand in zip(out["tatort_code"], out["kandidat"])]
    return out


def twin_names(reg: Registry, data, code: str, rules: Rules, k: int = 3) -> str:
    """A candidate's ``k`` structural twins anywhere in Sweden (same size band and kind, as in the profile):
    "Åmotfors (Eda), Hästveda (Hässleholm), …"."""
    loc = reg.find(code)
    pool = reg.peers(loc, lan="", peer_min=rules.min_inv, peer_max=rules.max_inv, kind="samma")
    found = twins.twins(reg, data, code, reg.frame.loc[pool["tatort_code"]], k)
    return ", ".join(f"{r.tatort_name} ({r.kommun_name})" for r in found.itertuples())


def apply_rules(frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Add the criterion columns to a frame with population, avstand_stad and service_km (pure).

    Each criterion reads its own column only, so the criteria are independent.
    """
    out = frame.copy()

    def crit(ok: pd.Series, known: pd.Series) -> pd.Series:
        return pd.Series(np.where(known, ok, pd.NA), index=out.index, dtype="boolean")

    pop, dist, service = out["population"], out["avstand_stad"], out["service_km"]
    out["storlek"] = crit(pop.between(rules.min_inv, rules.max_inv), pop.notna())
    out["landsbygd"] = crit(dist >= rules.stad_km, dist.notna())
    out["service"] = crit(service >= rules.service_km, service.notna())
    crits = out[list(CRITERIA)]
    out["antal_uppfyllda"] = crits.fillna(False).astype(int).sum(axis=1)
    out["kandidat"] = crits.fillna(False).all(axis=1) & crits.notna().all(axis=1)
    out["pilot"] = out["tatort_code"].isin(PILOTS)
    out = out.sort_values(["kandidat", "antal_uppfyllda", "population", "tatort_code"],
                          ascending=[False, False, False, True], na_position="last").reset_index(drop=True)
    out.attrs["rules"] = asdict(rules)
    return out


def removed_by(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per criterion: how many places fail it ("fails"), how many fail only it ("only"), and how many
    cannot be judged ("unknown")."""
    crits = frame[list(CRITERIA)]
    met = crits.fillna(False).astype(bool)
    out = {}
    for c in CRITERIA:
        others = met.drop(columns=c).all(axis=1) & crits.drop(columns=c).notna().all(axis=1)
        fails = crits[c].notna() & ~met[c]
        out[c] = {"fails": int(fails.sum()), "only": int((fails & others).sum()), "unknown": int(crits[c].isna().sum())}
    return out


@dataclass
class Screening:
    """A screening: its rows (:func:`screen`), rules and registry. What the comparison notebook shows of
    it is in :mod:`ortsprofil.region.page`."""

    frame: pd.DataFrame
    rules: Rules
    reg: Registry

    @property
    def lan_name(self) -> str:
        r = self.reg.snapshot.read("regioner")
        return str(r.loc[r["region_code"] == self.rules.lan, "region_name"].iloc[0])

    @property
    def proxy(self) -> bool:
        return bool(self.frame["service_proxy"].any()) if len(self.frame) else False

    def sources(self) -> list[dict[str, str]]:
        snap = self.reg.snapshot
        out = []
        for key in ("tatorter", "tatort_folkmangd", "tatort_historik", "kommun_folkmangd", "tatort_service"):
            if snap.has(key):
                info = snap.info(key)
                out.append({"tabell": info.scb_table, "innehåll": info.title, "referenstid": info.ref,
                            "ursprung": {"bundled": "medföljer", "fetched": "hämtad"}.get(info.origin, info.origin),
                            "hämtad": (info.fetched_at or "")[:10]})
        return out


def run(lan: str = "12", min_inv: int | str = config.PEER_MIN, max_inv: int | str = config.PEER_MAX,
        stad_inv: int | str = config.TOWN_MIN, stad_km: float | str = config.RURAL_KM, service_km: float | str = 5.0,
        kommuner: str = "", reg: Registry | None = None) -> Screening:
    """Validate the parameters (typed errors, before any work) and screen the län."""
    reg = reg or registry()
    lan = validate_lan(lan, reg=reg)
    try:
        rules = Rules(lan=lan, min_inv=int(min_inv), max_inv=int(max_inv), stad_inv=int(stad_inv),
                      stad_km=float(stad_km), service_km=float(service_km),
                      kommuner=parse_kommuner(kommuner, reg, lan))
    except ValueError as exc:
        if isinstance(exc, InvalidParameterError):
            raise
        raise InvalidParameterError(f"Ogiltigt värde: {exc}") from None
    return Screening(screen(rules, reg), rules, reg)
