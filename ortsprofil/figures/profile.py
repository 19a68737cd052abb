"""Build a locality's Profile: every Stat with its comparators, rank among peers and source.

``build("Näsum")`` validates the name (typed errors), gathers the frames, runs every
indicator of :mod:`ortsprofil.figures.indicators` whose tables are present, and returns a
:class:`~ortsprofil.figures.model.Profile` — data only. The computations are in
:mod:`ortsprofil.figures.compute`; how a profile is shown is in :mod:`ortsprofil.present`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from ortsprofil import config
from ortsprofil import text as T
from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures import indicators as ind
from ortsprofil.figures import measures
from ortsprofil.figures import twins
from ortsprofil.figures.compute import (
    age_table, age_trend, data_for, deso_area, income_trend, indicator_series, kommun_series, make_stat, peer_rule,
    tatort_series, used_tables, validate_peer_typ,
)
from ortsprofil.figures.localities import Registry, registry, validate_band
from ortsprofil.figures.model import NEARBY_KM, Profile, Stat

#: Fewer peers than this in the län: the peers are drawn from all of Sweden instead (the report says so).
MIN_PEERS = 5


def build(
    ort: str,
    lan: str | None = None,
    peer_min: int | str = config.PEER_MIN,
    peer_max: int | str = config.PEER_MAX,
    *,
    reg: Registry | None = None,
    n_neighbours: int = 10,
    peer_typ: str = "struktur",
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
        "struktur" (default): the twelve tätorter in Sweden most alike in structure
        (:mod:`ortsprofil.figures.twins`), among those of the band and of the same kind;
        "struktur-lan": the same within the län; "storlek" (old name "samma"): every tätort of the
        län in the band of the same kind — rural places for a rural locality (at least 10 km from
        another town of 10 000+), suburbs for a suburb; "alla": every tätort of the län in the band.
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
    peer_typ = validate_peer_typ(peer_typ)
    lan = str(lan).strip().zfill(2) if lan not in (None, "") else loc.lan_code
    regioner = reg.snapshot.read("regioner")
    lan_names = regioner[regioner["level"] == "lan"].set_index("region_code")["region_name"]
    if lan not in lan_names.index:
        raise InvalidParameterError(f"Okänd länskod {lan!r}. Skåne län har koden 12.")
    rule = peer_rule(reg, loc, lan, peer_min, peer_max, peer_typ)
    peers = reg.peers(loc, lan=rule["lan"], peer_min=rule["min"], peer_max=rule["max"], kind=rule["kind"])
    if rule["lan"] and int((~peers["is_ort"]).sum()) < MIN_PEERS:  # too few of its kind in the län: all Sweden
        rule["lan"] = ""
        peers = reg.peers(loc, lan="", peer_min=rule["min"], peer_max=rule["max"], kind=rule["kind"])
    data = data_for(reg)
    if rule["twins"]:  # the nearest in structure among the places the size rule allows
        pool = reg.frame.loc[peers["tatort_code"]]
        peers = twins.peer_frame(loc, twins.twins(reg, data, loc.code, pool, twins.K), pool.loc[[loc.code]])
    rule["n"] = int((~peers["is_ort"]).sum())
    kommuner = regioner.loc[regioner["level"] == "kommun", "region_code"].tolist()
    ctx = {"ort": loc, "peers": peers, "lan_code": lan, "kommuner": kommuner,
           # One period per län: the latest year every kommun of the län, the län and riket all have, so that
           # every profile of a län compares the same years.
           "end_year": measures.common_end_year(data, [k for k in kommuner if k[:2] == lan] + [lan, "00"])}
    stats: dict[str, Stat] = {}
    missing: list[ind.Indicator] = []
    for indicator in ind.INDICATORS:
        if not all(data.has(k) for k in indicator.requires):
            missing.append(indicator)
            continue
        stat = make_stat(indicator, data, ctx)
        if stat is None or (T.is_missing(stat.value) and stat.status is None):
            missing.append(indicator)  # e.g. a kommun outside the fetched län
            continue
        if indicator.level == "tatort":  # every peer's value, for charts and tables
            peers[indicator.key] = indicator_series(indicator, data).reindex(peers["tatort_code"]).to_numpy(dtype=float)
        stats[indicator.key] = stat

    deso = deso_area(reg.snapshot, loc)
    larger = pd.concat([reg.nearest(loc, 1, min_population=n).assign(threshold=n) for n in (10_000, 50_000)],
                       ignore_index=True)
    notes = sorted({n for k in used_tables(stats) if reg.snapshot.has(k) for n in reg.snapshot.info(k).notes})
    return Profile(
        ort=loc, lan_code=lan, lan_name=str(lan_names[lan]), peer_min=rule["min"], peer_max=rule["max"],
        peer_rule=rule, deso=deso, age_trend=age_trend(data, loc, lan),
        income_trend=income_trend(data, loc, lan),
        stats=stats, missing=missing, peers=peers, neighbours=reg.nearest(loc, n_neighbours),
        nearby=reg.nearest(loc, None, within_km=NEARBY_KM), larger_towns=larger,
        kommun_series=kommun_series(data, [loc.kommun_code, lan, "00"]), tatort_series=tatort_series(loc, reg.snapshot),
        age_table=age_table(data, loc, lan, deso), lan_rank=reg.rank_in(loc, lan),
        sources=sorted({s.source for s in stats.values()}, key=lambda s: s.table), notes=notes,
        built=date.today().isoformat(), snapshot=reg.snapshot,
    )
