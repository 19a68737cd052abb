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
    from ortsprofil.localities import registry

    return registry()


@pytest.fixture(scope="session")
def nasum(reg):
    return reg.find("Näsum")


@pytest.fixture(scope="session")
def glimakra(reg):
    return reg.find("Glimåkra")


@pytest.fixture(scope="session")
def p_nasum():
    from ortsprofil import profile

    return profile.build("Näsum")


@pytest.fixture(scope="session")
def p_glimakra():
    from ortsprofil import profile

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
