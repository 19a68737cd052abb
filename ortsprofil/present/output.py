"""How a figure leaves the kernel: as SVG (vector: crisp at any print size, smaller, quicker to write than a
200-dpi PNG), and — for charts shared by many profiles — from a cache, drawn once per batch.

:func:`install` registers IPython display formatters for matplotlib figures; the inline backend shows
every figure through them, so the notebook stays one call per cell and the chart functions keep their
contract (they build and return the Axes; they never save). A chart whose picture depends only on data
shared by many profiles (a kommun's income, its age structure) marks its figure with :func:`share` and a
key made of everything the picture shows; with the cache switched on (``ORTSPROFIL_FIGURE_CACHE`` names a
folder; default ``data/cache/figurer``) the SVG is written once and every later profile with the same
key reuses it — in a batch, once per kommun.
New figures (a refreshed table) give a new key, so nothing stale is ever shown.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ortsprofil import config
from ortsprofil.data.snapshot import atomic_write_bytes

#: Environment variable naming the shared-chart cache folder (unset: ``data/cache/figurer``; "0": no cache).
CACHE_ENV = "ORTSPROFIL_FIGURE_CACHE"
_KEY = "_ortsprofil_share_key"
_CROP = "_ortsprofil_crop"
#: True once the display formatters are installed (in a notebook kernel).
_INSTALLED = False
#: What the cache did in this process (benchmarks print it).
STATS = {"drawn": 0, "reused": 0}


def share(fig: Figure, name: str, *parts) -> None:
    """Mark ``fig`` as a chart that depends only on ``parts`` (frames, labels, numbers): every profile
    whose chart has the same name and parts shows the same picture. The key also covers the code."""
    setattr(fig, _KEY, _key(name, parts))


def reuse(ax, name: str, *parts):
    """In a notebook with the cache on: when the chart ``name`` of these ``parts`` was drawn before, show
    that picture now and return a stand-in Axes (of an empty figure nobody shows), so the chart is not
    built again; else None (draw it, then :func:`share` it). Never when the caller passed an ``ax``."""
    folder = cache_dir()
    if ax is not None or folder is None or not _INSTALLED:
        return None
    path = folder / f"{_key(name, parts)}.svg"
    if not path.exists():
        return None
    from IPython.display import publish_display_data

    publish_display_data({"image/svg+xml": path.read_text(encoding="utf-8"), "text/plain": f"<{name}>"})
    STATS["reused"] += 1
    return Figure().add_subplot()


def _key(name: str, parts: tuple) -> str:
    h = hashlib.sha256(name.encode())
    for part in parts:
        h.update(b"\0")
        if hasattr(part, "to_json"):
            h.update(part.to_json(orient="split", date_format="iso", double_precision=12).encode())
            h.update(json.dumps(getattr(part, "attrs", {}), sort_keys=True, default=str).encode())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
    h.update(_code_version().encode())
    h.update(matplotlib.__version__.encode())
    return h.hexdigest()[:32]


def crop(fig: Figure) -> None:
    """Mark ``fig`` to be cropped to what is drawn (a map: an equal-aspect frame in a wider figure). Charts
    are laid out to fill their figure (constrained layout) and are written as they are — one render
    instead of two."""
    setattr(fig, _CROP, True)


@lru_cache(maxsize=1)
def _code_version() -> str:
    """The drawing code's version (the charts and the Swedish number formats they write): changed code
    never reuses an old picture."""
    here = Path(__file__).resolve()
    h = hashlib.sha256()
    for path in (here.with_name("charts.py"), here.parents[1] / "text.py"):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path | None:
    """Where shared charts are kept: ``ORTSPROFIL_FIGURE_CACHE`` if set ("0" or "ingen" turns the cache
    off), else ``data/cache/figurer`` (beside the SCB response cache, never in git)."""
    value = os.environ.get(CACHE_ENV)
    if value is None:
        return config.CACHE_DIR / "figurer"
    value = value.strip()
    return None if value.lower() in ("", "0", "ingen", "nej") else Path(value)


def svg(fig: Figure) -> str:
    """The figure as SVG text (cropped where :func:`crop` asked for it), from the shared-chart cache where
    it is marked and cached; a cache file is written atomically and never edited."""
    key = getattr(fig, _KEY, None)
    folder = cache_dir()
    path = folder / f"{key}.svg" if key and folder else None
    if path is not None and path.exists():
        STATS["reused"] += 1
        return path.read_text(encoding="utf-8")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight" if getattr(fig, _CROP, False) else None)
    text = buf.getvalue()
    text = text[text.find("<svg"):]  # no XML prolog or DOCTYPE: the SVG goes inside an HTML page
    STATS["drawn"] += 1
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, text.encode("utf-8"))
    return text


def install() -> bool:
    """In an IPython kernel, show matplotlib figures as SVG only (no PNG beside them). Returns False
    outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - plain Python
        return False
    ip = get_ipython()
    if ip is None:
        return False
    # Importing the inline backend configures it now (its formats), not at the first figure, where it
    # would replace the formatters below; its own setting is SVG too, should it configure again.
    import matplotlib_inline.backend_inline as inline

    inline.set_matplotlib_formats("svg")
    formatters = ip.display_formatter.formatters
    for mime in ("image/png", "image/jpeg", "application/pdf"):
        formatters[mime].pop(Figure, None)
    formatters["image/svg+xml"].for_type(Figure, svg)
    global _INSTALLED
    _INSTALLED = True
    return True
