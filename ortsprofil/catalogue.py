"""The SCB tables ortsprofil uses, and how each becomes tidy snapshot rows.

Every :class:`CatalogueTable` names the snapshot key it fills, the SCB table (a verified id,
or a search that resolves the id at run time through ``/tables?query=`` when SCB_API.md marks
the id as uncertain), the selection for one län — **one query per table over all regions of
the län**, split only by the cell limit —, and a transform to the tidy schema.

Categories are recognised by their SCB *labels* ("Levande födda", "65+ år", "eftergymnasial …")
where codes are not verified, so a real SCB response and the test server's both work.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import DataShapeError, TableNotFoundError
from .snapshot import Snapshot, coerce_tidy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """What a selection needs to know: the län and its kommuner."""

    lan: str
    kommuner: tuple[str, ...]

    @property
    def regions(self) -> list[str]:
        """Riket, the län and its kommuner — the comparators of every profile."""
        return ["00", self.lan, *self.kommuner]


@dataclass(frozen=True)
class CatalogueTable:
    """One SCB table in the catalogue.

    Attributes
    ----------
    key : str
        Snapshot table it fills.
    title : str
        Swedish description (shown in `ortsprofil data status` and Källor).
    subject : str
        SCB product / v1 name (MI0810 LandarealTatortN, BE0101 BefolkningNy, …).
    table_id : str or None
        Verified PxWebAPI 2.0 id; None → resolved with ``search``.
    search : str
        Query for ``/tables?query=`` (used when ``table_id`` is None).
    label_pattern : str
        Regex a search hit's label must match to be taken.
    level : str
        "tatort", "kommun" or "deso".
    selection : callable
        ``selection(ctx) -> dict`` variable → codes/expressions.
    codelists : dict
        Variable → codelist id.
    transform : callable
        ``transform(frame, entry) -> tidy DataFrame``.
    """

    key: str
    title: str
    subject: str
    level: str
    selection: Callable[[Context], dict[str, list[str]]]
    transform: Callable[[pd.DataFrame, "CatalogueTable"], pd.DataFrame]
    table_id: str | None = None
    search: str = ""
    label_pattern: str = ""
    codelists: dict[str, str] = field(default_factory=dict)
    verified: bool = False


def _year(time: pd.Series) -> pd.Series:
    return time.astype(str).str.slice(0, 4).astype(int)


def _base(frame: pd.DataFrame, level: str, variable: pd.Series | str, unit: pd.Series | str,
          *, alder: pd.Series | str = "", kon: pd.Series | str = "", source: str) -> pd.DataFrame:
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
            "source": source,
            "note": "",
        }
    )
    if level in ("kommun", "deso"):
        out.loc[out["region_code"] == "00", "level"] = "riket"
        out.loc[out["region_code"].str.len() == 2, "level"] = "lan"
    return coerce_tidy(out)


def _src(frame: pd.DataFrame) -> str:
    return f"SCB {frame.attrs.get('table_id') or ''}".strip()


def _kon(code: str, label: str) -> str:
    """'' for both sexes together, else 'kvinnor' or 'män' (by SCB's code and label)."""
    c, l = code.lower(), label.lower()
    if c in ("1+2", "totsa", "tot") or "tot" in l or "samtliga" in l or ("män" in l and "kvinn" in l):
        return ""
    if c == "2" or "kvinn" in l:
        return "kvinnor"
    return "män"


def _kon_code(frame: pd.DataFrame) -> pd.Series:
    return pd.Series([_kon(c, l) for c, l in zip(frame["Kon"], frame["Kon_label"])], index=frame.index)


# -- transforms ------------------------------------------------------------------------------


def t_tatort_folkmangd(frame: pd.DataFrame, entry: CatalogueTable) -> pd.DataFrame:
    lab = frame["ContentsCode_label"].str.lower()
    var = lab.map(lambda s: "folkmangd" if "folkmängd" in s else ("landareal" if "landareal" in s else "tathet"))
    unit = var.map({"folkmangd": "personer", "landareal": "ha", "tathet": "per km²"})
    return _base(frame, "tatort", var, unit, source=_src(frame))


def _age_band(label: str) -> str:
    """'0-19 år' → '0-19', '65+ år' → '65+', 'totalt' → ''."""
    s = label.lower().replace("år", "").strip()
    if "tot" in s:
        return ""
    s = s.replace(" ", "")
    return s if not s.startswith("-") else "0" + s


def t_alder_kon(frame: pd.DataFrame, entry: CatalogueTable) -> pd.DataFrame:
    alder = frame["Alder_label"].map(_age_band)
    kon = _kon_code(frame) if "Kon" in frame else ""
    return _base(frame, entry.level, "folkmangd", "personer", alder=alder, kon=kon, source=_src(frame))


_EVENTS = [("födda", "fodda"), ("döda", "doda"), ("inflytt", "inflyttade"), ("utflytt", "utflyttade"),
           ("flyttningsöverskott", "flyttnetto"), ("flyttnetto", "flyttnetto"), ("folkökning", "folkokning")]


def _event(label: str) -> str:
    s = label.lower()
    for word, key in _EVENTS:
        if word in s:
            return key
    return re.sub(r"\W+", "_", s).strip("_")


def t_forandringar(frame: pd.DataFrame, entry: CatalogueTable) -> pd.DataFrame:
    tidy = _base(frame, "kommun", frame["ContentsCode_label"].map(_event), "personer",
                 kon=_kon_code(frame) if "Kon" in frame else "", source=_src(frame))
    return tidy


def t_inkomst(frame: pd.DataFrame, entry: CatalogueTable) -> pd.DataFrame:
    lab = frame["ContentsCode_label"].str.lower()
    var = lab.map(lambda s: "medianinkomst" if "median" in s else ("medelinkomst" if "medel" in s else re.sub(r"\W+", "_", s)))
    return _base(frame, "kommun", var, "tkr", alder=frame["Alder"], kon=_kon_code(frame), source=_src(frame))


def _level(label: str) -> str:
    s = label.lower()
    if "saknas" in s:
        return "utb_saknas"
    if "forskar" in s or "eftergymnasial" in s:
        return "utb_eftergymnasial"
    if "gymnasial" in s and "förgymnasial" not in s:
        return "utb_gymnasial"
    return "utb_forgymnasial"


def t_utbildning(frame: pd.DataFrame, entry: CatalogueTable) -> pd.DataFrame:
    tidy = _base(frame, "kommun", frame["UtbildningsNiva_label"].map(_level), "personer",
                 alder=frame["Alder_label"].map(_age_band), kon=_kon_code(frame), source=_src(frame))
    keys = [c for c in tidy.columns if c not in ("value", "status", "region_name", "note", "ref_date", "unit", "source")]
    summed = tidy.groupby(keys, as_index=False, dropna=False).agg(
        value=("value", lambda v: v.sum(min_count=len(v))),  # any missing part → the sum is missing
        status=("status", lambda s: next((x for x in s if isinstance(x, str) and x), None)),
        region_name=("region_name", "first"), ref_date=("ref_date", "first"), unit=("unit", "first"),
        source=("source", "first"), note=("note", "first"),
    )
    return coerce_tidy(summed)


def t_sysselsattning(frame: pd.DataFrame, entry: CatalogueTable) -> pd.DataFrame:
    lab = frame["ContentsCode_label"].str.lower()
    var = lab.map(lambda s: "sysselsattningsgrad" if "grad" in s else ("sysselsatta" if "sysselsatta" in s else re.sub(r"\W+", "_", s)))
    unit = var.map(lambda v: "procent" if v == "sysselsattningsgrad" else "personer")
    return _base(frame, "kommun", var, unit, kon=_kon_code(frame) if "Kon" in frame else "", source=_src(frame))


# -- the catalogue ---------------------------------------------------------------------------

CATALOGUE: list[CatalogueTable] = [
    CatalogueTable(
        key="tatort_folkmangd", title="Folkmängd och landareal per tätort", subject="MI0810 LandarealTatortN",
        level="tatort", search="landareal tätort folkmängd", label_pattern=r"(?i)landareal per tätort",
        selection=lambda c: {"Region": [f"{c.lan}*"], "ContentsCode": ["*"], "Tid": ["*"]},
        transform=t_tatort_folkmangd,
    ),
    CatalogueTable(
        key="tatort_alder", title="Befolkning i tätorter efter kön och ålder (0–19, 20–64, 65+)",
        subject="MI0810 TatortAlderNN", level="tatort", search="befolkning tätorter kön ålder",
        label_pattern=r"(?i)befolkning i tätorter efter kön, ålder och tätort",
        selection=lambda c: {"Region": [f"{c.lan}*"], "Kon": ["*"], "Alder": ["*"], "ContentsCode": ["*"], "Tid": ["*"]},
        transform=t_alder_kon,
    ),
    CatalogueTable(
        key="kommun_alder_kon", title="Folkmängd efter region, ålder och kön (31 december)",
        subject="BE0101 BefolkningNy", level="kommun", table_id="TAB638", verified=True,
        selection=lambda c: {"Region": c.regions, "Alder": ["*"], "Kon": ["*"], "ContentsCode": ["BE0101N1"],
                             "Tid": ["top(11)"]},
        transform=t_alder_kon,
    ),
    CatalogueTable(
        key="kommun_forandringar", title="Befolkningsförändringar: födda, döda, in- och utflyttade",
        subject="BE0101 Befolkningsförändringar", level="kommun", search="befolkningsförändringar region händelse",
        label_pattern=r"(?i)befolkningsförändringar efter region",
        selection=lambda c: {"Region": c.regions, "ContentsCode": ["*"], "Tid": ["top(10)"]},
        transform=t_forandringar,
    ),
    CatalogueTable(
        key="kommun_inkomst", title="Sammanräknad förvärvsinkomst, medianinkomst (tkr), 16 år och äldre",
        subject="HE0110 SamForvInk1", level="kommun", table_id="TAB3554", verified=True,
        selection=lambda c: {"Region": c.regions, "Kon": ["1+2"], "Alder": ["tot16+"], "ContentsCode": ["HE0110J8"],
                             "Tid": ["top(5)"]},
        transform=t_inkomst,
    ),
    CatalogueTable(
        key="kommun_utbildning", title="Befolkning 25–64 år efter utbildningsnivå",
        subject="UF0506 Utbildning", level="kommun", search="utbildningsnivå region",
        label_pattern=r"(?i)befolkning.*utbildningsnivå",
        selection=lambda c: {"Region": c.regions, "UtbildningsNiva": ["*"], "Alder": ["*"], "Kon": ["*"],
                             "ContentsCode": ["*"], "Tid": ["top(1)"]},
        transform=t_utbildning,
    ),
    CatalogueTable(
        key="kommun_sysselsattning", title="Befolkningen 20–64 år efter arbetsmarknadsstatus (sysselsättning)",
        subject="AM0210 BAS ArbStatusAr", level="kommun", search="arbetsmarknadsstatus region",
        label_pattern=r"(?i)arbetsmarknadsstatus",
        selection=lambda c: {"Region": c.regions, "Kon": ["1+2"], "ContentsCode": ["*"], "Tid": ["top(1)"]},
        transform=t_sysselsattning,
    ),
    CatalogueTable(
        key="deso_alder", title="Folkmängd per DeSO efter ålder (5-årsgrupper)",
        subject="BE0101 FolkmDesoAldKon", level="deso", table_id="TAB6574", verified=True,
        codelists={"Region": "vs_DeSO2025"},
        selection=lambda c: {"Region": [f"{c.lan}*"], "Alder": ["*"], "Kon": ["1+2"], "ContentsCode": ["000007Y7"],
                             "Tid": ["top(1)"]},
        transform=t_alder_kon,
    ),
]

BY_KEY = {t.key: t for t in CATALOGUE}


def context(snapshot: Snapshot, lan: str) -> Context:
    """The län and its kommuner, from the snapshot's region register."""
    reg = snapshot.read("regioner")
    if lan not in set(reg.loc[reg["level"] == "lan", "region_code"]):
        from .errors import InvalidParameterError

        raise InvalidParameterError(f"Okänd länskod {lan!r}. Skåne län har koden 12.")
    kommuner = tuple(sorted(reg.loc[(reg["level"] == "kommun") & (reg["lan_code"] == lan), "region_code"]))
    return Context(lan=lan, kommuner=kommuner)


def resolve(client: Any, entry: CatalogueTable) -> dict[str, Any]:
    """The table record of ``entry`` (``/tables/{id}``), resolving the id by search if needed.

    Raises
    ------
    TableNotFoundError
        When no search hit matches ``label_pattern``.
    """
    if entry.table_id:
        return client.table(entry.table_id)
    hits = client.search(entry.search, page_size=100)
    pattern = re.compile(entry.label_pattern)
    matching = [h for h in hits if pattern.search(h.get("label", "")) and not h.get("discontinued")]
    if not matching:
        raise TableNotFoundError(
            None, "Tabellen hittades inte",
            f"Ingen tabell för {entry.subject} bland {len(hits)} träffar på {entry.search!r}.",
        )
    # Newest data first (lastPeriod), then most recently updated.
    best = sorted(matching, key=lambda h: (str(h.get("lastPeriod", "")), str(h.get("updated", ""))))[-1]
    return client.table(best["id"])


def fetch(client: Any, entry: CatalogueTable, ctx: Context) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Fetch one catalogue table for the whole län in as few requests as the cell limit allows.

    Returns (tidy rows, table record, raw frame).
    """
    record = resolve(client, entry)
    raw = client.data(record["id"], entry.selection(ctx), entry.codelists or None)
    tidy = entry.transform(raw, entry)
    if tidy.empty:
        raise DataShapeError(f"{record['id']}: svaret gav inga rader för län {ctx.lan}.")
    return tidy, record, raw
