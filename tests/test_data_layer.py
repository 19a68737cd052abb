"""The SCB data layer against a server that behaves like SCB: the right tables, the right cells,
and nothing wrong ever kept (issue: the real SCB API)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
import requests

from ortsprofil import config
from ortsprofil.figures import indicators as ind
from ortsprofil.figures import profile
from ortsprofil.data import catalogue, jsonstat, refresh
from ortsprofil.data.cache import ResponseCache
from ortsprofil.errors import SnapshotError
from ortsprofil.figures.localities import Registry
from ortsprofil.data.scb import ScbClient
from ortsprofil.data.snapshot import Snapshot
from ortsprofil.present import page

from .pxweb import PxWebServer
from .pxweb.tables import FIXTURES, UPSTREAM

pytestmark = pytest.mark.skipif(not FIXTURES.exists(), reason="../shared/data/scb/fixtures finns inte")


def _post(url, table, selection):
    body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in selection.items()]}
    return requests.post(f"{url}/tables/{table}/data", json=body, timeout=30).json()


@pytest.fixture
def snap_copy(tmp_path):
    shutil.copytree(config.SNAPSHOT_DIR, tmp_path / "snapshot", ignore=shutil.ignore_patterns("fetched", ".lock"))
    return Snapshot(tmp_path / "snapshot")


# -- the numbers a Skåne refresh gives -------------------------------------------------------------------


def test_population_totals_are_not_doubled(fetched_snapshot, pxweb):
    """TAB638 has 'tot' beside 0…100+: the kommun total must equal SCB's 'tot', not twice it."""
    p = profile.build("Näsum", reg=Registry(fetched_snapshot))
    s = p.kommun_series.set_index(["region_code", "year"])["value"]
    for region in ("1272", "12", "00"):
        tot = _post(pxweb.url, "TAB638", {"Region": [region], "Alder": ["tot"], "ContentsCode": ["BE0101N1"],
                                          "Tid": ["2024"]})["value"][0]
        assert s[(region, 2024)] == tot
    # 2025 comes from TAB5557 (SCB's own total 'TotSA'), the series continues with a note.
    tot25 = _post(pxweb.url, "TAB5557", {"Region": ["1272"], "Civilstand": ["SC"], "Alder": ["TotSA"], "Kon": ["TotSa"],
                                         "ContentsCode": ["000007ME"], "Tid": ["2025"]})["value"][0]
    assert s[("1272", 2025)] == tot25
    k = fetched_snapshot.read("kommun_alder_kon")
    assert set(k.loc[k["year"] == 2025, "note"]) == {"Från 2025 (SCB TAB5557) med SCB:s slumpbrus."}


def test_employment_is_bas_annual_20_64(fetched_snapshot):
    f = fetched_snapshot.read("kommun_sysselsattning")
    row = f[(f["region_code"] == "1272") & (f["year"] == 2024) & (f["variable"] == "sysselsattningsgrad")]
    assert row["alder"].item() == "20-64" and row["kon"].item() == ""
    # Bromölla 2024 as in kommun_labour_market_20_64_2020_2024.csv (an independent copy of SCB TAB3200).
    assert row["value"].item() == 79.4
    assert fetched_snapshot.info("kommun_sysselsattning").scb_table.startswith("SCB TAB3200")
    unemp = f[(f["region_code"] == "1256") & (f["year"] == 2024) & (f["variable"] == "arbetsloshet")]
    assert unemp["value"].item() == 8.3  # Östra Göinge 2024, same CSV


def test_births_deaths_migration_are_tab5169_events(fetched_snapshot, pxweb):
    f = fetched_snapshot.read("kommun_forandringar")
    f = f[(f["region_code"] == "1272") & (f["year"] == 2024)].set_index("variable")["value"]
    meta = requests.get(f"{pxweb.url}/tables/TAB5169/metadata", timeout=30).json()
    labels = meta["dimension"]["Forandringar"]["category"]["label"]
    code = {v: k for k, v in labels.items()}
    doc = _post(pxweb.url, "TAB5169", {"Region": ["1272"], "Forandringar": [code["födda"], code["döda"],
                                                                            code["flyttningsöverskott"]],
                                       "Period": ["hel"], "Kon": ["1+2"], "ContentsCode": ["000002Z9"], "Tid": ["2024"]})
    assert [f["fodda"], f["doda"], f["flyttnetto"]] == doc["value"]
    assert f["flyttnetto"] == f["inflyttade"] - f["utflyttade"]


