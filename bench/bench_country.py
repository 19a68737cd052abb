"""Benchmark: the whole country — `ortsprofil alla --lan alla` (every Swedish tätort, 2 017 profiles).

Runs the real command in a temporary reports folder and samples the memory of the whole process
tree (CLI, pool workers, their kernels) every 0.5 s. Prints profiles per minute, peak memory (sum of
RSS over the tree) and, when only a sample was built, the time the whole country would take at that
rate.

Then where a profile's time goes: the phases each report records in its meta.json (notebook, record
from the kernel, HTML and CSV) and, from the executed notebooks' own timestamps, the slowest cells; and
how many shared charts (kommun/län charts drawn once per kommun) the cache holds.

Run: .venv/bin/python bench/bench_country.py [--n 60] [-j 2] [--lan 25]
     (--n 0 builds all 2 017; a sample is spread over the whole country, every k-th by size;
      --lan builds every tätort of one län — "the per-profile rate from a full län run")
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ortsprofil.run import batch  # noqa: E402


def tree_rss(pid: int) -> int:
    try:
        p = psutil.Process(pid)
        procs = [p] + p.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60, help="how many tätorter (0 = all of Sweden)")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--lan", default="", help="every tätort of this län instead of a sample")
    args = ap.parse_args()
    everyone = batch.select("alla", 0, 10_000_000)
    if args.lan:
        chosen = batch.select(args.lan, 0, 10_000_000)
    elif args.n and args.n < len(everyone):
        step = len(everyone) / args.n
        chosen = [everyone[int(i * step)] for i in range(args.n)]
    else:
        chosen = everyone
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as figs:
        # A fresh shared-chart cache: the run pays for drawing every kommun's charts once.
        env = {**os.environ, "ORTSPROFIL_REPORTS_DIR": d, "ORTSPROFIL_FIGURE_CACHE": figs}
        if len(chosen) == len(everyone):
            cmd = ["alla", "--lan", "alla", "--min", "0", "--max", "10000000"]
        else:
            cmd = ["alla", "--lan", "alla", "--orter", ",".join(chosen)]
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ortsprofil.cli", *cmd, "-j", str(args.j)], env=env,
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.5)
        wall = time.perf_counter() - t0
        err = proc.stderr.read()
        built = len(list(Path(d).glob("*/ortsprofil.html")))
        phases, cells = breakdown(Path(d))
        shared = len(list(Path(figs).glob("*.svg")))
    rate = built / wall * 60
    if proc.returncode != 0 or built != len(chosen):
        print(err)
        print(f"högsta minne {peak / 2**20:.0f} MB; {rate:.1f} profiler/min")
        raise SystemExit(f"the batch failed: exit {proc.returncode}, {built} of {len(chosen)} built")
    print(f"{built} ortsprofiler över hela Sverige med {args.j} processer: {wall:.1f} s, "
          f"{rate:.1f} profiler/min, högsta minne (hela processträdet) {peak / 2**20:.0f} MB")
    if built < len(everyone):
        print(f"Hela landet ({len(everyone)} tätorter) i den takten: ca {len(everyone) / rate:.0f} min "
              "(uppskattning från urvalet)")
    print(f"\nVart en profils tid går (medel över {built} profiler, i arbetsprocessen och dess kärna):")
    for name, seconds in phases.items():
        print(f"  {name:<40} {seconds:6.2f} s")
    print("  de långsammaste cellerna:")
    for source, seconds in cells[:12]:
        print(f"    {seconds:5.2f} s  {source}")
    print(f"Delade diagram (ritade en gång per kommun och återanvända): {shared} i cachen för {built} profiler.")


def breakdown(folder: Path) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Mean seconds per phase (from meta.json) and per notebook cell (from the executed notebooks)."""
    import json
    import statistics
    from datetime import datetime

    import nbformat

    names = {"notebook": "notebooken (papermill-parametrar, alla celler)", "handoff": "underlaget ur kärnan",
             "html": "HTML och CSV", "pdf": "PDF"}
    timings = [json.loads(m.read_text(encoding="utf-8")).get("timing", {}) for m in folder.glob("*/meta.json")]
    phases = {names[k]: statistics.mean(t.get(k, 0.0) for t in timings) for k in names if timings}

    def epoch(stamp: str) -> float:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

    per_cell: dict[str, list[float]] = {}
    for path in folder.glob("*/ortsprofil.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            ex = cell.get("metadata", {}).get("execution", {})
            if cell.cell_type == "code" and "iopub.execute_input" in ex and "shell.execute_reply" in ex:
                per_cell.setdefault(cell.source.splitlines()[0][:60], []).append(
                    epoch(ex["shell.execute_reply"]) - epoch(ex["iopub.execute_input"]))
    cells = sorted(((s, statistics.mean(v)) for s, v in per_cell.items()), key=lambda kv: -kv[1])
    if cells:
        phases["  varav alla celler"] = sum(v for _s, v in cells)
    return phases, cells


if __name__ == "__main__":
    main()
