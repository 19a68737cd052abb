"""How a profile is shown: the cover, page 1, summaries, comparisons, prompts and writing pages.

A mixin of :class:`ortsprofil.profile.Profile`; the Swedish wording lives in
:mod:`ortsprofil.narrative`, the tables in :mod:`ortsprofil.present_tables`.
"""

from __future__ import annotations

import dataclasses
import html
from datetime import date

import numpy as np
import pandas as pd

from . import text as T
from .blocks import HtmlBlock, Table, html_table, markdown_block
from .compute import _used_tables
from .errors import InvalidParameterError
from .model import SECTIONS, SMALL_BASE, SMALL_COUNT, Stat


class ProfileView:
    """Presentation methods of a Profile (for the notebook: each returns a displayable block)."""

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


def _source_line(p, key: str) -> str:
    info = p.snapshot.info(key)
    return f"{info.scb_table} (se Källor och förbehåll)"


# -- building ---------------------------------------------------------------------------------
