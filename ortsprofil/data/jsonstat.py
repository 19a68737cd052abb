"""Pure JSON-stat 2.0 → tidy DataFrame. No I/O; raises DataShapeError, never truncates.

SCB's PxWebAPI 2.0 answers data queries as JSON-stat 2 datasets: ``id`` (dimension order),
``size``, ``dimension[*].category.{index,label,unit}``, ``value`` (list or sparse dict),
``status`` (symbols such as ``..`` for suppressed cells; list, dict or one string),
``note`` and ``extension.noteMandatory``. A cell with a status symbol keeps ``value`` NaN and
its symbol in the ``status`` column — it never becomes 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ortsprofil.errors import DataShapeError

#: Symbols SCB uses for values it does not publish.
MISSING_SYMBOLS = ("..", ".", ":", "...", "-")


@dataclass
class Dimension:
    """One dimension of a dataset, categories in index order."""

    id: str
    label: str
    codes: list[str]
    labels: list[str]
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    extension: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _ordered_codes(dim_id: str, category: dict[str, Any], size: int) -> list[str]:
    index = category.get("index")
    labels = category.get("label") or {}
    if index is None:
        if size == 1 and len(labels) == 1:
            return [next(iter(labels))]
        raise DataShapeError(f"Dimensionen {dim_id!r} saknar category.index.")
    if isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        pos = sorted(index.items(), key=lambda kv: kv[1])
        codes = [str(c) for c, _ in pos]
        if [p for _, p in pos] != list(range(len(pos))):
            raise DataShapeError(f"Dimensionen {dim_id!r} har luckor i category.index.")
    else:
        raise DataShapeError(f"Dimensionen {dim_id!r}: category.index har fel typ.")
    if len(codes) != size:
        raise DataShapeError(
            f"Dimensionen {dim_id!r} har {len(codes)} kategorier men size säger {size}."
        )
    return codes


def dimensions(doc: dict[str, Any]) -> list[Dimension]:
    """The dimensions of a JSON-stat 2 dataset, validated against ``id`` and ``size``."""
    for key in ("id", "size", "dimension"):
        if key not in doc:
            raise DataShapeError(f"JSON-stat-svaret saknar {key!r}.")
    ids, sizes = list(doc["id"]), list(doc["size"])
    if len(ids) != len(sizes):
        raise DataShapeError(f"id har {len(ids)} dimensioner men size {len(sizes)}.")
    dims = []
    for dim_id, size in zip(ids, sizes):
        d = doc["dimension"].get(dim_id)
        if d is None:
            raise DataShapeError(f"Dimensionen {dim_id!r} saknas i 'dimension'.")
        cat = d.get("category") or {}
        codes = _ordered_codes(dim_id, cat, int(size))
        labels_map = cat.get("label") or {}
        dims.append(
            Dimension(
                id=dim_id,
                label=str(d.get("label", dim_id)),
                codes=codes,
                labels=[str(labels_map.get(c, c)) for c in codes],
                units=dict(cat.get("unit") or {}),
                extension=dict(d.get("extension") or {}),
                notes=list(d.get("note") or []),
            )
        )
    return dims


def _values(doc: dict[str, Any], n: int) -> np.ndarray:
    raw = doc.get("value")
    if raw is None:
        raise DataShapeError("JSON-stat-svaret saknar 'value'.")
    out = np.full(n, np.nan, dtype=float)
    if isinstance(raw, list):
        if len(raw) != n:
            raise DataShapeError(f"value har {len(raw)} celler men dimensionerna ger {n}.")
        items = enumerate(raw)
    elif isinstance(raw, dict):
        items = ((int(k), v) for k, v in raw.items())
    else:
        raise DataShapeError("value har fel typ.")
    for i, v in items:
        if not 0 <= i < n:
            raise DataShapeError(f"value-index {i} ligger utanför 0–{n - 1}.")
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if isinstance(v, str) and v.strip() in MISSING_SYMBOLS:
                continue  # v1-style symbol in the value itself; recorded in status below
            raise DataShapeError(f"Cell {i} har ett värde som inte är ett tal: {v!r}.")
        out[i] = float(v)
    return out


def _status(doc: dict[str, Any], n: int) -> list[str | None]:
    raw = doc.get("status")
    out: list[str | None] = [None] * n
    if raw is None:
        pass
    elif isinstance(raw, str):
        out = [raw] * n
    elif isinstance(raw, list):
        if len(raw) not in (1, n):
            raise DataShapeError(f"status har {len(raw)} celler men dimensionerna ger {n}.")
        out = [s or None for s in raw] if len(raw) == n else [raw[0] or None] * n
    elif isinstance(raw, dict):
        for k, s in raw.items():
            i = int(k)
            if not 0 <= i < n:
                raise DataShapeError(f"status-index {i} ligger utanför 0–{n - 1}.")
            out[i] = s or None
    else:
        raise DataShapeError("status har fel typ.")
    # v1-style: the symbol stands in the value list itself.
    values = doc.get("value")
    if isinstance(values, list) and len(values) == n:
        for i, v in enumerate(values):
            if isinstance(v, str) and v.strip() in MISSING_SYMBOLS and out[i] is None:
                out[i] = v.strip()
    return out


def to_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """Convert a JSON-stat 2 dataset to one row per cell.

    Columns: one code column per dimension (named as the dimension id) and ``<id>_label``;
    ``region_code``/``region_name`` (from the ``Region`` dimension when present), ``time``
    (from ``role.time``), ``value`` (float, NaN when missing), ``status`` (symbol or None),
    ``unit`` (from the metric dimension's category unit). ``frame.attrs`` holds ``table_id``,
    ``label``, ``updated``, ``source``, ``notes`` and ``mandatory_notes``.

    Raises
    ------
    DataShapeError
        When sizes, indices or value counts do not agree — a response is never truncated.

    Examples
    --------
    >>> doc = {"id": ["Region", "Tid"], "size": [1, 2], "role": {"time": ["Tid"]},
    ...        "dimension": {"Region": {"category": {"index": {"00": 0}, "label": {"00": "Riket"}}},
    ...                      "Tid": {"category": {"index": {"2023": 0, "2024": 1}}}},
    ...        "value": [1.0, None], "status": {"1": ".."}}
    >>> to_frame(doc)[["region_code", "time", "value", "status"]].values.tolist()
    [['00', '2023', 1.0, None], ['00', '2024', nan, '..']]
    """
    if not isinstance(doc, dict):
        raise DataShapeError("JSON-stat-svaret är inget objekt.")
    if doc.get("class") not in (None, "dataset"):
        raise DataShapeError(f"Väntade class 'dataset', fick {doc.get('class')!r}.")
    dims = dimensions(doc)
    n = int(math.prod(len(d.codes) for d in dims)) if dims else 0
    values = _values(doc, n)
    status = _status(doc, n)

    # Row-major order: the last dimension varies fastest (JSON-stat convention).
    grids = np.indices([len(d.codes) for d in dims]).reshape(len(dims), -1) if dims else np.empty((0, 0))
    data: dict[str, Any] = {}
    for d, idx in zip(dims, grids):
        data[d.id] = np.asarray(d.codes, dtype=object)[idx]
        data[f"{d.id}_label"] = np.asarray(d.labels, dtype=object)[idx]
    frame = pd.DataFrame(data)
    role = doc.get("role") or {}
    time_dims = list(role.get("time") or [])
    metric_dims = list(role.get("metric") or [])
    region = (role.get("geo") or [None])[0] or next((d.id for d in dims if d.id.lower() == "region"), None)
    frame["region_code"] = frame[region] if region in frame else None
    frame["region_name"] = frame[f"{region}_label"] if region in frame else None
    frame["time"] = frame[time_dims[0]] if time_dims and time_dims[0] in frame else None
    unit_col = None
    if metric_dims and metric_dims[0] in frame:
        mdim = next(d for d in dims if d.id == metric_dims[0])
        units = {c: (u or {}).get("base") for c, u in mdim.units.items()}
        unit_col = frame[metric_dims[0]].map(units)
    frame["unit"] = unit_col if unit_col is not None else None
    frame["value"] = values
    frame["status"] = pd.Series(status, dtype=object)
    for col in frame.columns:
        if col not in ("value", "status") and frame[col].notna().all():
            frame[col] = frame[col].astype("str")
    notes = list(doc.get("note") or [])
    dimension_notes: list[str] = []
    for d in dims:  # SCB's notes on a variable and on single categories ("Fotnot till kommun 0331 …")
        dimension_notes += [f"{d.label}: {n}" for n in d.notes]
        cat_notes = ((doc["dimension"][d.id].get("category") or {}).get("note") or {})
        for code in d.codes:
            for n in cat_notes.get(code) or []:
                label = d.labels[d.codes.index(code)]
                dimension_notes.append(f"{d.label} {label}: {n}")
    mandatory_idx = {int(k) for k, v in ((doc.get("extension") or {}).get("noteMandatory") or {}).items() if v}
    frame.attrs.update(
        {
            "table_id": ((doc.get("extension") or {}).get("px") or {}).get("tableid"),
            "label": doc.get("label"),
            "updated": doc.get("updated"),
            "source": doc.get("source"),
            "notes": notes,
            "mandatory_notes": [notes[i] for i in sorted(mandatory_idx) if i < len(notes)],
            "dimension_notes": list(dict.fromkeys(dimension_notes)),
            "dimensions": [d.id for d in dims],
        }
    )
    return frame
