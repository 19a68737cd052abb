"""Profiles built from a snapshot refreshed against the local PxWeb server (issue: data layer → profile)."""

import numpy as np
import pandas as pd
import pytest

from ortsprofil.present import charts
from ortsprofil.figures import indicators as ind
from ortsprofil.figures import profile
from ortsprofil.figures.compute import caveats_for
from ortsprofil.figures.model import Source, Stat
from ortsprofil import text as T
from ortsprofil.figures.localities import Registry
from ortsprofil.present import narrative, page, tables


@pytest.fixture(scope="module")
def pf(fetched_snapshot):
    return profile.build("Glimåkra", reg=Registry(fetched_snapshot))


def test_fetched_indicators_appear_with_sources(pf):
    for key in ("andel_65plus", "andel_0_19", "kommun_andel_65plus", "fodda_per_1000", "medianinkomst",
                "andel_eftergymnasial", "sysselsattningsgrad"):
        assert key in pf.stats, key
        s = pf[key]
        assert s.source.origin == "fetched" and s.source.fetched_at
        assert "hämtad" in s.source.text()
    assert pf.missing == []
    assert "TAB5557" in pf["kommun_forandring_1"].source.table  # 2024–2025: the fetched totals
    assert "Alla mått" in str(tables.missing_note(pf))


def test_age_share_matches_table(pf, fetched_snapshot):
    t = fetched_snapshot.read("tatort_alder")
    g = t[(t["region_code"] == "1256TB102") & (t["kon"] == "") & (t["year"] == 2020)].set_index("alder")["value"]
    assert "" not in g.index  # only the bands (the leaves) are fetched; the total is their sum
    assert pf["andel_65plus"].value == pytest.approx(100 * g["65+"] / g[["0-19", "20-64", "65+"]].sum())
    assert pf["andel_65plus"].source.ref == "2020-12-31"
    k = fetched_snapshot.read("kommun_alder_kon")
    k = k[(k["region_code"] == "12") & (k["year"] == 2020)]
    old = k[k["alder"].map(lambda a: int(a.rstrip("+")) >= 65)]["value"].sum()
    assert pf["andel_65plus"].values["lan"] == pytest.approx(100 * old / k["value"].sum())
    assert pf["andel_65plus"].rank[1] == int(pf.peers["andel_65plus"].notna().sum())  # ranked where known
    assert pf.age_table.loc["65+", "ort"] == pytest.approx(pf["andel_65plus"].value)


def test_median_income_is_the_recorded_riket_value_where_recorded(pf, fetched_snapshot):
    inc = fetched_snapshot.read("kommun_inkomst")
    latest = inc["year"].max()
    assert pf["medianinkomst"].values["riket"] == inc[(inc["region_code"] == "00") & (inc["year"] == latest)]["value"].item()
    assert pf["medianinkomst"].unit == "tkr"


def test_suppressed_value_shows_uppgift_saknas(fetched_snapshot):
    """A '..' cell for the locality's age band → 'uppgift saknas', never 0."""
    data = ind.Data(tatorter=Registry(fetched_snapshot).frame.reset_index(drop=True),
                    kommun_folkmangd=fetched_snapshot.read("kommun_folkmangd"), snapshot=fetched_snapshot)
    t = fetched_snapshot.read("tatort_alder")
    mask = (t["region_code"] == "1256TB102") & (t["alder"] == "65+") & (t["kon"] == "")
    t.loc[mask, "value"] = np.nan
    t.loc[mask, "status"] = ".."
    data.extra["tatort_alder"] = t
    reg = Registry(fetched_snapshot)
    reg._indicator_data = data
    p = profile.build("Glimåkra", reg=reg)
    s = p["andel_65plus"]
    assert np.isnan(s.value)
    assert s.status == ".." and s.formatted() == "uppgift saknas (sekretess eller noll)"
    assert "0,0" not in s.formatted() and s.formatted() != "0"
    row = page.comparison(p, "alder").frame.set_index("Mått").loc["Andel 65 år och äldre (2020)"]
    assert row["Glimåkra"].startswith("uppgift saknas")


