"""How figures leave the kernel: SVG, and charts shared by many profiles drawn once and reused until the
data they show changes."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pytest

from ortsprofil.figures import profile
from ortsprofil.present import charts, maps, output


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(output.CACHE_ENV, str(tmp_path / "figurer"))
    monkeypatch.setattr(output, "STATS", {"drawn": 0, "reused": 0})
    return tmp_path / "figurer"


def _svg(ax) -> str:
    text = output.svg(ax.figure)
    plt.close(ax.figure)
    return text


def test_a_shared_chart_is_drawn_once_per_kommun_and_redrawn_when_its_data_change(cache, p_glimakra):
    broby = profile.build("Broby")  # the same kommun (Östra Göinge) as Glimåkra
    first = _svg(charts.income_trend(p_glimakra))
    assert first.startswith("<svg") and "<path" in first
    assert output.STATS == {"drawn": 1, "reused": 0} and len(list(cache.glob("*.svg"))) == 1
    again = _svg(charts.income_trend(broby))
    assert again == first and output.STATS == {"drawn": 1, "reused": 1}
    # New figures for the kommun (a refreshed table): another key, drawn anew, the old file untouched.
    broby.income_trend.loc[broby.income_trend.index[-1], "kommun"] += 1.0
    changed = _svg(charts.income_trend(broby))
    assert changed != first and output.STATS == {"drawn": 2, "reused": 1} and len(list(cache.glob("*.svg"))) == 2


def test_charts_of_one_tatort_are_never_shared(cache, p_glimakra, p_nasum):
    for draw in (lambda p: charts.comparison_bars(p, "tathet"), lambda p: charts.peer_strip(p, "folkmangd"),
                 charts.tatort_trend, maps.locality_map):
        _svg(draw(p_glimakra))
        _svg(draw(p_nasum))
    assert output.STATS["reused"] == 0 and not list(cache.glob("*.svg"))


def test_kommuner_differ_so_do_their_charts(cache, p_glimakra, p_nasum):
    a, b = _svg(charts.income_trend(p_glimakra)), _svg(charts.income_trend(p_nasum))
    assert a != b and output.STATS == {"drawn": 2, "reused": 0}


def test_cache_can_be_switched_off(monkeypatch, tmp_path, p_glimakra):
    monkeypatch.setenv(output.CACHE_ENV, "0")
    assert output.cache_dir() is None
    _svg(charts.income_trend(p_glimakra))
    assert not list(tmp_path.rglob("*.svg"))


def test_a_map_is_cropped_to_what_is_drawn_and_charts_fill_their_figure(p_glimakra):
    ax = maps.locality_map(p_glimakra)
    cropped = output.svg(ax.figure)
    plt.close(ax.figure)
    width = float(re.search(r'width="([\d.]+)pt"', cropped).group(1))
    assert width < 8 * 72  # cropped
    ax = charts.income_trend(p_glimakra)
    full = output.svg(ax.figure)
    plt.close(ax.figure)
    assert float(re.search(r'width="([\d.]+)pt"', full).group(1)) == pytest.approx(8 * 72)


def test_the_age_structure_of_a_kommun_is_drawn_once(cache):
    """Two tätorter of Kiruna kommun without tätort ages or DeSO: one picture (the key holds only what is
    drawn, not the tätort's name)."""
    kiruna, other = profile.build("Kiruna"), profile.build("Vittangi")
    assert kiruna.ort.kommun_code == other.ort.kommun_code
    assert not {"ort", "deso"} & set(kiruna.age_table.columns)
    _svg(charts.age_structure(kiruna))
    _svg(charts.age_structure(other))
    assert output.STATS == {"drawn": 1, "reused": 1}
