"""Build a locality's Profile: every Stat with its comparators, rank among peers and source.

``build("Näsum")`` validates the name (typed errors), gathers the frames, runs every
indicator of :mod:`ortsprofil.indicators` whose tables are present, and returns a
:class:`Profile` — data first. Display helpers on the Profile (``key_figures()``,
``comparison(section)``, ``table(...)``, ``summary(section)``) turn it into Swedish tables and
text for the notebook; the wording itself lives in :mod:`ortsprofil.narrative`.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from . import config, indicators as ind
from . import text as T
from .errors import InvalidParameterError
from .localities import Locality, Registry, registry, validate_band
from .bundle import source_text
from .snapshot import Snapshot, empty_tidy

#: Tätorter within this distance are kept with the profile (for maps).
NEARBY_KM = 80.0
COMPARATORS = ("kommun", "lan", "riket", "peers_median")
#: Section keys and their Swedish headings, in report order.
SECTIONS = {
    "oversikt": "Översikt",
    "befolkning": "Befolkning",
    "alder": "Ålder och kön",
    "arbete": "Arbete och inkomst",
    "boende": "Boende",
    "lage": "Läge och service",
    "liknande": "Liknande orter",
    "kallor": "Källor och förbehåll",
}
#: Small-number thresholds (plain-Swedish caveats are attached below these).
SMALL_COUNT = 10
SMALL_BASE = 50
#: SCB's Cell Key Method noise (from reference year 2025) moves counts by a few persons.
NOISE_PERSONS = 10
NOISE_FROM_YEAR = 2025
CKM_NOTE = (
    "Från och med referensåret 2025 lägger SCB till ett litet, kontrollerat slumpmässigt brus i "
    "befolkningsstatistiken för att ingen enskild person ska kunna pekas ut. Därför är summan av "
    "delarna inte alltid lika med totalen, och mycket små förändringar kan bero på bruset."
)


def _period(ref: str) -> str:
    """The years a reference names, as "2019" or "2013–2023" ("" when it names none)."""
    years = list(dict.fromkeys(re.findall(r"(?<!\d)(\d{4})(?!\d)", ref)))
    return "–".join(years[:1] + years[-1:]) if len(years) > 1 else (years[0] if years else "")


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

    #: SCB's product codes in words, for readers (the ids themselves are listed under Källor).
    PRODUCTS = {"MI0810": "tätorter", "AM0210": "befolkningens arbetsmarknadsstatus", "HE0110": "inkomster",
                "OE0101": "kommunalskatter", "UF0506": "befolkningens utbildning", "HE0111": "hushåll och boende",
                "BE0101": "befolkningsstatistik"}

    def words(self) -> str:
        """The source in plain words with its year: "SCB, inkomster, 2024" (no table ids)."""
        code = next((c for c in self.PRODUCTS if c in self.table), None)
        if self.table.startswith("SCB") and code and not self.table.startswith("SCB,"):
            what = f"SCB, {self.PRODUCTS[code]}"
        else:
            what = re.sub(r"\s*\(?TAB\d+(, TAB\d+)*\)?", "", self.table).strip(" ;,")
        when = _period(self.ref)
        return f"{what}, {when}" if when else what


@dataclass
class Stat:
    """One figure of the profile with its comparisons.

    ``values`` maps "ort", "kommun", "lan", "riket" and "peers_median" to numbers (NaN when
    not available). ``rank`` is (place, of how many) among the peer group, 1 = highest;
    for kommun-level figures it is the kommun's place among the län's kommuner.
    """

    key: str
    label: str
    unit: str
    section: str
    level: str
    values: dict[str, float]
    source: Source
    rank: tuple[int, int] | None = None
    percentile: float | None = None
    note: str | None = None
    status: str | None = None
    caveats: list[str] = field(default_factory=list)
    wording: T.Wording = T.HIGH
    base: float | None = None
    comparator_label: str | None = None

    @property
    def period(self) -> str:
        """The reference year or years of the figure ("2019", "2013–2023")."""
        return _period(self.source.ref)

    @property
    def display_label(self) -> str:
        """The label with its reference year, unless the label already names the years."""
        if re.search(r"\d{4}", self.label) or not self.period:
            return self.label
        return f"{self.label} ({self.period})"

    @property
    def value(self) -> float:
        """The locality's value (for kommun figures: the kommun's)."""
        return self.values.get("ort" if self.level == "tatort" else "kommun", float("nan"))

    def formatted(self, who: str | None = None) -> str:
        who = who or ("ort" if self.level == "tatort" else "kommun")
        status = self.status if who == ("ort" if self.level == "tatort" else "kommun") else None
        return T.fmt_value(self.values.get(who), self.unit, status)


class HtmlBlock:
    """A piece of reader-facing output with HTML and plain-text representations."""

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
                 raw: pd.DataFrame | None = None, note: str | None = None):
        self.frame = frame
        self.raw = raw if raw is not None else frame
        self.caption = caption
        self.source = source
        body = html_table(frame)
        parts = []
        if caption:
            parts.append(f'<p class="op-caption"><strong>{html.escape(caption)}</strong></p>')
        parts.append(body)
        if note:
            parts.append(f'<p class="op-note">{html.escape(note)}</p>')
        if source:
            parts.append(f'<p class="op-source">Källa: {html.escape(source)}</p>')
        plain = (caption + "\n" if caption else "") + frame.to_string(index=False)
        super().__init__('<div class="op-tablewrap">' + "".join(parts) + "</div>", plain)


_NUMERIC = re.compile(r"^[−+\-]?[\d\s\xa0]+([,.]\d+)?(\xa0?(%|ha|km|tkr|kr|inv\./km²|per.*))?$|^–$")


def html_table(frame: pd.DataFrame) -> str:
    """A plain HTML table; columns whose cells are all numbers are right-aligned (class "num")."""
    numeric = [
        bool(len(frame)) and all(_NUMERIC.match(str(v).strip()) or str(v).startswith("uppgift saknas")
                                 for v in frame[c])
        for c in frame.columns
    ]
    head = "".join(f'<th class="{"num" if n else "txt"}">{html.escape(str(c))}</th>'
                   for c, n in zip(frame.columns, numeric))
    rows = []
    for rec in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if n else "txt"}">{html.escape(T.MISSING if T.is_missing(v) else str(v))}</td>'
            for v, n in zip(rec, numeric))
        ort = ' class="op-ort"' if any(str(v).startswith("▶") for v in rec) else ""
        rows.append(f"<tr{ort}>{cells}</tr>")
    return f'<table class="op-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def markdown_block(text: str, css: str = "op-text") -> HtmlBlock:
    """Paragraphs with **bold** → an HTML block (the only markup the narrative uses)."""
    paras = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    out = []
    for p in paras:
        esc = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(p))
        esc = re.sub(r"`(.+?)`", r"<code>\1</code>", esc)
        out.append(f"<p>{esc}</p>")
    return HtmlBlock(f'<div class="{css}">' + "".join(out) + "</div>", text.strip())


@dataclass
class Profile:
    """Everything the notebook shows about one locality."""

    ort: Locality
    lan_code: str
    lan_name: str
    peer_min: int
    peer_max: int
    peer_rule: dict
    deso: dict | None
    age_trend: pd.DataFrame
    income_trend: pd.DataFrame
    stats: dict[str, Stat]
    missing: list[ind.Indicator]
    peers: pd.DataFrame
    neighbours: pd.DataFrame
    nearby: pd.DataFrame
    larger_towns: pd.DataFrame
    kommun_series: pd.DataFrame
    tatort_series: pd.DataFrame
    age_table: pd.DataFrame | None
    lan_rank: tuple[int, int]
    sources: list[Source]
    notes: list[str]
    built: str
    snapshot: Snapshot

    # -- access -------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Stat:
        return self.stats[key]

    def __contains__(self, key: str) -> bool:
        return key in self.stats

    def section(self, name: str) -> list[Stat]:
        return [s for s in self.stats.values() if s.section == name]

    @property
    def kommun_label(self) -> str:
        return f"{self.ort.kommun_name} kommun"

    @property
    def lan_short(self) -> str:
        """"Skåne" for "Skåne län" (as people say it)."""
        name = self.lan_name.removesuffix(" län")
        return name[:-1] if self.lan_name.endswith("s län") else name

    def where(self, comparator: str) -> str:
        """How a comparator is named in running text."""
        return {
            "kommun": f"i {self.kommun_label}",
            "lan": f"i {self.lan_name}",
            "riket": "i riket",
            "peers_median": "hos liknande orter",
        }[comparator]

    def where_for(self, s: "Stat", comparator: str) -> str:
        """How a comparator of stat ``s`` is named: "i Skåne län", or "tätorterna i Skåne län"."""
        where = self.where(comparator)
        if s.comparator_label and comparator in ("kommun", "lan", "riket"):
            name = {"kommun": self.kommun_label, "lan": self.lan_name, "riket": "riket"}[comparator]
            return "i " + s.comparator_label.format(where=name)
        return where

    def phrase(self, key: str, comparator: str) -> str | None:
        """Comparison phrase for stat ``key`` against ``comparator`` (None if not comparable)."""
        s = self.stats.get(key)
        if s is None:
            return None
        return T.compare(s.value, s.values.get(comparator), self.where_for(s, comparator), s.wording)

    # -- display ------------------------------------------------------------------------------
    def heading(self, mote_datum: str = "", mote_plats: str = "", processledare: str = "") -> HtmlBlock:
        """Cover block: name, kommun, län, date, purpose — and the meeting, when given.

        Raises
        ------
        InvalidParameterError
            When ``mote_datum`` is not a date (ÅÅÅÅ-MM-DD).
        """
        o = self.ort
        sub = f"{o.kommun_name} kommun, {o.lan_name} · tätortskod {o.code}"
        built = T.fmt_date(self.built)
        meeting = meeting_line(mote_datum, mote_plats, processledare)
        h = (
            f'<div class="op-cover"><p class="op-kicker">Underlag inför stormöte</p>'
            f'<h1>Ortsprofil: {html.escape(o.name)}</h1>'
            f'<p class="op-sub">{html.escape(sub)}</p>'
            + (f'<p class="op-meeting">{html.escape(meeting)}</p>' if meeting else "")
            + f'<p class="op-sub">Sammanställd {html.escape(built)} ur SCB:s officiella statistik</p></div>'
        )
        plain = f"Ortsprofil: {o.name}\n{sub}\n" + (f"{meeting}\n" if meeting else "") + f"Sammanställd {built}"
        tested = self.test_value_tables
        if tested:  # a snapshot filled from a test server must never pass for SCB's figures
            warn = ("TESTVÄRDEN – inte SCB:s siffror. Tabellerna " + ", ".join(tested) + " hämtades från en "
                    "testserver. Använd inte den här profilen som underlag; hämta om från SCB med "
                    "ortsprofil data hamta --tvinga.")
            h += f'<div class="op-testvalues"><p><strong>{html.escape(warn)}</strong></p></div>'
            plain += "\n" + warn
        return HtmlBlock(h, plain)

    @property
    def test_value_tables(self) -> list[str]:
        """Snapshot tables behind this profile that a test server filled ("TESTVÄRDEN")."""
        keys = sorted(_used_tables(self.stats) | {"kommun_alder_kon"})
        return [k for k in keys if self.snapshot.has(k) and self.snapshot.info(k).test_values]

    ONE_PAGE = ("folkmangd", "tathet", "kommun_forandring_10", "kommun_forandring_1", "andel_65plus",
                "kommun_andel_65plus", "medianinkomst", "sysselsattningsgrad", "avstand_10k", "apotek_km")

    def _figures(self, keys: tuple[str, ...]) -> list[tuple[str, "Stat"]]:
        """(label, stat) for the figures of ``keys`` the profile has; the kommun's 65+ share only when
        the tätort's is missing; kommun figures labelled with the kommun's name."""
        out = []
        for key in keys:
            s = self.stats.get(key)
            if s is None or (key == "kommun_andel_65plus" and "andel_65plus" in self.stats):
                continue
            out.append((s.display_label if s.level == "tatort" else f"{s.display_label}, {self.ort.kommun_name}", s))
        return out

    def named_label(self, s: "Stat") -> str:
        """The label with its year, naming the kommun when the figure is the kommun's
        ("Andel hushåll i bostadsrätt i Bromölla kommun (2019)")."""
        if s.level == "tatort" or "kommun" in s.label.lower():
            return s.display_label
        return Stat.display_label.fget(dataclasses.replace(s, label=f"{s.label} i {self.kommun_label}"))

    def highlights(self, n: int = 4) -> list[str]:
        """Three to five facts that stand out most from their comparison, as plain sentences."""
        from .narrative import trend_words

        scored = []
        for s in self.stats.values():
            for who in (("lan", "peers_median") if s.level == "tatort" else ("lan",)):
                ref = s.values.get(who)
                if s.unit.startswith("förändring") or T.is_missing(s.value) or T.is_missing(ref) or ref <= 0 \
                        or s.value <= 0:
                    continue
                phrase = T.compare(s.value, ref, self.where_for(s, who), s.wording)
                if phrase and not phrase.startswith(("ungefär som", "något")):
                    scored.append((abs(np.log(s.value / ref)), f"{self.named_label(s)}: {s.formatted()}, {phrase}."))
        out = []
        trend = trend_words(self)
        if trend and " men " in trend:  # a trend that turned is always worth saying
            out.append(T.capitalize(trend) + ".")
        seen = set()
        for _score, text in sorted(scored, reverse=True):
            label = text.split(":")[0]
            if label not in seen:
                seen.add(label)
                out.append(text)
        return out[:n]

    def one_pager(self) -> HtmlBlock:
        """Page 1, "Glimåkra på en sida": key figures with year and comparison, what stands out, questions."""
        from .narrative import comparison_words, prompts

        rows = [{"Mått": label, "Värde": s.formatted(), "Jämfört med": comparison_words(self, s)}
                for label, s in self._figures(self.ONE_PAGE)]
        table = html_table(pd.DataFrame(rows))
        facts = self.highlights()
        questions = []
        for section in ("oversikt", "befolkning", "alder", "arbete", "lage"):
            qs = prompts(self, section)
            if qs:
                questions.append(qs[0])
        questions = questions[:4]
        facts = [f for f in facts if not any(q.startswith(f.rstrip(".")[:40]) for q in questions)][:4]
        parts = [f'<div class="op-onepage"><h2 class="op-first" id="pa-en-sida">{html.escape(self.ort.name)} på en sida</h2>',
                 table]
        if facts:
            parts.append('<p class="op-caption"><strong>Det här sticker ut</strong></p><ul class="op-facts">'
                         + "".join(f"<li>{html.escape(f)}</li>" for f in facts) + "</ul>")
        if questions:
            parts.append('<div class="op-prompts"><p><strong>Frågor till stormötet</strong></p><ol>'
                         + "".join(f"<li>{html.escape(q)}</li>" for q in questions) + "</ol></div>")
        parts.append('<p class="op-note">Talen är SCB:s (apoteksavstånd: Tillväxtanalys). Varje tal har sitt år; '
                     "kommun, län och riket jämförs med samma mått och samma år. Mer om varje tal och alla källor "
                     "finns på de följande sidorna.</p></div>")
        plain = (f"{self.ort.name} på en sida\n" + pd.DataFrame(rows).to_string(index=False) + "\n"
                 + "\n".join(f"* {f}" for f in facts) + "\n" + "\n".join(f"{i}. {q}" for i, q in enumerate(questions, 1)))
        return HtmlBlock("".join(parts), plain)

    KEY_FIGURES = ("folkmangd", "tathet", "andel_av_kommunen", "kommun_tathet", "kommun_forandring_10",
                   "kommun_forandring_1", "andel_65plus", "kommun_andel_65plus", "medianinkomst",
                   "sysselsattningsgrad", "avstand_10k", "apotek_km")

    def key_figures(self) -> Table:
        """The key-figure box: each figure with a comparison in words and its source."""
        from .narrative import comparison_words

        rows, raw = [], []
        from .narrative import comparison_words, peer_rule_words

        rows, raw = [], []
        for label, s in self._figures(self.KEY_FIGURES):
            rows.append({"Mått": label, "Värde": s.formatted(), "Jämfört med": comparison_words(self, s)})
            raw.append({"key": s.key, **s.values})
        return Table(pd.DataFrame(rows), caption=f"{self.ort.name} i siffror",
                     note=peer_rule_words(self) + " Kommun, län och riket jämförs med samma mått och samma år.",
                     source=self.source_words(), raw=pd.DataFrame(raw))

    def source_words(self) -> str:
        """The sources of the profile in words ("SCB: tätorter 2020, folkmängd …; Tillväxtanalys: apotek")."""
        words = []
        if any(s.source.table.startswith("SCB") for s in self.stats.values()):
            words.append("Statistiska centralbyrån (SCB)")
        if any(s.source.table.startswith("Tillväxtanalys") for s in self.stats.values()):
            words.append("Tillväxtanalys (apotek och apoteksombud)")
        return "; ".join(words) + ". Tabellerna med referenstid står under Källor och förbehåll sist."

    def comparison(self, section: str) -> Table | HtmlBlock:
        """Every figure of ``section`` next to kommun, län, riket and peers, with rank."""
        stats = self.section(section)
        if not stats:
            return HtmlBlock("", "")  # type: ignore[return-value]  (section_missing() says why)
        rows, raw = [], []
        lan_col = self.lan_name
        for s in stats:
            rank = ""
            if s.rank:
                rank = f"{s.rank[0]} av {s.rank[1]}"
            dash = lambda who: s.formatted(who) if not T.is_missing(s.values.get(who)) else "–"  # noqa: E731
            label = s.display_label
            if s.comparator_label:
                label += " – kommun, län och riket: " + s.comparator_label.format(where="området")
            rows.append({
                "Mått": label,
                self.ort.name: s.formatted("ort") if s.level == "tatort" else "–",
                "Kommunen": s.formatted("kommun") if s.level == "kommun" else dash("kommun"),
                lan_col: dash("lan"),
                "Riket": dash("riket"),
                "Liknande orter (median)": dash("peers_median"),
                "Plats (1 = högst)": rank,
            })
            raw.append({"key": s.key, **s.values, "rank": s.rank[0] if s.rank else None})
        caveats = sorted({c for s in stats for c in s.caveats})
        notes = sorted({s.note for s in stats if s.note})
        ranked = {s.level for s in stats if s.rank}
        if ranked:
            among = {"kommun": f"bland {self.lan_name}s kommuner för kommunens tal",
                     "tatort": "bland de liknande orterna för ortens tal"}
            notes.insert(0, "Plats: " + " och ".join(among[lv] for lv in ("kommun", "tatort") if lv in ranked) + ".")
        return Table(pd.DataFrame(rows), caption=f"{SECTIONS[section]}: jämförelser",
                     source="; ".join(sorted({s.source.words() for s in stats})),
                     note=" ".join(notes + caveats) or None, raw=pd.DataFrame(raw))

    def summary(self, section: str) -> HtmlBlock:
        """The auto-written paragraph for ``section`` (facts from the profile only)."""
        from .narrative import summary

        return markdown_block(summary(self, section))

    def overview(self) -> HtmlBlock:
        return self.summary("oversikt")

    def prompts(self, section: str) -> HtmlBlock:
        """Questions for the stormöte, each opening with a fact of the profile."""
        from .narrative import prompts

        qs = prompts(self, section)
        if not qs:
            return HtmlBlock("", "")
        items = "".join(f"<li>{html.escape(q)}</li>" for q in qs)
        return HtmlBlock(f'<div class="op-prompts"><p><strong>Att samtala om</strong></p><ul>{items}</ul></div>',
                         "Att samtala om:\n" + "\n".join(f"- {q}" for q in qs))

    def local_box(self, section: str = "") -> HtmlBlock:
        """A lined writing space for what the statistics cannot know (one section's box)."""
        from .narrative import prompts

        what = SECTIONS.get(section, "")
        title = f"Lokal kunskap – {what.lower()}" if what else "Lokal kunskap"
        qs = prompts(self, section) if what else []
        items = "".join(f"<li>{html.escape(q)}</li>" for q in qs)
        questions = f'<ol class="op-note-questions">{items}</ol>' if items else ""
        return HtmlBlock(
            f'<div class="op-local"><h3>{html.escape(title)}</h3>'
            f'<p>Det statistiken inte vet. Skriv här.</p>{questions}<div class="op-lines"></div></div>',
            f"[{title}: skrivyta att fylla i för hand]",
        )

    def since(self, jamfor_med: str = "") -> HtmlBlock:
        """"Sedan förra underlaget": figures changed since an earlier record (a profil.json path, a date
        ÅÅÅÅ-MM-DD or "senaste"); empty when ``jamfor_med`` is empty or there is no earlier record."""
        from .records import since_block

        return since_block(self, jamfor_med)

    def since_start(self, baslinje: int | str = 0) -> HtmlBlock:
        """"Sedan starten": each series at the baseline year and now (0 = none)."""
        from .records import baseline_block

        return baseline_block(self, baslinje)

    def notes_pages(self) -> HtmlBlock:
        """Writing pages at the end: one box per section with its questions repeated, two per A4 page."""
        boxes = [self.local_box(s) for s in SECTIONS if s != "kallor" and self.section(s)]
        return HtmlBlock('<div class="op-notes">' + "".join(b._repr_html_() for b in boxes) + "</div>",
                         "\n".join(repr(b) for b in boxes))

    def caveats(self) -> HtmlBlock:
        """Every small-number caveat of the profile, once."""
        items = sorted({f"{s.label}: {c}" for s in self.stats.values() for c in s.caveats})
        if not items:
            return markdown_block("Inga av profilens tal ligger under gränserna för små tal "
                                  f"(färre än {SMALL_COUNT} personer, andelar av färre än {SMALL_BASE}).")
        body = "".join(f"<li>{html.escape(i)}</li>" for i in items)
        return HtmlBlock(f'<div class="op-caveat"><p><strong>Små tal – läs med försiktighet</strong></p><ul>{body}</ul></div>',
                         "Små tal:\n" + "\n".join(items))

    def table(self, name: str) -> Table:
        """A reader-facing table: "befolkning", "tatort_historik", "grannar", "liknande", "alder", "kallor"."""
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
                "Folkmängd 31 december": [T.fmt_number(v, status=s) for v, s in zip(sel["value"], sel["status"])],
                "Källa": [source_text(x) for x in sel["source"]],
            }
        )
        return Table(frame, caption=f"Folkmängd i {self.kommun_label}", source=_source_line(self, "kommun_folkmangd"),
                     raw=sel)

    def _table_tatort_historik(self) -> Table:
        t = self.tatort_series
        pop = t[t["variable"] == "folkmangd"].sort_values("year") if len(t) else t
        if pop.empty:
            return Table(pd.DataFrame({"Uppgift": [f"Ingen äldre tätortsstatistik för {self.ort.name} i datakopian."]}))
        frame = pd.DataFrame(
            {"År": pop["year"].astype(str),
             "Folkmängd": [T.fmt_number(v, status=s) for v, s in zip(pop["value"], pop["status"])],
             "Källa": [source_text(x) for x in pop["source"]]}
        )
        return Table(frame, caption=f"Folkmängd i tätorten {self.ort.name} (med det årets gränser)",
                     source="SCB, tätortsstatistik (folkmängd 31 december); se Källor och förbehåll", raw=pop)

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
                     source="SCB, tätorter 2020 (folkmängd 31 december 2020)", raw=n)

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
        # The neighbourhood in the ranking: the top 3 and 4 on each side of the locality.
        pos = int(np.flatnonzero(p["is_ort"].to_numpy())[0])
        keep = sorted(set(range(min(3, len(p)))) | set(range(max(0, pos - 4), min(len(p), pos + 5))))
        frame = frame.iloc[keep]
        cap = (f"{self.ort.name} bland {len(p)} tätorter i {self.lan_name} med "
               f"{T.fmt_number(self.peer_min)}–{T.fmt_number(self.peer_max)} invånare (utdrag, efter folkmängd)")
        return Table(frame, caption=cap, source="SCB, tätorter 2020 (folkmängd 31 december 2020)", raw=p)

    def _table_alder(self) -> Table:
        a = self.age_table
        if a is None or a.empty:
            return Table(pd.DataFrame({"Uppgift": ["Åldersfördelningen finns inte i den lokala datakopian."]}))
        names = {"ort": self.ort.name, "kommun": "Kommunen", "lan": self.lan_name, "riket": "Riket"}
        frame = pd.DataFrame({"Ålder": [f"{b} år" for b in a.index]})
        for col in a.columns:
            frame[names.get(col, col)] = [T.fmt_percent(v) for v in a[col]]
        return Table(frame, caption="Andel av befolkningen i varje åldersgrupp",
                     source="; ".join(sorted({s.source.words() for s in self.section("alder")})), raw=a)

    def _table_kallor(self) -> Table:
        rows = []
        keys = sorted({k for i in ind.INDICATORS for k in i.requires} | {"tatorter", "tatort_folkmangd",
                                                                          "tatort_historik", "kommun_folkmangd"})
        for key in keys:
            if not self.snapshot.has(key):
                continue
            info = self.snapshot.info(key)
            rows.append(
                {
                    "Tabell": info.scb_table,
                    "Innehåll": info.title,
                    "Referenstid": info.ref,
                    "Ursprung": ("hämtad " + (info.fetched_at or "")[:10]) if info.origin == "fetched" else "medföljer",
                }
            )
        return Table(pd.DataFrame(rows), caption="Tabeller som profilen bygger på",
                     source="Statistiska centralbyrån (SCB), fri data (CC0); apoteksavstånd: Tillväxtanalys; tätortsytor: "
                     "Lantmäteriet. Ursprung: medföljer = i den datakopia som följer med programmet; hämtad = "
                     "hämtad från SCB:s API det datumet. Varje tabells ursprung finns i projektets källförteckning.")

    def missing_note(self) -> HtmlBlock:
        """The one list of figures the profile could not show, and why."""
        if not self.missing:
            return markdown_block("Alla mått i profilen finns i den lokala datakopian.")
        why = {
            "tatort_alder": "SCB:s tätortsstatistik efter ålder ingår inte i den medföljande datakopian",
            "kommun_forandringar": "födda, döda och flyttningar ingår inte i den medföljande datakopian",
            "tatort_service": "avstånd till apotek finns bara för Skånes tätorter",
            "kommun_hushall": "boendeform finns bara för Skånes kommuner",
        }
        by_reason: dict[str, list[str]] = {}
        for i in self.missing:  # one line per reason, naming every figure it keeps out
            reason = next((why[k] for k in i.requires if k in why), "uppgiften finns inte för den här orten")
            by_reason.setdefault(reason, []).append(i.label.replace("{start}–{end}", "").strip())
        items, plain = [], []
        for reason, labels in by_reason.items():
            text = f"{T.join_sv([labels[0]] + [lb[0].lower() + lb[1:] for lb in labels[1:]])}: {reason}."
            items.append(f"<li>{html.escape(text)}</li>")
            plain.append(f"- {text}")
        head = "Uppgifter som inte finns med i den här profilen"
        return HtmlBlock(f'<div class="op-missing"><p><strong>{head}</strong></p><ul>{"".join(items)}</ul></div>',
                         head + "\n" + "\n".join(plain))

    def deso_block(self) -> HtmlBlock:
        """"Området runt Näsum (DeSO 1272B2010)": the closest thing to village-level statistics."""
        d = self.deso
        if not d:
            return HtmlBlock("", "")
        names = {
            "folkmangd": "Folkmängd", "folkokning_procent": "Befolkningsförändring senaste året",
            "disponibel_inkomst_median": "Disponibel inkomst per person, median", "sysselsattningsgrad":
            "Sysselsättningsgrad 20–64 år", "arbetsloshet": "Arbetslöshet 20–64 år",
            "andel_eftergymnasial": "Andel 25–65 år med eftergymnasial utbildning",
            "utlandsk_bakgrund": "Andel med utländsk bakgrund", "andel_hyresratt": "Andel bostäder i hyresrätt",
            "lag_ekonomisk_standard": "Andel med låg ekonomisk standard",
        }
        kommun_same = {"sysselsattningsgrad", "arbetsloshet"}
        rows = []
        for var, label in names.items():
            if var not in d["values"]:
                continue
            value, year, unit = d["values"][var]
            komm = "–"
            if var in kommun_same and var in self.stats and self.stats[var].period == str(year):
                komm = self.stats[var].formatted()
            rows.append({"Mått": f"{label} ({year})", "Området": T.fmt_value(value, unit),
                         f"{self.ort.kommun_name} kommun (samma år)": komm})
        for band, label in (("0-19", "Andel 0–19 år"), ("65+", "Andel 65 år och äldre")):
            if band in d["age_shares"]:
                share, year = d["age_shares"][band]
                rows.append({"Mått": f"{label} ({year})", "Området": T.fmt_percent(share),
                             f"{self.ort.kommun_name} kommun (samma år)": "–"})
        caption = f"Området runt {self.ort.name} (DeSO {d['code']})"
        note = (f"Ett DeSO-område (demografiskt statistikområde) har 700–2 700 invånare och är större än tätorten: "
                f"det omfattar {self.ort.name} och landsbygden runt omkring. Från och med 2025 lägger SCB ett litet "
                "slumpbrus på befolkningssiffrorna, så små skillnader ska inte tolkas.")
        return Table(pd.DataFrame(rows), caption=caption, source=d["source"], note=note)

    def section_missing(self, section: str) -> HtmlBlock:
        """A one-line pointer when a section has no figures (the list itself is under Källor)."""
        if self.section(section):
            return HtmlBlock("", "")
        return markdown_block(
            f"Uppgifterna för avsnittet {SECTIONS[section]} finns inte i den lokala datakopian. "
            "Se listan under Källor och förbehåll.", css="op-note")

    def boundary_note(self) -> HtmlBlock:
        return markdown_block(
            "**Obs:** SCB drar om tätorternas gränser vid varje avgränsning (vart femte år 1960–2015, "
            "sedan 2018, 2020 och 2023). Folkmängden i en tätort olika år är därför inte helt "
            "jämförbar: en del av en förändring kan bero på ändrade gränser.", css="op-caveat")

    def reservations(self) -> HtmlBlock:
        """Källor och förbehåll: what the numbers are and are not."""
        parts = [
            "**Uppgift saknas** betyder att SCB inte redovisar värdet, oftast för att det är noll eller "
            "skyddas av sekretess (SCB:s symbol \"..\"). Ett saknat värde visas aldrig som 0.",
            "**Små orter, små tal.** I en tätort med några hundra invånare räcker det att några personer "
            "flyttar för att en andel ska ändras märkbart. Tal under "
            f"{SMALL_COUNT} och andelar som bygger på färre än {SMALL_BASE} personer är markerade.",
            f"**Slumpbrus från 2025.** {CKM_NOTE}",
            "**Tätortsgränser.** Tätorterna avgränsas på nytt vid varje avgränsningsår; jämförelser över "
            "tid gäller orten med det årets gränser.",
            "**Avstånd** är fågelvägen mellan SCB:s tätortspunkter, inte väg- eller restid.",
        ]
        parts += [f"**Not från SCB:** {n}" for n in self.notes]
        return markdown_block("\n\n".join(parts))


