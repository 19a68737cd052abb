"""The tidy table shape every statistical table of the snapshot has, and the registry schemas.

One row per region, year and breakdown; codes always strings ("0114" keeps its zero); a value SCB
suppresses stays NaN with its symbol in ``status``. :func:`coerce_tidy` puts any frame into that shape.
"""

from __future__ import annotations

import pandas as pd

from ortsprofil.errors import SnapshotError


TIDY_COLUMNS: list[str] = [
    "region_code",
    "region_name",
    "level",
    "year",
    "ref_date",
    "variable",
    "alder",
    "kon",
    "value",
    "unit",
    "status",
    "source",
    "note",
]

_TIDY_DTYPES: dict[str, str] = {
    "region_code": "str",
    "region_name": "str",
    "level": "str",
    "year": "int64",
    "ref_date": "str",
    "variable": "str",
    "alder": "str",
    "kon": "str",
    "value": "float64",
    "unit": "str",
    "status": "str",
    "source": "str",
    "note": "str",
}

#: Columns and dtypes of the registry tables.
REGISTRY_SCHEMAS: dict[str, dict[str, str]] = {
    "tatorter": {
        "tatort_code": "str",
        "tatort_name": "str",
        "kommun_code": "str",
        "kommun_name": "str",
        "lan_code": "str",
        "lan_name": "str",
        "x": "float64",
        "y": "float64",
        "lon": "float64",
        "lat": "float64",
    },
    "regioner": {
        "region_code": "str",
        "region_name": "str",
        "level": "str",
        "lan_code": "str",
    },
    "tatort_deso": {"tatort_code": "str", "deso_code": "str", "kommun_code": "str"},
    "tatort_service": {
        "tatort_code": "str", "apotek_km": "float64", "apotek_namn": "str", "ombud_km": "float64",
        "ombud_namn": "str", "narmaste_km": "float64", "narmaste_namn": "str",
    },
    "tatort_ytor": {"tatort_code": "str", "delad_med": "str", "wkb": "object"},
    "tatort_2015": {
        "tatort_code_2015": "str", "tatort_name_2015": "str", "kommun_code": "str", "tatort_code": "str",
        "method": "str", "n_2015": "int64", "population_2015": "float64", "land_area_ha_2015": "float64",
    },
}


def empty_tidy() -> pd.DataFrame:
    """An empty tidy frame with the canonical columns and dtypes."""
    return coerce_tidy(pd.DataFrame({c: [] for c in TIDY_COLUMNS}))


def coerce_tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the tidy columns in canonical order and dtypes.

    Raises
    ------
    SnapshotError
        When a required column is missing.
    """
    optional = ("status", "note", "alder", "kon")
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns and c not in optional]
    if missing:
        raise SnapshotError(f"Tabellen saknar kolumnerna {missing}.")
    out = frame.copy()
    for col in optional:
        if col not in out.columns:
            fill = "" if col in ("alder", "kon") else None
            out[col] = pd.Series([fill] * len(out), dtype="str", index=out.index)
    out = out[TIDY_COLUMNS]
    return out.astype(_TIDY_DTYPES)


def coerce_registry(key: str, frame: pd.DataFrame) -> pd.DataFrame:
    schema = REGISTRY_SCHEMAS[key]
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise SnapshotError(f"Registret {key!r} saknar kolumnerna {missing}.")
    return frame[list(schema)].astype(schema).reset_index(drop=True)
