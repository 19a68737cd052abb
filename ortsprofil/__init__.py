"""ortsprofil: statistical profiles of Swedish tätorter from SCB's official statistics.

The public entry points are :func:`ortsprofil.figures.profile.build` (a Profile of one locality),
:func:`ortsprofil.figures.localities.find` (resolve a name or code) and
:func:`ortsprofil.run.report.build_report` (execute the notebook, write HTML/PDF).
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ortsprofil")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# pyarrow's own allocator keeps what the parquet reads touched (about 45 MB in every process for a
# few MB of tables); the system allocator gives it back. Set before pandas/pyarrow load, and
# inherited by a report's kernel. A user's own setting wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

__all__ = ["__version__"]
