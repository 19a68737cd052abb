"""Build a locality's Profile: every Stat with its comparators, rank among peers and source.

``build("Näsum")`` validates the name (typed errors), gathers the frames, runs every
indicator of :mod:`ortsprofil.indicators` whose tables are present, and returns a
:class:`Profile` — data first. Display helpers on the Profile (``key_figures()``,
``table(...)``, ``summary(...)``) turn it into Swedish tables and text for the notebook.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from . import config, indicators as ind
from . import text as T
from .errors import InvalidParameterError
from .localities import Locality, Registry, registry
from .snapshot import Snapshot

#: Tätorter within this distance are kept with the profile (for maps).
NEARBY_KM = 80.0
COMPARATORS = ("kommun", "lan", "riket", "peers_median")


@dataclass(frozen=True)
class Source:
    """Where a figure comes from: SCB table, reference date, and fetch date for fetched data."""

    table: str
    ref: str
    fetched_at: str | None = None
    origin: str = "bundled"

    def text(self) -> str:
        out = f"{self.table}, {self.ref}"
        if self.fetched_at:
            out += f" (hämtad {self.fetched_at[:10]})"
        return out


@dataclass
class Stat:
    """One figure of the profile with its comparisons.

    ``values`` maps "ort", "kommun", "lan", "riket" and "peers_median" to numbers (NaN when
    not available). ``rank`` is (place, of how many) among the peer group, 1 = highest.
    """

    key: str
    label: str
    unit: str
    section: str
    values: dict[str, float]
    source: Source
    rank: tuple[int, int] | None = None
    percentile: float | None = None
    note: str | None = None
    status: str | None = None
    caveats: list[str] = field(default_factory=list)
    wording: T.Wording = T.HIGH

    @property
    def value(self) -> float:
        return self.values.get("ort", float("nan"))

    def formatted(self, who: str = "ort") -> str:
        return T.fmt_value(self.values.get(who), self.unit, self.status if who == "ort" else None)


class HtmlBlock:
    """A piece of reader-facing output with HTML, Markdown and plain-text representations."""

    def __init__(self, html_text: str, plain: str):
        self._html = html_text
        self._plain = plain

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._plain

    def __str__(self) -> str:
        return self._plain


class Table(HtmlBlock):
    """A reader-facing table: strings already formatted in Swedish, and the raw frame behind."""

    def __init__(self, frame: pd.DataFrame, caption: str | None = None, source: str | None = None,
                 raw: pd.DataFrame | None = None):
        self.frame = frame
        self.raw = raw if raw is not None else frame
        self.caption = caption
        self.source = source
        body = frame.to_html(index=False, escape=True, border=0, classes="op-table", na_rep=T.MISSING)
        parts = []
        if caption:
            parts.append(f'<p class="op-caption"><strong>{html.escape(caption)}</strong></p>')
        parts.append(body)
        if source:
            parts.append(f'<p class="op-source">Källa: {html.escape(source)}</p>')
        plain = (caption + "\n" if caption else "") + frame.to_string(index=False)
        super().__init__('<div class="op-tablewrap">' + "".join(parts) + "</div>", plain)


def _md(text: str) -> HtmlBlock:
    """Markdown-ish paragraph(s) → HTML block (only **bold** and paragraphs are used)."""
    import re

    paras = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    html_paras = []
    for p in paras:
        esc = html.escape(p)
        esc = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", esc)
        html_paras.append(f"<p>{esc}</p>")
    return HtmlBlock('<div class="op-text">' + "".join(html_paras) + "</div>", text.strip())


@dataclass
class Profile:
    """Everything the notebook shows about one locality."""

    ort: Locality
    lan_code: str
    lan_name: str
    peer_min: int
    peer_max: int
    stats: dict[str, Stat]
    missing: list[ind.Indicator]
    peers: pd.DataFrame
    neighbours: pd.DataFrame
    nearby: pd.DataFrame
    kommun_series: pd.DataFrame
    tatort_series: pd.DataFrame
    lan_rank: tuple[int, int]
    sources: list[Source]
    built: str
    snapshot: Snapshot

    # -- access -------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Stat:
        return self.stats[key]

    def section(self, name: str) -> list[Stat]:
        return [s for s in self.stats.values() if s.section == name]

    @property
    def kommun_label(self) -> str:
        return f"{self.ort.kommun_name} kommun"

    def where(self, comparator: str) -> str:
        """How a comparator is named in running text."""
        return {
            "kommun": f"i {self.kommun_label}",
            "lan": f"i {self.lan_name}",
            "riket": "i riket",
            "peers_median": "hos liknande orter",
        }[comparator]

    # -- display ------------------------------------------------------------------------------
    def heading(self) -> HtmlBlock:
        """Title block: name, kommun, län, date."""
        o = self.ort
        sub = f"{o.kommun_name} kommun, {o.lan_name} · tätortskod {o.code}"
        built = T.fmt_date(self.built)
        h = (
            f'<div class="op-cover"><h1>Ortsprofil: {html.escape(o.name)}</h1>'
            f'<p class="op-sub">{html.escape(sub)}</p>'
            f'<p class="op-sub">Underlag inför stormöte · sammanställt {html.escape(built)} '
            f"ur SCB:s officiella statistik</p></div>"
        )
        return HtmlBlock(h, f"Ortsprofil: {o.name}\n{sub}\nSammanställt {built}")

    def key_figures(self) -> Table:
        """Översikt: the key figures with comparators, rank among peers and source."""
        rows = []
        raw = []
        for s in self.section("oversikt") + self.section("lage"):
            rank = f"{s.rank[0]} av {s.rank[1]}" if s.rank else ""
            rows.append(
                {
                    "Mått": s.label,
                    self.ort.name: s.formatted("ort"),
                    "Kommunen": s.formatted("kommun") if not T.is_missing(s.values.get("kommun")) else "–",
                    "Skåne län" if self.lan_code == "12" else self.lan_name: s.formatted("lan")
                    if not T.is_missing(s.values.get("lan")) else "–",
                    "Riket": s.formatted("riket") if not T.is_missing(s.values.get("riket")) else "–",
                    "Liknande orter (median)": s.formatted("peers_median"),
                    "Plats bland liknande orter": rank,
                }
            )
            raw.append({"key": s.key, **s.values, "rank": s.rank[0] if s.rank else None})
        frame = pd.DataFrame(rows)
        return Table(
            frame,
            caption=f"Nyckeltal för {self.ort.name}",
            source="; ".join(sorted({s.source.text() for s in self.stats.values()})),
            raw=pd.DataFrame(raw),
        )

    def overview(self) -> HtmlBlock:
        """Short Swedish summary of the Översikt section (facts from the profile only)."""
        o = self.ort
        s = self.stats
        lan_rank, lan_n = self.lan_rank
        sentences = [
            f"**{o.name}** hade {T.fmt_number(o.population)} invånare den 31 december 2020 "
            f"på {T.fmt_number(o.land_area_ha)} hektar land, alltså {s['tathet'].formatted()}.",
            f"Det gör {o.name} till den {lan_rank}:e största av {lan_n} tätorter i {self.lan_name}"
            + (
                f" och nummer {s['folkmangd'].rank[0]} av {s['folkmangd'].rank[1]} bland liknande "
                f"orter med {T.fmt_number(self.peer_min)}–{T.fmt_number(self.peer_max)} invånare."
                if s["folkmangd"].rank
                else "."
            ),
        ]
        if "andel_av_kommunen" in s and not T.is_missing(s["andel_av_kommunen"].value):
            sentences.append(
                f"Ungefär {s['andel_av_kommunen'].formatted()} av invånarna i {self.kommun_label} "
                f"bodde i {o.name}."
            )
        phrase = T.compare(s["tathet"].value, s["tathet"].values.get("peers_median"),
                           "hos liknande orter")
        if phrase:
            sentences.append(f"Befolkningstätheten är {phrase}.")
        return _md(" ".join(sentences))

    def table(self, name: str) -> Table:
        """A reader-facing table: "befolkning", "tatort_historik", "grannar", "liknande", "kallor"."""
        return getattr(self, f"_table_{name}")()

    def _table_befolkning(self) -> Table:
        k = self.kommun_series
        k = k[k["region_code"] == self.ort.kommun_code].sort_values("year")
        years = [y for y in (1950, 1960, 1970, 1980, 1990, 2000, 2010, 2020) if y in set(k["year"])]
        later = sorted(y for y in k["year"] if y > 2020)
        sel = k[k["year"].isin(years + later)]
        frame = pd.DataFrame(
            {
                "År": sel["year"].astype(str),
                "Folkmängd 31 december": [T.fmt_number(v) for v in sel["value"]],
                "Källa": sel["source"],
            }
        )
        return Table(frame, caption=f"Folkmängd i {self.kommun_label}", source=_source_line(self, "kommun_folkmangd"),
                     raw=sel)

    def _table_tatort_historik(self) -> Table:
        t = self.tatort_series
        if t.empty:
            frame = pd.DataFrame({"Uppgift": [f"Ingen äldre tätortsstatistik för {self.ort.name} i datakopian."]})
            return Table(frame)
        pop = t[t["variable"] == "folkmangd"].sort_values("year")
        frame = pd.DataFrame(
            {"År": pop["year"].astype(str), "Folkmängd": [T.fmt_number(v) for v in pop["value"]],
             "Källa": pop["source"]}
        )
        return Table(frame, caption=f"Folkmängd i tätorten {self.ort.name} (gränserna det året)",
                     source="SCB MI0810 tätortsstatistik; se Källor", raw=pop)

    def _table_grannar(self) -> Table:
        n = self.neighbours
        frame = pd.DataFrame(
            {
                "Tätort": n["tatort_name"],
                "Kommun": n["kommun_name"],
                "Folkmängd 2020": [T.fmt_number(v) for v in n["population"]],
                "Avstånd (km, fågelvägen)": [T.fmt_number(v, 1) for v in n["distance_km"]],
            }
        )
        return Table(frame, caption=f"Närmaste tätorter runt {self.ort.name}",
                     source=f"{ind._MI0810}, {ind._REF_T}", raw=n)

    def _table_liknande(self) -> Table:
        p = self.peers
        dens = p["population"] / (p["land_area_ha"] / 100.0)
        frame = pd.DataFrame(
            {
                "Plats": p["rank"].astype(str),
                "Tätort": [f"▶ {n}" if is_ort else n for n, is_ort in zip(p["tatort_name"], p["is_ort"])],
                "Kommun": p["kommun_name"],
                "Folkmängd": [T.fmt_number(v) for v in p["population"]],
                "Landareal (ha)": [T.fmt_number(v) for v in p["land_area_ha"]],
                "Invånare per km²": [T.fmt_number(v) for v in dens],
            }
        )
        # Show the neighbourhood in the ranking: 5 above and below the locality, plus the top 3.
        pos = int(np.flatnonzero(p["is_ort"].to_numpy())[0])
        keep = sorted(set(range(min(3, len(p)))) | set(range(max(0, pos - 5), min(len(p), pos + 6))))
        frame = frame.iloc[keep]
        cap = (f"{self.ort.name} bland {len(p)} tätorter i {self.lan_name} med "
               f"{T.fmt_number(self.peer_min)}–{T.fmt_number(self.peer_max)} invånare (utdrag)")
        return Table(frame, caption=cap, source=f"{ind._MI0810}, {ind._REF_T}", raw=p)

    def _table_kallor(self) -> Table:
        rows = []
        for key in sorted({k for i in ind.INDICATORS for k in ("tatorter", "tatort_folkmangd", *i.requires)}
                          | {"tatort_historik", "kommun_folkmangd"}):
            if not self.snapshot.has(key):
                continue
            info = self.snapshot.info(key)
            rows.append(
                {
                    "Tabell": info.scb_table,
                    "Innehåll": info.title,
                    "Referenstid": info.ref,
                    "Ursprung": "hämtad från SCB:s API " + (info.fetched_at or "")[:10]
                    if info.origin == "fetched" else "medföljande datakopia",
                    "Källor (se SOURCES.md)": ", ".join(info.sources),
                }
            )
        return Table(pd.DataFrame(rows), caption="Tabeller som profilen bygger på",
                     source="Statistiska centralbyrån (SCB), fri data (CC0)")

    def missing_note(self) -> HtmlBlock:
        """The one list of indicators that need tables the local snapshot does not hold."""
        if not self.missing:
            return _md("Alla mått i profilen finns i den lokala datakopian.")
        items = "".join(f"<li>{html.escape(i.label)} ({html.escape(i.table)})</li>" for i in self.missing)
        head = "Saknas i den lokala datakopian — kör `ortsprofil data hamta`"
        return HtmlBlock(
            f'<div class="op-missing"><p><strong>{html.escape(head)}</strong></p><ul>{items}</ul></div>',
            head + "\n" + "\n".join(f"- {i.label}" for i in self.missing),
        )

    def boundary_note(self) -> HtmlBlock:
        return _md(
            "**Obs:** SCB drar om tätorternas gränser vid varje avgränsning (vart femte år 1960–2015, "
            "sedan 2018, 2020 och 2023). Folkmängden i en tätort olika år är därför inte helt "
            "jämförbar: en del av en förändring kan bero på ändrade gränser."
        )


def _source_line(p: Profile, key: str) -> str:
    info = p.snapshot.info(key)
    return f"{info.scb_table}, {info.ref}"


# -- building ---------------------------------------------------------------------------------


def _data_for(reg: Registry) -> ind.Data:
    snap = reg.snapshot
    kommun = snap.read("kommun_folkmangd") if snap.has("kommun_folkmangd") else None
    if kommun is None:
        from .snapshot import empty_tidy

        kommun = empty_tidy()
    return ind.Data(tatorter=reg.frame.reset_index(drop=True), kommun_folkmangd=kommun, snapshot=snap)


def _stat(indicator: ind.Indicator, series: pd.Series, data: ind.Data, p_ctx: dict) -> Stat:
    ort: Locality = p_ctx["ort"]
    peers: pd.DataFrame = p_ctx["peers"]
    lan = p_ctx["lan_code"]
    values: dict[str, float] = {c: float("nan") for c in ("ort",) + COMPARATORS}
    rank = percentile = None
    if indicator.level == "tatort":
        values["ort"] = float(series.get(ort.code, np.nan))
        peer_vals = series.reindex(peers["tatort_code"]).astype(float)
        others = peer_vals.drop(ort.code, errors="ignore").dropna()
        if len(others):
            values["peers_median"] = float(others.median())
        if not np.isnan(values["ort"]) and len(peer_vals.dropna()):
            pv = peer_vals.dropna()
            rank = (int((pv > values["ort"]).sum()) + 1, int(len(pv)))
            percentile = float(100.0 * (others < values["ort"]).sum() / max(len(others), 1))
        if indicator.aggregate is not None:
            agg = indicator.aggregate(data)
            values["kommun"] = float(agg.get(ort.kommun_code, np.nan))
            values["lan"] = float(agg.get(lan, np.nan))
            values["riket"] = float(agg.get("00", np.nan))
    else:  # kommun-level figure: the locality's kommun, the län, riket; rank among the län's kommuner
        values["kommun"] = float(series.get(ort.kommun_code, np.nan))
        values["lan"] = float(series.get(lan, np.nan))
        values["riket"] = float(series.get("00", np.nan))
        kommuner = series[[c for c in series.index if len(c) == 4 and c.startswith(lan)]].dropna()
        if len(kommuner) and not np.isnan(values["kommun"]):
            rank = (int((kommuner > values["kommun"]).sum()) + 1, int(len(kommuner)))
    return Stat(
        key=indicator.key,
        label=indicator.label,
        unit=indicator.unit,
        section=indicator.section,
        values=values,
        source=Source(indicator.table, indicator.ref),
        rank=rank,
        percentile=percentile,
        note=indicator.note,
        wording=indicator.wording,
    )


def build(
    ort: str,
    lan: str | None = None,
    peer_min: int | str = config.PEER_MIN,
    peer_max: int | str = config.PEER_MAX,
    *,
    reg: Registry | None = None,
    n_neighbours: int = 10,
) -> Profile:
    """Build the profile of one tätort.

    Parameters
    ----------
    ort : str
        Name or code ("Näsum", "Glimakra", "Lund, Lund", "1272TB105").
    lan : str, optional
        Län code for peers and comparisons; default the locality's own län.
    peer_min, peer_max : int
        Population band of "liknande orter" (inclusive).

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
    try:
        peer_min, peer_max = int(peer_min), int(peer_max)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"Gränserna för liknande orter måste vara heltal, inte {peer_min!r} och {peer_max!r}."
        ) from None
    lan = str(lan).strip().zfill(2) if lan not in (None, "") else loc.lan_code
    regioner = reg.snapshot.read("regioner")
    lan_names = regioner[regioner["level"] == "lan"].set_index("region_code")["region_name"]
    if lan not in lan_names.index:
        raise InvalidParameterError(f"Okänd länskod {lan!r}. Skåne län har koden 12.")
    peers = reg.peers(loc, lan=lan, peer_min=peer_min, peer_max=peer_max)
    neighbours = reg.nearest(loc, n_neighbours)

    data = getattr(reg, "_indicator_data", None)
    if data is None:  # computed once per registry; batch runs build many profiles from one
        data = reg._indicator_data = _data_for(reg)
    ctx = {"ort": loc, "peers": peers, "lan_code": lan}
    stats: dict[str, Stat] = {}
    missing: list[ind.Indicator] = []
    for indicator in ind.INDICATORS:
        if not all(data.has(k) for k in indicator.requires):
            missing.append(indicator)
            continue
        series = indicator.compute(data)
        stat = _stat(indicator, series, data, ctx)
        if indicator.level == "tatort":  # every peer's value, for charts and tables
            peers[indicator.key] = series.reindex(peers["tatort_code"]).to_numpy(dtype=float)
        if indicator.level == "kommun" and T.is_missing(stat.values["kommun"]):
            missing.append(indicator)
            continue
        stats[indicator.key] = stat

    kommun_series = data.kommun_folkmangd[
        data.kommun_folkmangd["region_code"].isin([loc.kommun_code, lan, "00"])
    ].copy()
    hist = reg.snapshot.read("tatort_historik") if reg.snapshot.has("tatort_historik") else None
    tatort_series = _tatort_series(loc, reg, hist)
    sources = sorted({s.source for s in stats.values()}, key=lambda s: s.table)
    return Profile(
        ort=loc,
        lan_code=lan,
        lan_name=str(lan_names[lan]),
        peer_min=peer_min,
        peer_max=peer_max,
        stats=stats,
        missing=missing,
        peers=peers,
        neighbours=neighbours,
        nearby=reg.nearest(loc, None, within_km=NEARBY_KM),
        kommun_series=kommun_series,
        tatort_series=tatort_series,
        lan_rank=reg.rank_in(loc, lan),
        sources=sources,
        built=date.today().isoformat(),
        snapshot=reg.snapshot,
    )


def _tatort_series(loc: Locality, reg: Registry, hist: pd.DataFrame | None) -> pd.DataFrame:
    """The locality's tätort figures over the years: history rows plus the 2020 table."""
    current = reg.snapshot.read("tatort_folkmangd")
    current = current[current["region_code"] == loc.code]
    parts = [current]
    if hist is not None:
        parts.append(hist[hist["region_code"] == loc.code])
    out = pd.concat(parts, ignore_index=True).sort_values(["variable", "year"]).reset_index(drop=True)
    # Only a history if there is more than the one current year.
    return out if out["year"].nunique() > 1 else out.iloc[0:0]
