"""The tables the local PxWeb server serves, built from real SCB recordings.

* **Recorded metadata, served as recorded**: TAB638, TAB5557, TAB3554, TAB3200, TAB3981, TAB4320,
  TAB2017, TAB628, TAB1212, TAB6640 (``../shared/data/scb/fixtures``) and TAB6471
  (``../shared/data/upstream/stefur_pxwebpy``, read in place). Codes, labels, ``elimination``,
  codelists and notes are SCB's.
* **Recorded data wins cell for cell**: TAB638 (riket, ogifta, 0 år, män, 2024 = 50 937), TAB3554
  (median income, 290 kommuner 1999–2024), TAB3200 (sysselsättningsgrad and arbetslöshet 20–64,
  290 kommuner 2020–2024), TAB2017 (tax rates) and TAB6471 (its default selection). DeSO
  population 2025 for Bromölla and Östra Göinge (TAB6574) and tätort population/area 2020 come
  from the real figures in ``../shared/data/scb`` and the bundled snapshot.
* Every other cell is a deterministic **test value** in the real shape; additive tables compute
  their totals (``tot``, ``1+2``, län, riket) from the same leaves, as SCB does before 2025.
* Tables with no recording at all — TAB5169/TAB6481 (population change), TAB6574 (DeSO) and the
  MI0810 tätort tables, whose v2 ids are unknown (the ids ``TAB99xx`` here are this server's
  own) — are built in the shape SCB_API.md documents: v1 contents codes 000003F7/F8/F9,
  Alder labels "0-19 år", "20-64 år", "65+ år", "totalt", ``Forandringar`` × ``Period`` ``hel``.
"""

from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .model import Codelist, Table, Var, hash_grid

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
FIXTURES = SHARED / "scb" / "fixtures"
UPSTREAM = SHARED / "upstream" / "stefur_pxwebpy"

