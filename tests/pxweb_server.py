"""The local PxWeb test server (see :mod:`tests.pxweb`). ``python -m tests.pxweb_server`` starts it by hand."""

from __future__ import annotations

import time

from .pxweb import TEST_NOTE, PxWebServer, Table, build_tables  # noqa: F401

if __name__ == "__main__":  # pragma: no cover - manual use
    with PxWebServer() as srv:
        print(f"PxWeb-testserver på {srv.url} (Ctrl-C avslutar)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
