import json

import pandas as pd
import pytest

from ortsprofil.data import bundle, snapshot
from ortsprofil.errors import SnapshotError
from ortsprofil.data.snapshot import Snapshot
from ortsprofil.data.tidy import TIDY_COLUMNS

from .conftest import SHARED_SCB


@pytest.fixture(scope="module")
def snap():
    return snapshot.default()


def test_tatorter_counts_and_dtypes(snap):
    t = snap.read("tatorter")
    assert len(t) == 2017
    assert (t["lan_code"] == "12").sum() == 248
    assert t["tatort_code"].is_unique
    for col in ("tatort_code", "kommun_code", "lan_code"):
        assert pd.api.types.is_string_dtype(t[col]), col
    assert t["x"].dtype == "float64"
    # Codes keep their leading zeros.
    assert t["kommun_code"].str.len().eq(4).all()
    assert "0114" in set(t["kommun_code"])
    assert t.loc[t["tatort_code"] == "1256TB102", "lan_name"].item() == "Skåne län"


def test_glimakra_2020(snap):
    f = snap.read("tatort_folkmangd")
    g = f[f["region_code"] == "1256TB102"].set_index("variable")
    assert g.loc["folkmangd", "value"] == 1550
    assert g.loc["landareal", "value"] == 208
    assert g.loc["folkmangd", "unit"] == "personer"
    assert g.loc["landareal", "unit"] == "ha"
    assert g.loc["folkmangd", "ref_date"] == "2020-12-31"
    assert list(f.columns) == TIDY_COLUMNS
    assert f["year"].dtype == "int64"


def test_skane_totals_match_sources_md(snap):
    t = snap.read("tatorter")
    f = snap.read("tatort_folkmangd").pivot_table(index="region_code", columns="variable", values="value")
    sk = f.loc[t.loc[t["lan_code"] == "12", "tatort_code"]]
    # SOURCES.md S1: Skåne 248 tätorter, 1 260 817 inhabitants, 75 337 ha; Sweden 9 088 367.
    assert sk["folkmangd"].sum() == 1_260_817
    assert sk["landareal"].sum() == 75_337
    assert f["folkmangd"].sum() == 9_088_367


def test_bromolla_kommun_2020_and_series(snap):
    k = snap.read("kommun_folkmangd")
    b = k[(k["region_code"] == "1272")].set_index("year")
    assert b.loc[2020, "value"] == 12_759
    assert set(range(1950, 2021)) <= set(b.index)
    skane = k[(k["level"] == "kommun") & k["year"].between(1950, 2020) & k["region_code"].str.startswith("12")]
    assert skane.groupby("year")["region_code"].nunique().eq(33).all()
    every = k[(k["level"] == "kommun") & k["year"].between(1950, 2020)]
    assert every.groupby("year")["region_code"].nunique().eq(290).all()  # every kommun in Sweden
    assert pd.api.types.is_string_dtype(k["region_code"])


def test_lan_sum_equals_kommuner(snap):
    k = snap.read("kommun_folkmangd")
    y = k[k["year"] == 2020]
    skane = y[(y["level"] == "kommun") & y["region_code"].str.startswith("12")]
    assert skane["value"].sum() == y.loc[y["region_code"] == "12", "value"].item() == 1_389_336
    assert y.loc[y["level"] == "kommun", "value"].sum() == y.loc[y["region_code"] == "00", "value"].item() == 10_379_295


def test_glimakra_history(snap):
    h = snap.read("tatort_historik")
    g = h[(h["region_code"] == "1256TB102") & (h["variable"] == "folkmangd")].set_index("year")["value"]
    assert g.loc[1960] == 1189
    assert g.loc[2005] == 1483
    assert 2020 not in g.index  # 2020 lives in the canonical table only
    assert len(g) == 11


def test_regioner_has_all_kommuner(snap):
    r = snap.read("regioner")
    assert (r["level"] == "kommun").sum() == 290
    assert (r["level"] == "lan").sum() == 21
    assert r.set_index("region_code").loc["1272", "region_name"] == "Bromölla"


def test_manifest_matches_files(snap):
    assert snap.verify() == []
    for key in snap.tables():
        info = snap.info(key)
        assert info.origin == "bundled"
        assert info.scb_table and info.ref and info.sources


def test_missing_table_is_typed_error(snap):
    with pytest.raises(SnapshotError, match="ortsprofil data hamta"):
        snap.info("finns_inte")


def test_write_is_atomic_and_typed(tmp_path):
    s = Snapshot(tmp_path)
    frame = pd.DataFrame(
        {"region_code": ["0114"], "region_name": ["Upplands Väsby"], "level": ["kommun"], "year": [2020],
         "ref_date": ["2020-12-31"], "variable": ["folkmangd"], "value": [float("nan")], "unit": ["personer"],
         "status": [".."], "source": ["test"]}
    )
    info = s.write("t", frame, scb_table="X", title="t", ref="2020", origin="fetched")
    # Fetched tables go to their own store; the file is named by its content.
    assert sorted(p.name for p in (tmp_path / "fetched").iterdir()) == ["manifest.json", info.file]
    assert info.file == f"t-{info.sha256[:16]}.parquet"
    back = Snapshot(tmp_path).read("t")
    assert back.loc[0, "region_code"] == "0114"
    assert pd.isna(back.loc[0, "value"]) and back.loc[0, "status"] == ".."
    manifest = json.loads((tmp_path / "fetched" / "manifest.json").read_text())
    assert manifest["tables"]["t"]["rows"] == 1
    # A new version replaces the old file only after the manifest names the new one.
    again = s.write("t", frame.assign(value=1.0, status=None), scb_table="X", title="t", ref="2020", origin="fetched")
    assert again.file != info.file and not (tmp_path / "fetched" / info.file).exists()
    assert Snapshot(tmp_path).read("t").loc[0, "value"] == 1.0


@pytest.mark.skipif(not SHARED_SCB.exists(), reason="../shared/data/scb finns inte bredvid projektet")
def test_bundle_is_reproducible_from_shared(tmp_path, snap):
    rebuilt = bundle.build(SHARED_SCB, tmp_path)
    assert rebuilt.tables() == snap.tables()
    for key in snap.tables():
        pd.testing.assert_frame_equal(rebuilt.read(key), snap.read(key), check_like=False)


@pytest.mark.skipif(not SHARED_SCB.exists(), reason="../shared/data/scb finns inte bredvid projektet")
def test_snapshot_equals_skane_csv(snap):
    """The national 2020 table and the Skåne long CSV (same SCB layer) agree value for value."""
    csv = pd.read_csv(SHARED_SCB / "tatorter_skane_2020.csv", dtype={"region_code": str})
    csv = csv[csv["variable"].isin(["population", "land_area"])]
    csv["variable"] = csv["variable"].map({"population": "folkmangd", "land_area": "landareal"})
    f = snap.read("tatort_folkmangd").set_index(["region_code", "variable"])["value"]
    ours = f.loc[list(zip(csv["region_code"], csv["variable"]))].to_numpy()
    assert (ours == csv["value"].to_numpy()).all()
