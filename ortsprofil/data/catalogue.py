"""The SCB tables ortsprofil fetches, verified against real SCB recordings, and how each becomes tidy rows.

Every :class:`CatalogueTable` fills one snapshot key from one or more SCB tables
(:class:`Part`): a table and, from 2025, the Cell Key Method successor that continues its
series (TAB638 → TAB5557, TAB5169 → TAB6481). Ids are pinned where they are known from
recordings; only the MI0810 tätort tables, whose v2 ids no recording shows, are found with
``/tables?query=`` — and then honestly (:func:`choose`): in SCB's relevance order over all
pages, annual tables only, never discontinued ones, only tables whose variables are those the
selection needs, and the table's metadata must carry the contents codes we classify by.

Selections are built from the table's metadata (``selection(ctx, dims)``), so codes are asked
for by code where SCB's codes are verified and found by SCB's label only where they are not.
**One rule for totals**: a selection asks either for the leaves (single years of age, men and
women, education levels) or for SCB's published total code — never both — and
:func:`total_of` never adds a total to its parts. The transforms from SCB's answers to tidy rows
are in :mod:`ortsprofil.data.transforms`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ortsprofil.errors import DataShapeError, InvalidParameterError, TableNotFoundError
from ortsprofil.data.jsonstat import Dimension
from ortsprofil.data.snapshot import Snapshot
from ortsprofil.data.tidy import coerce_tidy
from ortsprofil.data.transforms import (
    BAS_CONTENTS, age_of, t_alder_kon, t_forandringar, t_inkomst, t_sysselsattning, t_tatort_alder,
    t_tatort_folkmangd, t_utbildning,
)

log = logging.getLogger(__name__)

Dims = dict[str, Dimension]


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
class Part:
    """One SCB table that contributes rows to a snapshot key.

    Attributes
    ----------
    table_id : str or None
        Verified PxWebAPI 2.0 id; None → resolved by ``search`` with :func:`choose`.
    selection : callable
        ``selection(ctx, dims) -> {variable: codes or expressions}``; variables left out are
        eliminated by SCB.
    transform : callable
        ``transform(frame, part) -> tidy DataFrame``.
    search, label_pattern, variables : str, str, tuple
        For tables without a known id: the query, a regex the label must match, and the
        variable names (SCB's ``variableNames``) the table must have.
    contents : dict
        Contents codes the table must carry (code → a word its SCB label contains).
    expect : dict
        What ``ortsprofil data kontroll`` checks in the metadata: variable → {code: label word}.
    codelists : dict
        Variable → codelist id.
    years : str
        Which reference years this part supplies ("–2024", "2025–").
    """

    table_id: str | None
    selection: Callable[[Context, Dims], dict[str, list[str]]]
    transform: Callable[[pd.DataFrame, "Part"], pd.DataFrame]
    search: str = ""
    label_pattern: str = ""
    variables: tuple[str, ...] = ()
    contents: dict[str, str] = field(default_factory=dict)
    expect: dict[str, dict[str, str]] = field(default_factory=dict)
    codelists: dict[str, str] = field(default_factory=dict)
    years: str = ""
    note: str = ""
    #: Labels a variable must have exactly (where ortsprofil classifies by label, codes unverified).
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CatalogueTable:
    """One snapshot key and the SCB tables that fill it."""

    key: str
    title: str
    subject: str
    level: str
    parts: tuple[Part, ...]

    @property
    def table_id(self) -> str | None:
        return self.parts[0].table_id


# -- helpers for selections -------------------------------------------------------------------------


def _codes_by_label(dim: Dimension, pattern: str) -> list[str]:
    rx = re.compile(pattern, re.IGNORECASE)
    return [c for c, l in zip(dim.codes, dim.labels) if rx.search(l)]


def _one_by_label(dim: Dimension, pattern: str) -> str:
    found = _codes_by_label(dim, pattern)
    if len(found) != 1:
        raise DataShapeError(f"Variabeln {dim.id}: väntade ett värde som matchar {pattern!r}, fann {found}.")
    return found[0]


def _single_years(dim: Dimension, lo: int = 0, hi: int = 200) -> list[str]:
    return [c for c in dim.codes if age_of(c) is not None and lo <= age_of(c) <= hi]


def _five_year_bands(dim: Dimension) -> list[str]:
    """'-4', '5-9', …, '95-99' and '100+5' (TAB5557's 5-year valueset, read from its codes)."""
    out = []
    for c in dim.codes:
        m = re.fullmatch(r"(\d*)-(\d+)", c)
        if m and int(m.group(2)) - int(m.group(1) or 0) == 4:
            out.append(c)
    return out + [c for c in dim.codes if c == "100+5"]



# -- the catalogue -----------------------------------------------------------------------------------

_POP_EXPECT = {"ContentsCode": {"BE0101N1": "folkmängd"}, "Alder": {"0": "0 år", "100+": "100+", "tot": "totalt"},
               "Kon": {"1": "män", "2": "kvinnor"}}

CATALOGUE: list[CatalogueTable] = [
    CatalogueTable(
        key="tatort_folkmangd", title="Folkmängd och landareal per tätort", subject="MI0810 LandarealTatortN",
        level="tatort",
        parts=(Part(None, search="landareal tätort", label_pattern=r"(?i)^landareal per tätort",
                    variables=("region", "tabellinnehåll", "år"),
                    contents={"000003F7": "folkmängd", "000003F9": "landareal"},
                    selection=lambda c, d: {"Region": [f"{c.lan}*"], "ContentsCode": ["000003F7", "000003F9"],
                                            "Tid": ["*"]},
                    transform=t_tatort_folkmangd),),
    ),
    CatalogueTable(
        key="tatort_alder", title="Befolkning i tätorter efter kön och ålder (0–19, 20–64, 65+)",
        subject="MI0810 TatortAlderNN", level="tatort",
        parts=(Part(None, search="befolkning tätorter kön ålder",
                    label_pattern=r"(?i)^befolkning i tätorter efter kön, ålder och tätort",
                    variables=("region", "kön", "ålder", "år"),
                    labels={"Alder": ("0-19 år", "20-64 år", "65+ år"), "Kon": ("totalt",)},
                    selection=lambda c, d: {"Region": [f"{c.lan}*"], "Kon": [_one_by_label(d["Kon"], r"^totalt$")],
                                            "Alder": _codes_by_label(d["Alder"], r"^(0-19|20-64|65\+) år$"),
                                            "ContentsCode": ["*"], "Tid": ["*"]},
                    transform=t_tatort_alder),),
    ),
    CatalogueTable(
        key="kommun_alder_kon", title="Folkmängd efter region, ålder och kön (31 december)",
        subject="BE0101 BefolkningNy", level="kommun",
        parts=(
            # Single years 0…100+ (the leaves); 'tot' is never asked for, Civilstand is eliminated (summed).
            Part("TAB638", years="–2024", expect=_POP_EXPECT,
                 selection=lambda c, d: {"Region": c.regions, "Alder": _single_years(d["Alder"]),
                                         "Kon": ["1", "2"], "ContentsCode": ["BE0101N1"], "Tid": ["top(11)"]},
                 transform=t_alder_kon),
            # 2025– with SCB's noise: 5-year bands for shares and SCB's own total for the population.
            Part("TAB5557", years="2025–", note="Från 2025 (SCB TAB5557) med SCB:s slumpbrus.",
                 expect={"ContentsCode": {"000007ME": "folkmängd"}, "Alder": {"TotSA": "totalt", "-4": "0–4"},
                         "Civilstand": {"SC": "totalt"}, "Kon": {"TotSa": "totalt"}},
                 selection=lambda c, d: {"Region": c.regions, "Civilstand": ["SC"],
                                         "Alder": ["TotSA", *_five_year_bands(d["Alder"])],
                                         "Kon": ["TotSa"], "ContentsCode": ["000007ME"], "Tid": ["*"]},
                 transform=t_alder_kon),
        ),
    ),
    CatalogueTable(
        key="kommun_forandringar", title="Befolkningsförändringar: födda, döda, in- och utflyttade",
        subject="BE0101 BefforandrKvRLK", level="kommun",
        parts=(
            Part("TAB5169", years="–2024", expect={"Period": {"hel": "helår"}, "ContentsCode": {"000002Z9": "antal"}},
                 labels={"Forandringar": ("födda", "döda", "samtliga inflyttningar", "samtliga utflyttningar",
                                          "flyttningsöverskott")},
                 selection=lambda c, d: {"Region": c.regions, "Forandringar": ["*"], "Period": ["hel"],
                                         "Kon": ["1+2"], "ContentsCode": ["000002Z9"], "Tid": ["top(10)"]},
                 transform=t_forandringar),
            Part("TAB6481", years="2025–", note="Från 2025 (SCB TAB6481) med SCB:s slumpbrus.",
                 expect={"Period": {"hel": "helår"}},
                 labels={"Forandringar": ("födda", "döda", "samtliga inflyttningar", "samtliga utflyttningar")},
                 selection=lambda c, d: {"Region": c.regions, "Forandringar": ["*"], "Period": ["hel"],
                                         "Kon": ["TotSa"], "ContentsCode": ["*"], "Tid": ["*"]},
                 transform=t_forandringar),
        ),
    ),
    CatalogueTable(
        key="kommun_inkomst", title="Sammanräknad förvärvsinkomst, medianinkomst (tkr), 16 år och äldre",
        subject="HE0110 SamForvInk1", level="kommun",
        parts=(Part("TAB3554", expect={"ContentsCode": {"HE0110J8": "median"}, "Alder": {"tot16+": "16+"},
                                       "Inkomstklass": {"TOT": "totalt"}, "Kon": {"1+2": "totalt"}},
                    selection=lambda c, d: {"Region": c.regions, "Kon": ["1+2"], "Alder": ["tot16+"],
                                            "Inkomstklass": ["TOT"], "ContentsCode": ["HE0110J8"], "Tid": ["*"]},
                    transform=t_inkomst),),
    ),
    CatalogueTable(
        key="kommun_utbildning", title="Befolkning 25–64 år efter utbildningsnivå",
        subject="UF0506 Utbildning", level="kommun",
        parts=(Part("TAB3981", expect={"ContentsCode": {"UF0506A1": "antal"}, "Alder": {"25": "25 år", "64": "64 år"},
                                       "UtbildningsNiva": {"5": "eftergymnasial", "7": "forskar", "US": "saknas"}},
                    selection=lambda c, d: {"Region": c.regions, "UtbildningsNiva": ["*"],
                                            "Alder": _single_years(d["Alder"], 25, 64),
                                            "ContentsCode": ["UF0506A1"], "Tid": ["top(1)"]},
                    transform=t_utbildning),),
    ),
    CatalogueTable(
        key="kommun_sysselsattning", title="Befolkningen 20–64 år efter arbetsmarknadsstatus (BAS, årligt register)",
        subject="AM0210 BAS ArRegArbStatus", level="kommun",
        parts=(Part("TAB3200", expect={"Alder": {"20-64": "20–64"}, "Fodelseregion": {"tot": "totalt"},
                                       "ContentsCode": {"000002NS": "sysselsättningsgrad", "000002NN": "arbetslöshet",
                                                        "000002NT": "antal sysselsatta"}},
                    selection=lambda c, d: {"Region": c.regions, "Kon": ["1+2"], "Alder": ["20-64"],
                                            "Fodelseregion": ["tot"], "ContentsCode": list(BAS_CONTENTS),
                                            "Tid": ["*"]},
                    transform=t_sysselsattning),),
    ),
    CatalogueTable(
        key="deso_alder", title="Folkmängd per DeSO efter ålder (5-årsgrupper)",
        subject="BE0101 FolkmDesoAldKon", level="deso",
        parts=(Part("TAB6574", codelists={"Region": "vs_DeSO2025"},
                    expect={"ContentsCode": {"000007Y7": "folkmängd"}},
                    selection=lambda c, d: {"Region": [f"{c.lan}*"], "Alder": ["*"], "Kon": ["1+2"],
                                            "ContentsCode": ["000007Y7"], "Tid": ["top(1)"]},
                    transform=t_alder_kon),),
    ),
]

BY_KEY = {t.key: t for t in CATALOGUE}


def context(snapshot: Snapshot, lan: str) -> Context:
    """The län and its kommuner, from the snapshot's region register."""
    reg = snapshot.read("regioner")
    if lan not in set(reg.loc[reg["level"] == "lan", "region_code"]):
        raise InvalidParameterError(f"Okänd länskod {lan!r}. Skåne län har koden 12.")
    kommuner = tuple(sorted(reg.loc[(reg["level"] == "kommun") & (reg["lan_code"] == lan), "region_code"]))
    return Context(lan=lan, kommuner=kommuner)


def choose(hits: list[dict[str, Any]], part: Part) -> list[dict[str, Any]]:
    """The search hits that can be ``part``'s table, best first — SCB's relevance order kept.

    Only annual, not discontinued tables whose label matches and whose variable names include
    every variable the selection needs. Periods are never compared (a monthly "2026M03" is not
    newer than an annual "2024").
    """
    rx = re.compile(part.label_pattern)
    wanted = {v.lower() for v in part.variables}
    out = []
    for h in hits:
        if h.get("discontinued") or str(h.get("timeUnit", "Annual")) != "Annual":
            continue
        if not rx.search(str(h.get("label", ""))):
            continue
        if not wanted <= {str(v).lower() for v in h.get("variableNames") or []}:
            continue
        out.append(h)
    return out


def resolve(client: Any, part: Part, subject: str = "") -> dict[str, Any]:
    """The table record (``/tables/{id}``) of ``part``, resolving the id by search if needed.

    Raises
    ------
    TableNotFoundError
        When no search hit is the table (and says how many hits were looked at).
    """
    if part.table_id:
        return client.table(part.table_id)
    hits = client.search(part.search)
    for hit in choose(hits, part):
        meta = client.metadata(hit["id"])
        dims = {d.id: d for d in _dims(meta)}
        contents = dims.get("ContentsCode")
        if part.contents and (contents is None or not set(part.contents) <= set(contents.codes)):
            log.info("%s: %s saknar innehållskoderna %s", subject, hit["id"], sorted(part.contents))
            continue
        return client.table(hit["id"])
    raise TableNotFoundError(None, "Tabellen hittades inte",
                             f"Ingen tabell för {subject or part.search} bland {len(hits)} träffar på {part.search!r}.")


def _dims(meta: dict[str, Any]) -> list[Dimension]:
    from ortsprofil.data.jsonstat import dimensions

    return dimensions(meta)


def fetch_part(client: Any, part: Part, ctx: Context, subject: str = "") -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Fetch one part for the whole län in as few requests as the cell limit allows.

    Returns (tidy rows, table record, raw frame).
    """
    record = resolve(client, part, subject)
    meta = client.metadata(record["id"], part.codelists or None)
    dims = {d.id: d for d in _dims(meta)}
    raw = client.data(record["id"], part.selection(ctx, dims), part.codelists or None)
    tidy = part.transform(raw, part)
    if tidy.empty:
        raise DataShapeError(f"{record['id']}: svaret gav inga rader för län {ctx.lan}.")
    if part.note:
        tidy["note"] = part.note
    return tidy, record, raw


def fetch(client: Any, entry: CatalogueTable, ctx: Context) -> tuple[pd.DataFrame, list[dict[str, Any]], list[pd.DataFrame]]:
    """Fetch every part of ``entry``; rows of later parts (successor tables) continue the series."""
    frames, records, raws = [], [], []
    for part in entry.parts:
        tidy, record, raw = fetch_part(client, part, ctx, entry.subject)
        frames.append(tidy)
        records.append(record)
        raws.append(raw)
    return coerce_tidy(pd.concat(frames, ignore_index=True)), records, raws


def check_metadata(part: Part, meta: dict[str, Any]) -> list[str]:
    """Differences between a table's metadata and what the catalogue expects (empty = OK)."""
    problems = []
    dims = {d.id: d for d in _dims(meta)}
    needed = set(part.expect) | ({"ContentsCode"} if part.contents else set())
    for var in sorted(needed):
        if var not in dims:
            problems.append(f"variabeln {var} saknas")
    for var, codes in {**part.expect, **({"ContentsCode": part.contents} if part.contents else {})}.items():
        d = dims.get(var)
        if d is None:
            continue
        labels = dict(zip(d.codes, d.labels))
        for code, word in codes.items():
            if code not in labels:
                problems.append(f"{var}: koden {code} saknas")
            elif word.lower() not in labels[code].lower():
                problems.append(f"{var} {code}: etiketten är {labels[code]!r}, väntade något med {word!r}")
    for var, wanted in part.labels.items():
        d = dims.get(var)
        have = {lab.strip().lower() for lab in d.labels} if d else set()
        for lab in wanted:
            if lab.lower() not in have:
                problems.append(f"{var}: etiketten {lab!r} saknas")
    return problems
