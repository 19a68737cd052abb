"""The functions behind the working groups' explorer (selection → frame → chart → export)."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from ortsprofil import config
from ortsprofil import explore
from ortsprofil.errors import InvalidParameterError, UnknownLocalityError


def test_frame_for_glimakra_vs_nasum_and_broby():
    f = explore.frame("Glimåkra", "Näsum|Broby", "befolkning", "antal")
    assert f["Ort"].tolist() == ["Glimåkra", "Näsum", "Broby"]
    assert f["Folkmängd"].tolist() == [1550, 1314, 3561]
    assert f.attrs["ort"] == "Glimåkra" and f.attrs["slug"] == "glimakra"
    shares = explore.frame("Glimåkra", ["Näsum"], "befolkning", "andel")
    assert shares.loc[0, "Andel av kommunens invånare som bor i tätorten"] == pytest.approx(100 * 1550 / 15017)


def test_table_is_swedish():
    t = explore.table(explore.frame("Näsum", "Glimåkra", "lage", "antal"))
    assert t.loc[0, "Avstånd till närmaste annan tätort med minst 10 000 invånare"] == "22,0\xa0km"
    assert t.loc[1, "Ort"] == "Glimåkra"


def test_bad_selections():
    with pytest.raises(InvalidParameterError):
        explore.frame("Näsum", "Glimåkra|Broby|Bjärnum|Osby")
    with pytest.raises(InvalidParameterError):
        explore.frame("Näsum", topic="väder")
    with pytest.raises(InvalidParameterError):
        explore.frame("Näsum", mode="procent")
    with pytest.raises(UnknownLocalityError):
        explore.frame("Näsum", "Atlantis")


def test_chart_highlights_own_locality():
    f = explore.frame("Glimåkra", "Näsum|Broby")
    ax = explore.chart(f)
    assert isinstance(ax, Axes)
    assert len(ax.patches) == 3
    labels = {t.get_position()[1]: t.get_text() for t in ax.get_yticklabels()}
    assert labels[max(labels)] == "Glimåkra (Östra Göinge)"  # the own locality on top
    assert ax.patches[0].get_facecolor() != ax.patches[1].get_facecolor()  # and highlighted
    assert "Folkmängd" in ax.get_title(loc="left")


def test_missing_value_is_no_bar_and_says_so():
    f = explore.frame("Glimåkra", "Näsum")
    f.loc[1, "Folkmängd"] = np.nan
    ax = explore.chart(f)
    assert [p.get_visible() for p in ax.patches] == [True, False]
    assert any(t.get_text() == "uppgift saknas" for t in ax.texts)
    assert explore.table(f).loc[1, "Folkmängd"] == "uppgift saknas"


def test_export_never_overwrites(tmp_path):
    f = explore.frame("Glimåkra", "Näsum|Broby")
    ax = explore.chart(f)
    first = explore.export(f, ax, reports_dir=tmp_path)
    assert first["xlsx"].parent == tmp_path / "glimakra" / "utforska"
    back = pd.read_excel(first["xlsx"], sheet_name="Tabell")
    assert back["Ort"].tolist() == ["Glimåkra", "Näsum", "Broby"]
    assert back["Folkmängd"].tolist() == [1550, 1314, 3561]
    assert first["png"].stat().st_size > 10_000
    second = explore.export(f, ax, reports_dir=tmp_path)
    assert second["csv"].name == "befolkning-antal-1.csv" and first["csv"].exists()


def test_topics_follow_the_snapshot(fetched_snapshot, monkeypatch):
    assert set(explore.available_topics()) == set(explore.TOPICS)  # kommun ages and work figures are bundled
    monkeypatch.setattr(config, "SNAPSHOT_DIR", fetched_snapshot.path)
    assert set(explore.available_topics()) == set(explore.TOPICS)
    age = explore.frame("Glimåkra", "Näsum", "alder", "andel")
    assert age.loc[0, "Andel 65 år och äldre"] > 0
    counts = explore.frame("Glimåkra", "Näsum", "alder", "antal")
    assert counts.filter(like="Antal").notna().all().all()
    work = explore.frame("Glimåkra", "Näsum", "arbete", "antal")
    assert "Medianinkomst, 16 år och äldre (kommunen)" in work.columns


def test_app_widgets_and_save_button(reports_dir):
    import ipywidgets as w

    ui = explore.app("Glimåkra", "Näsum|Broby")
    assert isinstance(ui, w.VBox)
    boxes = {type(c).__name__: c for c in ui.children}
    combo = ui.children[0]
    assert combo.value == "Glimåkra (Östra Göinge)"
    compare = ui.children[2].children[1]
    assert compare.value == ["Näsum (Bromölla)", "Broby (Östra Göinge)"]
    save = ui.children[5].children[1]
    save.click()
    files = sorted(p.name for p in (reports_dir / "glimakra" / "utforska").iterdir())
    assert files == ["befolkning-antal.csv", "befolkning-antal.png", "befolkning-antal.xlsx"]
    assert "Sparat" in ui.children[6].value
    # Picking a twin shows the two side by side.
    twin = ui.children[1]
    assert isinstance(twin, w.Dropdown) and len(twin.options) == 13  # a prompt and the twelve twins
    twin.value = twin.options[1][1]
    assert compare.value == [twin.options[1][1]]
    assert boxes  # the layout rendered


@pytest.mark.slow
def test_notebook_runs_with_papermill(tmp_path):
    import nbformat

    from ortsprofil.run.execute import execute_notebook

    nb = execute_notebook(config.NOTEBOOKS_DIR / "utforska.ipynb", tmp_path / "u.ipynb",
                          {"ort": "Glimåkra", "jamfor": "Näsum|Broby", "amne": "befolkning", "visa": "antal"})
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    html = "".join(o.get("data", {}).get("text/html", "") for c in code for o in c.outputs)
    assert "Glimåkra" in html and "Broby" in html and "3\xa0561" in html
    widget = [o for c in code for o in c.outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget, "the explorer widget was displayed"
    assert any("image/svg+xml" in o.get("data", {}) for c in code for o in c.outputs)
    nbformat.validate(nb)


def test_age_topic_has_figures_offline():
    """Without SCB's tätort ages (bundled snapshot) the topic shows the kommun's, named as the kommun's."""
    shares = explore.frame("Glimåkra", "Näsum", "alder", "andel")
    assert shares.loc[0, "Andel 65 år och äldre i kommunen"] == pytest.approx(21.9, abs=0.05)
    counts = explore.frame("Glimåkra", "Näsum", "alder", "antal")
    col = "Antal 65 år och äldre i kommunen (2019)"
    k = pd.read_csv(config.SHARED_SCB_DIR / "population_by_age5_sex_2019.csv", dtype=str)
    old = k[k["region_code"] == "1256"]  # men and women
    old = old[old["age_band"].str.extract(r"^(\d+)", expand=False).astype(int) >= 65]["population"].astype(float).sum()
    assert counts.loc[0, col] == old


