"""Every tätort as deep as Glimåkra: the 2015–2020 change, pharmacy, housing and outline for places
outside Skåne, each figure checked by hand against the shared SCB / Pipos / Lantmäteriet files."""

from __future__ import annotations

import pandas as pd
import pytest

from ortsprofil.figures import profile
from ortsprofil.figures.model import SECTIONS
from ortsprofil.present import maps, narrative, page, tables

from .conftest import SHARED_SCB

SERVICE = SHARED_SCB.parent / "service" / "tatorter_sverige_2020_distance_to_pharmacy_pipos2025.csv"
PLACES = {"Kiruna": "2584TC103", "Hova": "1447TC102", "Vinslöv": "1293TB116"}


@pytest.fixture(scope="module")
def t2015() -> pd.DataFrame:
    return pd.read_csv(SHARED_SCB / "tatorter_sweden_2015.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def t2020() -> pd.DataFrame:
    return pd.read_csv(SHARED_SCB / "tatorter_sweden_2020_wide.csv", dtype=str).set_index("tatort_code")


@pytest.fixture(scope="module")
def built():
    return {name: profile.build(name) for name in PLACES}


@pytest.mark.parametrize("name", list(PLACES))
def test_tatort_change_2015_2020_by_hand(name, built, t2015, t2020):
    code = PLACES[name]
    row = t2015[t2015["scb2020_tatort_code"] == code]
    assert len(row) == 1 and row["n_2015_tatorter_with_same_2020_code"].iloc[0] == "1"
    before, after = float(row["population"].iloc[0]), float(t2020.loc[code, "population"])
    p = built[name]
    st = p["tatort_forandring"]
    assert st.value == pytest.approx(100 * (after / before - 1))
    assert st.period == "2015–2020" and st.level == "tatort"
    series = p.tatort_series.set_index(["variable", "year"])["value"]
    assert series[("folkmangd", 2015)] == before and series[("folkmangd", 2020)] == after
    words = narrative.tatort_change_words(p)
    assert f"{before:,.0f}".replace(",", "\xa0") in words and "gränserna kan ha ändrats" in words
    # Compared like with like: the kommun's own change over the same years, named as the whole kommun.
    k = pd.read_csv(SHARED_SCB / "population_kommun_lan_riket_1950_2020.csv", dtype=str)
    k = k[k["region_code"] == p.ort.kommun_code].set_index("year")["population"].astype(float)
    assert st.values["kommun"] == pytest.approx(100 * (k["2020"] / k["2015"] - 1))
    assert narrative.where_for(p, st, "kommun") == f"i hela {p.kommun_label}"


def test_malmo_2015_is_scbs_figure():
    p = profile.build("Malmö")
    s = p.tatort_series.set_index(["variable", "year"])["value"]
    assert s[("folkmangd", 2015)] == 301_706
    assert p["tatort_forandring"].value == pytest.approx(100 * (325_069 / 301_706 - 1))


def test_a_tatort_without_a_2015_match_says_so(reg, t2015):
    linked = set(t2015["scb2020_tatort_code"])
    new = reg.frame[~reg.frame["tatort_code"].isin(linked)].sort_values("population", ascending=False).iloc[0]
    p = profile.build(new["tatort_code"])
    st = p["tatort_forandring"]
    assert pd.isna(st.value) and st.status == "ny 2020"
    assert st.formatted().startswith("ny tätort 2020")
    assert "först vid SCB:s avgränsning 2020" in str(page.summary(p, "befolkning"))
    assert p.peers.loc[p.peers["is_ort"], "tatort_forandring"].isna().all()  # never a figure, never 0


def test_a_merged_tatort_has_no_figure(t2015):
    merged = t2015[t2015["n_2015_tatorter_with_same_2020_code"] == "2"]["scb2020_tatort_code"].iloc[0]
    p = profile.build(merged)
    assert pd.isna(p["tatort_forandring"].value) and p["tatort_forandring"].status == "sammanslagen"
    assert "flera tätorter" in str(page.summary(p, "befolkning"))


@pytest.mark.parametrize("name", list(PLACES))
def test_pharmacy_distance_by_hand(name, built):
    f = pd.read_csv(SERVICE, dtype=str).set_index("tatort_code")
    p = built[name]
    assert p["apotek_km"].value == float(f.loc[PLACES[name], "nearest_apotek_km"])
    assert p["apoteksombud_km"].value == float(f.loc[PLACES[name], "nearest_any_pharmacy_service_point_km"])
    assert "Tillväxtverket" in p["apotek_km"].source.words()


@pytest.mark.parametrize("name", list(PLACES))
def test_kommun_share_in_hyresratt_by_hand(name, built):
    h = pd.read_csv(SHARED_SCB / "households_type_tenure_2019.csv", dtype=str)
    p = built[name]
    own = h[h["region_code"] == p.ort.kommun_code]
    rented = own[own["tenure"].str.endswith("hyresrätt")]["households"].astype(float).sum()
    assert p["andel_hyresratt"].value == pytest.approx(100 * rented / own["households"].astype(float).sum())
    lan = h[h["region_code"] == p.ort.lan_code]
    assert p["andel_hyresratt"].values["lan"] == pytest.approx(
        100 * lan[lan["tenure"].str.endswith("hyresrätt")]["households"].astype(float).sum()
        / lan["households"].astype(float).sum())


@pytest.mark.parametrize("name", ["Kiruna", "Hova"])
def test_no_section_of_a_profile_outside_skane_is_empty(name, built):
    p = built[name]
    for section in SECTIONS:
        if section in ("kallor", "liknande"):  # sources, and the peers' table (below)
            continue
        assert p.section(section), section
        assert str(page.summary(p, section)).strip(), section
        assert str(tables.section_missing(p, section)) == ""
    assert (~p.peers["is_ort"]).sum() >= 5 and str(page.summary(p, "liknande")).strip()
    assert "inte för" in str(tables.deso_block(p))  # one line, not an empty block


@pytest.mark.parametrize("name", ["Kiruna", "Hova", "Vinslöv"])
def test_every_place_has_its_outline(name, built):
    p = built[name]
    outlines = maps.tatort_outlines(p.snapshot, p.ort.x - 5000, p.ort.y - 5000, p.ort.x + 5000, p.ort.y + 5000)
    assert p.ort.code in set(outlines["tatort_code"])
    assert maps.outline_note(p, outlines) == ""


def test_a_shared_outline_is_named(reg):
    f = reg.frame.set_index("tatort_name")
    furuvik = profile.build("Furuvik")
    p = furuvik
    outlines = maps.tatort_outlines(p.snapshot, p.ort.x - 20000, p.ort.y - 20000, p.ort.x + 20000, p.ort.y + 20000)
    note = maps.outline_note(p, outlines)
    assert "Skutskär" in note and "som en yta" in note
    assert f.loc["Skutskär", "population"] > 0


def test_too_few_peers_in_the_lan_means_all_of_sweden():
    """Gemla (Kronoberg) is a village near Växjö; Kronoberg has no other village of its kind in the band:
    its peers come from all of Sweden, and the words say so."""
    p = profile.build("0780TB104")
    assert p.peer_rule["lan"] == "" and (~p.peers["is_ort"]).sum() >= 5
    assert "i hela Sverige" in narrative.peer_rule_words(p)