def meeting_line(mote_datum: str = "", mote_plats: str = "", processledare: str = "") -> str:
    """"Stormöte 10 december 2026 · Glimåkra bygdegård · Processledare: Anna" (empty when nothing given)."""
    parts = []
    if str(mote_datum or "").strip():
        try:
            when = date.fromisoformat(str(mote_datum).strip())
        except ValueError:
            raise InvalidParameterError(f"Mötesdatumet {mote_datum!r} är inget datum. Skriv det som ÅÅÅÅ-MM-DD, "
                                        "till exempel 2026-12-10.") from None
        parts.append(f"Stormöte {T.fmt_date(when.isoformat())}")
    if str(mote_plats or "").strip():
        parts.append(str(mote_plats).strip() if parts else f"Stormöte: {str(mote_plats).strip()}")
    if str(processledare or "").strip():
        parts.append(f"Processledare: {str(processledare).strip()}")
    return " · ".join(parts)


def _source_line(p: Profile, key: str) -> str:
    info = p.snapshot.info(key)
    return f"{info.scb_table} (se Källor och förbehåll)"


# -- building ---------------------------------------------------------------------------------


def _data_for(reg: Registry) -> ind.Data:
    snap = reg.snapshot
    kommun = snap.read("kommun_folkmangd") if snap.has("kommun_folkmangd") else empty_tidy()
    if snap.has("kommun_alder_kon"):
        kommun = _with_fetched_totals(kommun, snap.read("kommun_alder_kon"))
    return ind.Data(tatorter=reg.frame.reset_index(drop=True), kommun_folkmangd=kommun, snapshot=snap)


