"""How a profile is shown: the cover, page 1, the key figures, comparisons, summaries, prompts and
the writing pages. Each function takes a :class:`~ortsprofil.figures.model.Profile` and returns a
block the notebook displays (one call per cell); the words come from
:mod:`ortsprofil.present.narrative`, the HTML from the templates in ``templates/fragments/``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from ortsprofil import text as T
from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures.compute import used_tables
from ortsprofil.figures.model import SECTIONS, SMALL_BASE, SMALL_COUNT, Profile, Stat, sources_line
from ortsprofil.present import narrative
from ortsprofil.present.blocks import HtmlBlock, Table, fragment, html_table, list_box, markdown_block
from ortsprofil.present.records import baseline_block, since_block

#: The figures of page 1 and of the key-figure box, in order.
ONE_PAGE = ("folkmangd", "tathet", "tatort_forandring", "kommun_forandring_10", "kommun_forandring_1", "andel_65plus",
            "kommun_andel_65plus", "medianinkomst", "sysselsattningsgrad", "avstand_10k", "apotek_km")
KEY_FIGURES = ("folkmangd", "tathet", "andel_av_kommunen", "kommun_tathet", "tatort_forandring", "kommun_forandring_10",
               "kommun_forandring_1", "andel_65plus", "kommun_andel_65plus", "medianinkomst",
               "sysselsattningsgrad", "avstand_10k", "apotek_km")


def heading(p: Profile, mote_datum: str = "", mote_plats: str = "", processledare: str = "") -> HtmlBlock:
    """Cover block: name, kommun, län, date, purpose — and the meeting, when given.

    Raises
    ------
    InvalidParameterError
        When ``mote_datum`` is not a date (ÅÅÅÅ-MM-DD).
    """
    o = p.ort
    sub = f"{o.kommun_name} kommun, {o.lan_name} · tätortskod {o.code}"
    built = T.fmt_date(p.built)
    meeting = meeting_line(mote_datum, mote_plats, processledare)
    tested = test_value_tables(p)
    warn = ("TESTVÄRDEN – inte SCB:s siffror. Tabellerna " + ", ".join(tested) + " hämtades från en "
            "testserver. Använd inte den här profilen som underlag; hämta om från SCB med "
            "ortsprofil data hamta --tvinga.") if tested else ""  # a test server's figures never pass for SCB's
    h = fragment("cover", kicker="Underlag inför stormöte", title=f"Ortsprofil: {o.name}", sub=[sub],
                 meeting=meeting, built=f"Sammanställd {built} ur {narrative.sources_in_words(p)}", warning=warn)
    plain = f"Ortsprofil: {o.name}\n{sub}\n" + (f"{meeting}\n" if meeting else "") + f"Sammanställd {built}"
    return HtmlBlock(h, plain + (f"\n{warn}" if warn else ""))


def test_value_tables(p: Profile) -> list[str]:
    """Snapshot tables behind this profile that a test server filled ("TESTVÄRDEN")."""
    keys = sorted(used_tables(p.stats) | {"kommun_alder_kon", "deso_alder", "deso_indikatorer"})
    return [k for k in keys if p.snapshot.has(k) and p.snapshot.info(k).test_values]


def figures_shown(p: Profile, keys: tuple[str, ...]) -> list[tuple[str, Stat]]:
    """(label, stat) for the figures of ``keys`` the profile has; the kommun's 65+ share only when
    the tätort's is missing; kommun figures labelled with the kommun's name."""
    out = []
    for key in keys:
        s = p.stats.get(key)
        if s is None or (key == "kommun_andel_65plus" and "andel_65plus" in p.stats):
            continue
        out.append((s.display_label if s.level == "tatort" else f"{s.display_label}, {p.ort.kommun_name}", s))
    return out


def one_pager(p: Profile) -> HtmlBlock:
    """Page 1, "Glimåkra på en sida": key figures with year and comparison, what stands out, questions."""
    rows = [{"Mått": label, "Värde": s.formatted(), "Jämfört med": narrative.comparison_words(p, s)}
            for label, s in figures_shown(p, ONE_PAGE)]
    facts = narrative.highlights(p)
    questions = []
    for section in ("oversikt", "befolkning", "alder", "arbete", "lage"):
        qs = narrative.prompts(p, section)
        if qs:
            questions.append(qs[0])
    questions = questions[:4]
    facts = [f for f in facts if not any(q.startswith(f.rstrip(".")[:40]) for q in questions)][:4]
    h = fragment("one_pager", name=p.ort.name, table=html_table(pd.DataFrame(rows)), facts=facts,
                 questions=questions, note=narrative.ONE_PAGE_NOTE)
    plain = (f"{p.ort.name} på en sida\n" + pd.DataFrame(rows).to_string(index=False) + "\n"
             + "\n".join(f"* {f}" for f in facts) + "\n" + "\n".join(f"{i}. {q}" for i, q in enumerate(questions, 1)))
    return HtmlBlock(h, plain)


def key_figures(p: Profile) -> Table:
    """The key-figure box: each figure with a comparison in words and its source."""
    rows, raw = [], []
    for label, s in figures_shown(p, KEY_FIGURES):
        rows.append({"Mått": label, "Värde": s.formatted(), "Jämfört med": narrative.comparison_words(p, s)})
        raw.append({"key": s.key, **s.values})
    return Table(pd.DataFrame(rows), caption=f"{p.ort.name} i siffror",
                 note=narrative.peer_rule_words(p) + " Kommun, län och riket jämförs med samma mått och samma år.",
                 source=narrative.source_words(p), raw=pd.DataFrame(raw))


def comparison(p: Profile, section: str) -> Table | HtmlBlock:
    """Every figure of ``section`` next to kommun, län, riket and peers, with rank."""
    stats = p.section(section)
    if not stats:
        return HtmlBlock("", "")  # section_missing() says why
    rows, raw = [], []
    for s in stats:
        dash = lambda who: s.formatted(who) if not T.is_missing(s.values.get(who)) else "–"  # noqa: E731
        label = s.display_label
        if s.comparator_label:
            label += " – kommun, län och riket: " + s.comparator_label.format(where="området")
        rows.append({
            "Mått": label,
            p.ort.name: s.formatted("ort") if s.level == "tatort" else "–",
            "Kommunen": s.formatted("kommun") if s.level == "kommun" else dash("kommun"),
            p.lan_name: dash("lan"),
            "Riket": dash("riket"),
            "Liknande orter (median)": dash("peers_median"),
            "Plats (1 = högst)": (f"{s.rank[0]} av {s.rank[1]}" + ("" if s.wording.most == "högst" else
                                  f" (1 = {s.wording.most})")) if s.rank else "",
        })
        raw.append({"key": s.key, **s.values, "rank": s.rank[0] if s.rank else None})
    caveats = sorted({c for s in stats for c in s.caveats})
    notes = sorted({s.note for s in stats if s.note})
    ranked = {s.level for s in stats if s.rank}
    if ranked:
        among = {"kommun": f"bland {p.lan_name}s kommuner för kommunens tal",
                 "tatort": "bland de liknande orterna för ortens tal"}
        notes.insert(0, "Plats: " + " och ".join(among[lv] for lv in ("kommun", "tatort") if lv in ranked) + ".")
    return Table(pd.DataFrame(rows), caption=f"{SECTIONS[section]}: jämförelser",
                 source=sources_line(s.source for s in stats),
                 note=" ".join(notes + caveats) or None, raw=pd.DataFrame(raw))


def summary(p: Profile, section: str) -> HtmlBlock:
    """The auto-written paragraph for ``section`` (facts from the profile only)."""
    return markdown_block(narrative.summary(p, section))


def prompts(p: Profile, section: str) -> HtmlBlock:
    """Questions for the stormöte, each opening with a fact of the profile."""
    return list_box("Att samtala om", narrative.prompts(p, section), css="op-prompts", plain_title="Att samtala om:")


def local_box(p: Profile, section: str = "") -> HtmlBlock:
    """A lined writing space for what the statistics cannot know (one section's box)."""
    what = SECTIONS.get(section, "")
    title = f"Lokal kunskap – {what.lower()}" if what else "Lokal kunskap"
    qs = narrative.prompts(p, section) if what else []
    return HtmlBlock(fragment("local_box", title=title, questions=qs), f"[{title}: skrivyta att fylla i för hand]")


def since(p: Profile, jamfor_med: str = "") -> HtmlBlock:
    """"Sedan förra underlaget": figures changed since an earlier record (a profil.json path, a date
    ÅÅÅÅ-MM-DD or "senaste"); empty when ``jamfor_med`` is empty or there is no earlier record."""
    return since_block(p, jamfor_med)


def since_start(p: Profile, baslinje: int | str = 0) -> HtmlBlock:
    """"Sedan starten": each series at the baseline year and now (0 = none)."""
    return baseline_block(p, baslinje)


def notes_pages(p: Profile) -> HtmlBlock:
    """Writing pages at the end: one box per section with its questions repeated, two per A4 page."""
    boxes = [local_box(p, s) for s in SECTIONS if s != "kallor" and p.section(s)]
    return HtmlBlock('<div class="op-notes">' + "".join(b._repr_html_() for b in boxes) + "</div>",
                     "\n".join(repr(b) for b in boxes))


def caveats(p: Profile) -> HtmlBlock:
    """Every small-number caveat of the profile, once."""
    items = sorted({f"{s.label}: {c}" for s in p.stats.values() for c in s.caveats})
    if not items:
        return markdown_block("Inga av profilens tal ligger under gränserna för små tal "
                              f"(färre än {SMALL_COUNT} personer, andelar av färre än {SMALL_BASE}).")
    return list_box("Små tal – läs med försiktighet", items, css="op-caveat", plain_title="Små tal:")


def meeting_line(mote_datum: str = "", mote_plats: str = "", processledare: str = "") -> str:
    """"Stormöte 10 december 2026 · Glimåkra bygdegård · Processledare: Anna" (empty when nothing given).

    Raises
    ------
    InvalidParameterError
        When ``mote_datum`` is not a date (ÅÅÅÅ-MM-DD).
    """
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
