"""Benchmark: build every Skåne tätort of 400–4 000 inhabitants (124 profiles).

Three ways, each from scratch into its own temporary reports folder:
  1. ``build_all`` with 1 worker (sequential, in-process papermill API + HTML);
  2. ``build_all`` with 2 workers (process pool);
  3. a naive loop: one ``papermill`` CLI call per locality (notebook only, no HTML — the
     naive loop is given the lighter job).
Prints wall times and the ratios. Targets: pool ≥ 1.7× faster than 1 worker, ≥ 3× faster than naive.

Run: .venv/bin/python bench/bench_batch.py [--n 124]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ortsprofil.run import batch
from ortsprofil import config  # noqa: E402


def timed_build(codes: list[str], workers: int) -> float:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        res = batch.build_all(codes=codes, workers=workers, reports_dir=Path(d), force=True)
        wall = time.perf_counter() - t0
        assert res.ok and len(res.built) == len(codes), res.failed
    return wall


def timed_naive(codes: list[str]) -> float:
    papermill = Path(sys.executable).parent / "papermill"
    nb = config.NOTEBOOKS_DIR / "ortsprofil.ipynb"
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        for code in codes:
            subprocess.run([str(papermill), str(nb), f"{d}/{code}.ipynb", "-k", "python3", "-p", "ort", code,
                            "--cwd", str(config.NOTEBOOKS_DIR), "--no-progress-bar"],
                           check=True, capture_output=True)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=0, help="only the first N localities (0 = all)")
    args = ap.parse_args()
    codes = batch.select("12", 400, 4000)
    if args.n:
        codes = codes[: args.n]
    print(f"{len(codes)} ortsprofiler (Skåne, 400–4 000 invånare)", flush=True)
    one = timed_build(codes, 1)
    print(f"1 process:          {one:7.1f} s  ({len(codes) / one * 60:5.1f} profiler/min)", flush=True)
    two = timed_build(codes, 2)
    print(f"2 processer:        {two:7.1f} s  ({len(codes) / two * 60:5.1f} profiler/min)", flush=True)
    naive = timed_naive(codes)
    print(f"naiv papermill-CLI: {naive:7.1f} s  ({len(codes) / naive * 60:5.1f} notebookar/min, utan HTML)", flush=True)
    print(f"kvot 1 process / 2 processer: {one / two:.2f}×  (mål ≥ 1,7×)")
    print(f"kvot naiv / 2 processer:      {naive / two:.2f}×  (mål ≥ 3×)")


if __name__ == "__main__":
    main()