def _with_fetched_totals(base: pd.DataFrame, by_age_sex: pd.DataFrame) -> pd.DataFrame:
    """Population 31 December per region and year: the bundled series, where fetched replaced by
    SCB TAB638 totals (all ages, both sexes) — one series for charts and growth figures alike."""
    from .catalogue import total_of
    from .snapshot import coerce_tidy

    k = by_age_sex[(by_age_sex["variable"] == "folkmangd") & by_age_sex["source"].str.startswith("SCB TAB")]
    if k.empty:  # only the bundled 2019 bands: the bundled population series stays as it is
        return base
    keys = ["region_code", "region_name", "level", "year", "ref_date", "variable", "unit", "source"]
    # SCB's published total where the table has one (TAB5557 'TotSA'), else the sum of single
    # years and both sexes (TAB638) — never a total added to its own parts.
    by_sex = total_of(k, keys + ["kon"], "alder").assign(alder="")
    totals = total_of(by_sex, keys, "kon")
    totals["source"] = totals["source"] + " (hämtad)"
    totals = coerce_tidy(totals)
    keep = ~base.set_index(["region_code", "year"]).index.isin(totals.set_index(["region_code", "year"]).index)
    return pd.concat([base[keep], totals], ignore_index=True).sort_values(["region_code", "year"])


