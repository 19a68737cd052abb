"""Structural peers ("tvillingorter"): the tätorter in Sweden most alike a locality in what makes places
alike — size, distance to towns, population change, age, income, work and service — not only in size.

Every tätort gets the same eight features (:data:`FEATURES`, weights stated there and nowhere else),
standardised over all 2 017 tätorter (z-scores; sizes and distances on a log scale, where a difference
between 2 and 4 km matters as much as one between 20 and 40). The distance between two places is the
weighted root mean square of their feature differences, over the features both have — a feature missing
for a place (a tätort new in 2020 has no change since 2015) is left out of its distances, never filled
with 0. The candidates are the places the size-band rule would allow (400–4 000 inhabitants and of the
same kind — rural or not — for a village; half to twice its size for a town), so that every twin of a
village is a village; among them the ``k`` nearest are the twins, across Sweden or within the län.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ortsprofil.figures import indicators as ind
from ortsprofil.figures.compute import indicator_series

#: How many twins a profile shows.
K = 12


@dataclass(frozen=True)
class Feature:
    key: str  # the indicator it is taken from
    label: str  # what it is, for the notes
    alike: str  # the reason, when two places are alike in it
    weight: float
    log: bool = False  # compare on a log scale (sizes, distances)
    short: str = ""  # the reason in a table column


#: The features and their weights: the one place where they are stated.
FEATURES: tuple[Feature, ...] = (
    Feature("folkmangd", "folkmängd (tätorten)", "lika stor", 2.0, log=True, short="storlek"),
    Feature("avstand_10k", "avstånd till närmaste tätort med minst 10 000 invånare", "lika långt till stad", 1.5,
            log=True, short="avstånd till stad"),
    Feature("avstand_50k", "avstånd till närmaste tätort med minst 50 000 invånare", "lika långt till en större stad",
            1.0, log=True, short="avstånd till större stad"),
    Feature("tatort_forandring", "befolkningsförändring 2015–2020 (tätorten)", "liknande befolkningsutveckling", 1.0, short="utveckling"),
    Feature("kommun_andel_65plus", "andel 65 år och äldre (kommunen)", "liknande åldersstruktur", 1.0, short="ålder"),
    Feature("medianinkomst", "medianinkomst (kommunen)", "liknande inkomster", 1.0, short="inkomster"),
    Feature("sysselsattningsgrad", "sysselsättningsgrad 20–64 år (kommunen)", "liknande sysselsättning", 1.0, short="sysselsättning"),
    Feature("apotek_km", "avstånd till närmaste apotek", "lika långt till apotek", 1.0, log=True, short="apotek"),
)
#: Two places differing by less than this many standard deviations are "alike" in a feature.
ALIKE_Z = 0.35


def features(data: ind.Data) -> pd.DataFrame:
    """Every tätort's raw features (one column per :data:`FEATURES` key; NaN where missing). Kommun figures
    are the tätort's kommun's."""
    t = data.tatorter.set_index("tatort_code")
    out = pd.DataFrame(index=t.index)
    for f in FEATURES:
        indicator = ind.get(f.key)
        if not all(data.has(k) for k in indicator.requires):
            out[f.key] = np.nan
            continue
        series = indicator_series(indicator, data)
        out[f.key] = (series.reindex(t.index) if indicator.level == "tatort"
                      else t["kommun_code"].map(series)).astype(float)
    return out


def standardized(raw: pd.DataFrame) -> pd.DataFrame:
    """z-scores over all tätorter (log1p of sizes and distances first); NaN stays NaN."""
    z = pd.DataFrame(index=raw.index)
    for f in FEATURES:
        x = raw[f.key].astype(float)
        if f.log:
            x = np.log1p(x.clip(lower=0))
        sd = x.std()
        z[f.key] = (x - x.mean()) / sd if sd and np.isfinite(sd) else np.nan
    return z


def matrix(data: ind.Data) -> pd.DataFrame:
    """The standardised features of every tätort, computed once per indicator data (a batch shares it)."""
    key = "__twins_z"
    if key not in data.series_cache:
        data.series_cache[key] = standardized(features(data))  # type: ignore[assignment]
    return data.series_cache[key]  # type: ignore[return-value]


def distances(z: pd.DataFrame, code: str, candidates: pd.Index) -> pd.DataFrame:
    """Weighted RMS distance from ``code`` to each candidate over the features both have, and per feature
    the absolute difference (standard deviations)."""
    w = np.array([f.weight for f in FEATURES])
    me = z.loc[code].to_numpy(dtype=float)
    them = z.loc[candidates].to_numpy(dtype=float)
    diff = np.abs(them - me)
    both = ~np.isnan(diff)
    wsum = (both * w).sum(axis=1)
    d = np.sqrt(np.where(both, w * diff**2, 0.0).sum(axis=1) / np.where(wsum > 0, wsum, np.nan))
    out = pd.DataFrame(diff, index=candidates, columns=[f.key for f in FEATURES])
    out.insert(0, "distance", d)
    out.insert(1, "features", both.sum(axis=1))
    return out


#: Features that are the kommun's: a twin in the same kommun shares them by definition.
KOMMUN_FEATURES = {"kommun_andel_65plus", "medianinkomst", "sysselsattningsgrad"}


#: The reason words in a table column: "storlek, ålder" for "lika stor, liknande åldersstruktur".
SHORT = {f.alike: f.short for f in FEATURES} | {"i samma kommun": "samma kommun"}


def reasons(row: pd.Series, n: int = 3, same_kommun: bool = False) -> list[str]:
    """The features in which a twin is most alike (up to ``n``, each within :data:`ALIKE_Z`, at least two);
    "i samma kommun" first where it is, instead of the kommun's own figures."""
    use = [f for f in FEATURES if not (same_kommun and f.key in KOMMUN_FEATURES)]
    diffs = sorted(((row[f.key], f) for f in use if not pd.isna(row[f.key])), key=lambda t: t[0])
    close = [f.alike for d, f in diffs if d <= ALIKE_Z]
    close = close if len(close) >= 2 else [f.alike for _d, f in diffs[:2]]
    return (["i samma kommun"] + close)[:n] if same_kommun else close[:n]


