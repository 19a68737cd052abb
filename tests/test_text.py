import math

import pytest

from ortsprofil import text as T


def test_swedish_numbers():
    assert T.fmt_number(1314) == "1\xa0314"
    assert T.fmt_number(12759) == "12\xa0759"
    assert T.fmt_number(27.14, 1) == "27,1"
    assert T.fmt_number(-3.26, 1) == "−3,3"
    assert T.fmt_percent(27.1) == "27,1\xa0%"
    assert T.fmt_value(527.7, "per km²") == "528\xa0inv./km²"
    assert T.fmt_value(249, "ha") == "249\xa0ha"
    assert T.fmt_value(3.2, "förändring procent") == "+3,2\xa0%"
    assert T.fmt_value(-1.0, "förändring procent") == "−1,0\xa0%"


@pytest.mark.parametrize("missing", [None, float("nan"), math.nan])
def test_missing_is_never_zero(missing):
    for unit in ("personer", "procent", "per km²", "ha", "km", "kr"):
        out = T.fmt_value(missing, unit)
        assert out == "uppgift saknas"
        assert "0" not in out
    assert T.fmt_value(missing, "personer", status="..") == "uppgift saknas (sekretess eller noll)"


def test_zero_is_shown_as_zero():
    assert T.fmt_value(0, "antal") == "0"


@pytest.mark.parametrize(
    "ratio,expected",
    [
        (4.0, "ungefär 4 gånger så hög som i Skåne"),
        (300.0, "ungefär 300 gånger så hög som i Skåne"),
        (0.1, "ungefär en tiondel så hög som i Skåne"),
        (3.0, "ungefär tre gånger så hög som i Skåne"),
        (2.0, "ungefär dubbelt så hög som i Skåne"),
        (1.75, "ungefär dubbelt så hög som i Skåne"),
        (1.5, "ungefär en och en halv gång så hög som i Skåne"),
        (1.3, "klart högre än i Skåne"),
        (1.1, "något högre än i Skåne"),
        (1.0, "ungefär som i Skåne"),
        (0.95, "ungefär som i Skåne"),
        (0.85, "något lägre än i Skåne"),
        (0.75, "ungefär tre fjärdedelar så hög som i Skåne"),
        (0.66, "ungefär två tredjedelar så hög som i Skåne"),
        (0.5, "ungefär hälften så hög som i Skåne"),
        (0.33, "ungefär en tredjedel så hög som i Skåne"),
        (0.25, "ungefär en fjärdedel så hög som i Skåne"),
        (0.19, "ungefär en femtedel så hög som i Skåne"),
    ],
)
def test_phrase_thresholds(ratio, expected):
    assert T.compare(ratio * 100, 100, "i Skåne") == expected


def test_phrase_bands_are_ordered_and_cover_everything():
    bounds = [b for b, _ in T.PHRASES]
    assert bounds == sorted(bounds, reverse=True) and bounds[-1] == 0.0


def test_phrase_wording_and_missing():
    assert T.compare(30, 10, "i kommunen", T.LONG) == "ungefär tre gånger så långt som i kommunen"
    assert T.compare(8, 10, "hos liknande orter", T.MANY) == "något färre än hos liknande orter"
    assert T.compare(None, 10, "i Skåne") is None
    assert T.compare(10, float("nan"), "i Skåne") is None
    assert T.compare(10, 0, "i Skåne") is None


def test_dates_and_lists():
    assert T.fmt_date("2020-12-31") == "31 december 2020"
    assert T.join_sv(["a", "b", "c"]) == "a, b och c"
    assert T.capitalize("ungefär") == "Ungefär"
