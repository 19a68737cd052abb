"""Kernels started for reports leave nothing behind (no process, no socket folder), however they end."""

import tempfile

import nbformat
import psutil
import pytest

from ortsprofil.run import execute

pytestmark = pytest.mark.slow


def _notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 6 * 7\nx")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Kernel socket folders go to a temp dir of this test only; no kernel process is left after it."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    yield d
    left = {p.pid for p in psutil.Process().children(recursive=True)} - before
    assert not left, f"kärnprocesser kvar: {left}"


def _answer(nb) -> str:
    cell = next(c for c in nb.cells if c.source.startswith("x = 6 * 7"))
    return cell.outputs[0]["data"]["text/plain"]


def test_papermill_kernel_leaves_nothing(tmp_path, private_tmp):
    nb = execute.execute_notebook(_notebook(tmp_path / "a.ipynb"), tmp_path / "out.ipynb", {})
    assert _answer(nb) == "42"
    assert list(private_tmp.iterdir()) == []


def test_early_kernel_runs_the_notebook_hands_back_and_leaves_nothing(tmp_path, private_tmp):
    with execute.EarlyKernel(warm="y = 1") as kernel:
        execute.execute_notebook(_notebook(tmp_path / "a.ipynb"), tmp_path / "out.ipynb", {}, kernel=kernel)
        got = kernel.ask("from IPython.display import display\n"
                         "display({'application/x-test': str(x + y)}, raw=True)", "application/x-test")
        assert got == "43"  # x from the notebook, y from the warm-up: one and the same kernel
        assert kernel.ask("1 / 0", "application/x-test") is None  # an error is no answer
    assert list(private_tmp.iterdir()) == []


def test_warm_kernel_leaves_nothing(tmp_path, private_tmp):
    kernel = execute.WarmKernel()
    try:
        nb = kernel.execute(_notebook(tmp_path / "a.ipynb"), tmp_path / "out.ipynb", {})
        assert _answer(nb) == "42"
    finally:
        kernel.close()
    assert list(private_tmp.iterdir()) == []
