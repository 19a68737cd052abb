"""A local PxWebAPI 2.0 server that behaves like SCB's, driven by real recordings."""

from .model import TEST_NOTE, Codelist, Table, Var
from .server import PxWebServer, default_selection, expand, search, split_codes
from .tables import build_tables

__all__ = ["PxWebServer", "Table", "Var", "Codelist", "TEST_NOTE", "build_tables", "default_selection", "expand",
           "search", "split_codes"]
