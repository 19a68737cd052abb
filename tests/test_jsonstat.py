import json

import numpy as np
import pytest

from ortsprofil.data import jsonstat
from ortsprofil.errors import DataShapeError

from .conftest import SHARED_SCB, UPSTREAM

FIX = SHARED_SCB / "fixtures"


def _doc(values, status=None, sizes=(2, 2)):
    doc = {
        "version": "2.0", "class": "dataset", "id": ["Region", "Tid"], "size": list(sizes),
        "role": {"time": ["Tid"], "metric": []},
        "dimension": {
            "Region": {"label": "region", "category": {"index": {"1272": 0, "1256": 1},
                                                       "label": {"1272": "Bromölla", "1256": "Östra Göinge"}}},
            "Tid": {"label": "år", "category": {"index": {"2023": 0, "2024": 1}}},
        },
        "value": values,
    }
    if status is not None:
        doc["status"] = status
    return doc


def test_row_major_order_and_labels():
    f = jsonstat.to_frame(_doc([1, 2, 3, 4]))
    assert f[["region_code", "time", "value"]].values.tolist() == [
        ["1272", "2023", 1.0], ["1272", "2024", 2.0], ["1256", "2023", 3.0], ["1256", "2024", 4.0]]
    assert f.loc[2, "region_name"] == "Östra Göinge"


@pytest.mark.parametrize("status", [{"1": ".."}, [None, "..", None, None]])
def test_suppressed_stays_missing(status):
    f = jsonstat.to_frame(_doc([1, None, 3, 4], status))
    assert np.isnan(f.loc[1, "value"]) and f.loc[1, "status"] == ".."
    assert f["status"].isna().sum() == 3


def test_v1_symbol_in_value():
    f = jsonstat.to_frame(_doc([1, "..", 3, 4]))
    assert np.isnan(f.loc[1, "value"]) and f.loc[1, "status"] == ".."


def test_sparse_values():
    f = jsonstat.to_frame(_doc({"0": 5, "3": 7}))
    assert f["value"].tolist()[0] == 5 and np.isnan(f["value"].tolist()[1]) and f["value"].tolist()[3] == 7


@pytest.mark.parametrize(
    "bad",
    [
        _doc([1, 2, 3]),  # too few values: never truncate or pad silently
        _doc([1, 2, 3, 4, 5]),
        _doc([1, 2, 3, 4], sizes=(2, 3)),
        {**_doc([1, 2, 3, 4]), "id": ["Region"]},
        _doc([1, "x", 3, 4]),
        _doc([1, 2, 3, 4], status={"9": ".."}),
        {"class": "dataset", "value": []},
    ],
)
def test_shape_mismatch_raises(bad):
    with pytest.raises(DataShapeError):
        jsonstat.to_frame(bad)


@pytest.mark.skipif(not FIX.exists(), reason="../shared/data/scb/fixtures saknas")
def test_real_tab638_fixture():
    f = jsonstat.to_frame(json.loads((FIX / "scb_v2_TAB638_riket_ogifta_0ar_man_2024.json").read_text()))
    assert len(f) == 1 and f.loc[0, "value"] == 50937
    assert f.loc[0, "region_code"] == "00" and f.loc[0, "time"] == "2024"
    assert f.attrs["table_id"] == "TAB638" and len(f.attrs["notes"]) == 3


@pytest.mark.skipif(not FIX.exists(), reason="../shared/data/scb/fixtures saknas")
def test_real_tab3554_fixture():
    f = jsonstat.to_frame(json.loads((FIX / "scb_v2_TAB3554_medianinkomst_riket_2020_2022.json").read_text()))
    assert len(f) == 9
    assert f[(f["Kon"] == "1") & (f["time"] == "2020")]["value"].item() == 332.8
    assert set(f["unit"]) == {"tkr"}


@pytest.mark.skipif(not (UPSTREAM / "stefur_pxwebpy").exists(), reason="upstream TAB6471 saknas")
def test_real_tab6471_recording():
    f = jsonstat.to_frame(json.loads((UPSTREAM / "stefur_pxwebpy" / "TAB6471_data.json").read_text()))
    assert len(f) == 2772
    sk = f[(f["region_code"] == "12") & (f["Kon"] == "TotSa") & (f["time"] == "2026M01") & (f["Alder"] != "TotSA")]
    assert sk["value"].sum() == 1_433_161  # SOURCES.md: Skåne län 2026M01, sum of age groups
    assert len(f.attrs["mandatory_notes"]) == 4
    assert "slumpmässig" in f.attrs["mandatory_notes"][0]