CKM_NOTE = ("Från och med referensåret 2025 och framåt är en liten kontrollerad slumpmässig osäkerhet införd i "
            "samtliga redovisade uppgifter. Osäkerheten har tillförts för att skydda enskilda personer så att ingen "
            "riskerar att röjas i statistiken. Till följd av detta så är inte alltid de redovisade totalerna lika "
            "med summan av deras redovisade delar.")


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _csv(name: str) -> list[dict[str, str]]:
    with open(SHARED / "scb" / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# -- real figures used to make test values plausible ----------------------------------------------


@lru_cache(maxsize=1)
def kommun_population() -> dict[tuple[str, int], float]:
    """Real population 31 Dec per kommun 1950–2020 (SCB, via the shared CSV)."""
    return {(r["region_code"], int(r["year"])): float(r["population"])
            for r in _csv("population_kommun_lan_riket_1950_2020.csv") if r["level"] == "kommun"}


def _pop_lookup(regions: np.ndarray, years: np.ndarray) -> np.ndarray:
    pop = kommun_population()

    def one(region: str, year: str) -> float:
        y = int(str(year)[:4])
        base = pop.get((region, min(max(y, 1950), 2020)))
        if base is None:
            return np.nan
        return base * (1.004 ** (y - 2020)) if y > 2020 else base

    return np.vectorize(one, otypes=[float])(regions, years)


def _age_of(code: str) -> int | None:
    m = re.fullmatch(r"(\d+)\+?", str(code))
    return int(m.group(1)) if m else None


_AGES = np.arange(0, 101)
_AGE_W = np.where(_AGES < 60, 1.0, np.clip(1.0 - ((_AGES - 60) / 42.0) ** 2, 0.01, None))
_AGE_W = _AGE_W / _AGE_W.sum()


def _age_weight(codes: np.ndarray) -> np.ndarray:
    return np.vectorize(lambda c: _AGE_W[min(_age_of(c), 100)] if _age_of(c) is not None else np.nan,
                        otypes=[float])(codes)


# -- building tables from metadata ---------------------------------------------------------------


def _region_parts(codes: list[str]) -> dict[str, list[tuple[str, float]]]:
    kommuner = [c for c in codes if len(c) == 4 and c.isdigit()]
    parts: dict[str, list[tuple[str, float]]] = {}
    for c in codes:
        if c == "00":
            parts[c] = [(k, 1.0) for k in kommuner]
        elif len(c) == 2 and c.isdigit():
            parts[c] = [(k, 1.0) for k in kommuner if k.startswith(c)]
    return parts


def _age_parts(var: Var, total_codes: set[str]) -> dict[str, list[tuple[str, float]]]:
    """Totals and bands of single years, read from the codes ('tot', 'TotSA', '-4', '20-29', '100+5')."""
    singles = [c for c in var.codes if _age_of(c) is not None]
    parts: dict[str, list[tuple[str, float]]] = {}
    for c in var.codes:
        if c in singles:
            continue
        if c in total_codes:
            parts[c] = [(s, 1.0) for s in singles]
            continue
        m = re.fullmatch(r"(\d*)-(\d+)", c)
        if m:
            lo, hi = int(m.group(1) or 0), int(m.group(2))
            parts[c] = [(s, 1.0) for s in singles if lo <= _age_of(s) <= hi and not s.endswith("+")]
        elif c.startswith("100+"):
            parts[c] = [("100+", 1.0)]
    return parts


def from_metadata(doc: dict[str, Any], *, leaf, additive: bool, totals: dict[str, str] | None = None,
                  parts: dict[str, dict[str, list[tuple[str, float]]]] | None = None,
                  decimals: int | None = None) -> Table:
    """A :class:`Table` from a real metadata document (variables, labels, elimination, notes)."""
    totals = totals or {}
    parts = parts or {}
    vars_: list[Var] = []
    for vid in doc["id"]:
        d = doc["dimension"][vid]
        cat = d["category"]
        idx = cat["index"]
        codes = sorted(idx, key=idx.get) if isinstance(idx, dict) else list(idx)
        ext = dict(d.get("extension") or {})
        v = Var(vid, d.get("label", vid), [(c, cat["label"].get(c, c)) for c in codes],
                elimination=bool(ext.get("elimination", True)), total=totals.get(vid),
                units=dict(cat.get("unit") or {}), extension=ext, note=list(d.get("note") or []),
                category_note=dict(cat.get("note") or {}))
        if additive:
            v.parts = parts.get(vid) or (_region_parts(v.codes) if vid == "Region" else {})
        vars_.append(v)
    ext = doc.get("extension") or {}
    px = ext.get("px") or {}
    return Table(
        id=px.get("tableid") or doc["label"], label=doc["label"], updated=doc["updated"], vars=vars_, leaf=leaf,
        meta_doc=doc,
        additive=additive, notes=list(doc.get("note") or []),
        note_mandatory=[int(k) for k, v in (ext.get("noteMandatory") or {}).items() if v],
        px=px, contact=list(ext.get("contact") or []), subject_code=px.get("subject-code", ""),
        decimals=px.get("decimals", 0) if decimals is None else decimals,
    )


def _record(table: Table, doc: dict[str, Any]) -> None:
    """Add the cells of a real data response to ``table.recorded`` (keys in table variable order)."""
    ids, sizes = doc["id"], doc["size"]
    cats = []
    for i in ids:
        idx = doc["dimension"][i]["category"]["index"]
        cats.append(sorted(idx, key=idx.get) if isinstance(idx, dict) else list(idx))
    status = doc.get("status") or {}
    grid = np.indices(sizes).reshape(len(sizes), -1).T
    order = [v.code for v in table.vars]
    for flat, cell in enumerate(grid):
        coords = {i: cats[d][k] for d, (i, k) in enumerate(zip(ids, cell))}
        key = tuple(coords.get(c) for c in order)
        value = doc["value"][flat]
        table.recorded[key] = (value, status.get(str(flat)) if isinstance(status, dict) else None)


def _synthetic_doc(table_id: str, label: str, updated: str, vars_: list[Var], notes: list[str],
                   subject: str, contents: str) -> dict[str, Any]:
    """A metadata document in SCB's shape for a table with no recording."""
    dims = {}
    for v in vars_:
        ext = {"elimination": v.elimination, "show": "value",
               "codelists": [{"id": c.id, "label": c.label, "type": c.kind, "links": []} for c in v.codelists.values()]}
        dims[v.code] = {"label": v.label, "category": {"index": {c: i for i, c in enumerate(v.codes)},
                                                      "label": v.labels,
                                                      **({"unit": v.units} if v.units else {})},
                        "extension": ext}
    return {
        "version": "2.0", "class": "dataset", "label": label, "source": "SCB", "updated": updated, "note": notes,
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]}, "id": [v.code for v in vars_],
        "size": [len(v.values) for v in vars_], "dimension": dims,
        "extension": {"noteMandatory": {str(i): True for i in range(len(notes))},
                      "px": {"infofile": subject, "tableid": table_id, "decimals": 0, "official-statistics": True,
                             "aggregallowed": True, "language": "sv", "contents": contents, "matrix": table_id,
                             "subject-code": subject[:2]}},
        "value": [],
    }