def data_for(reg: Registry) -> ind.Data:
    """The indicator data of ``reg``, computed once per registry (batches build many profiles)."""
    sig = reg.snapshot.signature()
    data = getattr(reg, "_indicator_data", None)
    # New figures since (a refresh in another process): compute again. Data set by a caller without
    # a signature (tests injecting a table) is kept as it is.
    if data is None or getattr(reg, "_indicator_sig", sig) != sig:
        data = reg._indicator_data = _data_for(reg)
        reg._indicator_sig = sig
    return data


def _compute(indicator: ind.Indicator, data: ind.Data) -> pd.Series:
    cache = data.series_cache
    if indicator.key not in cache:
        cache[indicator.key] = indicator.compute(data)
    return cache[indicator.key]


def _aggregate(indicator: ind.Indicator, data: ind.Data) -> pd.Series:
    cache = data.series_cache
    key = f"{indicator.key}__agg"
    if key not in cache:
        cache[key] = indicator.aggregate(data)  # type: ignore[misc]
    return cache[key]


def _source_for(indicator: ind.Indicator, series: pd.Series, snap: Snapshot) -> Source:
    ref = series.attrs.get("ref", indicator.ref)
    fetched = [snap.info(k) for k in indicator.requires if snap.has(k) and snap.info(k).origin == "fetched"]
    if fetched:
        tables = "; ".join(dict.fromkeys(i.scb_table for i in fetched))
        return Source(tables, ref, fetched_at=max(i.fetched_at or "" for i in fetched) or None, origin="fetched")
    return Source(indicator.table, ref)


