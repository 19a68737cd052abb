from matplotlib.axes import Axes
from matplotlib.collections import PathCollection

from ortsprofil.present import charts
from ortsprofil.present import maps


def _gids(ax):
    return {a.get_gid() for a in ax.get_children() if a.get_gid()}


def test_population_trend(p_nasum):
    ax = charts.population_trend(p_nasum)
    assert isinstance(ax, Axes)
    (line,) = [l for l in ax.get_lines() if l.get_gid() == "kommun"]
    assert line.get_xdata()[0] == 1950
    assert 12759 in set(line.get_ydata())
    assert "Bromölla kommun" in ax.get_title(loc="left")
    assert "source" in {t.get_gid() for t in ax.texts}


def test_tatort_trend_says_each_year_has_its_boundaries(p_glimakra, p_nasum):
    ax = charts.tatort_trend(p_glimakra)
    pts = [c for c in ax.collections if c.get_gid() == "tatort"][0]
    assert len(pts.get_offsets()) == 12
    assert "varje år med det årets gränser" in ax.get_title(loc="left")
    assert not [l for l in ax.get_lines() if l.get_gid() == "break"]  # no boundary line between every pair
    ax2 = charts.tatort_trend(p_nasum)  # 2005, 2015 (SCB's tätorter 2015) and 2020
    assert len([c for c in ax2.collections if c.get_gid() == "tatort"][0].get_offsets()) == 3


def test_peer_strip(p_nasum):
    ax = charts.peer_strip(p_nasum, "folkmangd")
    peers = [c for c in ax.collections if c.get_gid() == "peers"][0]
    # Peers of a rural village are rural villages (≥ 10 km from another town of 10 000+).
    assert len(peers.get_offsets()) == p_nasum.peer_rule["n"] == len(p_nasum.peers) - 1 == 12  # the twins
    ort = [c for c in ax.collections if c.get_gid() == "ort"][0]
    assert ort.get_offsets()[0][0] == 1314
    assert "Näsum" in ax.get_title(loc="left")


def test_peer_bars(p_nasum):
    ax = charts.peer_bars(p_nasum, "folkmangd", n=11)
    assert len(ax.patches) == 11
    assert any("Näsum" in t.get_text() for t in ax.get_yticklabels())


def test_map_builds_offline(p_nasum):
    ax = maps.locality_map(p_nasum)
    assert isinstance(ax, Axes)
    assert {"kommun", "lan-kommuner", "ort", "tatorter", "ring"} <= _gids(ax)
    ort = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_gid() == "ort"][0]
    assert tuple(ort.get_offsets()[0]) == (p_nasum.ort.x, p_nasum.ort.y)
    assert any(t.get_text() == "Näsum" for t in ax.texts)


def test_comparison_bars_bundled_and_missing(p_nasum):
    import matplotlib.pyplot as plt

    ax = charts.comparison_bars(p_nasum, "tathet")
    assert len(ax.patches) == 5  # Näsum, kommun, län, riket, liknande orter
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Näsum"
    n = len(plt.get_fignums())
    ax = charts.comparison_bars(p_nasum, "medianinkomst")  # the kommun only: no invented län median
    assert len(ax.patches) == 1
    n = len(plt.get_fignums())
    ax = charts.comparison_bars(p_nasum, "andel_65plus")  # tätort ages: not in the bundled snapshot
    assert isinstance(ax, Axes) and len(ax.patches) == 0
    assert len(plt.get_fignums()) == n  # closed: a notebook shows nothing