def test_education_share_is_over_25_64_only(fetched_snapshot, pxweb):
    data = ind.Data(tatorter=pd.DataFrame(), kommun_folkmangd=pd.DataFrame(), snapshot=fetched_snapshot)
    share = ind.post_secondary_share(data)["1272"]

    def by_level(ages):
        doc = _post(pxweb.url, "TAB3981", {"Region": ["1272"], "UtbildningsNiva": ["*"], "Alder": ages,
                                           "ContentsCode": ["UF0506A1"], "Tid": ["2025"]})
        v = np.array(doc["value"], dtype=float).reshape(doc["size"])
        levels = list(doc["dimension"]["UtbildningsNiva"]["category"]["index"])
        per_level = np.moveaxis(v, doc["id"].index("UtbildningsNiva"), 0).reshape(len(levels), -1).sum(axis=1)
        return dict(zip(levels, per_level))

    right = by_level(["range(25,64)"])
    assert share == pytest.approx(100 * (right["5"] + right["6"] + right["7"]) / sum(right.values()))
    wrong = by_level(["tot16-74"])
    assert share != pytest.approx(100 * (wrong["5"] + wrong["6"] + wrong["7"]) / sum(wrong.values()))


def test_tatort_density_is_never_read_as_population(fetched_snapshot):
    t = fetched_snapshot.read("tatort_folkmangd")
    assert set(t["variable"]) == {"folkmangd", "landareal"}
    g = t[(t["region_code"] == "1256TB102") & (t["year"] == 2020)].set_index("variable")["value"]
    assert (g["folkmangd"], g["landareal"]) == (1550, 208)


def test_resolver_never_takes_monthly_bas_tables():
    hits = json.loads((UPSTREAM / "search.json").read_text(encoding="utf-8"))["tables"]
    loose = catalogue.Part(None, selection=lambda c, d: {}, transform=lambda f, p: f,
                           label_pattern=r"(?i)arbetsmarknadsstatus|BAS", variables=("region", "kön"))
    assert {h["id"] for h in hits} >= {"TAB5643", "TAB5663"}
    # The old rule (newest lastPeriod as a string) took a monthly preliminary table.
    old = sorted([h for h in hits if "BAS" in h["label"]], key=lambda h: h["lastPeriod"])[-1]
    assert old["id"] in ("TAB5643", "TAB5663")
    assert catalogue.choose(hits, loose) == []  # monthly and without Kon: never chosen
    annual = [{"id": "TAB3200", "label": "Arbetsmarknadsstatus efter region, kön, ålder och födelseregion. Årligt register",
               "timeUnit": "Annual", "variableNames": ["region", "kön", "ålder", "födelseregion", "tabellinnehåll", "år"],
               "lastPeriod": "2024"}]
    assert [h["id"] for h in catalogue.choose(hits + annual, loose)] == ["TAB3200"]


def test_resolver_skips_decoys_and_discontinued(pxweb, tmp_path):
    c = ScbClient(pxweb.url, cache=ResponseCache(tmp_path))
    age = catalogue.BY_KEY["tatort_alder"].parts[0]
    assert catalogue.resolve(c, age)["id"] == "TAB9902"  # not TAB9903 "… och region"
    land = catalogue.BY_KEY["tatort_folkmangd"].parts[0]
    assert catalogue.resolve(c, land)["id"] == "TAB9901"  # not the discontinued TAB9904


def test_fetched_notes_include_dimension_notes(pxweb, tmp_path):
    c = ScbClient(pxweb.url, cache=ResponseCache(tmp_path))
    f = c.data("TAB3981", {"Region": ["03"], "UtbildningsNiva": ["1"], "Alder": ["30"], "ContentsCode": ["UF0506A1"],
                           "Tid": ["2020"]})
    notes = f.attrs["dimension_notes"]
    assert any("SUN" in n for n in notes)  # the variable's note
    assert any("Heby" in n for n in notes)  # the note on category 03 (Uppsala län)


# -- nothing wrong is ever kept ---------------------------------------------------------------------------


