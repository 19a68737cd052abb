"""Shared fixtures. Tests run offline against the bundled snapshot in data/snapshot/."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")

from ortsprofil import config  # noqa: E402

SHARED_SCB = config.SHARED_SCB_DIR
UPSTREAM = SHARED_SCB.parent / "upstream"


@pytest.fixture(scope="session")
def reg():
    from ortsprofil.figures.localities import registry

    return registry()


@pytest.fixture(scope="session")
def nasum(reg):
    return reg.find("Näsum")


@pytest.fixture(scope="session")
def glimakra(reg):
    return reg.find("Glimåkra")


@pytest.fixture(scope="session")
def p_nasum():
    from ortsprofil.figures import profile

    return profile.build("Näsum")


@pytest.fixture(scope="session")
def p_glimakra():
    from ortsprofil.figures import profile

    return profile.build("Glimåkra")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def reports_dir(tmp_path, monkeypatch):
    """A private reports/ folder for the test (the real one is never touched)."""
    d = tmp_path / "reports"
    d.mkdir()
    monkeypatch.setattr(config, "REPORTS_DIR", d)
    monkeypatch.setenv("ORTSPROFIL_REPORTS_DIR", str(d))
    return d


def pytest_report_header(config):  # noqa: D401 - pytest hook
    return f"ortsprofil: shared data at {SHARED_SCB} ({'present' if SHARED_SCB.exists() else 'absent'})"


os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def pxweb():
    """The local PxWeb server (SCB's limits: 150 000 cells; a generous rate limit for speed)."""
    from .pxweb_server import PxWebServer

    with PxWebServer(max_cells=150_000, calls=50, window=1.0) as srv:
        yield srv


@pytest.fixture(scope="session")
def fetched_snapshot(tmp_path_factory, pxweb):
    """A copy of the bundled snapshot after `data hamta --lan 12` against the local server."""
    import shutil

    from ortsprofil.data import refresh
    from ortsprofil.data.cache import ResponseCache
    from ortsprofil.data.scb import ScbClient
    from ortsprofil.data.snapshot import Snapshot

    root = tmp_path_factory.mktemp("fetched")
    shutil.copytree(config.SNAPSHOT_DIR, root / "snapshot")
    snap = Snapshot(root / "snapshot")
    client = ScbClient(pxweb.url, cache=ResponseCache(root / "cache"))
    results = refresh.hamta("12", client=client, snapshot=snap)
    assert all(r.status == "hämtad" for r in results), results
    return Snapshot(root / "snapshot")