# -- the tables ----------------------------------------------------------------------------------


def tab638() -> Table:
    meta = _json(FIXTURES / "scb_v2_TAB638_metadata.json")
    civ = {"OG": 0.36, "G": 0.44, "SK": 0.12, "ÄNKL": 0.08}

    def leaf(a: dict[str, np.ndarray]) -> np.ndarray:
        total = _pop_lookup(a["Region"], a["Tid"])
        age = np.vectorize(_age_of, otypes=[float])(a["Alder"])
        share = _age_weight(a["Alder"])
        sex = np.vectorize(lambda k: 0.497 if k == "1" else 0.503, otypes=[float])(a["Kon"])
        c = np.vectorize(lambda k: civ[k], otypes=[float])(a["Civilstand"])
        c = np.where(age < 18, np.vectorize(lambda k: 1.0 if k == "OG" else 0.0, otypes=[float])(a["Civilstand"]), c)
        count = np.round(total * share * sex * c)
        change = np.round(hash_grid("TAB638", a, -3, 3))
        return np.where(a["ContentsCode"] == "BE0101N1", count, change)

    t = from_metadata(meta, leaf=leaf, additive=True, totals={"Region": "00", "Alder": "tot"})
    age = t.var("Alder")
    age.parts = _age_parts(age, {"tot"})
    _record(t, _json(FIXTURES / "scb_v2_TAB638_riket_ogifta_0ar_man_2024.json"))
    t.data_label = "Folkmängd efter region, civilstånd, ålder, kön och år"
    return t


def tab5557() -> Table:
    meta = _json(FIXTURES / "scb_v2_TAB5557_metadata.json")

    def leaf(a):
        total = _pop_lookup(a["Region"], a["Tid"])
        sex = np.vectorize(lambda k: 0.497 if k == "1" else 0.503, otypes=[float])(a["Kon"])
        civ = np.vectorize(lambda k: {"OG": 0.37, "G": 0.43, "SK": 0.12, "ÄNKL": 0.08}.get(k, np.nan),
                           otypes=[float])(a["Civilstand"])
        count = np.round(total * _age_weight(a["Alder"]) * sex * civ)
        return np.where(a["ContentsCode"] == "000007ME", count, np.round(hash_grid("TAB5557", a, -3, 3)))

    t = from_metadata(meta, leaf=leaf, additive=True, totals={"Region": "00", "Kon": "TotSa", "Civilstand": "SC"})
    age = t.var("Alder")
    age.parts = _age_parts(age, {"TotSA", "TOT1", "TOT5", "TOT10"})
    t.var("Kon").parts = {"TotSa": [("1", 1.0), ("2", 1.0)]}
    t.var("Civilstand").parts = {"SC": [(c, 1.0) for c in ("OG", "G", "SK", "ÄNKL")]}
    t.data_label = "Folkmängd efter region, civilstånd, ålder, kön och år"
    return t


def tab3554() -> Table:
    meta = _json(FIXTURES / "scb_v2_TAB3554_metadata.json")

    def leaf(a):
        return np.round(hash_grid("TAB3554", a, 180, 420), 1)

    t = from_metadata(meta, leaf=leaf, additive=False, decimals=1,
                      totals={"Region": "00", "Kon": "1+2", "Inkomstklass": "TOT"})
    _record(t, _json(FIXTURES / "scb_v2_TAB3554_data_kommuner_1999_2024.json"))
    t.data_label = ("Sammanräknad förvärvsinkomst, medianinkomst för boende i Sverige hela året, tkr efter region, "
                    "kön, ålder, inkomstklass och år")
    return t