def twins(reg, data: ind.Data, code: str, pool: pd.DataFrame, k: int = K) -> pd.DataFrame:
    """The ``k`` candidates of ``pool`` (rows of the registry frame) nearest to ``code``: registry columns
    plus ``distance`` and ``reason`` (the features they are most alike in), nearest first."""
    z = matrix(data)
    candidates = pool.index.drop(code, errors="ignore")
    if not len(candidates):
        return pool.iloc[0:0].assign(distance=[], reason=[])
    d = distances(z, code, candidates).dropna(subset=["distance"])
    d = d.sort_values(["distance"], kind="stable").head(k)
    out = pool.loc[d.index].copy()
    out["distance"] = d["distance"].round(4)
    kommun = pool.loc[code, "kommun_code"] if code in pool.index else reg.frame.loc[code, "kommun_code"]
    out["reason"] = [reasons(r, same_kommun=out.loc[i, "kommun_code"] == kommun) for i, r in d.iterrows()]
    return out


def peer_frame(loc, found: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """The twins and the locality in the shape of :meth:`Registry.peers` (``is_ort``, ``rank`` by
    population), with ``distance`` and ``reason``; the locality first, then the twins nearest first."""
    me = own.assign(distance=0.0, reason=[[]])
    out = pd.concat([me, found]).reset_index(drop=True)
    out["is_ort"] = out["tatort_code"] == loc.code
    out["rank"] = out["population"].rank(ascending=False, method="min").astype(int)
    return out


def weights_words() -> str:
    """The features and weights in words, for the report's notes."""
    return "; ".join(f"{f.label} (vikt {str(f.weight).replace('.', ',')})" for f in FEATURES)