def _stat(indicator: ind.Indicator, data: ind.Data, ctx: dict) -> Stat | None:
    ort: Locality = ctx["ort"]
    peers: pd.DataFrame = ctx["peers"]
    lan = ctx["lan_code"]
    label = indicator.label
    if indicator.periodic:
        end = ctx["end_year"]  # one period for kommun, län and riket
        if end is None:
            return None
        key = f"{indicator.key}@{end}"
        if key not in data.series_cache:
            data.series_cache[key] = indicator.compute(data, end)  # type: ignore[call-arg]
        series = data.series_cache[key]
        label = label.format(start=end - indicator.periodic, end=end)
    else:
        series = _compute(indicator, data)
    values: dict[str, float] = {c: float("nan") for c in ("ort",) + COMPARATORS}
    rank = percentile = base = None
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
            agg = _aggregate(indicator, data)
            values["kommun"] = float(agg.get(ort.kommun_code, np.nan))
            values["lan"] = float(agg.get(lan, np.nan))
            values["riket"] = float(agg.get("00", np.nan))
        if indicator.count_base is not None:
            base = float(indicator.count_base(data).get(ort.code, np.nan))
    else:  # kommun-level figure: the kommun, the län, riket; rank among the län's kommuner
        values["kommun"] = float(series.get(ort.kommun_code, np.nan))
        values["lan"] = float(series.get(lan, np.nan))
        values["riket"] = float(series.get("00", np.nan))
        all_kommuner = [c for c in ctx["kommuner"] if c.startswith(lan)]
        kommuner = series.reindex(all_kommuner).dropna()
        # A place among the län's kommuner only when (nearly) all of them have the figure.
        if len(kommuner) >= max(2, 0.9 * len(all_kommuner)) and not np.isnan(values["kommun"]):
            rank = (int((kommuner > values["kommun"]).sum()) + 1, int(len(kommuner)))
    source = _source_for(indicator, series, data.snapshot)
    if "kommun_folkmangd" in indicator.requires:  # name what produced the population figures used
        years = [y for y in (series.attrs.get("start"), series.attrs.get("year")) if y] or [ind.TATORT_YEAR]
        source = Source(_population_source(data, [ort.kommun_code, lan, "00"], years), source.ref,
                        source.fetched_at, source.origin)
    stat = Stat(
        key=indicator.key, label=label, unit=indicator.unit, section=indicator.section,
        level=indicator.level, values=values, source=source,
        rank=rank, percentile=percentile, note=indicator.note, wording=indicator.wording, base=base,
        comparator_label=indicator.comparator_label,
    )
    code = ort.code if indicator.level == "tatort" else ort.kommun_code
    if T.is_missing(stat.value):
        stat.status = (series.attrs.get("status") or {}).get(code)
    stat.caveats = caveats_for(stat, series)
    return stat


