"""Build records, "Sedan förra underlaget", "Sedan starten" and rebuilding only what new figures touch."""

from __future__ import annotations

import html
import json
import re
import shutil

import pandas as pd
import pytest

from ortsprofil.run import batch
from ortsprofil import config
from ortsprofil.present import records
from ortsprofil.run import report
from ortsprofil.errors import InvalidParameterError
from ortsprofil.data.snapshot import Snapshot


@pytest.fixture
def snap_env(tmp_path, monkeypatch, reports_dir):
    """A private copy of the snapshot, used by this process and by every kernel it starts."""
    path = tmp_path / "snapshot"
    shutil.copytree(config.SNAPSHOT_DIR, path, ignore=shutil.ignore_patterns("fetched", ".lock"))
    monkeypatch.setattr(config, "SNAPSHOT_DIR", path)
    monkeypatch.setenv("ORTSPROFIL_SNAPSHOT_DIR", str(path))
    return Snapshot(path)


def _rewrite(snap: Snapshot, key: str, change) -> None:
    """Store a changed copy of table ``key`` the way a refresh would (new file, manifest commit)."""
    info = snap.info(key)
    frame = change(snap.read(key).copy())
    snap.write(key, frame, scb_table=info.scb_table, title=info.title, ref=info.ref, origin=info.origin,
               sources=info.sources, kind=info.kind, notes=info.notes)


def _section(html_text: str, css: str) -> str:
    i = html_text.find(f'class="{css}"')
    if i < 0:
        return ""
    end = html_text.find("</div>", i)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", html_text[i:end]))).strip()


@pytest.mark.slow
def test_since_lists_exactly_the_changed_figure(snap_env, reports_dir):
    first = report.build_report("Näsum", reports_dir=reports_dir)
    assert _section(first.html.read_text(encoding="utf-8"), "op-since") == ""  # nothing earlier yet
    rec = json.loads((first.folder / "profil.json").read_text(encoding="utf-8"))
    income = next(f for f in rec["figures"] if f["key"] == "medianinkomst")
    assert income["value"] == pytest.approx(312.2) and income["period"] == "2024"
    assert rec["tables"]["kommun_inkomst"] == snap_env.info("kommun_inkomst").sha256

    # A rebuild from the same data has nothing to say: no section at all.
    again = report.build_report("Näsum", reports_dir=reports_dir)
    assert _section(again.html.read_text(encoding="utf-8"), "op-since") == ""

    # SCB revises Bromölla's median income 2024 (a known value): exactly that change is listed.
    def revise(f: pd.DataFrame) -> pd.DataFrame:
        hit = (f["region_code"] == "1272") & (f["year"] == 2024)
        assert hit.sum() == 1
        f.loc[hit, "value"] = 320.0
        return f

    _rewrite(snap_env, "kommun_inkomst", revise)
    third = report.build_report("Näsum", reports_dir=reports_dir)
    text = _section(third.html.read_text(encoding="utf-8"), "op-since")
    assert "1 siffra har ändrats" in text, text
    assert text.count("→") == 1
    assert "312,2 tkr (2024) → 320,0 tkr (2024), +7,8 tkr" in text.replace("\xa0", " ")
    # Every build keeps its own record; none is overwritten.
    assert len(records.history(third.folder)) == 3
    # The index says the profile has new figures.
    meta = json.loads((third.folder / "meta.json").read_text(encoding="utf-8"))
    assert meta["new_figures_since"] == json.loads(
        records.history(third.folder)[1].read_text(encoding="utf-8"))["built"]
    assert "nya siffror sedan" in (reports_dir / "index.html").read_text(encoding="utf-8")


def test_compare_new_changed_and_gone_figures():
    old = {"figures": [
        {"key": "a", "label": "Folkmängd i kommunen (2024)", "value": 12498.0, "text": "12 498", "period": "2024",
         "unit": "personer", "status": None, "caveats": []},
        {"key": "b", "label": "Skattesats (2025)", "value": 33.7, "text": "33,7 %", "period": "2025",
         "unit": "procent", "status": None, "caveats": []},
        {"key": "c", "label": "Borta (2019)", "value": 1.0, "text": "1", "period": "2019", "unit": "antal",
         "status": None, "caveats": []}]}
    new = {"figures": [
        {"key": "a", "label": "Folkmängd i kommunen (2025)", "value": 12503.0, "text": "12 503", "period": "2025",
         "unit": "personer", "status": None, "caveats": []},
        {"key": "b", "label": "Skattesats (2025)", "value": 33.7, "text": "33,7 %", "period": "2025",
         "unit": "procent", "status": None, "caveats": []},
        {"key": "d", "label": "Ny (2025)", "value": 5.0, "text": "5", "period": "2025", "unit": "antal",
         "status": None, "caveats": ["Litet tal (under 10): slumpen spelar stor roll."]}]}
    changes = {c.key: c for c in records.compare(old, new)}
    assert set(changes) == {"a", "c", "d"}  # b unchanged
    a = changes["a"].sentence().replace("\xa0", " ")
    assert a == ("Folkmängd i kommunen: 12 498 (2024) → 12 503 (2025), +5 personer; inom SCB:s slumpbrus "
                 "(från 2025 kan antal ändras med några personer).")
    assert changes["c"].kind == "borta" and changes["d"].kind == "ny"


