"""Build the bundled snapshot from the tidy SCB CSVs in ``../shared/data/scb``.

This is how ``data/snapshot/`` was made (``make snapshot``); the tests rebuild it into a
temporary folder and compare, so the committed Parquet files are reproducible from their
sources. Provenance ids (S1, S2, S6, P1, Q1, …) are those of ``data/snapshot/SOURCES.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import config
from .errors import SnapshotError
from .snapshot import Snapshot

_VARIABLES = {"population": "folkmangd", "land_area": "landareal"}
_UNITS = {"persons": "personer", "ha": "ha"}

#: Tables the bundle writes, with the SCB table they come from and their reference date.
BUNDLED_TABLES = {
    "regioner": dict(
        scb_table="TAB6471 (metadata, Region)",
        title="Riket, län och kommuner: koder och namn",
        ref="Regionindelning 2025",
        sources=("S2",),
        kind="registry",
    ),
    "tatorter": dict(
        scb_table="MI0810 Tätorter 2020 (geodata, punkter)",
        title="Tätorter 2020: kod, namn, kommun, län, läge (SWEREF 99 TM)",
        ref="Tätortsavgränsning 2020",
        sources=("S1",),
        kind="registry",
    ),
    "tatort_folkmangd": dict(
        scb_table="MI0810 LandarealTatortN",
        title="Folkmängd och landareal i tätorter 2020",
        ref="2020-12-31",
        sources=("S1",),
    ),
    "tatort_historik": dict(
        scb_table="MI0810 LandarealTatortN (äldre avgränsningar)",
        title="Folkmängd och landareal i enskilda tätorter 1960–2023 (spridda uppgifter)",
        ref="31 december respektive år; tätortens gränser det året",
        sources=("P1", "P2", "P3", "P4", "P7", "P8", "Q5", "Q19", "Q21", "Q26"),
    ),
    "kommun_folkmangd": dict(
        scb_table="BE0101 BefolkningNy (TAB638), BE0101N1 Folkmängd",
        title="Folkmängd 31 december i Skånes kommuner, Skåne län och riket",
        ref="31 december 1950–2024",
        sources=("S6", "Q1", "Q2", "Q5", "Q7", "Q8", "Q9", "Q10", "Q11", "P10", "P12", "P13", "P14"),
    ),
}


def _read(shared: Path, name: str) -> pd.DataFrame:
    path = shared / name
    if not path.exists():
        raise SnapshotError(f"Källfilen {path} saknas.")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _regioner(shared: Path) -> pd.DataFrame:
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


def _tatorter(shared: Path, regioner: pd.DataFrame) -> pd.DataFrame:
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


def _tatort_folkmangd(shared: Path) -> pd.DataFrame:
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


def _tatort_historik(shared: Path) -> pd.DataFrame:
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


def _kommun_folkmangd(shared: Path) -> pd.DataFrame:
    base = _read(shared, "kommun_population_skane_1950_2020.csv")
    later = _read(shared, "kommun_population_skane_2021_2024.csv")
    cross = _read(shared, "kommun_population_skane.csv")
    frames = []
    base = base.assign(note=base["derived"].where(base["derived"] != "no", ""))
    frames.append(base)
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


def build(shared: Path | str | None = None, target: Path | str | None = None) -> Snapshot:
    """Write every bundled table from the shared CSVs into ``target``.

    Parameters
    ----------
    shared : Path, optional
        The ``shared/data/scb`` folder (default ``config.SHARED_SCB_DIR``).
    target : Path, optional
        The snapshot folder to write (default ``config.SNAPSHOT_DIR``).

    Returns
    -------
    Snapshot
    """
    shared = Path(shared) if shared else config.SHARED_SCB_DIR
    snap = Snapshot(Path(target) if target else config.SNAPSHOT_DIR)
    regioner = _regioner(shared)
    frames = {
        "regioner": regioner,
        "tatorter": _tatorter(shared, regioner),
        "tatort_folkmangd": _tatort_folkmangd(shared),
        "tatort_historik": _tatort_historik(shared),
        "kommun_folkmangd": _kommun_folkmangd(shared),
    }
    with snap.writing():
        for key, frame in frames.items():
            meta = dict(BUNDLED_TABLES[key])
            snap.write(key, frame, origin="bundled", **meta)
        snap.repair()  # files of an earlier build that the manifest no longer names
    return snap
