"""Interrupted, damaged or refreshed: nothing hangs, every repair repairs, nothing is lost (real processes,
real signals, a real local server)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from ortsprofil import config
from ortsprofil.data import bundle, refresh
from ortsprofil.data.cache import ResponseCache
from ortsprofil.data.scb import ScbClient
from ortsprofil.data.snapshot import Snapshot
from ortsprofil.errors import DataShapeError, ScbApiError, SnapshotError

from .conftest import SHARED_SCB
from .pxweb_server import PxWebServer

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ortsprofil.cli", *args], env={**os.environ, **(env or {})},
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def snap_copy(tmp_path) -> Snapshot:
    shutil.copytree(config.SNAPSHOT_DIR, tmp_path / "snapshot", ignore=shutil.ignore_patterns("fetched", ".lock"))
    return Snapshot(tmp_path / "snapshot")


@pytest.mark.slow
@pytest.mark.parametrize("how, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"])
def test_one_signal_ends_a_report_at_once(tmp_path, how, code):
    """One SIGTERM or Ctrl-C while the notebook runs: exit 143/130 within seconds, no kernel, no socket
    folder, no staging folder, no half report."""
    reports, tmp = tmp_path / "reports", tmp_path / "tmp"
    reports.mkdir()
    tmp.mkdir()
    env = {**os.environ, "ORTSPROFIL_REPORTS_DIR": str(reports), "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "ortsprofil.cli", "rapport", "Näsum"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(reports.glob(".nasum.*")):  # the notebook is running
        time.sleep(0.1)
    assert list(reports.glob(".nasum.*")), "the report never started"
    time.sleep(1.0)
    family = psutil.Process(proc.pid).children(recursive=True)
    assert any("ipykernel" in " ".join(p.cmdline()) for p in family)
    t0 = time.monotonic()
    proc.send_signal(how)
    _out, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == code and "Avbrutet" in err and "Traceback" not in err, err
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert not alive, [p.cmdline() for p in alive]
    assert list(tmp.iterdir()) == []  # no kernel socket folder
    assert [p.name for p in reports.iterdir()] == []  # nothing staged, nothing half-written


def test_repair_rewrites_a_damaged_file_whatever_its_name(snap_copy):
    """`data bygg` after damage: the file with the right name but wrong bytes is written anew."""
    path = snap_copy.path / snap_copy.info("tatorter").file
    path.write_bytes(path.read_bytes()[:1000])  # truncated, same name
    with pytest.raises(SnapshotError, match="data bygg"):
        Snapshot(snap_copy.path).read("tatorter")
    bundle.build(SHARED_SCB, snap_copy.path)
    assert len(Snapshot(snap_copy.path).read("tatorter")) == 2017


def test_a_batch_removes_only_its_own_staging(tmp_path):
    """A finishing `alla` leaves another build's staging folder alone; a dead run's leftovers go."""
    from ortsprofil.run import batch

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        live = tmp_path / f".glimakra.{sleeper.pid}.abc123"
        live.mkdir(parents=True)
        (live / "ortsprofil.html").write_text("halvfärdig", encoding="utf-8")
        dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                                  text=True).stdout.strip()
        dead = tmp_path / f".nasum.{dead_pid}.def456"
        dead.mkdir()
        res = batch.build_all(codes=["Näsum"], workers=1, reports_dir=tmp_path)
        assert res.ok
        assert live.is_dir() and (live / "ortsprofil.html").exists()  # another build, still running
        assert not dead.exists()  # a killed run's leftover
        assert not [p for p in tmp_path.glob(f".*.{os.getpid()}.*")]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_refresh_never_shrinks_a_damaged_bundled_table(snap_copy, tmp_path):
    """Damaged bundled kommun_inkomst + `data hamta --tabell kommun_inkomst`: an error naming the repair,
    and nothing written that would hold only the fetched län."""
    info = snap_copy.info("kommun_inkomst")
    path = snap_copy.path / info.file
    path.write_bytes(path.read_bytes()[:500])
    with PxWebServer(calls=100) as srv:
        client = ScbClient(srv.url, cache=ResponseCache(tmp_path / "c"))
        res = refresh.hamta("12", client=client, snapshot=snap_copy, keys=["kommun_inkomst"])
    assert res[0].status == "fel" and "data bygg" in res[0].message
    fresh = Snapshot(snap_copy.path)
    assert fresh.info("kommun_inkomst").origin == "bundled"  # no fetched table of Skåne alone
    bundle.build(SHARED_SCB, snap_copy.path)
    assert len(Snapshot(snap_copy.path).read("kommun_inkomst")) == info.rows


def test_empty_metadata_is_never_cached(tmp_path):
    cache = ResponseCache(tmp_path / "c")
    with PxWebServer(calls=100) as srv:
        client = ScbClient(srv.url, cache=cache, backoff=0.01, max_retries=1)
        client.config()
        srv.inject("garbage", "garbage")
        with pytest.raises((ScbApiError, DataShapeError)):
            client.metadata("TAB3554")
        assert not [f for f in cache.files() if "metadata" in json.loads(f.read_text(encoding="utf-8"))["url"]]
        assert client.metadata("TAB3554")["id"]  # asked again, and now answered


def test_a_broken_cache_entry_is_discarded(tmp_path, caplog):
    cache = ResponseCache(tmp_path / "c")
    good = cache.put("abcd", url="u", method="GET", query={}, body=None, response={"x": 1})
    assert cache.get("abcd").response == {"x": 1}
    broken = good.path.with_name("29990101T000000Z_000.json")  # newer than the good one
    broken.write_bytes(b"\xff\xfe not utf-8")
    array = good.path.with_name("29990101T000000Z_001.json")
    array.write_text("[1, 2, 3]", encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert cache.get("abcd").response == {"x": 1}
    assert not broken.exists() and not array.exists()
    assert "Skadad fil i SCB-cachen" in caplog.text


def test_a_hung_server_stops_after_two_silences_and_the_rest_is_skipped(snap_copy, tmp_path):
    with PxWebServer(calls=100) as srv:
        client = ScbClient(srv.url, cache=ResponseCache(tmp_path / "c"), timeout=1.0, backoff=0.01)
        client.config()
        srv.inject(*["hang"] * 100)
        t0 = time.monotonic()
        res = refresh.hamta("12", client=client, snapshot=snap_copy,
                            keys=["kommun_inkomst", "kommun_sysselsattning", "kommun_utbildning"])
        took = time.monotonic() - t0
        srv.faults.clear()
    assert [r.status for r in res] == ["fel"] * 3
    assert "svarade inte" in res[0].message and res[1].message.startswith("hoppades över")
    assert took < 6, took  # two one-second silences, not five tries per table


@pytest.mark.parametrize("args, env, expect", [
    (["orter", "N\udce4sum"], {}, "inte giltig text (UTF-8)"),
    (["data", "hamta", "--tabell", "kommun_inkomst"], {"ORTSPROFIL_SCB_URL": "htp://x"}, "ingen giltig http(s)-adress"),
    (["orter", "Näsum"], {"ORTSPROFIL_SNAPSHOT_DIR": "/nonexistent/ortsprofil"}, "ortsprofil data bygg"),
])
def test_input_errors_are_swedish_without_traceback(args, env, expect, tmp_path):
    env = {"ORTSPROFIL_CACHE_DIR": str(tmp_path / "c"), **env}
    argv = [a.encode("utf-8", "surrogateescape") for a in args]  # the bytes a Latin-1 terminal sends
    run = subprocess.run([sys.executable.encode(), b"-m", b"ortsprofil.cli", *argv], env={**os.environ, **env},
                         cwd=ROOT, capture_output=True, timeout=120)
    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode in (1, 2) and expect in err and "Traceback" not in err, err


def test_a_proxys_web_page_is_not_printed_raw():
    import requests

    resp = requests.models.Response()
    resp.status_code = 403
    resp.reason = "Forbidden"
    resp.headers["Content-Type"] = "text/html"
    resp._content = b"<html><body><h1>Access denied by proxy</h1>" + b"x" * 500 + b"</body></html>"
    err = ScbClient._problem(resp, "https://statistikdatabasen.scb.se/api/v2/config")
    assert "<html" not in str(err) and "proxy" in err.detail and err.status == 403


def test_leftovers_of_a_killed_run_are_cleaned_at_the_next_start(tmp_path, monkeypatch):
    """After SIGKILL: the kernel socket folder and the cache's temporary file of the dead process go at
    the next start; those of running processes stay."""
    import tempfile

    from ortsprofil.run import execute

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    old = tmp_path / f"{execute.KERNEL_FOLDER}{dead}-x1"
    mine = tmp_path / f"{execute.KERNEL_FOLDER}{os.getpid()}-x2"
    old.mkdir()
    mine.mkdir()
    execute.remove_dead_kernel_folders()
    assert not old.exists() and mine.exists()
    stale = tmp_path / "c" / "ab" / "abcd" / ".x.json.q1.tmp"
    stale.parent.mkdir(parents=True)
    stale.write_text("{", encoding="utf-8")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    ResponseCache(tmp_path / "c")
    assert not stale.exists()