def tab3200() -> Table:
    meta = _json(FIXTURES / "scb_v2_TAB3200_metadata.json")
    labels = dict(meta["dimension"]["ContentsCode"]["category"]["label"])

    def leaf(a):
        lab = np.vectorize(lambda c: labels.get(c, ""), otypes=[object])(a["ContentsCode"])
        counts = np.round(hash_grid("TAB3200", a, 300, 60000))
        rate = np.round(hash_grid("TAB3200", a, 60, 88), 1)
        unemp = np.round(hash_grid("TAB3200u", a, 2, 14), 1)
        is_count = np.vectorize(lambda s: s.startswith("antal"), otypes=[bool])(lab)
        is_unemp = np.vectorize(lambda s: "arbetslöshet" in s, otypes=[bool])(lab)
        return np.where(is_count, counts, np.where(is_unemp, unemp, rate))

    t = from_metadata(meta, leaf=leaf, additive=False, decimals=1,
                      totals={"Region": "00", "Kon": "1+2", "Fodelseregion": "tot"})
    for name in ("sysselsattningsgrad", "arbetsloshet"):
        _record(t, _json(FIXTURES / f"scb_v2_TAB3200_data_{name}_20_64_kommuner_2020_2024.json"))
    t.data_label = "Arbetsmarknadsstatus. Årligt register efter region, kön, ålder, födelseregion och år"
    return t


def tab3981(meta_name: str = "scb_v2_TAB3981_metadata.json", total: str | None = "tot16-74") -> Table:
    meta = _json(FIXTURES / meta_name)
    base = np.array([0.03, 0.07, 0.09, 0.33, 0.15, 0.28, 0.015, 0.035])
    levels = ["1", "2", "3", "4", "5", "6", "7", "US"]

    def leaf(a):
        pop = _pop_lookup(a["Region"], a["Tid"]) * _age_weight(a["Alder"]) * 0.5
        share = np.vectorize(lambda c: base[levels.index(c)], otypes=[float])(a["UtbildningsNiva"])
        tilt = hash_grid(meta_name, {"Region": a["Region"]}, 0.7, 1.3)
        post = np.vectorize(lambda c: c in ("5", "6", "7"), otypes=[bool])(a["UtbildningsNiva"])
        return np.round(pop * share * np.where(post, tilt, 1.0))

    t = from_metadata(meta, leaf=leaf, additive=True, totals={"Region": "00", "Alder": total} if total else {"Region": "00"})
    if total:
        t.var("Alder").parts = {total: [(c, 1.0) for c in t.var("Alder").codes if c != total]}
    t.data_label = "Befolkning efter region, utbildningsnivå, ålder, kön och år"
    return t


def tab2017() -> Table:
    meta = _json(FIXTURES / "scb_v2_TAB2017_metadata.json")
    t = from_metadata(meta, leaf=lambda a: np.round(hash_grid("TAB2017", a, 28, 35), 2), additive=False, decimals=2)
    _record(t, _json(FIXTURES / "scb_v2_TAB2017_data_skattesats_kommuner_2000_2026.json"))
    t.data_label = "Skattesats, total kommunal efter region och år"
    return t


def tab_shape_only(name: str, lo: float, hi: float, additive: bool = False, totals=None) -> Table:
    """Recorded metadata, test values only (TAB628, TAB1212, TAB6640)."""
    meta = _json(FIXTURES / name)
    t = from_metadata(meta, leaf=lambda a, n=name: np.round(hash_grid(n, a, lo, hi)), additive=additive,
                      totals=totals)
    return t


