"""ortsprofil: statistical profiles of Swedish tätorter from SCB's official statistics.

The public entry points are :func:`ortsprofil.profile.build` (a Profile of one locality),
:func:`ortsprofil.localities.find` (resolve a name or code) and
:func:`ortsprofil.report.build_report` (execute the notebook, write HTML/PDF).
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ortsprofil")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
