"""Benchmark: full Skåne refresh against the local PxWeb server, versus a naive client.

ortsprofil asks one query per catalogue table for the whole län (split only by the cell limit).
The naive approach asks one query per locality per table. Both run against the same local
server (tests/pxweb_server.py) with SCB's cell limit. Wall times are measured with a generous
rate limit (so the bench is quick); the time each approach would need at SCB's published rate
limit (3 calls per second) is printed next to them.

Run: .venv/bin/python bench/bench_refresh.py
"""

from __future__ import annotations

import fnmatch
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ortsprofil import config  # noqa: E402
from ortsprofil.data import catalogue, jsonstat, refresh  # noqa: E402
from ortsprofil.data.cache import ResponseCache  # noqa: E402
from ortsprofil.data.scb import ScbClient  # noqa: E402
from ortsprofil.data.snapshot import Snapshot  # noqa: E402
from tests.pxweb_server import PxWebServer, build_tables  # noqa: E402

SCB_CALLS_PER_S = 3.0


def efficient(srv: PxWebServer, tmp: Path) -> tuple[int, int, float]:
    shutil.copytree(config.SNAPSHOT_DIR, tmp / "snapshot", ignore=shutil.ignore_patterns("fetched", ".lock"))
    client = ScbClient(srv.url, cache=ResponseCache(tmp / "cache1"))
    n0, d0 = len(srv.requests), srv.data_requests()
    t0 = time.perf_counter()
    results = refresh.hamta("12", client=client, snapshot=Snapshot(tmp / "snapshot"))
    wall = time.perf_counter() - t0
    assert all(r.status == "hämtad" for r in results), results
    return len(srv.requests) - n0, srv.data_requests() - d0, wall


def naive(srv: PxWebServer, tmp: Path) -> tuple[int, int, float]:
    """One data request per locality (tätort, kommun or DeSO) per table."""
    client = ScbClient(srv.url, cache=ResponseCache(tmp / "cache2"))
    snap = Snapshot(config.SNAPSHOT_DIR)
    ctx = catalogue.context(snap, "12")
    n0, d0 = len(srv.requests), srv.data_requests()
    t0 = time.perf_counter()
    for entry in catalogue.CATALOGUE:
        for part in entry.parts:
            record = catalogue.resolve(client, part, entry.subject)
            meta = client.metadata(record["id"], part.codelists or None)
            dims = {d.id: d for d in jsonstat.dimensions(meta)}
            regions = dims["Region"].codes
            sel = part.selection(ctx, dims)
            wanted = [r for r in regions if any(fnmatch.fnmatchcase(r, e) for e in sel["Region"])]
            for region in wanted:
                client.data(record["id"], {**sel, "Region": [region]}, part.codelists or None)
    wall = time.perf_counter() - t0
    return len(srv.requests) - n0, srv.data_requests() - d0, wall


def main() -> None:
    tables = build_tables()
    with tempfile.TemporaryDirectory() as d, PxWebServer(tables=tables, calls=100_000, window=1.0) as srv:
        tmp = Path(d)
        e_req, e_data, e_wall = efficient(srv, tmp)
        n_req, n_data, n_wall = naive(srv, tmp)
    print(f"{'':28}{'anrop':>8}{'dataanrop':>11}{'väggtid':>10}{'vid 3 anrop/s':>16}")
    print(f"{'ortsprofil (per tabell)':28}{e_req:>8}{e_data:>11}{e_wall:>9.1f}s{e_req / SCB_CALLS_PER_S:>15.0f}s")
    print(f"{'naiv (per ort och tabell)':28}{n_req:>8}{n_data:>11}{n_wall:>9.1f}s{n_req / SCB_CALLS_PER_S:>15.0f}s")
    print(f"kvot anrop: {n_req / e_req:.1f}×   kvot väggtid: {n_wall / e_wall:.1f}×   "
          f"kvot vid SCB:s gräns: {n_req / e_req:.1f}×")


if __name__ == "__main__":
    main()