def test_small_numbers_are_flagged():
    s = Stat("x", "X", "procent", "alder", "tatort", {"ort": 20.0}, Source("t", "r"), base=40)
    assert any("färre än 50" in c for c in caveats_for(s))
    c = Stat("y", "Y", "personer", "befolkning", "tatort", {"ort": 7.0}, Source("t", "r"))
    assert any("under 10" in c for c in caveats_for(c))
    big = Stat("z", "Z", "personer", "befolkning", "tatort", {"ort": 700.0}, Source("t", "r"), base=700)
    assert caveats_for(big) == []
    ch = Stat("kommun_forandring_1", "Ä", "personer", "befolkning", "kommun", {"kommun": 4.0},
                      Source("t", "r"))
    noisy = pd.Series([4.0])
    noisy.attrs["year"] = 2025
    assert any("slumpbrus" in c for c in caveats_for(ch, noisy))
    noisy.attrs["year"] = 2024
    assert caveats_for(ch, noisy) == []


def test_reservations_explain_noise_and_suppression(pf):
    txt = str(tables.reservations(pf))
    assert "2025" in txt and "slumpmässigt brus" in txt
    assert "Uppgift saknas" in txt and "aldrig som 0" in txt


def test_prompts_state_only_profile_facts(pf):
    for section in ("oversikt", "befolkning", "alder", "arbete", "lage", "liknande"):
        for q in page.prompts(pf, section).__str__().splitlines()[1:]:
            assert q.endswith("?")
    q = str(page.prompts(pf, "alder"))
    phrase = narrative.phrase(pf, "andel_65plus", "lan")
    assert phrase and phrase in q
    lage = str(page.prompts(pf, "lage"))
    r = pf.larger_towns.iloc[0]
    assert r["tatort_name"] in lage and T.fmt_number(r["distance_km"], 1) in lage


def test_age_and_comparison_charts(pf):
    ax = charts.age_structure(pf)
    labels = [c.get_label() for c in ax.containers]
    # Different years side by side are labelled with their years (the DeSO has 2025, the rest 2020).
    assert labels == ["Glimåkra (2020)", "Östra Göinge kommun (2020)", "Skåne län (2020)", "Riket (2020)",
                      "Området runt Glimåkra (DeSO 1256B3010) (2025)"]
    assert len(ax.patches) == 15  # 3 bands × 5 areas
    ax = charts.comparison_bars(pf, "andel_65plus")
    assert len(ax.patches) == 5
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Glimåkra"
    ax = charts.comparison_bars(pf, "medianinkomst")
    assert len(ax.patches) == 3


def test_fetched_compute_functions_on_tiny_frames():
    tat = pd.DataFrame({"region_code": ["T1"] * 4, "region_name": ["t"] * 4, "level": ["tatort"] * 4,
                        "year": [2020] * 4, "ref_date": ["x"] * 4, "variable": ["folkmangd"] * 4,
                        "alder": ["0-19", "20-64", "65+", ""], "kon": [""] * 4, "value": [20.0, 50.0, 30.0, 100.0],
                        "unit": ["personer"] * 4, "source": ["t"] * 4})
    kom = pd.DataFrame({"region_code": ["1272"] * 6, "region_name": ["k"] * 6, "level": ["kommun"] * 6,
                        "year": [2020] * 6, "ref_date": ["x"] * 6, "variable": ["folkmangd"] * 6,
                        "alder": ["5", "5", "30", "30", "70", "100+"], "kon": ["män", "kvinnor"] * 3,
                        "value": [10.0, 10.0, 30.0, 30.0, 15.0, 5.0], "unit": ["personer"] * 6, "source": ["t"] * 6})
    ev = pd.DataFrame({"region_code": ["1272", "1272"], "region_name": ["k"] * 2, "level": ["kommun"] * 2,
                       "year": [2020, 2020], "ref_date": ["x"] * 2, "variable": ["fodda", "flyttnetto"],
                       "value": [5.0, -2.0], "unit": ["personer"] * 2, "source": ["t"] * 2})
    inc = pd.DataFrame({"region_code": ["1272", "1272"], "region_name": ["k"] * 2, "level": ["kommun"] * 2,
                        "year": [2019, 2020], "ref_date": ["x"] * 2, "variable": ["medianinkomst"] * 2,
                        "value": [250.0, 260.5], "unit": ["tkr"] * 2, "source": ["t"] * 2})
    edu = pd.DataFrame({"region_code": ["1272"] * 3, "region_name": ["k"] * 3, "level": ["kommun"] * 3,
                        "year": [2020] * 3, "ref_date": ["x"] * 3,
                        "variable": ["utb_eftergymnasial", "utb_gymnasial", "utb_forgymnasial"],
                        "value": [30.0, 50.0, 20.0], "unit": ["personer"] * 3, "source": ["t"] * 3})
    from ortsprofil.data.tidy import coerce_tidy

    data = ind.Data(tatorter=pd.DataFrame(), kommun_folkmangd=pd.DataFrame(),
                    extra={"tatort_alder": coerce_tidy(tat), "kommun_alder_kon": coerce_tidy(kom),
                           "kommun_forandringar": coerce_tidy(ev), "kommun_inkomst": coerce_tidy(inc),
                           "kommun_utbildning": coerce_tidy(edu)})
    assert ind.age_share("65+")(data)["T1"] == pytest.approx(30.0)
    assert ind.age_share("65+").aggregate(data)["1272"] == pytest.approx(20.0)
    assert ind.kommun_age_share("0-19")(data)["1272"] == pytest.approx(20.0)
    assert ind.events_per_1000("fodda")(data)["1272"] == pytest.approx(50.0)  # 5 of 100
    assert ind.events_per_1000("flyttnetto")(data)["1272"] == pytest.approx(-20.0)
    assert ind.median_income(data)["1272"] == 260.5
    assert ind.post_secondary_share(data)["1272"] == pytest.approx(30.0)


