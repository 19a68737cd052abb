"""Benchmark: one `ortsprofil rapport Näsum` against papermill running an empty one-cell notebook.

Side by side, same machine, same venv, median of N runs each:
  * ``papermill empty.ipynb out.ipynb -k python3`` (the floor: Python start, papermill, a kernel);
  * ``ortsprofil rapport Näsum --jamfor-med ingen`` (HTML, no PDF) into a temporary reports folder.
Then where the seconds of one report go: CLI imports, the notebook's cells (papermill's own
per-cell durations), and the rest (kernel start, HTML export, the record). Peak memory is the sum
of RSS over the process tree, sampled every 0.1 s. Target (issue 15): ratio ≤ 2.0, peak ≤ 400 MB.

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


def run_sampled(cmd: list[str], env: dict) -> tuple[float, int]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [psutil.Process(proc.pid)] + psutil.Process(proc.pid).children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{cmd[:3]} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, peak


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
            w, m = run_sampled([str(BIN / "papermill"), str(empty), str(d / "out.ipynb"), "-k", "python3",
                                "--no-progress-bar"], env)
            pm.append(w)
            pm_mem.append(m)
            w, m = run_sampled([str(BIN / "ortsprofil"), "rapport", args.ort, "--jamfor-med", "ingen"], env)
            rp.append(w)
            rp_mem.append(m)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import ortsprofil.cli"], check=True, cwd=ROOT)
        cli_import = time.perf_counter() - t0
        nb = json.loads(next((d / "reports").glob("*/ortsprofil.ipynb")).read_text(encoding="utf-8"))
    cells = sorted(((c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0, "".join(c["source"])[:50])
                    for c in nb["cells"] if c["cell_type"] == "code"), reverse=True)
    in_cells = sum(t for t, _ in cells)
    med_pm, med_rp = statistics.median(pm), statistics.median(rp)
    print(f"papermill, tom notebook:   median {med_pm:5.2f} s  (n={args.n}), högsta minne {max(pm_mem) / 2**20:.0f} MB")
    print(f"ortsprofil rapport {args.ort}: median {med_rp:5.2f} s  (n={args.n}), högsta minne {max(rp_mem) / 2**20:.0f} MB")
    print(f"kvot: {med_rp / med_pm:.2f} (mål ≤ 2,0)")
    print("\nVart tiden går (en rapport):")
    print(f"  import ortsprofil.cli (egen process): {cli_import:5.2f} s")
    print(f"  notebookens celler i kärnan:          {in_cells:5.2f} s")
    for t, src in cells[:8]:
        print(f"      {t:5.2f} s  {src}")
    print(f"  resten (Python-start, kärna, HTML, underlag): {med_rp - in_cells - cli_import:5.2f} s")


if __name__ == "__main__":
    main()