def test_places_of_different_periods_share_one_column():
    """Näsum (Skåne: 2012–2022) and Kiruna (Norrbotten: 2010–2020): one column, each value with its years."""
    f = explore.frame("Näsum", "Kiruna", "befolkning", "andel")
    col = "Kommunens befolkningsförändring tio år"
    assert f[col].notna().all()
    shown = explore.table(f)[col].tolist()
    assert shown[0].endswith("(2012–2022)") and shown[1].endswith("(2010–2020)")


def test_chart_shows_every_figure_and_words_not_table_ids():
    f = explore.frame("Glimåkra", "Näsum|Broby", "befolkning", "antal")
    ax = explore.chart(f)
    panels = ax.figure.axes
    assert len(panels) == len(f.attrs["columns"]) == 3
    assert [a.get_title(loc="left") for a in panels] == [c.label for c in f.attrs["columns"]]
    texts = " ".join(t.get_text() for a in panels for t in a.texts)
    assert "TAB" not in texts and "MI0810" not in texts and "SCB" in texts


def test_csv_is_for_swedish_excel_and_round_trips(tmp_path):
    f = explore.frame("Glimåkra", "Näsum", "befolkning", "andel")
    paths = explore.export(f, explore.chart(f), reports_dir=tmp_path)
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    back = pd.read_csv(paths["csv"], sep=";", decimal=",", encoding="utf-8-sig")
    col = "Andel av kommunens invånare som bor i tätorten"
    assert back[col].tolist() == f[col].round(1).tolist()
    assert all(len(str(v).split(".")[-1]) <= 1 for v in back[col])  # no 15-digit floats
