"""Readers of the tidy SCB CSVs in ``../shared/data/scb``: one function per bundled table, each
returning the table in the snapshot's tidy shape (values as published, SCB's '..' kept as a status,
never as 0). :func:`ortsprofil.data.bundle.build` writes them into the snapshot.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ortsprofil.errors import SnapshotError

_VARIABLES = {"population": "folkmangd", "land_area": "landareal"}
_UNITS = {"persons": "personer", "ha": "ha"}


def _read(shared: Path, name: str) -> pd.DataFrame:
    path = shared / name
    if not path.exists():
        raise SnapshotError(f"Källfilen {path} saknas.")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_regioner(shared: Path) -> pd.DataFrame:
    meta_path = shared.parent / "upstream" / "stefur_pxwebpy" / "TAB6471_metadata.json"
    if not meta_path.exists():
        raise SnapshotError(f"Källfilen {meta_path} saknas.")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    labels = meta["dimension"]["Region"]["category"]["label"]
    rows = []
    for code, name in labels.items():
        level = "riket" if code == "00" else ("lan" if len(code) == 2 else "kommun")
        rows.append(
            dict(region_code=code, region_name=name, level=level, lan_code="" if code == "00" else code[:2])
        )
    return pd.DataFrame(rows)


def read_tatorter(shared: Path, regioner: pd.DataFrame) -> pd.DataFrame:
    wide = _read(shared, "tatorter_sweden_2020_wide.csv")
    lan_names = regioner.query("level == 'lan'").set_index("region_code")["region_name"]
    out = pd.DataFrame(
        {
            "tatort_code": wide["tatort_code"],
            "tatort_name": wide["tatort_name"],
            "kommun_code": wide["kommun_code"],
            "kommun_name": wide["kommun_name"],
            "lan_code": wide["lan_code"],
            "lan_name": wide["lan_code"].map(lan_names),
            "x": wide["x_sweref99tm"].astype(float),
            "y": wide["y_sweref99tm"].astype(float),
            "lon": wide["lon_wgs84"].astype(float),
            "lat": wide["lat_wgs84"].astype(float),
        }
    )
    if out["lan_name"].isna().any():
        raise SnapshotError("Län utan namn i TAB6471-metadata.")
    return out.sort_values("tatort_code").reset_index(drop=True)


def read_tatort_folkmangd(shared: Path) -> pd.DataFrame:
    wide = _read(shared, "tatorter_sweden_2020_wide.csv")
    parts = []
    for col, var, unit in (("population", "folkmangd", "personer"), ("land_area_ha", "landareal", "ha")):
        parts.append(
            pd.DataFrame(
                {
                    "region_code": wide["tatort_code"],
                    "region_name": wide["tatort_name"],
                    "level": "tatort",
                    "year": 2020,
                    "ref_date": "2020-12-31",
                    "variable": var,
                    "value": wide[col].astype(float),
                    "unit": unit,
                    "source": "S1",
                    "note": "",
                }
            )
        )
    return pd.concat(parts, ignore_index=True).sort_values(["region_code", "variable"])


def read_tatort_historik(shared: Path) -> pd.DataFrame:
    """Tätort figures of other years than 2020: the scattered Skåne sources, and SCB's 2015 figures of
    every tätort whose 2015 tätort is the one 2020 tätort it became (linked by code; merges left out)."""
    hist = _read(shared, "tatorter_skane_history.csv")
    spot = _read(shared, "tatorter_skane_spot_2005_2023.csv")
    spot = spot[(spot["region_code"] != "") & (spot["region_level"] == "tatort")]
    rows = []
    for frame in (hist, spot):
        for r in frame.itertuples(index=False):
            value = float(r.value)
            unit = r.unit
            if unit == "km2":  # SCB publishes tätort land area in ha; 80.67 km² = 8 067 ha exactly
                value, unit = round(value * 100, 6), "ha"
            rows.append(
                dict(
                    region_code=r.region_code,
                    region_name=r.region_name,
                    level="tatort",
                    year=int(r.year),
                    ref_date=f"{r.year}-12-31",
                    variable=_VARIABLES[r.variable],
                    value=value,
                    unit=_UNITS.get(unit, unit),
                    source=r.source_id,
                    note=r.note,
                )
            )
    links = read_tatort_2015(shared)
    one = links[(links["tatort_code"] != "") & (links["n_2015"] == 1)]
    for var, col, unit in (("folkmangd", "population_2015", "personer"), ("landareal", "land_area_ha_2015", "ha")):
        rows += [dict(region_code=r.tatort_code, region_name=r.tatort_name_2015, level="tatort", year=2015,
                      ref_date="2015-12-31", variable=var, value=float(getattr(r, col)), unit=unit, source="T15",
                      note=f"2015 års tätort {r.tatort_code_2015} ({r.tatort_name_2015}), kopplad: {r.method}")
                 for r in one.itertuples(index=False)]
    out = pd.DataFrame(rows)
    # 2020 is the canonical S1 table; keep other years only.
    out = out[out["year"] != 2020]
    # The same figure from two sources (e.g. Glimåkra 2005 in P1 and Q5): keep one row, both ids.
    key = ["region_code", "year", "variable"]
    dup = out.groupby(key)["value"].nunique()
    if (dup > 1).any():
        raise SnapshotError(f"Motstridiga historiska uppgifter: {dup[dup > 1].index.tolist()}")
    out = out.groupby(key, as_index=False, sort=True).agg(
        region_name=("region_name", "first"),
        level=("level", "first"),
        ref_date=("ref_date", "first"),
        value=("value", "first"),
        unit=("unit", "first"),
        source=("source", lambda s: ";".join(dict.fromkeys(s))),
        note=("note", "first"),
    )
    return out


def read_tatort_2015(shared: Path) -> pd.DataFrame:
    """Every SCB tätort of 2015 and the 2020 tätort it is linked to ("" when none): code, name, how the
    link was made, how many 2015 tätorter share the 2020 code, and the 2015 population and land area."""
    f = _read(shared, "tatorter_sweden_2015.csv")
    linked = f["scb2020_match_method"] != "none"
    return pd.DataFrame({
        "tatort_code_2015": f["tatort_code_2015"], "tatort_name_2015": f["tatort_name"],
        "kommun_code": f["kommun_code"],
        "tatort_code": f["scb2020_tatort_code"].where(linked, ""),
        "method": f["scb2020_match_method"],
        "n_2015": f["n_2015_tatorter_with_same_2020_code"].astype(int),
        "population_2015": f["population"].astype(float), "land_area_ha_2015": f["land_area_ha"].astype(float),
    }).sort_values(["tatort_code", "tatort_code_2015"]).reset_index(drop=True)


def read_kommun_folkmangd(shared: Path) -> pd.DataFrame:
    base = _read(shared, "kommun_population_skane_1950_2020.csv")
    national = _read(shared, "population_kommun_lan_riket_1950_2020.csv")
    later = _read(shared, "kommun_population_skane_2021_2024.csv")
    cross = _read(shared, "kommun_population_skane.csv")
    panel = _read(shared, "kommun_profile_panel_skane_2001_2021.csv")
    frames = []
    base = base.assign(note=base["derived"].where(base["derived"] != "no", ""))
    frames.append(base)
    national = national.rename(columns={"level": "region_level", "population": "value"}).assign(
        source_id="S6", note=lambda f: f["region_level"].map({"kommun": ""}).fillna("summa av kommunerna"))
    frames.append(national)
    p21 = panel[panel["ref_date_stock"] == "2021-12-31"]
    frames.append(pd.DataFrame({"region_code": p21["kommun_code"], "region_name": p21["kommun_name"],
                                "region_level": "kommun", "year": "2021", "ref_date": "2021-12-31",
                                "value": p21["population"], "source_id": "N1", "note": ""}))
    for extra in (later, cross):
        extra = extra[extra["ref_date"].str.endswith("-12-31")]
        frames.append(extra)
    allrows = pd.concat(frames, ignore_index=True)
    level = allrows["region_level"].replace({"lan": "lan", "riket": "riket", "kommun": "kommun"})
    out = pd.DataFrame(
        {
            "region_code": allrows["region_code"],
            "region_name": allrows["region_name"],
            "level": level,
            "year": allrows["year"].astype(int),
            "ref_date": allrows["ref_date"],
            "variable": "folkmangd",
            "value": allrows["value"].astype(float),
            "unit": "personer",
            "source": allrows["source_id"],
            "note": allrows["note"].fillna(""),
        }
    )
    key = ["region_code", "year"]
    conflicts = out.groupby(key)["value"].nunique()
    if (conflicts > 1).any():
        raise SnapshotError(f"Motstridiga kommunuppgifter: {conflicts[conflicts > 1].index.tolist()}")
    out = out.groupby(key, as_index=False, sort=True).agg(
        region_name=("region_name", "first"),
        level=("level", "first"),
        ref_date=("ref_date", "first"),
        variable=("variable", "first"),
        value=("value", "first"),
        unit=("unit", "first"),
        source=("source", lambda s: ";".join(dict.fromkeys(";".join(s).split(";")))),
        note=("note", "first"),
    )
    return out


_SEX = {"men": "män", "women": "kvinnor", "total": ""}


def read_kommun_alder_kon(shared: Path) -> pd.DataFrame:
    f = _read(shared, "population_by_age5_sex_2019.csv")
    return pd.DataFrame({
        "region_code": f["region_code"], "region_name": f["region_name"], "level": f["level"], "year": 2019,
        "ref_date": f["ref_date"], "variable": "folkmangd", "alder": f["age_band"], "kon": f["sex"].map(_SEX),
        "value": f["population"].astype(float), "unit": "personer", "source": "V1",
        "note": f["level"].map({"kommun": ""}).fillna("summa av kommunerna"),
    })


def read_kommun_alder_55plus(shared: Path) -> pd.DataFrame:
    f = _read(shared, "kommun_population_55plus_by_sex_skane_2008_2018.csv")
    band = f["age_band"].str.replace(" år", "", regex=False).replace({"all ages": ""})
    return pd.DataFrame({
        "region_code": f["kommun_code"], "region_name": f["kommun_name"], "level": "kommun",
        "year": f["year"].astype(int), "ref_date": f["ref_date"], "variable": "folkmangd", "alder": band,
        "kon": f["sex"].map(_SEX), "value": f["population"].astype(float), "unit": "personer", "source": "E1",
        "note": "",
    })


#: SCB's eight education levels (labels of UF0506) → the levels the profile reports.
EDUCATION_LABELS = {
    "förgymnasial utbildning kortare än 9 år": "utb_forgymnasial",
    "förgymnasial utbildning, 9 (10) år": "utb_forgymnasial",
    "gymnasial utbildning, högst 2 år": "utb_gymnasial",
    "gymnasial utbildning, 3 år": "utb_gymnasial",
    "eftergymnasial utbildning, mindre än 3 år": "utb_eftergymnasial",
    "eftergymnasial utbildning, 3 år eller mer": "utb_eftergymnasial",
    "forskarutbildning": "utb_eftergymnasial",
    "uppgift om utbildningsnivå saknas": "utb_saknas",
}


def read_kommun_utbildning(shared: Path) -> pd.DataFrame:
    f = _read(shared, "education_level_25_64_2019.csv")
    var = f["education_level"].map(EDUCATION_LABELS)
    if var.isna().any():
        raise SnapshotError(f"Okänd utbildningsnivå: {sorted(set(f.loc[var.isna(), 'education_level']))}")
    out = pd.DataFrame({
        "region_code": f["region_code"], "region_name": f["region_name"], "level": f["level"], "year": 2019,
        "ref_date": f["ref_date"], "variable": var, "alder": "25-64", "kon": f["sex"].map(_SEX),
        "value": f["population"].astype(float), "unit": "personer", "source": "V3", "note": "",
    })
    keys = ["region_code", "region_name", "level", "year", "ref_date", "variable", "alder", "kon", "unit", "source", "note"]
    return out.groupby(keys, as_index=False)["value"].sum()


def _status_value(values: pd.Series, status: pd.Series) -> tuple[pd.Series, pd.Series]:
    v = pd.to_numeric(values.replace("", None), errors="coerce")
    st = status.where(status != "", None)
    st = st.where(v.isna() | st.notna(), None)
    return v.astype(float), st.where(~(v.isna() & st.isna()), "..")


def read_kommun_inkomst(shared: Path) -> pd.DataFrame:
    f = _read(shared, "kommun_median_income_1999_2024.csv")
    value, status = _status_value(f["value"], f["status"])
    return pd.DataFrame({
        "region_code": f["region_code"], "region_name": f["region_name"], "level": "kommun",
        "year": f["year"].astype(int), "ref_date": f["year"] + "-12-31", "variable": "medianinkomst",
        "alder": "tot16+", "kon": "", "value": value, "unit": "tkr", "status": status, "source": "AT", "note": "",
    })


def read_kommun_sysselsattning(shared: Path) -> pd.DataFrame:
    f = _read(shared, "kommun_labour_market_20_64_2020_2024.csv")
    parts = []
    for col, var in (("sysselsattningsgrad", "sysselsattningsgrad"), ("arbetsloshet", "arbetsloshet")):
        value, status = _status_value(f[f"{col}_pct"], f[f"{col}_status"])
        parts.append(pd.DataFrame({
            "region_code": f["region_code"], "region_name": f["region_name"], "level": "kommun",
            "year": f["year"].astype(int), "ref_date": f["year"] + "-12-31", "variable": var, "alder": "20-64",
            "kon": "", "value": value, "unit": "procent", "status": status, "source": "AT", "note": "",
        }))
    return pd.concat(parts, ignore_index=True)


def read_kommun_skattesats(shared: Path) -> pd.DataFrame:
    f = _read(shared, "kommun_tax_rate_2000_2026.csv")
    value, status = _status_value(f["tax_rate_pct"], f["status"])
    return pd.DataFrame({
        "region_code": f["region_code"], "region_name": f["region_name"], "level": "kommun",
        "year": f["year"].astype(int), "ref_date": f["year"] + "-01-01", "variable": "skattesats", "alder": "",
        "kon": "", "value": value, "unit": "procent", "status": status, "source": "AT", "note": "",
    })


#: SCB's boendeform → the groups the profile shows.
TENURE = {"småhus, äganderätt": "boende_smahus_agande", "småhus, bostadsrätt": "boende_bostadsratt",
          "flerbostadshus, bostadsrätt": "boende_bostadsratt", "småhus, hyresrätt": "boende_hyresratt",
          "flerbostadshus, hyresrätt": "boende_hyresratt", "specialbostad": "boende_ovrigt",
          "övrigt boende": "boende_ovrigt", "uppgift saknas": "boende_saknas"}


def read_kommun_hushall(shared: Path) -> pd.DataFrame:
    """Households by tenure, 31 December 2019: every kommun, and each län and riket as the sum of its kommuner."""
    f = _read(shared, "households_type_tenure_2019.csv")
    f = f.assign(variable=f["tenure"].map(TENURE), value=f["households"].astype(float))
    if f["variable"].isna().any():
        raise SnapshotError(f"Okänd boendeform: {sorted(set(f.loc[f['variable'].isna(), 'tenure']))}")
    g = f.groupby(["region_code", "region_name", "level", "variable"], as_index=False)["value"].sum()
    return pd.DataFrame({
        "region_code": g["region_code"], "region_name": g["region_name"], "level": g["level"], "year": 2019,
        "ref_date": "2019-12-31", "variable": g["variable"], "alder": "", "kon": "", "value": g["value"],
        "unit": "hushåll", "source": "V4", "note": g["level"].map({"kommun": ""}).fillna("summa av kommunerna"),
    })


def read_kommun_hushallsstorlek(shared: Path) -> pd.DataFrame:
    """Persons by the size of the household they live in, 2019: every kommun, län and riket (sums)."""
    f = _read(shared, "persons_by_household_size_2019.csv")
    size = f["household_size"].str.extract(r"^(\d\+?)", expand=False).fillna("okänd")
    return pd.DataFrame({
        "region_code": f["region_code"], "region_name": f["region_name"], "level": f["level"], "year": 2019,
        "ref_date": f["ref_date"], "variable": "personer_i_hushall", "alder": size, "kon": "",
        "value": f["persons"].astype(float), "unit": "personer", "source": "V4",
        "note": f["level"].map({"kommun": ""}).fillna("summa av kommunerna"),
    })


def read_kommun_areal(shared: Path) -> pd.DataFrame:
    f = _read(shared, "area_kommun_lan_riket_2016.csv")
    return pd.DataFrame({
        "region_code": f["region_code"], "region_name": f["region_name"], "level": f["level"], "year": 2016,
        "ref_date": f["ref_date"], "variable": "landareal", "alder": "", "kon": "",
        "value": f["land_km2"].astype(float), "unit": "km²", "source": "S5",
        "note": f["level"].map({"kommun": ""}).fillna("summa av kommunerna"),
    })


def read_deso_alder(shared: Path) -> pd.DataFrame:
    f = _read(shared, "deso2025_population_by_age_sex_bromolla_ostragoinge.csv")
    parts = []
    for col, kon in (("men", "män"), ("women", "kvinnor")):
        parts.append(pd.DataFrame({
            "region_code": f["deso_code"], "region_name": "DeSO " + f["deso_code"], "level": "deso",
            "year": f["year"].astype(int), "ref_date": f["ref_date"], "variable": "folkmangd",
            "alder": f["age_band"], "kon": kon, "value": f[col].astype(float), "unit": "personer", "source": "A1",
            "note": "",
        }))
    return pd.concat(parts, ignore_index=True)


#: DeSO indicator columns → (variable, unit, year).
DESO_INDICATORS = {
    "population_2025": ("folkmangd", "personer", 2025),
    "growth_pct_2024_2025": ("folkokning_procent", "förändring procent", 2025),
    "disp_income_median_tkr_2024": ("disponibel_inkomst_median", "tkr", 2024),
    "low_economic_standard_pct_2024": ("lag_ekonomisk_standard", "procent", 2024),
    "employment_20_64_pct_2024": ("sysselsattningsgrad", "procent", 2024),
    "unemployment_20_64_pct_2024": ("arbetsloshet", "procent", 2024),
    "post_secondary_25_65_pct_2025": ("andel_eftergymnasial", "procent", 2025),
    "foreign_background_pct_2025": ("utlandsk_bakgrund", "procent", 2025),
    "rented_dwellings_pct_2025": ("andel_hyresratt", "procent", 2025),
}


def read_deso_indikatorer(shared: Path) -> pd.DataFrame:
    f = _read(shared, "deso2025_indicators_bromolla_ostragoinge.csv")
    parts = []
    for col, (var, unit, year) in DESO_INDICATORS.items():
        parts.append(pd.DataFrame({
            "region_code": f["deso_code"], "region_name": "DeSO " + f["deso_code"], "level": "deso", "year": year,
            "ref_date": f"{year}-12-31", "variable": var, "alder": "", "kon": "",
            "value": f[col].astype(float), "unit": unit, "source": "A1", "note": "",
        }))
    return pd.concat(parts, ignore_index=True)


def read_tatort_deso(shared: Path) -> pd.DataFrame:
    f = _read(shared, "deso2025_indicators_bromolla_ostragoinge.csv")
    rows = []
    for r in f.itertuples(index=False):
        for code in re.findall(r"\b(\d{4}T[A-Z]\d{3})\b", r.tatort_note or ""):
            rows.append({"tatort_code": code, "deso_code": r.deso_code, "kommun_code": r.kommun_code})
    return pd.DataFrame(rows, columns=["tatort_code", "deso_code", "kommun_code"])


def read_tatort_service(shared: Path) -> pd.DataFrame:
    path = shared.parent / "service" / "tatorter_sverige_2020_distance_to_pharmacy_pipos2025.csv"
    if not path.exists():
        raise SnapshotError(f"Källfilen {path} saknas.")
    f = pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.DataFrame({
        "tatort_code": f["tatort_code"],
        "apotek_km": f["nearest_apotek_km"].astype(float), "apotek_namn": f["nearest_apotek_name"],
        "ombud_km": f["nearest_apoteksombud_km"].astype(float), "ombud_namn": f["nearest_apoteksombud_name"],
        "narmaste_km": f["nearest_any_pharmacy_service_point_km"].astype(float),
        "narmaste_namn": f["nearest_any_pharmacy_service_point_name"],
    })


def read_tatort_ytor(shared: Path) -> pd.DataFrame:
    """Lantmäteriet's outline of every tätort that has one (1 976 of 2 017), one shape per SCB 2020 code.
    Where LM drew several 2020 tätorter as one place, each of them gets that outline and ``delad_med``
    names the others (semicolon-separated codes)."""
    import geopandas as gpd

    path = shared.parent / "geo" / "tatorter_sverige_lm_oversiktskartan_polygons.gpkg"
    if not path.exists():
        raise SnapshotError(f"Källfilen {path} saknas.")
    g = gpd.read_file(path)
    g = g[g["scb2020_codes_all"].notna() & (g["scb2020_codes_all"] != "")]
    codes = g["scb2020_codes_all"].str.split(";")
    g = g.assign(tatort_code=codes, group=codes.map(lambda c: ";".join(sorted(c)))).explode("tatort_code")
    g = g.dissolve(by="tatort_code", as_index=False, aggfunc={"group": lambda s: ";".join(sorted(set(";".join(s).split(";"))))})
    shared_with = [";".join(c for c in grp.split(";") if c != code) for code, grp in zip(g["tatort_code"], g["group"])]
    return pd.DataFrame({"tatort_code": g["tatort_code"].astype(str), "delad_med": shared_with,
                         "wkb": [geom.wkb for geom in g.geometry.to_crs(3006)]}).sort_values("tatort_code")