def _population_source(data: ind.Data, regions: list[str], years: list[int]) -> str:
    """Readable sources of the population figures of ``regions`` in ``years`` ("SCB, … (via Wikipedia)")."""
    k = data.kommun_folkmangd
    rows = k[k["region_code"].isin(regions) & k["year"].isin([int(y) for y in years])]
    ids = ";".join(rows["source"].astype(str))
    return source_text(ids.replace(" (hämtad)", "")) or "SCB, folkmängd 31 december"


def caveats_for(stat: Stat, series: pd.Series | None = None) -> list[str]:
    """Plain-Swedish caveats for small counts, small bases and changes within SCB's noise."""
    out = []
    v = stat.value
    if stat.unit in ("personer", "antal", "förändring personer") and not T.is_missing(v) and abs(v) < SMALL_COUNT \
            and stat.key not in ("kommun_forandring_1", "tatorter_10km"):
        out.append(f"Litet tal (under {SMALL_COUNT}): slumpen spelar stor roll.")
    if stat.base is not None and not T.is_missing(stat.base) and stat.base < SMALL_BASE:
        out.append(f"Andelen bygger på färre än {SMALL_BASE} personer och kan ändras mycket från år till år.")
    year = (series.attrs.get("year") if series is not None else None) or 0
    if stat.key == "kommun_forandring_1" and not T.is_missing(v) and abs(v) < NOISE_PERSONS \
            and year >= NOISE_FROM_YEAR:
        out.append("Förändringen är så liten att den kan bero på SCB:s slumpbrus.")
    return out


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
           "end_year": ind.common_end_year(data, [loc.kommun_code, lan, "00"])}
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