def test_baseline_2020_against_the_bundled_series(p_nasum):
    b = records.baseline(p_nasum, 2020).set_index("label")
    snap = p_nasum.snapshot
    inc = snap.read("kommun_inkomst")
    inc = inc[inc["region_code"] == "1272"].set_index("year")["value"]
    row = b.loc["Medianinkomst, 16 år och äldre, i kommunen"]
    assert row["base"] == inc[2020] and row["last"] == inc[inc.index.max()] and row["last_year"] == 2024
    # Hand-computed: 269,8 → 312,2 tkr is +42,4 tkr, +15,7 %.
    assert row["change_text"].replace("\xa0", " ") == "har ökat med 42,4 tkr (+15,7 %) sedan 2020"
    pop = b.loc["Folkmängd i kommunen"]
    assert (pop["base"], pop["last"]) == (12759, 12498) and "minskat med 261 " in pop["change_text"].replace("\xa0", " ")
    assert b.loc["Folkmängd i tätorten"]["change_text"] == "inga nyare siffror än baslinjeåret"
    # A year no series has is "uppgift saknas", never a neighbouring year.
    b1951 = records.baseline(p_nasum, 1951).set_index("label")
    assert b1951.loc["Medianinkomst, 16 år och äldre, i kommunen"]["change_text"] == "uppgift saknas för 1951"


@pytest.mark.parametrize("bad", ["20x0", "1900", "3000", "2020.5"])
def test_bad_baseline_is_refused(bad):
    with pytest.raises(InvalidParameterError):
        records.validate_baseline(bad)


def test_choose_earlier(tmp_path):
    folder = tmp_path / "nasum"
    for stamp in ("20261001T100000", "20261128T090000"):
        (folder / "poster").mkdir(parents=True, exist_ok=True)
        (folder / "poster" / f"{stamp}.json").write_text(json.dumps({"built": stamp, "figures": []}))
    assert records.choose_earlier(folder).name == "20261128T090000.json"
    assert records.choose_earlier(folder, "2026-11-01").name == "20261001T100000.json"
    with pytest.raises(InvalidParameterError, match="inget underlag"):
        records.choose_earlier(folder, "2026-09-30")
    with pytest.raises(InvalidParameterError, match="Hittar inget underlag"):
        records.choose_earlier(folder, str(tmp_path / "saknas.json"))
    assert records.choose_earlier(tmp_path / "ny") is None


@pytest.mark.slow
def test_batch_rebuilds_exactly_the_profiles_whose_tables_changed(snap_env, reports_dir):
    towns = ["Näsum", "Glimåkra", "Vittsjö"]  # only the first two have DeSO figures
    first = batch.build_all("12", workers=1, codes=towns, reports_dir=reports_dir)
    assert len(first.built) == 3 and first.ok
    second = batch.build_all("12", workers=1, codes=towns, reports_dir=reports_dir)
    assert second.built == [] and len(second.skipped) == 3

    _rewrite(snap_env, "deso_indikatorer", lambda f: f.assign(value=f["value"] * 1.01))
    third = batch.build_all("12", workers=1, codes=towns, reports_dir=reports_dir)
    assert sorted(third.built) == sorted(l for l in first.built if not l.startswith("Vittsjö"))
    assert [l for l in third.skipped] == [l for l in first.built if l.startswith("Vittsjö")]
    assert all(why == "nya siffror" for _l, why in third.reasons)

    # A profile rebuilt by `rapport` with other settings is not taken as up to date, and saying so.
    report.build_report("Vittsjö", reports_dir=reports_dir, mote_datum="2026-12-10")
    fourth = batch.build_all("12", workers=1, codes=["Vittsjö"], reports_dir=reports_dir)
    assert len(fourth.built) == 1 and "andra inställningar" in fourth.reasons[0][1]
    assert "--mote-datum 2026-12-10" in fourth.reasons[0][1]
    # ... nor a truncated HTML.
    page = reports_dir / "vittsjo" / "ortsprofil.html"
    page.write_bytes(page.read_bytes()[:5000])
    fifth = batch.build_all("12", workers=1, codes=["Vittsjö"], reports_dir=reports_dir)
    assert len(fifth.built) == 1 and fifth.reasons == [(fifth.built[0], "ofullständiga filer")]


def test_explore_changes_table(reports_dir, p_nasum):
    from ortsprofil import explore

    assert "inget tidigare underlag" in explore.changes("Näsum").iloc[0, 0]
    rec = records.make(p_nasum, {}, "x")
    fig = next(f for f in rec["figures"] if f["key"] == "folkmangd")
    fig.update(value=1300.0, text="1 300")
    records.save(reports_dir / p_nasum.ort.slug, rec)
    t = explore.changes("Näsum")
    assert len(t) == 1 and t.iloc[0]["Nu"].replace("\xa0", " ") == "1 314 (2020)"
    assert t.iloc[0].iloc[1] == "1 300 (2020)"
