"""Every section filled with real SCB figures offline — checked against hand computations from the
shared CSVs (issue: real figures offline, comparisons that mean what they say)."""

import re

import pandas as pd
import pytest

from ortsprofil import text as T
from ortsprofil.figures import profile
from ortsprofil.run import report
from ortsprofil.figures.localities import Registry
from ortsprofil.present import narrative, page, tables

from .conftest import SHARED_SCB

pytestmark = pytest.mark.skipif(not SHARED_SCB.exists(), reason="../shared/data/scb finns inte bredvid projektet")


def csv(name: str) -> pd.DataFrame:
    return pd.read_csv(SHARED_SCB / name, dtype={"region_code": str, "kommun_code": str, "deso_code": str,
                                                "tatort_code": str})


@pytest.mark.parametrize("ort,kommun", [("Näsum", "1272"), ("Glimåkra", "1256")])
def test_kommun_figures_equal_the_csvs(ort, kommun):
    p = profile.build(ort)
    # Share 65+ in the kommun, 31 Dec 2019: 5-year bands 65-69 … 100+, both sexes.
    a = csv("population_by_age5_sex_2019.csv")
    k = a[a["region_code"] == kommun]
    old = k[k["age_band"].str.extract(r"^(\d+)", expand=False).astype(int) >= 65]["population"].sum()
    assert p["kommun_andel_65plus"].value == pytest.approx(100 * old / k["population"].sum())
    assert p["kommun_andel_65plus"].period == "2019"
    sk = a[a["region_code"] == "12"]
    sk_old = sk[sk["age_band"].str.extract(r"^(\d+)", expand=False).astype(int) >= 65]["population"].sum()
    assert p["kommun_andel_65plus"].values["lan"] == pytest.approx(100 * sk_old / sk["population"].sum())
    # Median income 2024 and its place among Skåne's 33 kommuner (no invented län median).
    inc = csv("kommun_median_income_1999_2024.csv")
    i24 = inc[(inc["year"] == 2024) & inc["region_code"].str.startswith("12")].set_index("region_code")["value"]
    s = p["medianinkomst"]
    assert s.value == i24[kommun] and s.period == "2024"
    assert s.rank == (int((i24 > i24[kommun]).sum()) + 1, 33)
    assert pd.isna(s.values["lan"]) and pd.isna(s.values["riket"])
    # Employment rate and unemployment 20–64, 2024 (BAS).
    lab = csv("kommun_labour_market_20_64_2020_2024.csv")
    row = lab[(lab["region_code"] == kommun) & (lab["year"] == 2024)].iloc[0]
    assert p["sysselsattningsgrad"].value == row["sysselsattningsgrad_pct"]
    assert p["arbetsloshet"].value == row["arbetsloshet_pct"]
    # Post-secondary share of 25–64-year-olds 2019 (incl. forskarutbildning, denominator incl. 'saknas').
    ed = csv("education_level_25_64_2019.csv")
    e = ed[ed["region_code"] == kommun]
    post = e[e["education_level"].str.startswith(("eftergymnasial", "forskar"))]["population"].sum()
    assert p["andel_eftergymnasial"].value == pytest.approx(100 * post / e["population"].sum())


def test_deso_and_pharmacy_figures():
    p = profile.build("Näsum")
    assert p.deso["code"] == "1272B2010"
    ind_ = csv("deso2025_indicators_bromolla_ostragoinge.csv").set_index("deso_code")
    assert p.deso["values"]["folkmangd"] == (ind_.loc["1272B2010", "population_2025"], 2025, "personer")
    block = tables.deso_block(p)
    assert block.caption == "Området runt Näsum (DeSO 1272B2010)"
    assert "Folkmängd (2025)" in block.frame["Mått"].tolist()
    assert "större än tätorten" in str(block._repr_html_())
    g = profile.build("Glimåkra")
    assert g.deso["code"] == "1256B3010"
    svc = csv("../service/tatorter_skane_2020_distance_to_pharmacy_pipos2025.csv").set_index("tatort_code")
    assert p["apotek_km"].value == svc.loc["1272TB105", "nearest_apotek_km"]
    assert g["apoteksombud_km"].value == svc.loc["1256TB102", "nearest_any_pharmacy_service_point_km"]
    assert "Tillväxtverket" in p["apotek_km"].source.table


