import numpy as np
import pandas as pd
import pytest

from ortsprofil.region import screening
from ortsprofil.region import export
from ortsprofil.errors import InvalidParameterError
from ortsprofil.region.screening import Rules, apply_rules

from .conftest import SHARED_SCB


def _frame(pops, dists, service=None):
    return pd.DataFrame({"tatort_code": [f"T{i}" for i in range(len(pops))], "population": pops,
                         "avstand_stad": dists, "service_km": dists if service is None else service})


def test_size_edges_are_inclusive():
    out = apply_rules(_frame([399, 400, 4000, 4001], [20, 20, 20, 20]), Rules()).set_index("tatort_code")
    assert out.loc["T0", "storlek"] == False  # noqa: E712
    assert out.loc["T1", "storlek"] == True and out.loc["T2", "storlek"] == True  # noqa: E712
    assert out.loc["T3", "storlek"] == False  # noqa: E712
    assert out.loc["T1", "kandidat"] and out.loc["T2", "kandidat"] and not out.loc["T3", "kandidat"]


def test_distance_edges():
    r = Rules(stad_km=5, service_km=15)
    out = apply_rules(_frame([1000] * 4, [4.99, 5.0, 14.99, 15.0]), r).set_index("tatort_code")
    assert list(out.loc[["T0", "T1", "T2", "T3"], "landsbygd"]) == [False, True, True, True]
    assert list(out.loc[["T0", "T1", "T2", "T3"], "service"]) == [False, False, False, True]
    assert out.loc["T3", "kandidat"] and not out.loc["T2", "kandidat"]


def test_criteria_are_independent():
    """Each criterion reads its own figure: moving one threshold never changes another criterion."""
    f = _frame([300, 1000, 2000, 5000], [2.0, 12.0, 30.0, 11.0], service=[9.0, 1.0, 6.0, 20.0])
    base = apply_rules(f, Rules()).set_index("tatort_code")
    for change in ({"stad_km": 25.0}, {"service_km": 8.0}, {"min_inv": 1500}, {"max_inv": 1200}):
        other = apply_rules(f, Rules(**change)).set_index("tatort_code")
        moved = {"stad_km": "landsbygd", "service_km": "service", "min_inv": "storlek", "max_inv": "storlek"}
        for c in ("storlek", "landsbygd", "service"):
            if c != moved[next(iter(change))]:
                assert other[c].equals(base[c].reindex(other.index)), (change, c)
    # Far from a town but next to a pharmacy, and the other way round: the criteria disagree.
    assert base.loc["T1", "landsbygd"] and not base.loc["T1", "service"]
    assert not base.loc["T0", "landsbygd"] and base.loc["T0", "service"]
    removed = screening.removed_by(base.reset_index())
    assert removed["storlek"] == {"fails": 2, "only": 1, "unknown": 0}  # 300 (fails landsbygd too) and 5000
    assert removed["service"]["fails"] == 1 and removed["landsbygd"]["fails"] == 1


@pytest.mark.parametrize("bad", [{"stad_km": float("nan")}, {"service_km": float("inf")}, {"stad_km": -1.0},
                                 {"service_km": 501.0}])
def test_bad_distances_are_refused(bad):
    with pytest.raises(InvalidParameterError, match="km"):
        Rules(**bad)


def test_one_change_period_for_every_row():
    """Every row: the tätort's own change 2015–2020 (SCB's 2015 and 2020 tätort figures) or the reason why
    there is none, and its kommun's change in a column of its own — never one in place of the other."""
    f = screening.run().frame
    assert set(f["forandring_period"]) == {"2015–2020"}
    assert (f["forandring"].notna() ^ (f["forandring_status"] != "")).all()
    by = f.set_index("tatort_name")
    shared = SHARED_SCB
    t15 = pd.read_csv(shared / "tatorter_sweden_2015.csv", dtype=str).set_index("tatort_name")
    t20 = pd.read_csv(shared / "tatorter_sweden_2020_wide.csv", dtype=str).set_index("tatort_code")
    for name, code in (("Näsum", "1272TB105"), ("Vinslöv", "1293TB116"), ("Malmö", "1280TC106")):
        before, after = float(t15.loc[name, "population"]), float(t20.loc[code, "population"])
        assert by.loc[name, "forandring"] == pytest.approx(100 * (after / before - 1))
    assert float(t15.loc["Malmö", "population"]) == 301_706
    k = pd.read_csv(shared / "population_kommun_lan_riket_1950_2020.csv", dtype=str)
    k = k[k["region_code"] == "1272"].set_index("year")["population"].astype(float)
    assert by.loc["Näsum", "forandring_kommun"] == pytest.approx(100 * (k["2020"] / k["2015"] - 1))
    assert by.loc["Näsum", "forandring"] != pytest.approx(by.loc["Näsum", "forandring_kommun"])
    shown = export.display_table(f).set_index("Tätort")
    assert "Förändringen avser" not in shown.columns
    new = f[f["forandring_status"] == "ny 2020"]
    if len(new):
        assert shown.loc[new["tatort_name"].iloc[0], "Tätortens förändring 2015–2020 (%)"].startswith("ny tätort 2020")


