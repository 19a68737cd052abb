"""Paths and settings: the only module that knows where things live.

Every path can be overridden with an environment variable so that tests and batch
runs can point the package at a temporary snapshot, cache or report folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


DATA_DIR: Path = _env_path("ORTSPROFIL_DATA_DIR", PROJECT_ROOT / "data")
SNAPSHOT_DIR: Path = _env_path("ORTSPROFIL_SNAPSHOT_DIR", DATA_DIR / "snapshot")
CACHE_DIR: Path = _env_path("ORTSPROFIL_CACHE_DIR", DATA_DIR / "cache")
REPORTS_DIR: Path = _env_path("ORTSPROFIL_REPORTS_DIR", PROJECT_ROOT / "reports")
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
SHARED_SCB_DIR: Path = _env_path(
    "ORTSPROFIL_SHARED_SCB_DIR", PROJECT_ROOT.parent / "shared" / "data" / "scb"
)

SCB_API_URL: str = os.environ.get(
    "ORTSPROFIL_SCB_URL", "https://statistikdatabasen.scb.se/api/v2"
).rstrip("/")

#: Default population band for "liknande orter" (the pilot's selection rule).
PEER_MIN: int = 400
PEER_MAX: int = 4000
#: A "town" (stad) has at least this many inhabitants; a rural place lies at least RURAL_KM km
#: (fågelvägen) from another town — the rule of the screening and of "liknande orter".
TOWN_MIN: int = 10_000
RURAL_KM: float = 10.0
#: Skåne län, the region the tool is built for.
DEFAULT_LAN: str = "12"


def offline() -> bool:
    """True when ORTSPROFIL_OFFLINE is set: serve SCB data only from the cache."""
    return os.environ.get("ORTSPROFIL_OFFLINE", "").strip().lower() in {"1", "true", "ja", "yes"}