def tab6471() -> Table | None:
    if not (UPSTREAM / "TAB6471_metadata.json").exists():
        return None
    meta = _json(UPSTREAM / "TAB6471_metadata.json")
    data = _json(UPSTREAM / "TAB6471_data.json")
    t = from_metadata(meta, leaf=lambda a: np.round(hash_grid("TAB6471", a, 1000, 90000)), additive=False,
                      totals={"Region": "00", "Kon": "TotSa"})
    _record(t, data)
    t.default_response = data
    t.time_unit = "Monthly"
    t.data_label = "Folkmängden per månad efter region, ålder, kön och månad"
    return t


# -- tables with no recording: built in the documented shape ---------------------------------------

_REGIONS: list[tuple[str, str]] | None = None


def regions() -> list[tuple[str, str]]:
    """Riket, län and kommuner as SCB labels them (TAB638 metadata)."""
    meta = _json(FIXTURES / "scb_v2_TAB638_metadata.json")
    cat = meta["dimension"]["Region"]["category"]
    return [(c, cat["label"][c]) for c in sorted(cat["index"], key=cat["index"].get)]


#: TAB5169 events (Forandringar). The labels follow SCB_API.md ("födda", "döda", "samtliga
#: inflyttningar" …); the codes of the real table are not known from any recording, so ortsprofil
#: must classify these by label.
FORANDRINGAR = [
    ("110", "folkökning"), ("120", "födda"), ("130", "döda"), ("135", "födelseöverskott"),
    ("140", "samtliga inflyttningar"), ("150", "samtliga utflyttningar"), ("160", "invandringar"),
    ("170", "utvandringar"), ("180", "flyttningsöverskott"), ("190", "justeringspost"),
]


