"""The client against a real HTTP server on 127.0.0.1 speaking PxWebAPI 2.0 (tests/pxweb_server.py)."""

import math
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from ortsprofil.data.cache import ResponseCache
from ortsprofil.errors import (
    CacheMissError,
    DataShapeError,
    RateLimitError,
    ScbApiError,
    TableNotFoundError,
    TooManyCellsError,
)
from ortsprofil.data.pacing import RateLimiter
from ortsprofil.data.scb import ScbClient
from ortsprofil.data.selection import expand, split_selection

from .pxweb_server import PxWebServer

SEL = {"Region": ["00", "12", "1272", "1256"], "Alder": ["*"], "Kon": ["*"], "ContentsCode": ["BE0101N1"],
       "Tid": ["from(2015)"]}  # 4 × 102 (0…100+ and tot) × 2 × 1 × 10 = 8 160 cells


@pytest.fixture(scope="module")
def server():
    with PxWebServer(max_cells=3000, calls=50, window=1.0) as srv:
        yield srv


@pytest.fixture
def client(server, tmp_path):
    server.faults.clear()
    return ScbClient(server.url, cache=ResponseCache(tmp_path / "cache"), backoff=0.05, timeout=5)


def test_config_read_once(client, server):
    n = len(server.requests)
    assert client.config()["maxDataCells"] == 3000
    client.config()
    client.table("TAB638")
    assert [p for _, p, _ in server.requests[n:]] == ["/api/v2/config", "/api/v2/tables/TAB638"]


def test_split_equals_unsplit(client, server, tmp_path):
    split = client.data("TAB638", SEL)
    assert split.attrs["requests"] == 3  # 8 160 cells / 3 000 → 3 parts (ages in chunks of 37), never Tid
    with PxWebServer(max_cells=150_000, tables=server.tables) as big:
        whole = ScbClient(big.url, cache=ResponseCache(tmp_path / "c2")).data("TAB638", SEL)
        assert whole.attrs["requests"] == 1
    key = ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    a = split.sort_values(key).reset_index(drop=True)
    b = whole.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 8160
    # Civilstand was left out: SCB eliminates it (sums over it), and so does the server.
    assert "Civilstand" not in a.columns
    tot = a[a["Alder"] == "tot"].set_index(["Region", "Kon", "Tid"])["value"]
    singles = a[a["Alder"] != "tot"].groupby(["Region", "Kon", "Tid"])["value"].sum()
    pd.testing.assert_series_equal(tot.sort_index(), singles.sort_index(), check_names=False)


def test_split_prefers_non_time_variables():
    sel = {"Region": ["a", "b", "c", "d"], "Tid": [str(y) for y in range(10)], "ContentsCode": ["x", "y"]}
    order, prot = ["Region", "Tid", "ContentsCode"], frozenset({"Tid", "ContentsCode"})
    parts = split_selection(sel, 20, order, prot)
    assert all(p["Tid"] == sel["Tid"] and p["ContentsCode"] == sel["ContentsCode"] for p in parts)
    assert sum(len(p["Region"]) for p in parts) == 4
    parts = split_selection(sel, 5, order, prot)  # one region is 20 cells: Tid must go too
    assert all(len(p["Region"]) == 1 for p in parts)
    assert all(math.prod(len(v) for v in p.values()) <= 5 for p in parts)
    cells = {(r, t, c) for p in parts for r in p["Region"] for t in p["Tid"] for c in p["ContentsCode"]}
    assert len(cells) == 80 == sum(math.prod(len(v) for v in p.values()) for p in parts)
    with pytest.raises(TooManyCellsError):
        split_selection({"A": ["1"]}, 0, ["A"])


