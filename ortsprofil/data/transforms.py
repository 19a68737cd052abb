"""How SCB's answers become tidy snapshot rows: one transform per kind of table (age and sex, tätort
figures, population changes, income, education, employment) and :func:`total_of`, which takes SCB's
published total where the answer has one and otherwise sums the leaves — never a total added to
its own parts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from ortsprofil.errors import DataShapeError
from ortsprofil.data.tidy import coerce_tidy

if TYPE_CHECKING:
    from ortsprofil.data.catalogue import Part


def age_of(code: str) -> int | None:
    """'0' → 0, '100+' → 100; None for totals and bands."""
    m = re.fullmatch(r"(\d+)\+?", str(code))
    return int(m.group(1)) if m else None


def _year(time: pd.Series) -> pd.Series:
    return time.astype(str).str.slice(0, 4).astype(int)


def _base(frame: pd.DataFrame, level: str, variable: pd.Series | str, unit: pd.Series | str,
          *, alder: pd.Series | str = "", kon: pd.Series | str = "") -> pd.DataFrame:
    years = _year(frame["time"])
    out = pd.DataFrame(
        {
            "region_code": frame["region_code"].astype(str).str.replace(r"_(DeSO|RegSO)\d{4}$", "", regex=True),
            "region_name": frame["region_name"].astype(str),
            "level": level,
            "year": years,
            "ref_date": years.astype(str) + "-12-31",
            "variable": variable,
            "alder": alder,
            "kon": kon,
            "value": frame["value"].astype(float),
            "unit": unit,
            "status": frame["status"],
            "source": f"SCB {frame.attrs.get('table_id') or ''}".strip(),
            "note": "",
        }
    )
    if level in ("kommun", "deso"):
        out.loc[out["region_code"] == "00", "level"] = "riket"
        out.loc[out["region_code"].str.len() == 2, "level"] = "lan"
        if level == "deso":
            out.loc[out["region_code"].str.len() == 4, "level"] = "kommun"
    return coerce_tidy(out)


#: SCB's codes for both sexes together, in the tables of the catalogue.
KON_TOTAL = ("1+2", "TotSa")


def kon_of(code: str) -> str:
    """'' for both sexes together (a published total), 'män' (1) or 'kvinnor' (2)."""
    return {"1": "män", "2": "kvinnor"}.get(str(code), "")


def _kon(frame: pd.DataFrame) -> pd.Series | str:
    return frame["Kon"].map(kon_of) if "Kon" in frame else ""


def _band(code: str) -> str:
    """An age code as stored: single years as they are, bands 'a-b', '80-' → '80+', totals ''."""
    code = str(code)
    if age_of(code) is not None:
        return code
    m = re.fullmatch(r"(\d*)-(\d*)", code)
    if m:
        lo, hi = m.group(1) or "0", m.group(2)
        return f"{lo}-{hi}" if hi else f"{lo}+"
    if code.startswith("100+"):
        return "100+"
    return ""  # tot, TotSA, totalt: SCB's total


def t_alder_kon(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    """Population by age code and sex (TAB638, TAB5557, TAB6574)."""
    alder = frame["Alder"].map(_band) if "Alder" in frame else ""
    return _base(frame, "deso" if "vs_DeSO2025" in part.codelists.values() else "kommun", "folkmangd", "personer",
                 alder=alder, kon=_kon(frame))


def t_tatort_alder(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    """MI0810 TatortAlderNN: bands by SCB label ('0-19 år' → '0-19'); sex by label (codes unverified)."""
    alder = frame["Alder_label"].str.lower().str.replace("år", "").str.strip().str.replace(" ", "")
    alder = alder.map(lambda s: "" if s.startswith("tot") else ("0" + s if s.startswith("-") else s))
    kon = frame["Kon_label"].str.lower().map(lambda s: "kvinnor" if "kvinn" in s else ("män" if s == "män" else ""))
    return _base(frame, "tatort", "folkmangd", "personer", alder=alder, kon=kon)


#: MI0810 LandarealTatortN contents codes (v1, verified in third-party code that ran against SCB).
TATORT_CONTENTS = {"000003F7": ("folkmangd", "personer"), "000003F9": ("landareal", "ha"),
                   "000003F8": ("tathet", "per km²")}


def t_tatort_folkmangd(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    known = frame["ContentsCode"].isin(list(TATORT_CONTENTS))
    if not known.all():
        raise DataShapeError(f"Okända innehållskoder: {sorted(set(frame.loc[~known, 'ContentsCode']))}")
    var = frame["ContentsCode"].map(lambda c: TATORT_CONTENTS[c][0])
    unit = frame["ContentsCode"].map(lambda c: TATORT_CONTENTS[c][1])
    return _base(frame, "tatort", var, unit)


#: TAB5169/TAB6481 events, by SCB's label (the codes are known from no recording). Only these
#: exact labels are taken; any other event keeps a slug of its label and is not used.
EVENTS = {
    "födda": "fodda", "levande födda": "fodda", "döda": "doda", "samtliga inflyttningar": "inflyttade",
    "samtliga utflyttningar": "utflyttade", "flyttningsöverskott": "flyttnetto", "folkökning": "folkokning",
    "födelseöverskott": "fodelseoverskott", "invandringar": "invandrade", "utvandringar": "utvandrade",
    "justeringspost": "justering",
}


def event_of(label: str) -> str:
    s = str(label).strip().lower()
    return EVENTS.get(s, "handelse_" + re.sub(r"\W+", "_", s).strip("_"))


def t_forandringar(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    return _base(frame, "kommun", frame["Forandringar_label"].map(event_of), "personer", kon=_kon(frame))


def t_inkomst(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    var = frame["ContentsCode"].map({"HE0110J8": "medianinkomst", "HE0110J7": "medelinkomst"})
    if var.isna().any():
        raise DataShapeError("TAB3554: oväntad innehållskod.")
    return _base(frame, "kommun", var, "tkr", alder=frame["Alder"], kon=_kon(frame))


#: SUN levels of UF0506 (TAB3981), by code (verified in the recorded metadata).
EDUCATION_LEVELS = {"1": "utb_forgymnasial", "2": "utb_forgymnasial", "3": "utb_gymnasial", "4": "utb_gymnasial",
                    "5": "utb_eftergymnasial", "6": "utb_eftergymnasial", "7": "utb_eftergymnasial",
                    "US": "utb_saknas"}


def t_utbildning(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    """Persons 25–64 by level: single years 25…64 summed here (the leaves; no total code is fetched)."""
    ages = frame["Alder"].map(age_of)
    if ages.isna().any() or ages.min() != 25 or ages.max() != 64:
        raise DataShapeError("TAB3981: väntade ettårsklasserna 25–64.")
    tidy = _base(frame, "kommun", frame["UtbildningsNiva"].map(EDUCATION_LEVELS), "personer", alder="25-64",
                 kon=_kon(frame))
    keys = ["region_code", "region_name", "level", "year", "ref_date", "variable", "alder", "kon", "unit", "source"]
    summed = tidy.groupby(keys, as_index=False, dropna=False).agg(
        value=("value", lambda v: v.sum(min_count=len(v))),  # any missing part → the sum is missing
        status=("status", lambda s: next((x for x in s if isinstance(x, str) and x), None)),
        note=("note", "first"),
    )
    return coerce_tidy(summed)


#: BAS (TAB3200) contents codes, verified in the recorded metadata.
BAS_CONTENTS = {"000002NS": ("sysselsattningsgrad", "procent"), "000002NN": ("arbetsloshet", "procent"),
                "000002NT": ("sysselsatta", "personer")}


def t_sysselsattning(frame: pd.DataFrame, part: Part) -> pd.DataFrame:
    var = frame["ContentsCode"].map(lambda c: BAS_CONTENTS[c][0])
    unit = frame["ContentsCode"].map(lambda c: BAS_CONTENTS[c][1])
    return _base(frame, "kommun", var, unit, alder=frame["Alder"], kon=_kon(frame))


def total_of(frame: pd.DataFrame, keys: list[str], dim: str) -> pd.DataFrame:
    """Totals over ``dim`` ("alder" or "kon"): SCB's published total rows ('' in ``dim``) where the
    frame has them, else the sum of the leaves — never both.

    Examples
    --------
    >>> f = pd.DataFrame({"region_code": ["a"] * 3, "alder": ["", "0", "1"], "value": [3.0, 1.0, 2.0]})
    >>> total_of(f, ["region_code"], "alder")["value"].tolist()
    [3.0]
    """
    published = frame[frame[dim] == ""]
    leaves = frame[frame[dim] != ""]
    summed = leaves.groupby(keys, as_index=False)["value"].sum(min_count=1)
    if published.empty:
        return summed
    pub = published[keys + ["value"]]
    have = pd.MultiIndex.from_frame(pub[keys])
    rest = summed[~pd.MultiIndex.from_frame(summed[keys]).isin(have)] if len(summed) else summed
    return pd.concat([pub, rest], ignore_index=True)
