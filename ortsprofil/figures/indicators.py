"""The indicator registry: every figure a profile can show, declared once.

Each :class:`Indicator` names its Swedish label, unit, section, source table and a small
compute function (in :mod:`ortsprofil.figures.measures`). Compute functions are pure: they take a :class:`Data` bundle of tidy frames
and return a Series keyed by region code — tätort codes for tätort indicators, kommun/län/riket
codes for kommun indicators. The profile picks the locality's value, its comparators and its
rank among peers from that Series; the notebook never computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterator
from typing import Callable

import numpy as np
import pandas as pd

from ortsprofil.figures.localities import DELINEATION_YEAR as TATORT_YEAR  # 2020
from ortsprofil.data.snapshot import Snapshot
from ortsprofil.text import HIGH, LARGE, LONG, MANY, Wording
from ortsprofil.figures.measures import (
    tatort_population, tatort_land_area, tatort_density, density_by_region, share_of_kommun, growth,
    distance_to_size, tatorter_within, age_share, kommun_age_share, events_per_1000, median_income,
    post_secondary_share, employment_rate, kommun_density, unemployment, tax_rate, tenure_share,
    service_distance, tatort_change, region_change, living_alone_share,
)


@dataclass
class Data:
    """The frames indicators compute from.

    Parameters
    ----------
    tatorter : DataFrame
        One row per tätort: tatort_code, kommun_code, lan_code, population, land_area_ha, x, y.
    kommun_folkmangd : DataFrame
        Tidy population rows for kommun/län/riket (region_code, year, value).
    snapshot : Snapshot, optional
        For indicators that read fetched tables.
    """

    tatorter: pd.DataFrame
    kommun_folkmangd: pd.DataFrame
    snapshot: Snapshot | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Computed indicator series by key (each indicator runs once per Data, for all tätorter).
    series_cache: dict[str, pd.Series] = field(default_factory=dict)

    def table(self, key: str) -> pd.DataFrame:
        if key in self.extra:
            return self.extra[key]
        if self.snapshot is None:
            raise KeyError(key)
        return self.snapshot.read(key)

    def has(self, key: str) -> bool:
        return key in self.extra or (self.snapshot is not None and self.snapshot.has(key))

    def distances_km(self, to: np.ndarray | None = None) -> Iterator[tuple[slice, np.ndarray]]:
        """Straight-line distances (km) from every tätort to the tätorter selected by the boolean mask
        ``to`` (default all), in blocks of rows: ``(rows, block)`` with ``block[i, j]`` the distance
        from tätort ``rows.start + i`` to the ``j``-th selected one. Blocks keep memory small (the
        whole 2 017 × 2 017 matrix and its temporaries took about 100 MB in every kernel)."""
        xy = self.tatorter[["x", "y"]].to_numpy(dtype=float)
        other = xy if to is None else xy[to]
        for start in range(0, len(xy), 256):
            rows = slice(start, min(start + 256, len(xy)))
            part = xy[rows]
            yield rows, np.hypot(part[:, None, 0] - other[None, :, 0], part[:, None, 1] - other[None, :, 1]) / 1000.0


@dataclass(frozen=True)
class Indicator:
    """One figure in the profile.

    Attributes
    ----------
    key : str
    label : str
        Swedish label shown to readers.
    unit : str
        One of :data:`ortsprofil.text.UNITS` keys.
    section : str
        Profile section key ("oversikt", "befolkning", "alder", "arbete", "lage").
    level : str
        "tatort" (one value per tätort) or "kommun" (per kommun, län, riket).
    compute : callable
        ``compute(data) -> Series`` keyed by region code.
    aggregate : callable, optional
        For tätort indicators: ``aggregate(data) -> Series`` keyed by kommun/län/riket code
        (e.g. density of all tätorter in the län). None when such a comparison makes no sense.
    requires : tuple[str, ...]
        Snapshot tables needed; when one is missing the indicator is listed as missing.
    table : str
        SCB table named as source.
    ref : str
        Reference date / period shown with the source.
    wording : Wording
        Adjectives for comparison phrases.
    note : str, optional
        A caveat shown with the figure.
    count_base : callable, optional
        ``count_base(data) -> Series`` of the number of people a share is based on
        (small-number caveats).
    """

    key: str
    label: str
    unit: str
    section: str
    level: str
    compute: Callable[[Data], pd.Series]
    table: str
    ref: str
    requires: tuple[str, ...] = ()
    aggregate: Callable[[Data], pd.Series] | None = None
    wording: Wording = HIGH
    note: str | None = None
    count_base: Callable[[Data], pd.Series] | None = None
    #: How the kommun/län/riket values of a tätort figure are named ("tätorterna i {where}"): the
    #: aggregate of a tätort figure is the figure of the tätorter there, not of the whole region.
    comparator_label: str | None = None
    #: For figures over a period: its length in years. ``compute(data, end)`` then takes the end
    #: year, which the profile chooses so that the kommun, the län and riket share one period.
    periodic: int = 0


_MI0810 = "SCB MI0810 LandarealTatortN"
_BE0101 = "SCB, folkmängd 31 december"
_REF_T = f"{TATORT_YEAR}-12-31"
_SAME_PERIOD = ("Perioden slutar det senaste år då alla kommuner i länet, länet och riket har en siffra, så att "
                "alla orter i länet jämförs över samma år.")

#: The registry. Order is display order within each section.
INDICATORS: list[Indicator] = [
    Indicator(
        "folkmangd", "Folkmängd", "personer", "oversikt", "tatort", tatort_population,
        table=_MI0810, ref=_REF_T, wording=LARGE,
    ),
    Indicator(
        "landareal", "Landareal", "ha", "oversikt", "tatort", tatort_land_area,
        table=_MI0810, ref=_REF_T, wording=LARGE,
    ),
    Indicator(
        "tathet", "Befolkningstäthet i tätorten", "per km²", "oversikt", "tatort", tatort_density,
        aggregate=density_by_region, table=_MI0810, ref=_REF_T, comparator_label="tätorterna i {where}",
        note="Folkmängd per km² landareal inom tätortens gräns, jämförd med alla tätorter i kommunen, "
        "länet och riket tillsammans (inte med hela kommunens yta).",
    ),
    Indicator(
        "kommun_tathet", "Befolkningstäthet i hela kommunen", "per km²", "oversikt", "kommun", kommun_density,
        table="SCB BE0101 folkmängd; SCB landareal", ref=f"{TATORT_YEAR}", requires=("kommun_folkmangd", "kommun_areal"),
        note="Kommunens, länets och rikets folkmängd 31 december 2020 delad med deras landareal (2016).",
    ),
    Indicator(
        "andel_av_kommunen", "Andel av kommunens invånare som bor i tätorten", "procent", "oversikt", "tatort",
        share_of_kommun, table=f"{_MI0810}; {_BE0101}", ref=_REF_T, requires=("kommun_folkmangd",),
        note="Tätortens folkmängd delad med kommunens, båda den 31 december 2020.",
    ),
    Indicator(
        "tatort_forandring", "Tätortens befolkningsförändring 2015–2020", "förändring procent", "befolkning",
        "tatort", tatort_change, aggregate=region_change(2015, TATORT_YEAR),
        table="SCB MI0810 tätorter 2015 och 2020", ref=f"2015-12-31 – {_REF_T}", requires=("tatort_historik",),
        comparator_label="hela {where}",
        note="Tätorten med 2015 års och 2020 års gränser: gränserna kan ha ändrats, så en del av förändringen kan "
        "bero på nya gränser. Kommun, län och riket: hela befolkningen under samma år.",
    ),
    Indicator(
        "kommun_forandring_1", "Kommunens befolkningsförändring {start}–{end}", "förändring procent", "befolkning",
        "kommun", growth(1), table=_BE0101, ref="senaste året", requires=("kommun_folkmangd",),
        periodic=1, note=_SAME_PERIOD,
    ),
    Indicator(
        "kommun_forandring_10", "Kommunens befolkningsförändring {start}–{end}", "förändring procent",
        "befolkning", "kommun", growth(10), table=_BE0101, ref="tio år", requires=("kommun_folkmangd",),
        periodic=10, note=_SAME_PERIOD,
    ),
    Indicator(
        "kommun_forandring_30", "Kommunens befolkningsförändring {start}–{end}", "förändring procent",
        "befolkning", "kommun", growth(30), table=_BE0101, ref="trettio år", requires=("kommun_folkmangd",),
        periodic=30,
    ),
    Indicator(
        "avstand_10k", "Avstånd till närmaste annan tätort med minst 10 000 invånare", "km", "lage",
        "tatort", distance_to_size(10_000), table=_MI0810, ref=_REF_T, wording=LONG,
        note="Fågelvägen mellan SCB:s tätortspunkter, inte väg- eller restid.",
    ),
    Indicator(
        "avstand_50k", "Avstånd till närmaste annan tätort med minst 50 000 invånare", "km", "lage",
        "tatort", distance_to_size(50_000), table=_MI0810, ref=_REF_T, wording=LONG,
        note="Fågelvägen mellan SCB:s tätortspunkter, inte väg- eller restid.",
    ),
    Indicator(
        "apotek_km", "Avstånd till närmaste apotek", "km", "lage", "tatort", service_distance("apotek_km"),
        table="Tillväxtverket Pipos (apotek); SCB:s tätortspunkter", ref="2025-11-12", wording=LONG,
        requires=("tatort_service",),
        note="Fågelvägen från tätortens punkt till närmaste apotek (Tillväxtverket serviceställen, 12 november 2025).",
    ),
    Indicator(
        "apoteksombud_km", "Avstånd till närmaste apotek eller apoteksombud", "km", "lage", "tatort",
        service_distance("narmaste_km"), table="Tillväxtverket Pipos (apotek och apoteksombud)", ref="2025-11-12",
        wording=LONG, requires=("tatort_service",),
        note="Ett apoteksombud är till exempel en dagligvarubutik som lämnar ut läkemedel.",
    ),
    Indicator(
        "tatorter_10km", "Andra tätorter inom 10 km", "antal", "lage", "tatort",
        tatorter_within(10.0), table=_MI0810, ref=_REF_T, wording=MANY,
        note="Räknat fågelvägen mellan SCB:s tätortspunkter, i hela Sverige (även över länsgräns).",
    ),
]

_AGE = "SCB MI0810 TatortAlderNN; jämförelser SCB BE0101 (TAB638)"
INDICATORS += [
    Indicator(
        "andel_0_19", "Andel 0–19 år", "procent", "alder", "tatort", age_share("0-19"),
        aggregate=age_share("0-19").aggregate, count_base=age_share("0-19").base,  # type: ignore[attr-defined]
        table=_AGE, ref="senaste året", requires=("tatort_alder", "kommun_alder_kon"),
    ),
    Indicator(
        "andel_20_64", "Andel 20–64 år", "procent", "alder", "tatort", age_share("20-64"),
        aggregate=age_share("20-64").aggregate, count_base=age_share("20-64").base,  # type: ignore[attr-defined]
        table=_AGE, ref="senaste året", requires=("tatort_alder", "kommun_alder_kon"),
    ),
    Indicator(
        "andel_65plus", "Andel 65 år och äldre", "procent", "alder", "tatort", age_share("65+"),
        aggregate=age_share("65+").aggregate, count_base=age_share("65+").base,  # type: ignore[attr-defined]
        table=_AGE, ref="senaste året", requires=("tatort_alder", "kommun_alder_kon"),
    ),
    Indicator(
        "kommun_andel_0_19", "Andel 0–19 år i kommunen", "procent", "alder", "kommun",
        kommun_age_share("0-19"), table="SCB BE0101 folkmängd efter ålder", ref="senaste året",
        requires=("kommun_alder_kon",),
    ),
    Indicator(
        "kommun_andel_65plus", "Andel 65 år och äldre i kommunen", "procent", "alder", "kommun",
        kommun_age_share("65+"), table="SCB BE0101 folkmängd efter ålder", ref="senaste året",
        requires=("kommun_alder_kon",),
    ),
    Indicator(
        "fodda_per_1000", "Födda per 1 000 invånare", "per 1 000 inv.", "befolkning", "kommun",
        events_per_1000("fodda"), table="SCB BE0101 befolkningsförändringar", ref="senaste året",
        requires=("kommun_forandringar", "kommun_alder_kon"),
    ),
    Indicator(
        "doda_per_1000", "Döda per 1 000 invånare", "per 1 000 inv.", "befolkning", "kommun",
        events_per_1000("doda"), table="SCB BE0101 befolkningsförändringar", ref="senaste året",
        requires=("kommun_forandringar", "kommun_alder_kon"),
    ),
    Indicator(
        "flyttnetto_per_1000", "Flyttnetto per 1 000 invånare", "per 1 000 inv.", "befolkning", "kommun",
        events_per_1000("flyttnetto"), table="SCB BE0101 befolkningsförändringar", ref="senaste året",
        requires=("kommun_forandringar", "kommun_alder_kon"),
        note="Inflyttade minus utflyttade (inom Sverige och från utlandet).",
    ),
    Indicator(
        "medianinkomst", "Medianinkomst, 16 år och äldre", "tkr", "arbete",
        "kommun", median_income, table="SCB HE0110 (TAB3554)", ref="senaste året", requires=("kommun_inkomst",),
        note="Sammanräknad förvärvsinkomst (lön, pension, sjukpenning m.m.) för dem som bodde i Sverige hela året. "
        "SCB redovisar ingen median för länet som helhet här; kommunens plats bland länets kommuner visas i stället.",
    ),
    Indicator(
        "andel_eftergymnasial", "Andel 25–64 år med eftergymnasial utbildning", "procent", "arbete", "kommun",
        post_secondary_share, table="SCB UF0506 utbildningsnivå", ref="senaste året",
        requires=("kommun_utbildning",),
    ),
    Indicator(
        "sysselsattningsgrad", "Sysselsättningsgrad 20–64 år", "procent", "arbete", "kommun",
        employment_rate, table="SCB AM0210 BAS (TAB3200)", ref="senaste året", requires=("kommun_sysselsattning",),
    ),
    Indicator(
        "arbetsloshet", "Arbetslöshet 20–64 år", "procent", "arbete", "kommun",
        unemployment, table="SCB AM0210 BAS (TAB3200)", ref="senaste året", requires=("kommun_sysselsattning",),
    ),
    Indicator(
        "skattesats", "Kommunal skattesats (kommun och region)", "procent", "arbete", "kommun",
        tax_rate, table="SCB OE0101 (TAB2017)", ref="senaste året", requires=("kommun_skattesats",),
    ),
    *(
        Indicator(key, label, "procent", "boende", "kommun", tenure_share(variable),
                  table="SCB HE0111 hushåll efter boendeform", ref="2019", requires=("kommun_hushall",))
        for key, label, variable in (
            ("andel_hyresratt", "Andel hushåll i hyresrätt", "boende_hyresratt"),
            ("andel_bostadsratt", "Andel hushåll i bostadsrätt", "boende_bostadsratt"),
            ("andel_smahus_agande", "Andel hushåll i eget småhus (äganderätt)", "boende_smahus_agande"),
        )
    ),
    Indicator(
        "andel_ensamboende", "Andel av invånarna som bor ensamma", "procent", "boende", "kommun",
        living_alone_share, table="SCB HE0111 personer efter hushållsstorlek", ref="2019",
        requires=("kommun_hushallsstorlek",),
    ),
]

BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}


def get(key: str) -> Indicator:
    """The indicator called ``key``."""
    return BY_KEY[key]
