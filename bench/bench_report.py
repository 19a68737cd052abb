"""Benchmark: one `ortsprofil rapport Näsum` against papermill running an empty one-cell notebook.

Side by side, same machine, same venv, median of N runs each:
  * ``papermill empty.ipynb out.ipynb -k python3`` (the floor: Python start, papermill, a kernel);
  * ``ortsprofil rapport Näsum --jamfor-med ingen`` (HTML, no PDF) into a temporary reports folder.
Then where the seconds of the last report went, from papermill's timestamps in the executed
notebook: before papermill starts (Python, imports, launching the kernel, checking the input), the
kernel getting ready and warming up, every cell, and after the notebook (the record from the
kernel, HTML, index). Peak memory is the sum of RSS over the process tree, sampled every 0.05 s. Target (issue 15): ratio ≤ 2.0, peak ≤ 400 MB.

Run: .venv/bin/python bench/bench_report.py [--n 5] [--ort Näsum]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run_sampled(cmd: list[str], env: dict) -> tuple[float, int, float, float]:
    """Wall time and peak memory (RSS summed over the process tree) of ``cmd``; and its start and
    end as epoch seconds (to place the notebook's own timestamps)."""
    start = time.time()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{cmd[:3]} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, peak, start, start + wall


def _epoch(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--ort", default="Näsum")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        empty = d / "empty.ipynb"
        empty.write_text(json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "a",
                                                "metadata": {}, "outputs": [], "source": "1"}],
                                     "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}},
                                     "nbformat": 4, "nbformat_minor": 5}))
        env = {**os.environ, "ORTSPROFIL_REPORTS_DIR": str(d / "reports")}
        pm, rp, pm_mem, rp_mem = [], [], [], []
        for _ in range(args.n):  # interleaved, so that both see the same machine state
            w, m, _s, _e = run_sampled([str(BIN / "papermill"), str(empty), str(d / "out.ipynb"), "-k", "python3",
                                        "--no-progress-bar"], env)
            pm.append(w)
            pm_mem.append(m)
            w, m, start, end = run_sampled([str(BIN / "ortsprofil"), "rapport", args.ort, "--jamfor-med", "ingen"], env)
            rp.append(w)
            rp_mem.append(m)
        nb = json.loads(next((d / "reports").glob("*/ortsprofil.ipynb")).read_text(encoding="utf-8"))
    med_pm, med_rp = statistics.median(pm), statistics.median(rp)
    print(f"papermill, tom notebook:   median {med_pm:5.2f} s  (n={args.n}), högsta minne {max(pm_mem) / 2**20:.0f} MB")
    print(f"ortsprofil rapport {args.ort}: median {med_rp:5.2f} s  (n={args.n}), högsta minne {max(rp_mem) / 2**20:.0f} MB")
    print(f"kvot: {med_rp / med_pm:.2f} (mål ≤ 2,0)")
    # The last report's timeline, from papermill's own timestamps in the executed notebook.
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    meta = nb["metadata"]["papermill"]
    pm_start, pm_end = _epoch(meta["start_time"]), _epoch(meta["end_time"])
    first_done = _epoch(code[0]["metadata"]["papermill"]["end_time"])
    cells = sorted(((c["metadata"]["papermill"].get("duration") or 0.0, "".join(c["source"])[:50].replace("\n", " "))
                    for c in code[1:]), reverse=True)
    print(f"\nVart tiden går (den sista rapporten, {end - start:.2f} s):")
    print(f"  start, import, kärnan startas, indata kontrolleras, papermill laddas: {pm_start - start:5.2f} s")
    print(f"  kärnan blir klar och värms upp (import, register, mått, kartlager):  {first_done - pm_start:5.2f} s")
    print(f"  notebookens celler:                                                   {pm_end - first_done:5.2f} s")
    for t, src in cells[:12]:
        print(f"      {t:5.2f} s  {src}")
    print(f"      {sum(t for t, _ in cells[12:]):5.2f} s  övriga {len(cells) - 12} celler (text och tabeller)")
    print(f"  efter notebooken (underlag från kärnan, HTML, index, avslut):         {end - pm_end:5.2f} s")


if __name__ == "__main__":
    main()
