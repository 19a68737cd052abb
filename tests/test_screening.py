import numpy as np
import pandas as pd
import pytest

from ortsprofil import screening
from ortsprofil.errors import InvalidParameterError
from ortsprofil.screening import Rules, apply_rules


def _frame(pops, dists):
    return pd.DataFrame({"tatort_code": [f"T{i}" for i in range(len(pops))], "population": pops,
                         "avstand_stad": dists})


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


def test_missing_data_is_neither_met_nor_failed():
    out = apply_rules(_frame([np.nan, 1000], [20, np.nan]), Rules()).set_index("tatort_code")
    assert pd.isna(out.loc["T0", "storlek"]) and pd.isna(out.loc["T0", "landsbygd"])
    assert out.loc["T1", "storlek"] == True and pd.isna(out.loc["T1", "service"])  # noqa: E712
    assert not out["kandidat"].any()
    shown = screening.display_table(out.reset_index().assign(
        tatort_name="x", kommun_name="k", density=np.nan, avstand_10k=np.nan, avstand_50k=np.nan,
        tatorter_10km=np.nan, forandring=np.nan, forandring_period="", pilot=False))
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
    assert not by.loc["Vintrie", "landsbygd"] and by.loc["Vintrie", "avstand_stad"] < 5


def test_kommun_filter():
    s = screening.run(kommuner="Bromölla, 1256")
    assert set(s.frame["kommun_name"]) == {"Bromölla", "Östra Göinge"}
    assert s.rules.kommuner == ("1256", "1272")


def test_export_same_rows(tmp_path):
    s = screening.run()
    paths = screening.export(s.frame, tmp_path, s.sources())
    sheets = pd.read_excel(paths["xlsx"], sheet_name=None, dtype={"tätortskod": str})
    assert set(sheets) == {"Urval", "Källor", "Parametrar"}
    assert sheets["Urval"]["tätortskod"].tolist() == s.frame["tatort_code"].tolist()
    csv = pd.read_csv(paths["csv"], dtype={"tätortskod": str})
    assert csv["tätortskod"].tolist() == s.frame["tatort_code"].tolist()
    params = dict(zip(sheets["Parametrar"]["parameter"], sheets["Parametrar"]["värde"].astype(str)))
    assert params["min_inv"] == "400" and params["lan"] == "12"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jamforelse.csv", "jamforelse.xlsx"]