def test_fetched_totals_extend_the_kommun_series(pf, fetched_snapshot):
    k = fetched_snapshot.read("kommun_alder_kon")
    k = k[k["region_code"] == "1256"]
    s = pf.kommun_series
    # TAB638 (to 2024): no total code is fetched, so the total is the sum of single years and both sexes.
    total_2024 = k[k["year"] == 2024]["value"].sum()
    row = s[(s["region_code"] == "1256") & (s["year"] == 2024)]
    assert row["value"].item() == total_2024 and row["source"].item().endswith("(hämtad)")
    # TAB5557 (2025): SCB's published total 'TotSA' is used, never added to its own bands.
    published = k[(k["year"] == 2025) & (k["alder"] == "")]["value"].item()
    assert s[(s["region_code"] == "1256") & (s["year"] == 2025)]["value"].item() == published
    assert published < k[k["year"] == 2025]["value"].sum()  # the trap: total + bands = about twice
    # Years TAB638 was not asked for keep the bundled SCB series.
    assert s[(s["region_code"] == "1256") & (s["year"] == 1950)]["source"].item() == "S6"
    # The growth figure uses the same series as the chart.
    g = pf["kommun_forandring_10"].values["kommun"]
    v = s[s["region_code"] == "1256"].set_index("year")["value"]
    end = int(pf["kommun_forandring_10"].label[-4:])
    assert end == 2025  # the latest year kommun, län and riket all have
    assert g == pytest.approx(100 * (v[end] / v[end - 10] - 1))


def test_deso_age_shares_after_a_refresh_equal_the_bundled_ones(pf, fetched_snapshot, p_glimakra):
    """TAB6574 fetched with every age code (the total 'totalt' among them) gives the same shares as the
    bundled DeSO table: the total is SCB's own (or the sum of the bands), never added to the bands."""
    fetched, bundled = pf.deso["age_shares"], p_glimakra.deso["age_shares"]
    assert pf.deso["code"] == p_glimakra.deso["code"] == "1256B3010"
    for band in ("0-19", "65+"):
        assert fetched[band][0] == pytest.approx(bundled[band][0], abs=0.5)
    assert sum(v for v, _y in fetched.values()) == pytest.approx(100, abs=1.5)  # SCB's noisy total vs its parts
    # The server serves TAB6574 only for the 17 recorded DeSO (SCB's own figures, A1): nothing is computed,
    # so nothing is marked TESTVÄRDEN — and every band equals the bundled figure.
    got = fetched_snapshot.read("deso_alder")
    got = got[(got["region_code"] == "1256B3010") & (got["kon"] == "") & (got["alder"] != "")]
    bundled = p_glimakra.snapshot.read("deso_alder")
    bundled = bundled[bundled["region_code"] == "1256B3010"].groupby("alder")["value"].sum()
    assert got.set_index("alder")["value"].rename(index={"80+": "80+"}).sort_index().to_dict() == \
        bundled.sort_index().to_dict()
    assert not fetched_snapshot.info("deso_alder").test_values and "deso_alder" not in page.test_value_tables(pf)