def _peer_rule(reg: Registry, loc: Locality, lan: str, peer_min: int, peer_max: int, peer_typ: str) -> dict:
    """Which tätorter are "liknande orter" for ``loc``, and the words that say so."""
    in_band = peer_min <= loc.population <= peer_max
    if in_band:
        lo, hi = peer_min, peer_max
        size = f"{T.fmt_number(lo)}–{T.fmt_number(hi)} invånare"
    else:  # a town outside the band is compared with towns of its own size, never with villages
        lo, hi = int(round(loc.population / 2)), int(round(loc.population * 2))
        size = (f"hälften till dubbelt så många invånare som {loc.name} ({T.fmt_number(lo)}–{T.fmt_number(hi)}), "
                f"eftersom {loc.name} ligger utanför intervallet {T.fmt_number(peer_min)}–{T.fmt_number(peer_max)}")
    kind = peer_typ if in_band else "alla"
    rural = reg.is_rural(loc.code)
    where = lan
    if not in_band:  # too few towns of its size in the län: look in all of Sweden, then wider
        f = reg.frame
        n_lan = int(((f["lan_code"] == lan) & f["population"].between(lo, hi)).sum()) - 1
        if n_lan < 5:
            where = ""
            n_all = int(f["population"].between(lo, hi).sum()) - 1
            if n_all < 5:
                lo, hi = int(round(loc.population / 3)), int(round(loc.population * 3))
                size = (f"en tredjedel till tre gånger så många invånare som {loc.name} ({T.fmt_number(lo)}–"
                        f"{T.fmt_number(hi)}), eftersom {loc.name} ligger utanför intervallet "
                        f"{T.fmt_number(peer_min)}–{T.fmt_number(peer_max)}")
    if kind == "samma":
        what = ("landsbygdsorter: minst " if rural else "orter som, liksom " + loc.name + ", ligger inom ") + \
            f"{T.fmt_number(config.RURAL_KM)} km fågelvägen från en annan tätort med minst " \
            f"{T.fmt_number(config.TOWN_MIN)} invånare"
    else:
        what = "alla tätorter i storleksintervallet"
    return {"min": lo, "max": hi, "kind": kind, "in_band": in_band, "rural": rural, "size": size, "what": what,
            "lan": where}


