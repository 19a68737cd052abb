import re
import math

import pytest

from ortsprofil.figures import profile
from ortsprofil.errors import InvalidParameterError, UnknownLocalityError
from ortsprofil.present import page, tables


def test_nasum_key_figures(p_nasum, reg):
    p = p_nasum
    assert p["folkmangd"].value == 1314
    assert p["landareal"].value == 249
    assert p["tathet"].value == pytest.approx(1314 / 2.49)
    n = len(p.peers)  # Näsum and the rural villages of Skåne with 400–4 000 inhabitants
    assert p["folkmangd"].rank == (int((p.peers["population"] > 1314).sum()) + 1, n)
    assert p["andel_av_kommunen"].value == pytest.approx(100 * 1314 / 12759)
    assert p.lan_rank == reg.rank_in(p.ort)
    # Comparators for density: all tätorter of kommun, län and riket together.
    f = reg.frame
    sk = f[f["lan_code"] == "12"]
    assert p["tathet"].values["lan"] == pytest.approx(sk["population"].sum() / (sk["land_area_ha"].sum() / 100))
    assert p["tathet"].values["riket"] == pytest.approx(9_088_367 / (f["land_area_ha"].sum() / 100))
    others = p.peers.loc[~p.peers["is_ort"], "population"]
    assert p["folkmangd"].values["peers_median"] == others.median()


def test_distances_match_hand_computation(p_nasum, p_glimakra):
    # Näsum → Karlshamn (20 228 inv.), Glimåkra → Hässleholm/Kristianstad? computed from SWEREF points.
    assert abs(p_nasum["avstand_10k"].value - 22.0) < 0.5
    assert abs(p_nasum["avstand_50k"].value - 81.2) < 0.5  # Växjö
    assert p_nasum["tatorter_10km"].value == 3


def test_glimakra_profile(p_glimakra, reg):
    p = p_glimakra
    assert p["folkmangd"].value == 1550
    assert p.ort.kommun_name == "Östra Göinge"
    near = reg.nearest(p.ort, 1, min_population=10_000).iloc[0]
    assert p["avstand_10k"].value == pytest.approx(near["distance_km"])
    # Glimåkra has a tätort history 1960–2020 with breaks.
    years = sorted(p.tatort_series.query("variable == 'folkmangd'")["year"])
    assert years[0] == 1960 and years[-1] == 2020 and len(years) == 12


def test_kommun_growth_stats(p_nasum):
    """One period for every comparator: the latest year Bromölla, Skåne and riket all have (2023)."""
    s = p_nasum["kommun_forandring_10"]
    # One period for every profile of the län: 2022 is the latest year all 33 Skåne kommuner have.
    assert s.label == "Kommunens befolkningsförändring 2012–2022"
    k = p_nasum.kommun_series.set_index(["region_code", "year"])["value"]
    assert s.values["kommun"] == pytest.approx(100 * (k["1272", 2022] / k["1272", 2012] - 1))
    assert s.values["lan"] == pytest.approx(100 * (k["12", 2022] / k["12", 2012] - 1))
    assert math.isnan(s.values["ort"])
    assert s.rank is not None and s.rank[1] == 33  # every Skåne kommun has the period: a place among them
    one = p_nasum["kommun_forandring_1"]
    assert one.label.endswith("2021–2022") and one.unit == "förändring procent"
    assert one.values["kommun"] == pytest.approx(100 * (k["1272", 2022] / k["1272", 2021] - 1))


def test_every_stat_has_source_and_label(p_nasum):
    for s in p_nasum.stats.values():
        assert s.source.table.startswith(("SCB", "Tillväxtverket")) and s.source.ref
        assert s.label and s.unit and re.search(r"\d{4}", s.display_label)  # no figure without a year


def test_missing_never_renders_as_zero(p_nasum):
    tbl = page.comparison(p_nasum, "oversikt").frame
    # Land area has no kommun/län comparators: shown as "–", never "0".
    row = tbl[tbl["Mått"] == "Landareal (2020)"].iloc[0]
    assert row["Kommunen"] == "–"
    assert not (tbl.drop(columns=["Mått"]) == "0").any().any()


def test_swedish_formatting_in_tables(p_nasum):
    html = page.key_figures(p_nasum)._repr_html_()
    assert "1\xa0314" in html
    assert "528\xa0inv./km²" in html
    # The tätort's density is compared with the tätorter of Skåne, and labelled so …
    assert "ungefär en tredjedel så hög som i tätorterna i skåne län (1\xa0674\xa0inv./km²)" in html.lower()
    # … and the kommun's density (whole land area) with Skåne's and Sweden's real densities.
    assert "ungefär två tredjedelar så hög som i skåne län (127\xa0inv./km²)" in html.lower()
    assert "25\xa0inv./km²" in html


def test_overview_text_states_profile_facts(p_nasum):
    txt = str(page.summary(p_nasum, "oversikt"))
    assert "1\xa0314 invånare" in txt and "249 hektar" in txt
    assert p_nasum.lan_rank[0] == 101 and "101:a största av 248" in txt  # Swedish ordinal: 101:a, 103:e


def test_bundled_profile_lists_missing_once(p_nasum):
    missing = [i.key for i in p_nasum.missing]
    assert {"andel_65plus", "fodda_per_1000"} <= set(missing)
    assert not set(missing) & set(p_nasum.stats)
    note = str(tables.missing_note(p_nasum))
    assert note.startswith("Uppgifter som inte finns med i den här profilen")
    assert note.count("ndel 65 år och äldre") == 1 and "ortsprofil data" not in note  # no commands for readers
    for section in ("oversikt", "alder", "arbete", "boende"):  # every section has figures offline
        assert str(tables.section_missing(p_nasum, section)) == ""
        assert str(page.comparison(p_nasum, section)) != ""


def test_summaries_are_short_and_factual(p_nasum, p_glimakra):
    for p in (p_nasum, p_glimakra):
        for section in ("oversikt", "befolkning", "lage", "liknande"):
            text = str(page.summary(p, section))
            n = text.count(". ") + 1
            assert 2 <= n <= 6, (section, text)
            assert not re.search(r"\bnan\b", text.lower())
    lage = str(page.summary(p_nasum, "lage"))
    assert "Karlshamn" in lage and "22,0 km fågelvägen" in lage
    assert "Vånga, Jämshög och Gränum" in lage
    bef = str(page.summary(p_glimakra, "befolkning"))
    assert "1\xa0189 personer år 1960" in bef and "1\xa0550 år 2020" in bef


def test_bad_parameters():
    with pytest.raises(InvalidParameterError):
        profile.build("Näsum", peer_min=5000, peer_max=400)
    with pytest.raises(InvalidParameterError):
        profile.build("Näsum", lan="99")
    with pytest.raises(InvalidParameterError):
        profile.build("Näsum", peer_min="många")
    with pytest.raises(UnknownLocalityError):
        profile.build("Ingenstans")


def test_other_lan_and_band():
    p = profile.build("Näsum", lan="10", peer_min="1000", peer_max="2000", peer_typ="storlek")
    assert p.lan_name == "Blekinge län"
    assert p.peers.loc[~p.peers["is_ort"], "lan_code"].eq("10").all()
    assert p.peers.loc[~p.peers["is_ort"], "population"].between(1000, 2000).all()


def test_tables_render(p_nasum, p_glimakra):
    for name in ("befolkning", "tatort_historik", "grannar", "liknande", "kallor", "alder"):
        t = tables.table(p_glimakra, name)
        assert "<table" in t._repr_html_()
    assert "▶ Näsum" in tables.table(p_nasum, "liknande").frame["Tätort"].tolist()