def test_missing_data_is_neither_met_nor_failed():
    out = apply_rules(_frame([np.nan, 1000], [20, np.nan]), Rules()).set_index("tatort_code")
    # Each criterion is judged on its own figure: a missing population leaves only storlek open.
    assert pd.isna(out.loc["T0", "storlek"]) and out.loc["T0", "landsbygd"] == True  # noqa: E712
    assert out.loc["T1", "storlek"] == True and pd.isna(out.loc["T1", "service"])  # noqa: E712
    assert not out["kandidat"].any()
    shown = export.display_table(out.reset_index().assign(
        tatort_name="x", kommun_name="k", density=np.nan, avstand_10k=np.nan, avstand_50k=np.nan,
        tatorter_10km=np.nan, forandring=np.nan, forandring_status="", forandring_kommun=np.nan,
        forandring_period="", pilot=False,
        ombud_km=np.nan, service_proxy=False))
    assert "uppgift saknas" in shown.values and "0" not in shown["Folkmängd 2020"].tolist()


def test_candidates_sorted_first():
    out = apply_rules(_frame([100, 1000, 2000, 50_000], [20, 20, 2, 0]), Rules())
    assert out["kandidat"].tolist() == [True, False, False, False]
    assert out["antal_uppfyllda"].is_monotonic_decreasing


def test_bad_rules():
    with pytest.raises(InvalidParameterError):
        Rules(min_inv=5000, max_inv=400)
    with pytest.raises(InvalidParameterError):
        screening.run(min_inv="många")
    with pytest.raises(InvalidParameterError):
        screening.run(kommuner="Atlantis")
    with pytest.raises(InvalidParameterError, match="ligger inte i län 12"):
        screening.run(lan="12", kommuner="Stockholm")
    with pytest.raises(InvalidParameterError, match="Okänd länskod"):
        screening.run(lan="99")


def test_skane_screening_has_pilots_as_candidates():
    s = screening.run()
    f = s.frame
    assert len(f) == 248
    assert f["storlek"].sum() == 124
    pilots = f[f["pilot"]].set_index("tatort_name")
    assert set(pilots.index) == {"Näsum", "Glimåkra"}
    assert pilots["kandidat"].all()
    assert f.loc[f["kandidat"], "population"].between(400, 4000).all()
    # A suburb right next to its city is not rural.
    by = f.set_index("tatort_name")
    assert not by.loc["Vintrie", "landsbygd"] and by.loc["Vintrie", "avstand_stad"] < 10
    # Service is from the pharmacy data (Tillväxtverket), not from the town distance.
    assert not f["service_proxy"].any()
    assert by.loc["Näsum", "service_km"] == pytest.approx(11.4, abs=0.05)


def test_kommun_filter():
    s = screening.run(kommuner="Bromölla, 1256")
    assert set(s.frame["kommun_name"]) == {"Bromölla", "Östra Göinge"}
    assert s.rules.kommuner == ("1256", "1272")


def test_export_same_rows(tmp_path):
    import stat

    import openpyxl

    s = screening.run()
    paths = export.export(s.frame, tmp_path, s.sources())
    sheets = pd.read_excel(paths["xlsx"], sheet_name=None, dtype={"Tätortskod": str, "Värde": str})
    assert set(sheets) == {"Urval", "Källor", "Parametrar"}
    urval = sheets["Urval"]
    assert urval["Tätortskod"].tolist() == s.frame["tatort_code"].tolist()
    assert list(urval.columns[:7]) == ["Kandidat", "Tätort", "Kommun", "Storlek", "Landsbygd (inte del av stad)",
                                       "Långt till apotek", "Uppfyllda kriterier"]
    params = dict(zip(sheets["Parametrar"]["Parameter"], sheets["Parametrar"]["Värde"].astype(str)))
    assert params["min_inv"] == "400" and params["lan"] == "12" and params["stad_km"] == "10.0"
    assert params["kommuner"] == "alla"
    ws = openpyxl.load_workbook(paths["xlsx"])["Urval"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
    head = [c.value for c in ws[1]]
    assert ws.cell(2, head.index("Folkmängd 2020") + 1).number_format == "#,##0"
    assert ws.cell(2, head.index("Till stad (km)") + 1).number_format == "0.0"
    assert ws.column_dimensions["B"].width > 8
    # Swedish Excel's CSV: semicolons, decimal comma, BOM; round-trips through pandas.
    raw = paths["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    csv = pd.read_csv(paths["csv"], sep=";", decimal=",", encoding="utf-8-sig", dtype={"Tätortskod": str})
    assert csv["Tätortskod"].tolist() == s.frame["tatort_code"].tolist()
    assert csv["Till stad (km)"].dtype == float
    assert csv["Till stad (km)"].tolist() == pytest.approx(s.frame["avstand_stad"].round(1).tolist())
    machine = pd.read_csv(paths["csv_data"], dtype={"tatort_code": str})
    assert machine["avstand_stad"].tolist() == pytest.approx(s.frame["avstand_stad"].tolist())
    for p in paths.values():
        assert stat.S_IMODE(p.stat().st_mode) & 0o044 == 0o044, p  # readable by group and others
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jamforelse.csv", "jamforelse.xlsx", "jamforelse_data.csv"]
