"""Each compute function on a tiny hand-made frame."""

import numpy as np
import pandas as pd
import pytest

from ortsprofil.figures import indicators as ind
from ortsprofil.data.tidy import empty_tidy


def _tiny():
    t = pd.DataFrame(
        {
            "tatort_code": ["1272TB001", "1272TB002", "1256TB001", "1000TC001"],
            "kommun_code": ["1272", "1272", "1256", "1000"],
            "lan_code": ["12", "12", "12", "10"],
            "population": [1000.0, 500.0, 20000.0, 60000.0],
            "land_area_ha": [200.0, 100.0, 1000.0, 2000.0],
            # x/y in metres: A at 0, B 5 km east, C 30 km north, D 100 km east
            "x": [0.0, 5000.0, 0.0, 100000.0],
            "y": [0.0, 0.0, 30000.0, 0.0],
        }
    )
    k = pd.DataFrame(
        {
            "region_code": ["1272", "1272", "1272", "12", "12", "12"],
            "region_name": ["K", "K", "K", "L", "L", "L"],
            "level": ["kommun"] * 3 + ["lan"] * 3,
            "year": [1990, 2010, 2020] * 2,
            "ref_date": ["x"] * 6,
            "variable": ["folkmangd"] * 6,
            "value": [10000.0, 8000.0, 10000.0, 100.0, 110.0, 121.0],
            "unit": ["personer"] * 6,
            "source": ["t"] * 6,
        }
    )
    return ind.Data(tatorter=t, kommun_folkmangd=pd.concat([empty_tidy(), k]))


def test_population_area_density():
    d = _tiny()
    assert ind.tatort_population(d)["1272TB001"] == 1000
    assert ind.tatort_land_area(d)["1272TB002"] == 100
    assert ind.tatort_density(d)["1272TB001"] == pytest.approx(500.0)  # 1000 / 2 km²


def test_density_by_region_is_sum_over_sum():
    agg = ind.density_by_region(_tiny())
    assert agg["1272"] == pytest.approx(1500 / 3.0)
    assert agg["12"] == pytest.approx(21500 / 13.0)
    assert agg["00"] == pytest.approx(81500 / 33.0)


def test_share_of_kommun():
    s = ind.share_of_kommun(_tiny())
    assert s["1272TB001"] == pytest.approx(10.0)
    assert np.isnan(s["1256TB001"])  # no kommun figure → missing, not 0


def test_kommun_growth():
    d = _tiny()
    assert ind.growth(10)(d, 2020)["1272"] == pytest.approx(25.0)
    assert ind.growth(30)(d, 2020)["1272"] == pytest.approx(0.0)
    assert ind.growth(10)(d, 2020)["12"] == pytest.approx(10.0)


def test_distance_to_size():
    d = _tiny()
    to10 = ind.distance_to_size(10_000)(d)
    assert to10["1272TB001"] == pytest.approx(30.0)
    assert to10["1272TB002"] == pytest.approx(np.hypot(5, 30))
    assert to10["1256TB001"] > 0  # is itself ≥ 10 000: measured to the nearest *other* such town
    assert ind.distance_to_size(10_000, self_counts=True)(d)["1256TB001"] == 0.0  # the screening's "is a town"
    to50 = ind.distance_to_size(50_000)(d)
    assert to50["1272TB001"] == pytest.approx(100.0)
    assert np.isnan(ind.distance_to_size(10**7)(d)).all()


def test_tatorter_within():
    s = ind.tatorter_within(10.0)(_tiny())
    assert s["1272TB001"] == 1 and s["1272TB002"] == 1 and s["1256TB001"] == 0


def test_registry_is_consistent():
    keys = [i.key for i in ind.INDICATORS]
    assert len(keys) == len(set(keys))
    from ortsprofil.text import UNITS

    for i in ind.INDICATORS:
        assert i.unit in UNITS, i.key
        assert i.level in ("tatort", "kommun")
        assert i.table and i.ref and i.label
