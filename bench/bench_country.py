"""Benchmark: the whole country — `ortsprofil alla --lan alla` (every Swedish tätort, 2 017 profiles).

Runs the real command in a temporary reports folder and samples the memory of the whole process
tree (CLI, pool workers, their kernels) every 0.5 s. Prints profiles per minute, peak memory (sum of
RSS over the tree) and, when only a sample was built, the time the whole country would take at that
rate.

Run: .venv/bin/python bench/bench_country.py [--n 60] [-j 2]
     (--n 0 builds all 2 017; a sample is spread over the whole country, every k-th by size)
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
    args = ap.parse_args()
    everyone = batch.select("alla", 0, 10_000_000)
    if args.n and args.n < len(everyone):
        step = len(everyone) / args.n
        chosen = [everyone[int(i * step)] for i in range(args.n)]
    else:
        chosen = everyone
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "ORTSPROFIL_REPORTS_DIR": d}
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
    if proc.returncode != 0 or built != len(chosen):
        print(err)
        raise SystemExit(f"the batch failed: exit {proc.returncode}, {built} of {len(chosen)} built")
    rate = built / wall * 60
    print(f"{built} ortsprofiler över hela Sverige med {args.j} processer: {wall:.1f} s, "
          f"{rate:.1f} profiler/min, högsta minne (hela processträdet) {peak / 2**20:.0f} MB")
    if built < len(everyone):
        print(f"Hela landet ({len(everyone)} tätorter) i den takten: ca {len(everyone) / rate:.0f} min "
              "(uppskattning från urvalet)")


if __name__ == "__main__":
    main()