def test_density_comparators_are_what_they_say():
    p = profile.build("Glimåkra")
    reg = Registry()
    f = reg.frame
    sk = f[f["lan_code"] == "12"]
    # The tätort's density is compared with the tätorter of Skåne, and named so.
    t = p["tathet"]
    assert t.values["lan"] == pytest.approx(sk["population"].sum() / (sk["land_area_ha"].sum() / 100))
    assert narrative.where_for(p, t, "lan") == "i tätorterna i Skåne län"
    row = page.comparison(p, "oversikt").frame.set_index("Mått")
    assert any("tätorterna i området" in m for m in row.index if m.startswith("Befolkningstäthet i tätorten"))
    # The kommun's, län's and riket's densities use their land area: Skåne about 127, Sweden about 25.
    k = p["kommun_tathet"]
    area = csv("area_kommun_lan_riket_2016.csv").set_index("region_code")["land_km2"]
    pop = csv("population_kommun_lan_riket_1950_2020.csv")
    pop = pop[pop["year"] == 2020].set_index("region_code")["population"]
    assert k.values["lan"] == pytest.approx(pop["12"] / area["12"]) and round(k.values["lan"]) == 127
    assert k.values["riket"] == pytest.approx(pop["00"] / area["00"]) and round(k.values["riket"]) == 25
    assert k.values["kommun"] == pytest.approx(pop["1256"] / area["1256"])
    assert narrative.where_for(p, k, "lan") == "i Skåne län"


def test_every_figure_has_a_year_and_comparisons_share_it():
    for ort in ("Näsum", "Kiruna", "Malmö"):
        p = profile.build(ort)
        for s in p.stats.values():
            assert re.search(r"(19|20)\d\d", s.display_label), s.display_label
        for key in ("kommun_forandring_10", "kommun_forandring_1"):
            label = p[key].label
            start, end = map(int, re.findall(r"\d{4}", label))
            series = p.kommun_series.set_index(["region_code", "year"])["value"]
            for who, code in (("kommun", p.ort.kommun_code), ("lan", p.lan_code), ("riket", "00")):
                assert (code, start) in series.index and (code, end) in series.index, (ort, key, who)


def test_peers_are_peers():
    malmo = profile.build("Malmö")
    others = malmo.peers[~malmo.peers["is_ort"]]
    assert len(others) >= 5 and others["population"].min() > 100_000  # towns of its own size, not villages
    assert "Malmö ligger utanför intervallet" in str(page.summary(malmo, "liknande"))
    hlm = profile.build("Hässleholm")
    assert hlm.peers.loc[~hlm.peers["is_ort"], "population"].between(19_435 / 2, 19_435 * 2).all()
    nasum = profile.build("Näsum")
    reg = Registry()
    dist = reg.town_distance_km
    codes = nasum.peers.loc[~nasum.peers["is_ort"], "tatort_code"]
    assert (dist[codes] >= 10).all()  # villages, not suburbs
    assert f"de {len(codes)} tätorter i hela Sverige som mest liknar Näsum" in str(page.summary(nasum, "liknande"))
    band = profile.build("Näsum", peer_typ="storlek")  # the size-band rule: villages of the län
    assert f"de {len(band.peers) - 1} tätorterna i Skåne län" in str(page.summary(band, "liknande"))
    everyone = profile.build("Näsum", peer_typ="alla")
    assert len(everyone.peers) > len(band.peers) > len(nasum.peers)
    assert "ungefär 300 gånger så" in T.compare(300, 1, "x", T.LARGE)


def test_kiruna_is_as_complete_as_glimakra():
    k = profile.build("Kiruna")
    assert not pd.isna(k["andel_av_kommunen"].value)
    assert k["avstand_10k"].value > 50  # Gällivare, not Kiruna itself
    assert "Kiruna" not in k.larger_towns["tatort_name"].tolist()
    for key in ("kommun_andel_65plus", "medianinkomst", "sysselsattningsgrad", "andel_eftergymnasial",
                "kommun_tathet", "kommun_forandring_10"):
        assert key in k.stats, key
    missing = {i.key for i in k.missing}
    assert missing <= {"andel_0_19", "andel_20_64", "andel_65plus", "fodda_per_1000", "doda_per_1000",
                       "flyttnetto_per_1000", "apotek_km", "apoteksombud_km", "andel_hyresratt",
                       "andel_bostadsratt", "andel_smahus_agande"}


def test_prompts_follow_the_latest_trend():
    """Bromölla grew 2012–2022 but shrank 2021–2022 (Skåne's one period): the text says so, in persons and
    per cent, and when it turned — never that it 'grows'."""
    p = profile.build("Näsum")
    k = p.kommun_series.set_index(["region_code", "year"])["value"]
    assert k["1272", 2022] - k["1272", 2021] == -17
    bef = str(page.summary(p, "befolkning")) + " " + str(page.prompts(p, "befolkning"))
    assert "växte med 3,1\xa0% 2012–2022" in bef
    assert "men minskade med 17 invånare (−0,1\xa0%) 2021–2022; sedan 2018 har folkmängden minskat" in bef
    assert "2010–2020" not in bef and "det senaste året" not in bef


@pytest.mark.slow
def test_default_html_has_no_cli_command(tmp_path):
    res = report.build_report("Glimåkra", reports_dir=tmp_path)
    html = res.html.read_text(encoding="utf-8")
    for command in ("ortsprofil data", "ortsprofil rapport", "make ", "kör `"):
        assert command not in html
    for heading in ("Ålder och kön", "Arbete och inkomst", "Boende", "Området runt Glimåkra"):
        assert heading in html
    assert "tätorterna i Skåne län" in html and "Befolkningstäthet i hela kommunen" in html