def _age_trend(data: ind.Data, loc: Locality, lan: str) -> pd.DataFrame:
    """Share (%) 65 år och äldre per 31 December: the kommun and the län (sum of its kommuner)."""
    parts = []
    f = data.table("kommun_alder_55plus") if data.has("kommun_alder_55plus") else pd.DataFrame()
    f = f[f["region_code"].str.startswith(lan)] if len(f) else f
    if len(f):  # 55+ in bands and the total population (alder "") per kommun and year
        old = f[f["alder"].map(ind._band_of) == "65+"].groupby(["region_code", "year"])["value"].sum()
        total = f[f["alder"] == ""].groupby(["region_code", "year"])["value"].sum()
        if loc.kommun_code in old.index.get_level_values(0):
            own = 100 * old.loc[loc.kommun_code] / total.loc[loc.kommun_code]
            parts.append(pd.DataFrame({"region_code": loc.kommun_code, "year": own.index, "share": own.to_numpy()}))
        if f["region_code"].nunique() >= 2:  # the län as the sum of its kommuner
            lan_share = 100 * old.groupby(level="year").sum() / total.groupby(level="year").sum()
            parts.append(pd.DataFrame({"region_code": lan, "year": lan_share.index, "share": lan_share.to_numpy()}))
    if data.has("kommun_alder_kon"):
        k = data.table("kommun_alder_kon")
        k = k[(k["variable"] == "folkmangd") & (k["alder"] != "")]
        k = k[k["region_code"].isin([loc.kommun_code, lan, "00"])]
        g = k.assign(old=k["value"].where(k["alder"].map(ind._band_of) == "65+", 0.0)).groupby(["region_code", "year"])
        share = 100 * g["old"].sum() / g["value"].sum()
        parts.append(share.rename("share").reset_index())
    if not parts:
        return pd.DataFrame(columns=["region_code", "year", "share"])
    out = pd.concat(parts, ignore_index=True).drop_duplicates(["region_code", "year"], keep="last")
    return out.sort_values(["region_code", "year"]).reset_index(drop=True)


def _income_trend(data: ind.Data, loc: Locality, lan: str) -> pd.DataFrame:
    """Median income per year: the kommun, and the median and range of the län's kommuner."""
    if not data.has("kommun_inkomst"):
        return pd.DataFrame(columns=["year", "kommun", "lan_kommuner_median", "lan_min", "lan_max"])
    f = data.table("kommun_inkomst")
    f = f[(f["variable"] == "medianinkomst") & (f["kon"] == "")]
    ks = f[(f["region_code"].str.len() == 4) & f["region_code"].str.startswith(lan)]
    g = ks.groupby("year")["value"]
    own = f[f["region_code"] == loc.kommun_code].set_index("year")["value"]
    out = pd.DataFrame({"kommun": own, "lan_kommuner_median": g.median(), "lan_min": g.min(), "lan_max": g.max()})
    return out.rename_axis("year").reset_index().dropna(subset=["kommun"])


def _deso(snap: Snapshot, loc: Locality) -> dict | None:
    """The DeSO area that holds the tätort's point, when it is in the snapshot."""
    if not (snap.has("tatort_deso") and snap.has("deso_indikatorer")):
        return None
    m = snap.read("tatort_deso")
    hit = m[m["tatort_code"] == loc.code]
    if hit.empty:
        return None
    code = hit["deso_code"].iloc[0]
    ind_ = snap.read("deso_indikatorer")
    ind_ = ind_[ind_["region_code"] == code]
    values = {r.variable: (r.value, int(r.year), r.unit) for r in ind_.itertuples()}
    ages = snap.read("deso_alder") if snap.has("deso_alder") else None
    shares = {}
    if ages is not None:
        a = ages[(ages["region_code"] == code) & (ages["variable"] == "folkmangd")]
        if len(a):
            year = int(a["year"].max())
            a = a[a["year"] == year]
            total = a["value"].sum()
            by_band = a.groupby(a["alder"].map(ind._band_of))["value"].sum()
            shares = {band: (100.0 * by_band.get(band, 0.0) / total, year) for band in ind.AGE_BANDS}
    return {"code": code, "values": values, "age_shares": shares,
            "source": snap.info("deso_indikatorer").scb_table}


def _kommun_series(data: ind.Data, regions: list[str]) -> pd.DataFrame:
    """Population 31 December per year for ``regions`` (bundled, or fetched where fetched)."""
    k = data.kommun_folkmangd
    return k[k["region_code"].isin(regions)].copy()


def _used_tables(stats: dict[str, Stat]) -> set[str]:
    return {k for key in stats for k in ind.get(key).requires}


def _age_table(data: ind.Data, loc: Locality, lan: str, deso: dict | None = None) -> pd.DataFrame | None:
    """Shares (%) by age band for the tätort (when fetched), its kommun, the län and riket."""
    if not data.has("kommun_alder_kon"):
        return None
    bands = list(ind.AGE_BANDS)
    cols: dict[str, pd.Series] = {}
    year = None
    if data.has("tatort_alder"):
        t = ind.tatort_age_counts(data)
        year = t.attrs["year"]
        if loc.code in t.index:
            cols["ort"] = 100.0 * t.loc[loc.code, bands] / t.loc[loc.code, "total"]
    k = ind.kommun_age_counts(data, year)
    for who, code in (("kommun", loc.kommun_code), ("lan", lan), ("riket", "00")):
        if code in k.index:
            cols[who] = 100.0 * k.loc[code, bands] / k.loc[code, "total"]
    out = pd.DataFrame(cols).astype(float)
    out.attrs["year"] = year or k.attrs["year"]
    out.attrs["years"] = {c: out.attrs["year"] for c in out.columns}
    if deso and deso.get("age_shares"):
        sh = deso["age_shares"]
        out["deso"] = [sh[b][0] if b in sh else np.nan for b in out.index]
        out.attrs["years"]["deso"] = next(iter(sh.values()))[1]
        out.attrs["deso_code"] = deso["code"]
    return out


def _tatort_series(loc: Locality, snap: Snapshot) -> pd.DataFrame:
    """The locality's tätort figures over the years (fetched or bundled; SCB tables win over others)."""
    parts = []
    for key in ("tatort_folkmangd", "tatort_historik"):
        if snap.has(key):
            f = snap.read(key)
            parts.append(f[(f["region_code"] == loc.code) & (f["alder"] == "") & (f["kon"] == "")])
    out = pd.concat(parts, ignore_index=True)
    out = out[out["value"].notna() | out["status"].notna()]
    out = out[out["variable"].isin(["folkmangd", "landareal"])]
    # Keep the first (tatort_folkmangd: SCB's table) of duplicated years.
    out = out.drop_duplicates(["year", "variable"], keep="first")
    out = out.sort_values(["variable", "year"]).reset_index(drop=True)
    return out if out["year"].nunique() > 1 else out.iloc[0:0]