def tab_forandringar(table_id: str = "TAB5169", years: range = range(2000, 2025)) -> Table:
    ckm = years.start >= 2025
    kon = ([("TotSa", "totalt, samtliga män och kvinnor"), ("1", "män"), ("2", "kvinnor")] if ckm
           else [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")])
    both = "TotSa" if ckm else "1+2"
    period = [("kv1", "kvartal 1"), ("kv2", "kvartal 2"), ("kv3", "kvartal 3"), ("kv4", "kvartal 4"),
              ("halv1", "första halvåret"), ("halv2", "andra halvåret"), ("hel", "helår")]
    rates = {"120": 0.0102, "130": 0.0098, "140": 0.055, "150": 0.052, "160": 0.012, "170": 0.005, "190": 0.0002}
    vars_ = [
        Var("Region", "region", regions(), True, "00"),
        Var("Forandringar", "förändringar", FORANDRINGAR, False),
        Var("Period", "period", period, False),
        Var("Kon", "kön", kon, True, both, parts={both: [("1", 1.0), ("2", 1.0)]}),
        Var("ContentsCode", "tabellinnehåll", [("000002Z9", "Antal personer")], False,
            units={"000002Z9": {"base": "antal", "decimals": 0}}),
        Var("Tid", "år", [(str(y), str(y)) for y in years], False),
    ]
    vars_[0].parts = _region_parts(vars_[0].codes)
    # Derived events are sums of the basic ones, exactly as SCB defines them.
    vars_[1].parts = {
        "135": [("120", 1.0), ("130", -1.0)],
        "180": [("140", 1.0), ("150", -1.0)],
        "110": [("120", 1.0), ("130", -1.0), ("140", 1.0), ("150", -1.0), ("190", 1.0)],
    }
    vars_[2].parts = {"halv1": [("kv1", 1.0), ("kv2", 1.0)], "halv2": [("kv3", 1.0), ("kv4", 1.0)],
                      "hel": [("kv1", 1.0), ("kv2", 1.0), ("kv3", 1.0), ("kv4", 1.0)]}

    def leaf(a):
        pop = _pop_lookup(a["Region"], a["Tid"]) * 0.5
        rate = np.vectorize(lambda c: rates.get(c, np.nan), otypes=[float])(a["Forandringar"])
        jitter = hash_grid(table_id, a, 0.8, 1.2)
        return np.round(pop * rate * 0.25 * jitter)

    label = (f"Befolkningsstatistik per kvartal/halvår/helår efter region och kön. År {years.start}-{years.stop - 1}")
    notes = [CKM_NOTE] if ckm else ["Statistiken avser folkbokförda personer."]
    doc = _synthetic_doc(table_id, label, "2026-02-24T07:00:00Z" if ckm else "2025-02-21T07:00:00Z", vars_, notes,
                         "BE0101", "Befolkningsstatistik")
    t = from_metadata(doc, leaf=leaf, additive=True, totals={"Region": "00", "Kon": both})
    for v, src in zip(t.vars, vars_):
        v.parts = src.parts
    t.data_label = "Befolkningsstatistik efter region, förändringar, period, kön och år"
    t.subject_code = "BE"
    return t


def _deso_rows() -> tuple[dict, dict]:
    cells: dict[tuple[str, str, str], float] = {}
    for r in _csv("deso2025_population_by_age_sex_bromolla_ostragoinge.csv"):
        band = "80-" if r["age_band"] == "80+" else r["age_band"]
        cells[(r["deso_code"], band, "1")] = float(r["men"])
        cells[(r["deso_code"], band, "2")] = float(r["women"])
    totals = {r["deso_code"]: float(r["population_2025"]) for r in _csv("deso2025_indicators_bromolla_ostragoinge.csv")}
    return cells, totals


def tab6574() -> Table:
    cells, totals = _deso_rows()
    desos = sorted(totals)
    bands = [f"{a}-{a + 4}" for a in range(0, 80, 5)] + ["80-"]
    deso_vs = Codelist("vs_DeSO2025", "DeSO 2025", "Valueset", [(f"{d}_DeSO2025", d) for d in desos])
    region = Var("Region", "region", regions() + deso_vs.values, True, "00", codelists={"vs_DeSO2025": deso_vs})
    vars_ = [
        region,
        Var("Alder", "ålder", [(b, f"{b} år") for b in bands] + [("totalt", "totalt")], True, "totalt"),
        Var("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")], True, "1+2"),
        Var("ContentsCode", "tabellinnehåll", [("000007Y7", "Folkmängd")], False,
            units={"000007Y7": {"base": "antal", "decimals": 0}}),
        Var("Tid", "år", [("2024", "2024"), ("2025", "2025")], False),
    ]
    real = {}
    for d in desos:
        code = f"{d}_DeSO2025"
        for b in bands:
            m, w = cells.get((d, b, "1")), cells.get((d, b, "2"))
            real[(code, b, "1", "000007Y7", "2025")] = (m, None)
            real[(code, b, "2", "000007Y7", "2025")] = (w, None)
            real[(code, b, "1+2", "000007Y7", "2025")] = (m + w, None)
        for k in ("1", "2"):
            real[(code, "totalt", k, "000007Y7", "2025")] = (sum(cells[(d, b, k)] for b in bands), None)
        real[(code, "totalt", "1+2", "000007Y7", "2025")] = (totals[d], None)  # SCB's own (noisy) total

    doc = _synthetic_doc("TAB6574", "Folkmängden per region (DeSO) efter ålder och kön. År 2024-2025",
                         "2026-03-20T07:00:00Z", vars_, [CKM_NOTE], "BE0101", "Folkmängd")
    t = from_metadata(doc, leaf=lambda a: np.round(hash_grid("TAB6574", a, 20, 300)), additive=False,
                      totals={"Region": "00", "Alder": "totalt", "Kon": "1+2"})
    t.var("Region").codelists = {"vs_DeSO2025": deso_vs}
    t.recorded = real
    t.data_label = "Folkmängd efter region, ålder, kön och år"
    t.subject_code = "BE"
    return t


def _snapshot_tatorter():
    from ortsprofil.data.snapshot import Snapshot

    snap = Snapshot(ROOT / "data" / "snapshot")
    tat = snap.read("tatorter")
    known: dict[tuple[str, int, str], float] = {}
    for key in ("tatort_folkmangd", "tatort_historik"):
        f = snap.read(key)
        for r in f.itertuples():
            known[(r.region_code, int(r.year), r.variable)] = r.value
    return [(r.tatort_code, r.tatort_name) for r in tat.itertuples()], known