def test_bad_response_is_not_cached_and_next_run_recovers(snap_copy, tmp_path):
    with PxWebServer(calls=100) as srv:
        cache = ResponseCache(tmp_path / "cache")
        client = ScbClient(srv.url, cache=cache, backoff=0.01, max_retries=2)
        client.config()
        client.table("TAB3554")
        client.metadata("TAB3554")
        srv.inject(*["wrongcells"] * 3)
        res = refresh.hamta("12", client=client, snapshot=snap_copy, keys=["kommun_inkomst"])
        assert res[0].status == "fel" and "celler" in res[0].message
        assert snap_copy.info("kommun_inkomst").origin == "bundled"  # the bundled table is still in force
        stored = [json.loads(p.read_text()) for p in cache.files()]
        assert not any(e["url"].endswith("/data") for e in stored)  # the broken answer was never kept
        again = refresh.hamta("12", client=ScbClient(srv.url, cache=cache), snapshot=snap_copy, keys=["kommun_inkomst"])
        assert again[0].status == "hämtad"
        inc = snap_copy.read("kommun_inkomst")
        assert inc[(inc["region_code"] == "1272") & (inc["year"] == 2024)]["value"].item() == 312.2


def test_cache_key_includes_the_base_url(tmp_path):
    from ortsprofil.data.cache import canonical_key

    a = canonical_key("GET", "http://127.0.0.1:1/api/v2/config", {"lang": "sv"})
    b = canonical_key("GET", "https://statistikdatabasen.scb.se/api/v2/config", {"lang": "sv"})
    assert a != b


def test_hung_server_meets_the_table_deadline(snap_copy, tmp_path):
    with PxWebServer(calls=100) as srv:
        client = ScbClient(srv.url, cache=ResponseCache(tmp_path / "c"), timeout=1.0, backoff=0.01, max_retries=50)
        client.config()
        srv.inject(*["hang", "503"] * 25)  # never two silences in a row: only the deadline stops it
        t0 = time.monotonic()
        res = refresh.hamta("12", client=client, snapshot=snap_copy, keys=["kommun_inkomst"], deadline=3.0)
        assert res[0].status == "fel" and "Tidsgränsen" in res[0].message
        assert time.monotonic() - t0 < 8
        srv.faults.clear()


