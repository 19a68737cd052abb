"""Region Skåne's batch and commands: selection that leaves peer groups alone, input checked before
work, interruption without leftovers (processes, temp and staging folders), OS trouble in Swedish."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from ortsprofil.run import batch
from ortsprofil import cli, commands
from ortsprofil.run import report

ROOT = Path(__file__).resolve().parent.parent


def _run(args, env_extra=None, timeout=120, **kw):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "ortsprofil.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, **kw)


# -- input is checked before any work ------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["rapport", "Näsum", "--lan", "99"], "Okänd länskod"),
    (["rapport", "Näsum", "--baslinje", "tjugo"], "Baslinjen"),
    (["jamfor", "--stad-km", "nan"], "avstånd mellan 0 och 500"),
    (["jamfor", "--service-km", "inf"], "avstånd mellan 0 och 500"),
    (["jamfor", "--lan", "12", "--kommuner", "Stockholm"], "ligger inte i län 12"),
    (["jamfor", "--lan", "99"], "Okänd länskod"),
    (["alla", "--lan", "99"], "Okänd länskod"),
    (["alla", "-j", "1000"], "högst 64 processer"),
    (["alla", "--orter", "Finnsinte"], "Hittar ingen tätort"),
    (["alla", "--kommuner", "Stockholm"], "ligger inte i län 12"),
])
def test_bad_input_exits_2_before_anything_is_written(tmp_path, args, message):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "index.html").write_text("förra indexet", encoding="utf-8")
    (reports / "jamforelse").mkdir()
    (reports / "jamforelse" / "jamforelse.html").write_text("förra jämförelsen", encoding="utf-8")
    t0 = time.monotonic()
    run = _run(args, {"ORTSPROFIL_REPORTS_DIR": str(reports)})
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert message in run.stderr and "Traceback" not in run.stderr
    assert time.monotonic() - t0 < 30  # no kernel was started
    assert (reports / "index.html").read_text(encoding="utf-8") == "förra indexet"
    assert (reports / "jamforelse" / "jamforelse.html").read_text(encoding="utf-8") == "förra jämförelsen"
    assert sorted(p.name for p in reports.iterdir()) == ["index.html", "jamforelse"]


def test_reports_path_that_is_a_file(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("en fil, ingen mapp")
    run = _run(["jamfor"], {"ORTSPROFIL_REPORTS_DIR": str(blocker)})
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "fil" in run.stderr and "mapp" in run.stderr


def test_disk_full_is_a_swedish_message(reports_dir, monkeypatch, capsys):
    from ortsprofil.region import screening

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device", str(reports_dir / "jamforelse.xlsx"))

    monkeypatch.setattr(screening, "run", full)
    assert cli.main(["jamfor"]) == 1
    err = capsys.readouterr().err
    assert "disken är full" in err and "jamforelse.xlsx" in err


def test_broken_pipe_is_quiet(tmp_path):
    cmd = f"{sys.executable} -m ortsprofil.cli orter --antal 0 | head -1"
    run = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr
    assert run.stdout.count("\n") == 1


def test_notebook_that_is_not_json(tmp_path):
    from ortsprofil.errors import ReportError

    bad = tmp_path / "ortsprofil.ipynb"
    bad.write_text("{ inte json", encoding="utf-8")
    with pytest.raises(ReportError, match="skadad"):
        report.build_report("Näsum", reports_dir=tmp_path / "r", notebook=bad)
    assert not (tmp_path / "r" / "nasum").exists()


def test_unreachable_scb_is_reported(tmp_path):
    import shutil

    from ortsprofil import config

    shutil.copytree(config.SNAPSHOT_DIR, tmp_path / "snap", ignore=shutil.ignore_patterns("fetched", ".lock"))
    run = _run(["data", "hamta", "--lan", "12"], {"ORTSPROFIL_SCB_URL": "http://127.0.0.1:9/api/v2",
                                                  "ORTSPROFIL_SNAPSHOT_DIR": str(tmp_path / "snap"),
                                                  "ORTSPROFIL_CACHE_DIR": str(tmp_path / "cache")}, timeout=300)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "SCB:s API gick inte att nå" in run.stderr


# -- selection never changes a profile's peer group ------------------------------------------------


@pytest.mark.slow
def test_selection_by_name_kommun_and_band_keeps_default_peers(tmp_path):
    assert batch.select("12", orter="Näsum,Glimåkra") == ["1256TB102", "1272TB105"]
    assert set(batch.select("12", kommuner="Bromölla")) >= {"1272TB105"}
    assert batch.select("alla", 100_000, 10_000_000)[:1] == ["0180TB101"] or batch.select("alla", 100_000, 10_000_000)
    res = batch.build_all("12", 1300, 1320, workers=1, reports_dir=tmp_path)  # only Näsum is 1 300–1 320
    assert res.ok and res.built == ["Näsum (Bromölla)"]
    rec = json.loads((tmp_path / "nasum" / "profil.json").read_text(encoding="utf-8"))
    assert (rec["params"]["peer_min"], rec["params"]["peer_max"]) == (400, 4000)
    meta = json.loads((tmp_path / "nasum" / "meta.json").read_text(encoding="utf-8"))
    from ortsprofil.figures import profile

    assert meta["peer_rank"] == list(profile.build("Näsum")["folkmangd"].rank) == [4, 13]  # as `rapport Näsum`
    assert rec["params"]["peer_typ"] == "struktur"  # says, not "1 av 1": the default rule, whatever selected it
    res = batch.build_all("12", kommuner="Östra Göinge", orter="Glimåkra", workers=1, reports_dir=tmp_path)
    assert res.built == ["Glimåkra (Östra Göinge)"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.count('ortsprofil.html"') == 2


# -- interruption leaves nothing behind ------------------------------------------------------------


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_gone(procs: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    _gone, alive = psutil.wait_procs(procs, timeout=seconds)
    return [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["TERM", "INT", "KILL"])
def test_interrupted_batch_leaves_no_processes_or_folders(tmp_path, how):
    reports, tmp = tmp_path / "reports", tmp_path / "tmp"
    reports.mkdir()
    tmp.mkdir()
    env = {**os.environ, "ORTSPROFIL_REPORTS_DIR": str(reports), "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "ortsprofil.cli", "alla", "-j", "2", "--min", "1000",
                             "--max", "1400"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    # Wait until both workers run a kernel (a python -m ipykernel_launcher below the CLI).
    deadline = time.monotonic() + 120
    kernels = []
    while time.monotonic() < deadline:
        family = _descendants(proc.pid)
        kernels = [p for p in family if "ipykernel_launcher" in " ".join(p.cmdline())]
        if len(kernels) >= 2:
            break
        time.sleep(0.5)
    assert len(kernels) >= 2, "the batch never started its kernels"
    time.sleep(2)  # mid-build: staging folders exist
    family = _descendants(proc.pid)
    proc.send_signal(how)
    _out, err = proc.communicate(timeout=90)
    if how != signal.SIGKILL:
        expected = commands.EXIT_TERMINATED if how == signal.SIGTERM else commands.EXIT_INTERRUPTED
        assert proc.returncode == expected and "Avbrutet" in err and "Traceback" not in err, err
    left = _wait_gone(family, 30)
    assert left == [], [(p.pid, p.cmdline()) for p in left]
    time.sleep(1)
    assert [p.name for p in reports.glob(".*")] == []  # no staging folder
    assert list(tmp.iterdir()) == []  # no kernel or temp folder
    # What was finished is whole and listed; nothing half-written is.
    for folder in reports.iterdir():
        if folder.is_dir():
            assert (folder / "ortsprofil.html").read_bytes().rstrip().endswith(b"</html>")