def tatort_tables() -> dict[str, Table]:
    """MI0810 tätort tables (ids unknown at SCB: TAB99xx are this server's) and two decoys."""
    tatorter, known = _snapshot_tatorter()
    years = ["2005", "2010", "2015", "2020"]
    contents = [("000003F7", "Folkmängd"), ("000003F9", "Landareal, hektar"),
                # The real label of the density contains "Folkmängd": a label match would take it for population.
                ("000003F8", "Folkmängd per kvadratkilometer")]
    units = {"000003F7": {"base": "antal", "decimals": 0}, "000003F9": {"base": "hektar", "decimals": 0},
             "000003F8": {"base": "invånare per km2", "decimals": 1}}
    land_vars = [Var("Region", "region", tatorter, False), Var("ContentsCode", "tabellinnehåll", contents, False, units=units),
                 Var("Tid", "år", [(y, y) for y in years], False)]
    code_ok = {c for c, _ in tatorter}

    def land_leaf(a):
        def one(region, cc, year):
            y = int(year)
            if hash_grid("exists", {"R": np.array([region])}, 0, 1)[0] < 0.06 and y < 2020:
                return np.nan  # a locality that was no tätort that year: SCB shows ".."
            pop = known.get((region, y, "folkmangd"))
            area = known.get((region, y, "landareal"))
            base_pop, base_area = known.get((region, 2020, "folkmangd")), known.get((region, 2020, "landareal"))
            if base_pop is None or base_area is None:
                return np.nan
            pop = pop if pop is not None else round(base_pop * (1 - 0.012 * (2020 - y) / 5))
            area = area if area is not None else round(base_area * (1 - 0.01 * (2020 - y) / 5))
            return {"000003F7": pop, "000003F9": area, "000003F8": round(pop / (area / 100.0), 1) if area else np.nan}[cc]

        return np.vectorize(one, otypes=[float])(a["Region"], a["ContentsCode"], a["Tid"])

    land_doc = _synthetic_doc("TAB9901", "Landareal per tätort, folkmängd och invånare per kvadratkilometer. Vart femte år 2005-2020",
                              "2021-11-24T07:00:00Z", land_vars,
                              ["Tätorternas avgränsning görs om vid varje tidpunkt; uppgifterna är inte helt jämförbara över tid."],
                              "MI0810", "Landareal, folkmängd och invånare per km2")
    land = from_metadata(land_doc, leaf=land_leaf, additive=False, decimals=1)
    land.subject_code = "MI"
    land.data_label = "Folkmängd, landareal och invånare per kvadratkilometer efter region, tabellinnehåll och år"
    land.recorded = {(c, "000003F7", "2020"): (known[(c, 2020, "folkmangd")], None)
                     for c in code_ok if (c, 2020, "folkmangd") in known}

    age_vars = [
        Var("Region", "region", tatorter, False),
        Var("Kon", "kön", [("1+2", "totalt"), ("2", "kvinnor"), ("1", "män")], False, parts={"1+2": [("1", 1.0), ("2", 1.0)]}),
        Var("Alder", "ålder", [("-19", "0-19 år"), ("20-64", "20-64 år"), ("65+", "65+ år"), ("totalt", "totalt")], False,
            parts={"totalt": [("-19", 1.0), ("20-64", 1.0), ("65+", 1.0)]}),
        Var("ContentsCode", "tabellinnehåll", [("000005X7", "Antal")], False, units={"000005X7": {"base": "antal", "decimals": 0}}),
        Var("Tid", "år", [(y, y) for y in years], False),
    ]

    def age_leaf(a):
        def pop(region, year):
            base = known.get((region, 2020, "folkmangd"))
            return np.nan if base is None else base * (1 - 0.012 * (2020 - int(year)) / 5)

        p = np.vectorize(pop, otypes=[float])(a["Region"], a["Tid"])
        young = hash_grid("young", {"R": a["Region"]}, 0.17, 0.27)
        old = hash_grid("old", {"R": a["Region"]}, 0.16, 0.32)
        share = np.where(a["Alder"] == "-19", young, np.where(a["Alder"] == "65+", old, 1.0 - young - old))
        sex = np.where(a["Kon"] == "1", 0.495, 0.505)
        return np.round(p * share * sex)

    age_doc = _synthetic_doc("TAB9902", "Befolkning i tätorter efter kön, ålder och tätort. Vart femte år 2005-2020",
                             "2021-11-24T07:00:00Z", age_vars, [], "MI0810", "Befolkning i tätorter")
    age = from_metadata(age_doc, leaf=age_leaf, additive=True)
    for v, src in zip(age.vars, age_vars):
        v.parts = src.parts
    age.subject_code = "MI"
    age.data_label = "Befolkning i tätorter efter region, kön, ålder och år"

    # Decoys a loose search would take: the same words, by kommun (not tätort); and a discontinued table.
    by_region = tab_shape_decoy("TAB9903", "Befolkning i tätorter efter kön, ålder och region. Vart femte år 2015-2023",
                                [Var("Region", "region", regions(), True, "00"),
                                 Var("Kon", "kön", [("1+2", "totalt"), ("2", "kvinnor"), ("1", "män")], True, "1+2"),
                                 Var("Alder", "ålder", [("-19", "0-19 år"), ("20-64", "20-64 år"), ("65+", "65+ år"),
                                                        ("totalt", "totalt")], True, "totalt"),
                                 Var("ContentsCode", "tabellinnehåll", [("000005X4", "Antal")], False),
                                 Var("Tid", "år", [("2015", "2015"), ("2018", "2018"), ("2020", "2020"), ("2023", "2023")], False)])
    old = tab_shape_decoy("TAB9904", "Landareal per tätort, folkmängd och invånare per kvadratkilometer. Vart femte år 1960-2015",
                          [Var("Region", "region", tatorter, False), Var("ContentsCode", "tabellinnehåll", contents, False, units=units),
                           Var("Tid", "år", [(str(y), str(y)) for y in range(1960, 2016, 5)], False)])
    old.discontinued = True
    return {land.id: land, age.id: age, by_region.id: by_region, old.id: old}