def test_expand_expressions():
    codes = ["00", "12", "1214", "1256", "1272", "13"]
    assert expand(["12*"], codes) == ["12", "1214", "1256", "1272"]
    assert expand(["??"], codes) == ["00", "12", "13"]
    assert expand(["top(2)"], codes) == ["1272", "13"]
    assert expand(["bottom(2,1)"], codes) == ["12", "1214"]
    assert expand(["range(1214,1272)"], codes) == ["1214", "1256", "1272"]
    assert expand(["1272", "12*"], codes) == ["1272", "12", "1214", "1256"]  # deduplicated (SCB 500s on dups)
    with pytest.raises(DataShapeError):
        expand(["9999"], codes)


def test_suppressed_cells_stay_missing(client):
    f = client.data("TAB9901", {"Region": ["12*"], "ContentsCode": ["000003F7"], "Tid": ["*"]})
    sup = f[f["status"] == ".."]
    assert len(sup) > 0 and sup["value"].isna().all()
    glim = f[(f["Region"] == "1256TB102") & (f["Tid"] == "2020")]
    assert glim["value"].item() == 1550 and glim["status"].isna().all()


def test_rate_limit_respected(server, tmp_path):
    with PxWebServer(max_cells=3000, calls=3, window=1.0, tables=server.tables) as strict:
        c = ScbClient(strict.url, cache=None)
        t0 = time.monotonic()
        for _ in range(3):
            c.data("TAB638", {"Region": ["1272"], "Alder": ["0"], "Kon": ["1"], "ContentsCode": ["BE0101N1"], "Tid": ["top(1)"]})
        elapsed = time.monotonic() - t0
        assert strict.rate_limited == 0  # the client never provoked a 429
        assert c.stats.requests == 8  # config + table + metadata + 3 data + ... (no cache)
        assert elapsed >= 2.0  # 8 calls at 3 per second need at least two full windows


def test_429_waits_retry_after_then_succeeds(client, server):
    client.config()
    client.table("TAB638")
    server.inject("429")
    t0 = time.monotonic()
    meta = client.metadata("TAB638")
    assert meta["id"][0] == "Region"
    assert time.monotonic() - t0 >= 1.0  # Retry-After: 1
    assert client.stats.retries == 1


def test_429_storm_gives_typed_error(client, server):
    client.config()
    server.retry_after = 0
    try:
        server.inject(*["429"] * 10)
        with pytest.raises(RateLimitError) as ei:
            client.table("TAB638")
        assert ei.value.status == 429
    finally:
        server.retry_after = 1
        server.faults.clear()


@pytest.mark.parametrize("fault", ["503", "truncate", "garbage"])
def test_transient_faults_are_retried(client, server, fault):
    client.config()
    server.inject(fault, fault)
    rec = client.table("TAB3554")
    assert rec["id"] == "TAB3554"
    assert client.stats.retries == 2


def test_slow_response_times_out_and_retries(server, tmp_path):
    c = ScbClient(server.url, cache=None, timeout=0.5, backoff=0.01)
    c.config()
    server.inject("slow")
    assert c.table("TAB638")["id"] == "TAB638"
    assert c.stats.retries == 1


def test_persistent_503_is_reported(client, server):
    client.config()
    server.inject(*["503"] * 10)
    try:
        with pytest.raises(ScbApiError) as ei:
            client.table("TAB638")
        assert ei.value.status == 503 and "Service Unavailable" in str(ei.value)
    finally:
        server.faults.clear()


def test_too_many_cells_and_404_are_typed(client, server):
    client.config()
    client.table("TAB638")
    client.metadata("TAB638")
    server.inject("cells")
    with pytest.raises(TooManyCellsError) as ei:
        client.data("TAB638", {"Region": ["1272"], "Alder": ["0"], "Kon": ["1"], "ContentsCode": ["BE0101N1"], "Tid": ["2024"]})
    assert ei.value.status == 400 and ei.value.url.endswith("/tables/TAB638/data")
    with pytest.raises(TableNotFoundError) as ei:
        client.table("TAB0000")
    assert ei.value.status == 404 and "finns inte" in ei.value.detail