def test_kill_between_table_and_manifest_leaves_the_old_snapshot(snap_copy):
    before = snap_copy.read("kommun_folkmangd")
    script = textwrap.dedent(f"""
        import os, signal
        from ortsprofil.data import snapshot
        s = snapshot.Snapshot({str(snap_copy.path)!r})
        f = s.read("kommun_folkmangd")
        f["value"] = f["value"] + 1
        snapshot._Store.commit = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
        s.write("kommun_folkmangd", f, scb_table="X", title="t", ref="r", origin="fetched")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    orphans = list((snap_copy.path / "fetched").glob("kommun_folkmangd-*.parquet"))
    assert len(orphans) == 1  # the table file was written …
    fresh = Snapshot(snap_copy.path)
    pd.testing.assert_frame_equal(fresh.read("kommun_folkmangd"), before)  # … but the old one is in force
    assert fresh.info("kommun_folkmangd").origin == "bundled" and fresh.verify() == []
    with fresh.writing():  # the next writer repairs the leftover
        pass
    assert not orphans[0].exists()


def test_two_concurrent_refreshes_leave_a_consistent_manifest(snap_copy, tmp_path):
    with PxWebServer(calls=200) as srv:
        env = {**os.environ, "ORTSPROFIL_SCB_URL": srv.url, "ORTSPROFIL_SNAPSHOT_DIR": str(snap_copy.path)}
        procs = [subprocess.Popen([sys.executable, "-m", "ortsprofil.cli", "data", "hamta", "--tabell", *keys],
                                  env={**env, "ORTSPROFIL_CACHE_DIR": str(tmp_path / f"cache{i}")},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i, keys in enumerate((["kommun_inkomst", "kommun_utbildning"], ["kommun_utbildning", "kommun_sysselsattning"]))]
        outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    snap = Snapshot(snap_copy.path)
    assert snap.verify() == []
    manifest = json.loads((snap.path / "fetched" / "manifest.json").read_text())
    assert sorted(manifest["tables"]) == ["kommun_inkomst", "kommun_sysselsattning", "kommun_utbildning"]
    files = sorted(p.name for p in (snap.path / "fetched").glob("*.parquet"))
    assert files == sorted(d["file"] for d in manifest["tables"].values())  # no leftovers, none missing
    assert not list(snap.path.rglob(".*.tmp"))


def test_tampered_table_is_refused_in_swedish(snap_copy, tmp_path):
    info = snap_copy.info("tatort_folkmangd")
    path = snap_copy.path / info.file
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match=r"tatort_folkmangd.*skadad.*ortsprofil data bygg"):
        Snapshot(snap_copy.path).read("tatort_folkmangd")
    env = {**os.environ, "ORTSPROFIL_SNAPSHOT_DIR": str(snap_copy.path), "ORTSPROFIL_REPORTS_DIR": str(tmp_path / "r")}
    run = subprocess.run([sys.executable, "-m", "ortsprofil.cli", "orter", "Näsum"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1 and "skadad" in run.stderr and "Traceback" not in run.stderr


def test_kontroll_reports_every_table_ok_and_sees_a_change(tmp_path):
    with PxWebServer(calls=200) as srv:
        results = refresh.kontroll(ScbClient(srv.url, cache=None))
        assert {r.key for r in results} == set(catalogue.BY_KEY)
        assert all(r.ok for r in results), [r for r in results if not r.ok]
        assert {r.table_id for r in results} >= {"TAB638", "TAB5557", "TAB5169", "TAB6481", "TAB3554", "TAB3200",
                                                 "TAB3981", "TAB6574"}
        # SCB renames a contents code: kontroll says so.
        bas = srv.tables["TAB3200"]
        srv.tables["TAB3200"].meta_doc = None
        contents = bas.var("ContentsCode")
        contents.values = [(c, "förvärvsfrekvens" if c == "000002NS" else l) for c, l in contents.values]
        bad = [r for r in refresh.kontroll(ScbClient(srv.url, cache=None)) if not r.ok]
        assert [r.table_id for r in bad] == ["TAB3200"] and "000002NS" in bad[0].problems[0]


@pytest.mark.slow
def test_cli_kontroll(tmp_path):
    with PxWebServer(calls=200) as srv:
        env = {**os.environ, "ORTSPROFIL_SCB_URL": srv.url}
        run = subprocess.run([sys.executable, "-m", "ortsprofil.cli", "data", "kontroll"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(" OK ") == sum(len(e.parts) for e in catalogue.CATALOGUE)


def test_profile_on_test_values_says_so_on_page_one(fetched_snapshot, p_nasum):
    p = profile.build("Näsum", reg=Registry(fetched_snapshot))
    assert "TESTVÄRDEN" in str(page.heading(p)) and "kommun_alder_kon" in page.test_value_tables(p)
    assert "TESTVÄRDEN" not in str(page.heading(p_nasum))  # the bundled snapshot holds SCB's figures


# -- the parser against an independent reader ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("scb_v2_*.json")))
def test_every_real_fixture_parses_like_pyjstat(name):
    pyjstat = pytest.importorskip("pyjstat.pyjstat")
    doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    if not doc["value"]:  # metadata: the dimensions parse, with SCB's codes in order
        dims = jsonstat.dimensions(doc)
        assert [d.id for d in dims] == doc["id"] and [len(d.codes) for d in dims] == doc["size"]
        return
    ours = jsonstat.to_frame(doc)
    theirs = pyjstat.Dataset.read(json.dumps(doc)).write("dataframe", naming="id")
    assert len(theirs) == len(ours)
    dims = list(doc["id"])
    a = ours[dims + ["value"]].sort_values(dims).reset_index(drop=True)
    b = theirs[dims + ["value"]].astype({d: str for d in dims}).sort_values(dims).reset_index(drop=True)
    np.testing.assert_allclose(a["value"].to_numpy(dtype=float), b["value"].to_numpy(dtype=float), equal_nan=True)
    assert (a[dims].to_numpy() == b[dims].to_numpy()).all()
    # A suppressed cell stays missing, with SCB's symbol.
    for idx, sym in (doc.get("status") or {}).items():
        assert np.isnan(ours.loc[int(idx), "value"]) and ours.loc[int(idx), "status"] == sym
