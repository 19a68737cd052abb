"""Build a locality's Profile: every Stat with its comparators, rank among peers and source.

``build("Näsum")`` validates the name (typed errors), gathers the frames, runs every
indicator of :mod:`ortsprofil.indicators` whose tables are present, and returns a
:class:`Profile` — data first.

Where things live: the data model in :mod:`ortsprofil.model`, the computations in
:mod:`ortsprofil.compute`, the notebook's blocks (``key_figures()``, ``comparison(section)``,
``summary(section)``) in :mod:`ortsprofil.present` and :mod:`ortsprofil.present_tables`, the
Swedish wording in :mod:`ortsprofil.narrative`, HTML building blocks in :mod:`ortsprofil.blocks`.
This module keeps ``build`` and the names other modules import from it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import config, indicators as ind, measures
from . import text as T
from .errors import InvalidParameterError
from .localities import Registry, registry, validate_band

from .blocks import HtmlBlock, Table, html_table, markdown_block  # noqa: F401 - re-exported
from .compute import (  # noqa: F401 - re-exported for the notebook, explore and tests
    _age_table, _age_trend, _compute, _deso, _income_trend, _kommun_series, _peer_rule, _stat,
    _tatort_series, _used_tables, caveats_for, data_for,
)
from .model import (  # noqa: F401 - re-exported
    CKM_NOTE, COMPARATORS, NEARBY_KM, NOISE_FROM_YEAR, NOISE_PERSONS, SECTIONS, SMALL_BASE, SMALL_COUNT,
    ProfileData, Source, Stat,
)
from .present import ProfileView, meeting_line  # noqa: F401 - re-exported
from .present_tables import ProfileTables


__all__ = [
    "CKM_NOTE", "COMPARATORS", "NEARBY_KM", "NOISE_FROM_YEAR", "NOISE_PERSONS", "SECTIONS", "SMALL_BASE",
    "SMALL_COUNT", "HtmlBlock", "Profile", "ProfileData", "Source", "Stat", "Table", "build", "caveats_for",
    "data_for", "html_table", "markdown_block", "meeting_line",
]


class Profile(ProfileView, ProfileTables, ProfileData):
    """Everything the notebook shows about one locality: the data (:class:`ProfileData`) and how it
    is shown (:class:`ProfileView`, :class:`ProfileTables`)."""


def build(
    ort: str,
    lan: str | None = None,
    peer_min: int | str = config.PEER_MIN,
    peer_max: int | str = config.PEER_MAX,
    *,
    reg: Registry | None = None,
    n_neighbours: int = 10,
    peer_typ: str = "samma",
) -> Profile:
    """Build the profile of one tätort.

    Parameters
    ----------
    ort : str
        Name or code ("Näsum", "Glimakra", "Lund, Lund", "1272TB105").
    lan : str, optional
        Län code for peers and comparisons; default the locality's own län.
    peer_min, peer_max : int
        Population band of "liknande orter" (inclusive). A locality outside the band is compared
        with tätorter of half to twice its own size instead (the report says so).
    peer_typ : str
        "samma" (default): only tätorter of the same kind — rural places for a rural locality
        (at least 5 km from another town of 10 000+), suburbs for a suburb; "alla": every tätort
        in the band.
    reg : Registry, optional
        Registry (and through it the snapshot) to use; default the project's.

    Returns
    -------
    Profile

    Raises
    ------
    UnknownLocalityError, AmbiguousLocalityError, InvalidParameterError

    Examples
    --------
    >>> p = build("Glimåkra")
    >>> p["folkmangd"].value
    1550.0
    """
    reg = reg or registry()
    loc = reg.find(ort)
    peer_min, peer_max = validate_band(peer_min, peer_max)
    if peer_typ not in ("samma", "alla"):
        raise InvalidParameterError(f"Okänt urval av liknande orter {peer_typ!r}: välj \"samma\" eller \"alla\".")
    lan = str(lan).strip().zfill(2) if lan not in (None, "") else loc.lan_code
    regioner = reg.snapshot.read("regioner")
    lan_names = regioner[regioner["level"] == "lan"].set_index("region_code")["region_name"]
    if lan not in lan_names.index:
        raise InvalidParameterError(f"Okänd länskod {lan!r}. Skåne län har koden 12.")
    peer_rule = _peer_rule(reg, loc, lan, peer_min, peer_max, peer_typ)
    peers = reg.peers(loc, lan=peer_rule["lan"], peer_min=peer_rule["min"], peer_max=peer_rule["max"],
                      kind=peer_rule["kind"])
    peer_rule["n"] = int((~peers["is_ort"]).sum())
    data = data_for(reg)
    kommuner = regioner.loc[regioner["level"] == "kommun", "region_code"].tolist()
    ctx = {"ort": loc, "peers": peers, "lan_code": lan, "kommuner": kommuner,
           "end_year": measures.common_end_year(data, [loc.kommun_code, lan, "00"])}
    stats: dict[str, Stat] = {}
    missing: list[ind.Indicator] = []
    for indicator in ind.INDICATORS:
        if not all(data.has(k) for k in indicator.requires):
            missing.append(indicator)
            continue
        stat = _stat(indicator, data, ctx)
        if stat is None or (T.is_missing(stat.value) and stat.status is None):
            missing.append(indicator)  # e.g. a kommun outside the fetched län, service outside Skåne
            continue
        if indicator.level == "tatort":  # every peer's value, for charts and tables
            peers[indicator.key] = _compute(indicator, data).reindex(peers["tatort_code"]).to_numpy(dtype=float)
        stats[indicator.key] = stat

    deso = _deso(reg.snapshot, loc)
    kommun_series = _kommun_series(data, [loc.kommun_code, lan, "00"])
    larger = pd.concat([reg.nearest(loc, 1, min_population=n).assign(threshold=n) for n in (10_000, 50_000)],
                       ignore_index=True)
    notes = sorted({n for k in _used_tables(stats) if reg.snapshot.has(k) for n in reg.snapshot.info(k).notes})
    return Profile(
        ort=loc, lan_code=lan, lan_name=str(lan_names[lan]), peer_min=peer_rule["min"], peer_max=peer_rule["max"],
        peer_rule=peer_rule, deso=deso, age_trend=_age_trend(data, loc, lan),
        income_trend=_income_trend(data, loc, lan),
        stats=stats, missing=missing, peers=peers, neighbours=reg.nearest(loc, n_neighbours),
        nearby=reg.nearest(loc, None, within_km=NEARBY_KM), larger_towns=larger,
        kommun_series=kommun_series, tatort_series=_tatort_series(loc, reg.snapshot),
        age_table=_age_table(data, loc, lan, deso), lan_rank=reg.rank_in(loc, lan),
        sources=sorted({s.source for s in stats.values()}, key=lambda s: s.table), notes=notes,
        built=date.today().isoformat(), snapshot=reg.snapshot,
    )


def warm() -> None:
    """Prepare what every profile shares: the chart and map modules, the registry, each indicator
    for all tätorter and the map layers. A report's kernel runs this while the command line still
    checks its input (see :class:`ortsprofil.execute.EarlyKernel`); later builds find it cached."""
    from . import charts, maps  # noqa: F401 - importing them is the point
    from .compute import _aggregate

    reg = registry()
    data = data_for(reg)
    for indicator in ind.INDICATORS:
        if indicator.periodic or not all(data.has(k) for k in indicator.requires):
            continue
        _compute(indicator, data)
        if indicator.level == "tatort" and indicator.aggregate is not None:
            _aggregate(indicator, data)
    maps.warm(reg.snapshot)  # the outlines the map of this registry's snapshot will draw