def tab_shape_decoy(table_id: str, label: str, vars_: list[Var]) -> Table:
    doc = _synthetic_doc(table_id, label, "2024-11-28T07:00:00Z", vars_, [], "MI0810", "Befolkning")
    t = from_metadata(doc, leaf=lambda a: np.round(hash_grid(table_id, a, 10, 1000)), additive=False)
    t.subject_code = "MI"
    return t


def build_tables() -> dict[str, Table]:
    """Every table the server serves, by id."""
    tables = [
        tab638(), tab5557(), tab3554(), tab3200(), tab3981(), tab3981("scb_v2_TAB4320_metadata.json", None),
        tab2017(), tab_shape_only("scb_v2_TAB628_metadata.json", 1, 5000, totals={"Region": "00", "Kon": "1+2"}),
        tab_shape_only("scb_v2_TAB1212_metadata.json", 0, 300, additive=True, totals={"Region": "00", "Alder": "tot"}),
        tab_shape_only("scb_v2_TAB6640_metadata.json", 0, 300, additive=True,
                       totals={"Region": "00", "Kon": "TotSa", "Alder": "TOT1"}),
        tab_forandringar("TAB5169", range(2000, 2025)), tab_forandringar("TAB6481", range(2025, 2026)),
        tab6574(),
    ]
    t6471 = tab6471()
    if t6471 is not None:
        tables.append(t6471)
    out = {t.id: t for t in tables}
    out.update(tatort_tables())
    for t in out.values():
        if t.id in ("TAB1212", "TAB6640"):
            age = t.var("Alder")
            age.parts = _age_parts(age, {"tot", "TOT1", "TOT5", "TOT10", "TotSA"})
    return out


def seeded_hits() -> list[dict[str, Any]]:
    """Real search hits (``/tables?query=befolkning`` and ``/tables`` page 1, June 2026)."""
    hits: list[dict[str, Any]] = []
    for name in ("search.json", "tables.json"):
        path = UPSTREAM / name
        if path.exists():
            hits += _json(path)["tables"]
    return hits


def real_config() -> dict[str, Any] | None:
    path = UPSTREAM / "config.json"
    return _json(path) if path.exists() else None


def real_codelists() -> dict[str, dict[str, Any]]:
    out = {}
    for path in UPSTREAM.glob("agg_*.json"):
        doc = _json(path)
        out[doc["id"]] = doc
    return out