def test_mandatory_variable_checked_before_request(client, server):
    n = server.data_requests()
    with pytest.raises(DataShapeError, match="måste väljas"):
        client.data("TAB638", {"Region": ["1272"], "Kon": ["1"], "ContentsCode": ["BE0101N1"]})
    assert server.data_requests() == n


def test_cache_hit_serves_without_request(server, tmp_path):
    cache = ResponseCache(tmp_path / "cache")
    sel = {"Region": ["1272"], "Alder": ["*"], "Kon": ["*"], "ContentsCode": ["BE0101N1"], "Tid": ["top(2)"]}
    first = ScbClient(server.url, cache=cache).data("TAB638", sel)
    n = len(server.requests)
    again = ScbClient(server.url, cache=cache)
    second = again.data("TAB638", sel)
    pd.testing.assert_frame_equal(first, second)
    # Online, only /config and /tables/{id} (to learn SCB's `updated`) go out; data comes from disk.
    assert [p for _, p, _ in server.requests[n:]] == ["/api/v2/config", "/api/v2/tables/TAB638"]
    assert again.stats.data_requests == 0 and again.stats.cache_hits >= 2
    files = cache.files()
    env = __import__("json").loads(files[0].read_text())
    assert {"url", "query", "fetched_at", "updated", "response"} <= set(env)


def test_offline_serves_cache_and_misses_without_socket(server, tmp_path, monkeypatch):
    cache = ResponseCache(tmp_path / "cache")
    sel = {"Region": ["1272"], "Alder": ["0"], "Kon": ["1"], "ContentsCode": ["BE0101N1"], "Tid": ["2024"]}
    online = ScbClient(server.url, cache=cache).data("TAB638", sel)

    def no_socket(*a, **k):
        raise AssertionError("a socket was opened in offline mode")

    monkeypatch.setattr(socket.socket, "connect", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    offline = ScbClient(server.url, cache=cache, offline=True)
    pd.testing.assert_frame_equal(offline.data("TAB638", sel), online)
    with pytest.raises(CacheMissError) as ei:
        offline.data("TAB638", {**sel, "Tid": ["2023"]})
    assert "/tables/TAB638/data" in ei.value.url
    with pytest.raises(CacheMissError):
        ScbClient(server.url, cache=ResponseCache(tmp_path / "empty"), offline=True).config()


def test_offline_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ORTSPROFIL_OFFLINE", "1")
    c = ScbClient("http://127.0.0.1:9", cache=ResponseCache(tmp_path))
    assert c.offline
    with pytest.raises(CacheMissError):
        c.config()


def test_killed_write_leaves_no_partial_file(tmp_path):
    """SIGKILL a process in the middle of writing a large response: no half-written cache file."""
    script = textwrap.dedent(f"""
        import sys
        from ortsprofil.data.cache import ResponseCache
        c = ResponseCache({str(tmp_path)!r})
        print("ready", flush=True)
        c.put("ab" * 32, url="u", method="GET", query={{}}, body=None, response="x" * 400_000_000)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.6)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    cache = ResponseCache(tmp_path)
    assert cache.files() == []
    assert cache.get("ab" * 32) is None
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in leftovers)


def test_rate_limiter_window():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    rl = RateLimiter(3, 1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(7):
        rl.acquire()
    assert len(slept) == 2 and now[0] >= 2.0


@pytest.mark.network
def test_real_scb_api(tmp_path):
    """Against statistikdatabasen.scb.se (deselected by default; run with `pytest -m network`)."""
    c = ScbClient(cache=ResponseCache(tmp_path))
    assert c.config()["maxDataCells"] >= 10_000
    f = c.data("TAB638", {"Region": ["00"], "Civilstand": ["OG"], "Alder": ["0"], "Kon": ["1"],
                          "ContentsCode": ["BE0101N1"], "Tid": ["2024"]})
    assert f["value"].item() == 50937
