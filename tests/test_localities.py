import math
import unicodedata

import pytest

from ortsprofil.errors import AmbiguousLocalityError, InvalidParameterError, UnknownLocalityError
from ortsprofil.figures.localities import fold, normalize, slugify


@pytest.mark.parametrize(
    "query",
    ["Näsum", "näsum", "NÄSUM", "  Näsum ", unicodedata.normalize("NFD", "Näsum"), "Nasum", "1272TB105", "1272tb105",
     "Näsum, Bromölla", "Näsum (Bromölla)"],
)
def test_find_nasum_many_ways(reg, query):
    loc = reg.find(query)
    assert loc.code == "1272TB105"
    assert loc.kommun_code == "1272" and loc.kommun_name == "Bromölla"
    assert loc.lan_code == "12" and loc.lan_name == "Skåne län"
    assert loc.population == 1314


def test_find_glimakra_without_diacritics(reg):
    g = reg.find("Glimakra")
    assert (g.name, g.population, g.land_area_ha) == ("Glimåkra", 1550, 208)
    assert g.kommun_name == "Östra Göinge"


def test_misspelt_name_gives_suggestions(reg):
    with pytest.raises(UnknownLocalityError) as ei:
        reg.find("Nasumm")
    assert ei.value.suggestions[0] == "Näsum (Bromölla)"
    with pytest.raises(UnknownLocalityError) as ei:
        reg.find("Glimåkr")
    assert "Glimåkra (Östra Göinge)" in ei.value.suggestions


def test_unknown_code(reg):
    with pytest.raises(UnknownLocalityError):
        reg.find("9999TB999")


@pytest.mark.parametrize("query", ["", "   ", None])
def test_empty_query(reg, query):
    with pytest.raises(InvalidParameterError):
        reg.find(query)


def test_ambiguous_lund_and_ekeby(reg):
    with pytest.raises(AmbiguousLocalityError) as ei:
        reg.find("Lund")
    assert {(k, n) for _, n, k in ei.value.candidates} == {("Lund", "Lund"), ("Gävle", "Lund")}
    with pytest.raises(AmbiguousLocalityError) as ei:
        reg.find("ekeby")
    assert sorted(k for _, _, k in ei.value.candidates) == ["Bjuv", "Kumla", "Södertälje"]
    assert "Bjuv" in str(ei.value)


@pytest.mark.parametrize(
    "query,code",
    [("Lund, Lund", "1281TC105"), ("Lund (Gävle)", "2180TB113"), ("Ekeby (Bjuv)", "1260TB103"),
     ("ekeby, bjuv", "1260TB103"), ("Ekeby, 1881", "1881TB101"), ("1281TC105", "1281TC105")],
)
def test_ambiguity_resolved(reg, query, code):
    assert reg.find(query).code == code


def test_names_with_commas_are_found_whole(reg):
    assert reg.find("Smögen, Kungshamn och Väjern").kommun_name == "Sotenäs"


def test_wrong_kommun_suggests_the_right_one(reg):
    with pytest.raises(UnknownLocalityError) as ei:
        reg.find("Näsum, Lund")
    assert ei.value.suggestions == ["Näsum (Bromölla)"]


def test_normalisation_helpers():
    assert normalize("Na\u0308sum") == normalize("Näsum") == "näsum"
    assert fold("Östra Göinge") == "ostra goinge"
    assert slugify("Näsum") == "nasum"
    assert slugify("../../x") == "x"
    assert slugify("Floda / Dala-Floda") == "floda-dala-floda"
    assert "/" not in slugify("a/../b") and ".." not in slugify("a/../b")


def test_slug_of_shared_name_has_kommun(reg):
    assert reg.find("Lund, Lund").slug == "lund-lund"
    assert reg.find("Näsum").slug == "nasum"
    # "Håga" and "Haga" fold to the same folder name: both get their kommun (the whole-country site
    # would otherwise build one on top of the other).
    assert reg.find("0380TB111").slug == "haga-uppsala" and reg.find("0381TB104").slug == "haga-enkoping"
    slugs = [reg.find(code).slug for code in reg.frame["tatort_code"]]
    assert len(set(slugs)) == len(slugs) == 2017


def test_peers_of_nasum(reg, nasum):
    peers = reg.peers(nasum)
    assert len(peers) == 124  # Skåne tätorter with 400–4 000 inhabitants (2020)
    assert peers["population"].between(400, 4000).all()
    assert (peers["lan_code"] == "12").all()
    row = peers[peers["is_ort"]].iloc[0]
    assert row["tatort_name"] == "Näsum"
    assert row["rank"] == 1 + int((peers["population"] > 1314).sum())
    narrow = reg.peers(nasum, peer_min=1000, peer_max=2000)
    assert narrow["population"].between(1000, 2000).all()
    with pytest.raises(InvalidParameterError):
        reg.peers(nasum, peer_min=5000, peer_max=400)


def test_locality_outside_band_still_placed(reg):
    lund = reg.find("Lund, Lund")
    peers = reg.peers(lund)
    assert peers["is_ort"].sum() == 1 and len(peers) == 125


def _haversine_km(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def test_neighbours_of_nasum(reg, nasum):
    near = reg.nearest(nasum, 5)
    assert list(near["tatort_name"][:2]) == ["Vånga", "Jämshög"]
    assert near["distance_km"].is_monotonic_increasing
    f = reg.frame
    me = f.loc[nasum.code]
    for r in near.itertuples():
        # SWEREF 99 TM distance agrees with a great-circle distance on WGS84 within 0.5 km.
        assert abs(r.distance_km - _haversine_km(me.lat, me.lon, r.lat, r.lon)) < 0.5
    big = reg.nearest(nasum, 1, min_population=10_000).iloc[0]
    assert big["tatort_name"] == "Karlshamn" and abs(big["distance_km"] - 22.0) < 0.5
    assert reg.nearest(nasum, None, within_km=10)["distance_km"].max() <= 10


def test_search(reg):
    hits = reg.search("goinge")
    assert set(hits["tatort_name"]) >= {"Glimåkra", "Broby", "Knislinge"}
    assert hits["population"].is_monotonic_decreasing
    assert len(reg.search("", lan="12")) == 248


def test_rank_in_lan(reg, nasum):
    rank, n = reg.rank_in(nasum)
    assert n == 248
    f = reg.frame
    assert rank == 1 + int(((f["lan_code"] == "12") & (f["population"] > 1314)).sum())
