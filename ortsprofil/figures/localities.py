"""The tätort registry: find a locality by name or code, its kommun and län, peers and neighbours.

Matching is forgiving in the ways people type: case, Unicode normalisation (NFC/NFD "Näsum"),
missing diacritics ("Nasum", "Glimakra") and small misspellings (suggestions only). Names that
several tätorter share ("Lund", "Ekeby") must be qualified with the kommun — ``"Lund, Lund"``,
``"Ekeby (Bjuv)"`` — or given as a code (``"1281TC105"``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ortsprofil import config
from ortsprofil.errors import AmbiguousLocalityError, InvalidParameterError, UnknownLocalityError
from ortsprofil.data.snapshot import Snapshot, default

#: The delineation the registry (points, codes, 2020 figures) describes.
DELINEATION_YEAR = 2020

_CODE_RE = re.compile(r"^\d{4}T[A-Z]\d{3}$", re.IGNORECASE)
_PAREN_RE = re.compile(r"^(?P<name>.+?)\s*\((?P<kommun>[^()]+)\)\s*$")


def normalize(text: str) -> str:
    """Case-fold and NFC-normalise ``text``, collapsing whitespace and dashes.

    Examples
    --------
    >>> normalize("  NÄSUM ") == normalize("Na\\u0308sum")
    True
    """
    text = unicodedata.normalize("NFC", str(text)).casefold()
    text = re.sub(r"[\s\-‐–—_]+", " ", text)
    return text.strip()


def fold(text: str) -> str:
    """:func:`normalize` and then drop diacritics (å→a, ä→a, ö→o, é→e).

    Examples
    --------
    >>> fold("Glimåkra"), fold("Östra Göinge")
    ('glimakra', 'ostra goinge')
    """
    decomposed = unicodedata.normalize("NFD", normalize(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str) -> str:
    """An ASCII folder name: lower case, diacritics dropped, anything else → "-".

    The result never contains "/", "\\\\" or "..", so it cannot leave the folder it is used in.

    Examples
    --------
    >>> slugify("Näsum"), slugify("Skanör Falsterbo"), slugify("../../x")
    ('nasum', 'skanor-falsterbo', 'x')
    """
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug or "ort"


def validate_lan(lan: str | int | None, *, allow_all: bool = False, reg: "Registry | None" = None) -> str:
    """A län code as two digits ("12"), or "alla" when ``allow_all``; anything else is an
    InvalidParameterError naming the valid codes."""
    text = "" if lan is None else str(lan).strip()
    if allow_all and fold(text) in ("alla", "hela landet", "sverige", "riket", "00"):
        return "alla"
    codes = sorted(set((reg or registry()).frame["lan_code"]))
    code = text.zfill(2) if text.isdigit() else text
    if code not in codes:
        extra = ' eller "alla" för hela landet' if allow_all else ""
        raise InvalidParameterError(f"Okänd länskod {text!r}. Giltiga koder är {', '.join(codes)} (Skåne = 12){extra}.")
    return code


def validate_band(peer_min: int | str, peer_max: int | str) -> tuple[int, int]:
    """The population band of "liknande orter" as two integers, 0 ≤ min ≤ max.

    Raises
    ------
    InvalidParameterError
        For non-integers, negative bounds or min > max.
    """
    try:
        lo, hi = int(peer_min), int(peer_max)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"Invånargränserna måste vara heltal, inte {peer_min!r} och {peer_max!r}."
        ) from None
    if lo < 0 or hi < 0:
        raise InvalidParameterError("Invånargränserna kan inte vara negativa.")
    if lo > hi:
        raise InvalidParameterError(f"Minsta invånarantal ({lo}) är större än största ({hi}).")
    return lo, hi


@dataclass(frozen=True)
class Locality:
    """One tätort of the 2020 delineation, with its 2020 figures.

    Attributes
    ----------
    code, name : str
        SCB tätort code (``1272TB105``) and name.
    kommun_code, kommun_name, lan_code, lan_name : str
    population : float
        Folkmängd 2020-12-31 (NaN if SCB suppressed it).
    land_area_ha : float
        Landareal in hectares.
    x, y : float
        SWEREF 99 TM (EPSG:3006) point, metres.
    unique_name : bool
        False when another tätort in Sweden has the same name.
    """

    code: str
    name: str
    kommun_code: str
    kommun_name: str
    lan_code: str
    lan_name: str
    population: float
    land_area_ha: float
    x: float
    y: float
    unique_name: bool = True

    @property
    def density(self) -> float:
        """Inhabitants per km² of land (SCB's own definition: folkmängd / landareal)."""
        if not self.land_area_ha or np.isnan(self.land_area_ha):
            return float("nan")
        return self.population / (self.land_area_ha / 100.0)

    @property
    def label(self) -> str:
        """"Näsum (Bromölla)": name plus kommun, unambiguous in all of Sweden."""
        return f"{self.name} ({self.kommun_name})"

    @property
    def slug(self) -> str:
        """Folder name for reports: the name, plus the kommun when the name is not unique."""
        return slugify(self.name if self.unique_name else f"{self.name}-{self.kommun_name}")


class Registry:
    """All tätorter of the snapshot, indexed for lookup.

    Parameters
    ----------
    snapshot : Snapshot, optional
        Defaults to the project's snapshot.

    Examples
    --------
    >>> reg = Registry()
    >>> reg.find("nasum").code
    '1272TB105'
    """

    def __init__(self, snapshot: Snapshot | None = None):
        self.snapshot = snapshot or default()

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per tätort: codes, names, 2020 population and land area, x/y, match keys."""
        geo = self.snapshot.read("tatorter")
        stats = self.snapshot.read("tatort_folkmangd")
        stats = stats[(stats["year"] == DELINEATION_YEAR) & (stats["alder"] == "") & (stats["kon"] == "")]
        wide = stats.pivot_table(index="region_code", columns="variable", values="value", aggfunc="first")
        frame = geo.merge(wide, left_on="tatort_code", right_index=True, how="left")
        frame = frame.rename(columns={"folkmangd": "population", "landareal": "land_area_ha"})
        frame["density"] = frame["population"] / (frame["land_area_ha"] / 100.0)
        frame["key"] = frame["tatort_name"].map(normalize)
        frame["fkey"] = frame["tatort_name"].map(fold)
        frame["kommun_key"] = frame["kommun_name"].map(fold)
        # A name is "unique" when its folder name is: "Håga" and "Haga" both fold to "haga", so both get
        # their kommun in the folder name (every one of the 2 017 report folders differs; tested).
        frame["unique_name"] = ~frame["tatort_name"].map(slugify).duplicated(keep=False)
        return frame.set_index("tatort_code", drop=False).rename_axis(None)

    # -- lookup -----------------------------------------------------------------------------
    def _locality(self, row: pd.Series) -> Locality:
        return Locality(
            code=row["tatort_code"],
            name=row["tatort_name"],
            kommun_code=row["kommun_code"],
            kommun_name=row["kommun_name"],
            lan_code=row["lan_code"],
            lan_name=row["lan_name"],
            population=float(row["population"]),
            land_area_ha=float(row["land_area_ha"]),
            x=float(row["x"]),
            y=float(row["y"]),
            unique_name=bool(row["unique_name"]),
        )

    def _by_name(self, name: str) -> pd.DataFrame:
        f = self.frame
        hits = f[f["key"] == normalize(name)]
        if hits.empty:
            hits = f[f["fkey"] == fold(name)]
        return hits

    def _raise_for(self, query: str, hits: pd.DataFrame) -> Locality:
        if len(hits) == 1:
            return self._locality(hits.iloc[0])
        if len(hits) > 1:
            cands = [
                (r.tatort_code, r.tatort_name, r.kommun_name)
                for r in hits.sort_values(["kommun_name", "tatort_code"]).itertuples()
            ]
            raise AmbiguousLocalityError(query, cands)
        raise UnknownLocalityError(query, self.suggest(query))

    def find(self, query: str) -> Locality:
        """Resolve a name or code to exactly one tätort.

        Parameters
        ----------
        query : str
            "Näsum", "nasum", "1272TB105", "Lund, Lund", "Ekeby (Bjuv)", "Ekeby, 1260".

        Returns
        -------
        Locality

        Raises
        ------
        InvalidParameterError
            Empty query.
        UnknownLocalityError
            No match; ``.suggestions`` holds the closest names.
        AmbiguousLocalityError
            Several tätorter carry the name; ``.candidates`` lists them with their kommun.
        """
        if query is None or not str(query).strip():
            raise InvalidParameterError("Ange namnet eller koden på en tätort, till exempel \"Näsum\".")
        query = unicodedata.normalize("NFC", str(query)).strip()
        f = self.frame
        if _CODE_RE.match(query):
            code = query.upper()
            if code in f.index:
                return self._locality(f.loc[code])
            raise UnknownLocalityError(query, self.suggest(query))
        hits = self._by_name(query)
        if not hits.empty:
            return self._raise_for(query, hits)
        # "Namn, Kommun" or "Namn (Kommun)" — only when the whole string is no tätort name.
        m = _PAREN_RE.match(query)
        parts = (m["name"], m["kommun"]) if m else tuple(s.strip() for s in query.rsplit(",", 1))
        if len(parts) == 2 and all(parts):
            name, kommun = parts
            hits = self._by_name(name)
            if not hits.empty:
                wanted = fold(kommun)
                narrowed = hits[(hits["kommun_key"] == wanted) | (hits["kommun_code"] == kommun)]
                if narrowed.empty:
                    # The name exists, just not in that kommun: say where it does exist.
                    return self._raise_for(query, hits) if len(hits) > 1 else self._raise_unknown_in(
                        query, hits
                    )
                return self._raise_for(query, narrowed)
        raise UnknownLocalityError(query, self.suggest(query))

    def _raise_unknown_in(self, query: str, hits: pd.DataFrame) -> Locality:
        raise UnknownLocalityError(query, [f"{r.tatort_name} ({r.kommun_name})" for r in hits.itertuples()])

    def suggest(self, query: str, n: int = 5) -> list[str]:
        """The names closest to ``query`` as "Namn (Kommun)", best first."""
        f = self.frame
        q = fold(query)
        if not q:
            return []
        keys = list(dict.fromkeys(f["fkey"]))
        close = difflib.get_close_matches(q, keys, n=n, cutoff=0.6)
        starts = [k for k in keys if k.startswith(q) and k not in close]
        out: list[str] = []
        for key in close + starts:
            for r in f[f["fkey"] == key].itertuples():
                out.append(f"{r.tatort_name} ({r.kommun_name})")
        return out[:n]

    def search(self, term: str = "", lan: str | None = None) -> pd.DataFrame:
        """Tätorter whose name or kommun contains ``term`` (diacritics ignored).

        Returns
        -------
        DataFrame
            Columns tatort_code, tatort_name, kommun_name, lan_name, population; largest first.
        """
        f = self.frame
        if lan:
            f = f[f["lan_code"] == lan]
        if term and term.strip():
            q = fold(term)
            f = f[f["fkey"].str.contains(q, regex=False) | f["kommun_key"].str.contains(q, regex=False)]
        cols = ["tatort_code", "tatort_name", "kommun_name", "lan_name", "population"]
        return f.sort_values("population", ascending=False)[cols].reset_index(drop=True)

    # -- context ----------------------------------------------------------------------------
    @cached_property
    def town_distance_km(self) -> pd.Series:
        """Straight-line km from every tätort to the nearest *other* tätort of at least
        :data:`config.TOWN_MIN` inhabitants (the screening's and the peers' "town")."""
        f = self.frame
        big = f[f["population"] >= config.TOWN_MIN]
        xy, bxy = f[["x", "y"]].to_numpy(), big[["x", "y"]].to_numpy()
        d = np.hypot(xy[:, None, 0] - bxy[None, :, 0], xy[:, None, 1] - bxy[None, :, 1]) / 1000.0
        d[f.index.get_indexer(big.index), np.arange(len(big))] = np.inf
        return pd.Series(d.min(axis=1) if len(big) else np.nan, index=f.index)

    def is_rural(self, code: str) -> bool:
        """Not a suburb: at least :data:`config.RURAL_KM` km from another town of 10 000+, and not itself one."""
        row = self.frame.loc[code]
        return bool(row["population"] < config.TOWN_MIN and self.town_distance_km[code] >= config.RURAL_KM)

    def peers(
        self,
        loc: Locality,
        *,
        lan: str | None = None,
        peer_min: int = config.PEER_MIN,
        peer_max: int = config.PEER_MAX,
        kind: str = "alla",
    ) -> pd.DataFrame:
        """Tätorter in the same län (or ``lan``) with peer_min ≤ folkmängd ≤ peer_max.

        ``kind="samma"`` keeps only tätorter of the locality's own kind: rural places (at least
        :data:`config.RURAL_KM` km from another town of 10 000+) for a rural locality, the
        others for a suburb. The locality itself is included (flag ``is_ort``) whether or not it
        is in the band, so it can be placed among them. Sorted by population, largest first, with
        ``rank``.
        """
        lan = loc.lan_code if lan is None else lan  # "" = all of Sweden
        peer_min, peer_max = validate_band(peer_min, peer_max)
        if kind not in ("alla", "samma"):
            raise InvalidParameterError(f"Okänt urval av liknande orter {kind!r}: välj 'samma' eller 'alla'.")
        f = self.frame
        band = f[((f["lan_code"] == lan) if lan else True) & f["population"].between(peer_min, peer_max)]
        if kind == "samma":
            rural = (band["population"] < config.TOWN_MIN) & (self.town_distance_km.reindex(band.index) >= config.RURAL_KM)
            band = band[rural == self.is_rural(loc.code)]
        if loc.code not in band.index:
            band = pd.concat([band, f.loc[[loc.code]]])
        out = band.sort_values(["population", "tatort_code"], ascending=[False, True]).reset_index(drop=True)
        out["is_ort"] = out["tatort_code"] == loc.code
        out["rank"] = out["population"].rank(ascending=False, method="min").astype(int)
        return out

    def nearest(
        self,
        loc: Locality,
        n: int | None = 10,
        *,
        min_population: float = 0,
        within_km: float | None = None,
    ) -> pd.DataFrame:
        """Other tätorter by straight-line distance ("fågelvägen") from ``loc``, in km.

        Parameters
        ----------
        n : int or None
            How many to return (None = all that pass the filters).
        min_population : float
            Only tätorter with at least this many inhabitants.
        within_km : float, optional
            Only tätorter at most this far away.
        """
        f = self.frame
        dist = np.hypot(f["x"] - loc.x, f["y"] - loc.y) / 1000.0
        out = f.assign(distance_km=dist)
        out = out[(out["tatort_code"] != loc.code) & (out["population"] >= min_population)]
        if within_km is not None:
            out = out[out["distance_km"] <= within_km]
        out = out.sort_values(["distance_km", "tatort_code"]).reset_index(drop=True)
        return out if n is None else out.head(n)

    def rank_in(self, loc: Locality, lan: str | None = None) -> tuple[int, int]:
        """(rank by population, number of tätorter) within the län."""
        f = self.frame[self.frame["lan_code"] == (lan or loc.lan_code)]
        rank = int((f["population"] > loc.population).sum()) + 1
        return rank, len(f)


_REGISTRY: Registry | None = None


def registry() -> Registry:
    """The process-wide registry over the default snapshot."""
    global _REGISTRY
    snap = default()
    sig = snap.signature(("tatorter", "tatort_folkmangd", "tatort_deso"))
    if _REGISTRY is None or _REGISTRY.snapshot is not snap or getattr(_REGISTRY, "_sig", None) != sig:
        _REGISTRY = Registry()
        _REGISTRY._sig = sig
    return _REGISTRY


def find(query: str) -> Locality:
    """Resolve ``query`` with the default registry. See :meth:`Registry.find`."""
    return registry().find(query)
