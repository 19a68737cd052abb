"""Region Skåne: the comparison report and the batch with its index page."""

import re

import pandas as pd
import pytest

from ortsprofil.run import batch
from ortsprofil import cli
from ortsprofil.run import report

pytestmark = pytest.mark.slow


def test_comparison_report(tmp_path):
    r = report.build_comparison(reports_dir=tmp_path)
    assert r.rows == 248 and r.candidates > 0
    html = r.html.read_text(encoding="utf-8")
    main_table = html[html.index('id="op-urval"'):]
    main_table = main_table[: main_table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", main_table)[1:]
    names = [re.findall(r"<td[^>]*>([^<]*)</td>", row)[1].replace("★ ", "") for row in rows]
    xlsx = pd.read_excel(r.xlsx, sheet_name="Urval")
    assert names == xlsx["Tätort"].tolist()  # same rows, same order as the HTML table
    assert len(names) == 248
    assert "<script>" in html and 'id="op-filter"' in html  # sort and filter, offline
    assert html.count("<title>") >= 248  # every tätort named on hover over the map
    assert "★ Näsum" in html and "★ Glimåkra" in html
    assert (tmp_path / "index.html").exists()


def test_batch_isolates_failures_and_skips_unchanged(tmp_path):
    codes = ["Näsum", "Glimåkra", "Finnsinte", "1256TC101"]
    first = batch.build_all(codes=codes, workers=2, reports_dir=tmp_path)
    assert sorted(first.built) == ["Broby (Östra Göinge)", "Glimåkra (Östra Göinge)", "Näsum (Bromölla)"]
    assert [label for label, _ in first.failed] == ["Finnsinte"]
    assert "Hittar ingen tätort" in first.failed[0][1]
    assert not first.ok

    index = first.index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert len([l for l in links if l.endswith("ortsprofil.html")]) == 3
    for link in links:
        assert (tmp_path / link).exists(), link
    assert "<script>" in index and "http" not in index.split("<script>")[1]  # offline JS, no CDN

    before = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/ortsprofil.html")}
    again = batch.build_all(codes=codes[:2] + codes[3:], workers=2, reports_dir=tmp_path)
    assert again.built == [] and len(again.skipped) == 3 and again.ok
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/ortsprofil.html")} == before

    forced = batch.build_all(codes=["Näsum"], workers=1, reports_dir=tmp_path, force=True)
    assert forced.built == ["Näsum (Bromölla)"]


def test_cli_jamfor_and_alla_exit_codes(reports_dir, capsys, monkeypatch):
    assert cli.main(["jamfor", "--min", "5000", "--max", "400"]) == 2
    assert "större än" in capsys.readouterr().err
    assert list(reports_dir.iterdir()) == []
    monkeypatch.setattr(batch, "select", lambda *a, **k: ["Näsum", "Finnsinte"])
    assert cli.main(["alla", "-j", "1"]) == 1  # one failure → non-zero
    err = capsys.readouterr().err
    assert "misslyckades: Finnsinte" in err and "Byggda: 1" in err
