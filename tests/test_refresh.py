import math
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from ortsprofil.data import catalogue, refresh
from ortsprofil.data.cache import ResponseCache
from ortsprofil.figures.localities import Registry
from ortsprofil.data.scb import ScbClient
from ortsprofil.data.snapshot import Snapshot

from .pxweb_server import PxWebServer, build_tables


@pytest.fixture
def snap_copy(tmp_path):
    from ortsprofil import config

    shutil.copytree(config.SNAPSHOT_DIR, tmp_path / "snapshot")
    return Snapshot(tmp_path / "snapshot")


def test_fewest_requests_and_second_run_fetches_nothing(snap_copy, tmp_path):
    tables = build_tables()
    with PxWebServer(tables=tables, calls=50) as srv:
        client = ScbClient(srv.url, cache=ResponseCache(tmp_path / "cache"))
        results = refresh.hamta("12", client=client, snapshot=snap_copy)
        assert [r.status for r in results] == ["hämtad"] * len(catalogue.CATALOGUE)
        # One data request per SCB table for the whole län — not one per locality.
        n_parts = sum(len(e.parts) for e in catalogue.CATALOGUE)
        assert srv.data_requests() == n_parts
        first = len(srv.requests)

        again = refresh.hamta("12", client=ScbClient(srv.url, cache=ResponseCache(tmp_path / "cache")), snapshot=snap_copy)
        assert {r.status for r in again} == {"oförändrad"}
        assert srv.data_requests() == n_parts  # nothing fetched again
        assert all(not p.endswith(("/data", "/metadata")) for _, p, _ in srv.requests[first:])

        # SCB publishes a new version of one table: only that one is fetched.
        tables["TAB3554"].updated = "2026-11-01T07:00:00Z"
        third = refresh.hamta("12", client=ScbClient(srv.url, cache=ResponseCache(tmp_path / "cache")), snapshot=snap_copy)
        assert [r.key for r in third if r.status == "hämtad"] == ["kommun_inkomst"]
        assert snap_copy.info("kommun_inkomst").updated == "2026-11-01T07:00:00Z"


def test_split_only_by_cell_limit(snap_copy, tmp_path):
    with PxWebServer(max_cells=20_000, calls=50) as srv:
        client = ScbClient(srv.url, cache=ResponseCache(tmp_path / "cache"))
        results = refresh.hamta("12", client=client, snapshot=snap_copy, keys=["kommun_alder_kon"])
        assert results[0].status == "hämtad"
        cells = 35 * 101 * 2 * 11  # TAB638: riket, Skåne, 33 kommuner × single years × sex × 11 years
        # … plus one request for 2025 from TAB5557 (35 regions × TotSA and 21 five-year bands).
        assert srv.data_requests() == math.ceil(cells / 20_000) + 1


def test_fetched_tables_are_tidy_and_keep_missing(fetched_snapshot):
    snap = fetched_snapshot
    for entry in catalogue.CATALOGUE:
        info = snap.info(entry.key)
        assert info.origin == "fetched" and info.fetched_at and info.updated and info.lans == ("12",)
        frame = snap.read(entry.key)
        assert pd.api.types.is_string_dtype(frame["region_code"])
        # '..' stays missing: NaN value and the symbol in status, never 0.
        sup = frame[frame["status"] == ".."]
        assert sup["value"].isna().all()
    t = snap.read("tatort_folkmangd")
    assert (t["status"] == "..").any()
    g = t[(t["region_code"] == "1256TB102") & (t["year"] == 2020) & (t["variable"] == "folkmangd")]
    assert g["value"].item() == 1550
    # Other län keep their bundled rows.
    assert (t["region_code"].str.startswith("01")).sum() > 0
    mn = snap.info("kommun_alder_kon")
    assert mn.scb_table.startswith("SCB TAB638")


def test_registry_reads_fetched_snapshot_the_same_way(fetched_snapshot):
    reg = Registry(fetched_snapshot)
    assert len(reg.frame) == 2017
    assert reg.find("Glimåkra").population == 1550
    assert reg.find("Näsum").land_area_ha == 249


def test_unknown_lan_is_refused(snap_copy):
    from ortsprofil.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        refresh.hamta("99", client=ScbClient("http://127.0.0.1:9", cache=None, offline=True), snapshot=snap_copy)


def test_merge_replaces_same_keys():
    old = pd.DataFrame({"region_code": ["a", "b"], "region_name": ["A", "B"], "level": ["kommun"] * 2,
                        "year": [2020, 2020], "ref_date": ["x"] * 2, "variable": ["v"] * 2, "value": [1.0, 2.0],
                        "unit": ["u"] * 2, "source": ["old"] * 2})
    new = old.iloc[[1]].assign(value=5.0, source="new")
    out = refresh.merge(old, new)
    assert out.set_index("region_code")["value"].to_dict() == {"a": 1.0, "b": 5.0}


@pytest.mark.slow
def test_cli_data_hamta_and_status(tmp_path):
    from ortsprofil import config

    shutil.copytree(config.SNAPSHOT_DIR, tmp_path / "snapshot")
    with PxWebServer(calls=50) as srv:
        env = {**os.environ, "ORTSPROFIL_SCB_URL": srv.url, "ORTSPROFIL_SNAPSHOT_DIR": str(tmp_path / "snapshot"),
               "ORTSPROFIL_CACHE_DIR": str(tmp_path / "cache")}
        run = subprocess.run([sys.executable, "-m", "ortsprofil.cli", "data", "hamta", "--lan", "12"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert "kommun_inkomst" in run.stdout and "hämtad" in run.stdout
        status = subprocess.run([sys.executable, "-m", "ortsprofil.cli", "data", "status"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert status.returncode == 0
        assert "hämtad" in status.stdout and "medföljer" in status.stdout
        # Offline, a second run is served entirely from the cache.
        off = subprocess.run([sys.executable, "-m", "ortsprofil.cli", "data", "hamta", "--offline", "--tvinga"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert off.returncode == 0, off.stderr
        assert "0 anrop till API:et" in off.stderr
