"""The profile's tables and notes: named tables, sources, missing figures, DeSO, reservations.

Each function takes a :class:`~ortsprofil.figures.model.Profile` and returns a block for the notebook."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures import indicators as ind
from ortsprofil.figures import twins
from ortsprofil import text as T
from ortsprofil.present import narrative
from ortsprofil.present.blocks import HtmlBlock, Table, markdown_block
from ortsprofil.data.bundle import source_text
from ortsprofil.figures.model import sources_line, CKM_NOTE, SECTIONS, SMALL_BASE, SMALL_COUNT


def table(p, name: str) -> Table:
    """A reader-facing table: "befolkning", "tatort_historik", "grannar", "liknande", "alder", "kallor".

    Raises
    ------
    InvalidParameterError
        For a name that is none of these.
    """
    tables = {"befolkning": _table_befolkning, "tatort_historik": _table_tatort_historik, "grannar": _table_grannar,
              "liknande": _table_liknande, "alder": _table_alder, "kallor": _table_kallor}
    if name not in tables:
        raise InvalidParameterError(f"Okänd tabell {name!r}: välj bland {', '.join(tables)}.")
    return tables[name](p)


def _source_line(p, key: str) -> str:
    return f"{p.snapshot.info(key).scb_table} (se Källor och förbehåll)"


def _table_befolkning(p) -> Table:
    k = p.kommun_series
    k = k[k["region_code"] == p.ort.kommun_code].sort_values("year")
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
    return Table(frame, caption=f"Folkmängd i {p.kommun_label}", source=_source_line(p, "kommun_folkmangd"),
                 raw=sel)


def _table_tatort_historik(p) -> Table:
    t = p.tatort_series
    pop = t[t["variable"] == "folkmangd"].sort_values("year") if len(t) else t
    if pop.empty:
        return Table(pd.DataFrame({"Uppgift": [f"Ingen äldre tätortsstatistik för {p.ort.name} i ortsprofils uppgifter."]}))
    frame = pd.DataFrame(
        {"År": pop["year"].astype(str),
         "Folkmängd": [T.fmt_number(v, status=s) for v, s in zip(pop["value"], pop["status"])],
         "Källa": [source_text(x) for x in pop["source"]]}
    )
    return Table(frame, caption=f"Folkmängd i tätorten {p.ort.name} (med det årets gränser)",
                 source="SCB, tätortsstatistik (folkmängd 31 december); se Källor och förbehåll", raw=pop)


def _table_grannar(p) -> Table:
    n = p.neighbours
    frame = pd.DataFrame(
        {
            "Tätort": n["tatort_name"],
            "Kommun": n["kommun_name"],
            "Folkmängd 2020": [T.fmt_number(v) for v in n["population"]],
            "Avstånd (km, fågelvägen)": [T.fmt_number(v, 1) for v in n["distance_km"]],
        }
    )
    return Table(frame, caption=f"Närmaste tätorter runt {p.ort.name}",
                 source="SCB, tätorter 2020 (folkmängd 31 december 2020)", raw=n)


def _table_liknande(p) -> Table:
    if p.peer_rule.get("twins"):
        return _table_twins(p)
    peers = p.peers
    dens = peers["population"] / (peers["land_area_ha"] / 100.0)
    frame = pd.DataFrame(
        {
            "Plats": peers["rank"].astype(str),
            "Tätort": [f"▶ {n}" if is_ort else n for n, is_ort in zip(peers["tatort_name"], peers["is_ort"])],
            "Kommun": peers["kommun_name"],
            "Folkmängd": [T.fmt_number(v) for v in peers["population"]],
            "Landareal (ha)": [T.fmt_number(v) for v in peers["land_area_ha"]],
            "Invånare per km²": [T.fmt_number(v) for v in dens],
        }
    )
    # The neighbourhood in the ranking: the top 3 and 4 on each side of the locality.
    pos = int(np.flatnonzero(peers["is_ort"].to_numpy())[0])
    keep = sorted(set(range(min(3, len(peers)))) | set(range(max(0, pos - 4), min(len(peers), pos + 5))))
    frame = frame.iloc[keep]
    cap = (f"{p.ort.name} bland {len(peers)} tätorter {narrative.peer_scope(p)} med "
           f"{T.fmt_number(p.peer_min)}–{T.fmt_number(p.peer_max)} invånare (utdrag, efter folkmängd)")
    return Table(frame, caption=cap, source="SCB, tätorter 2020 (folkmängd 31 december 2020)", raw=peers)


def _table_twins(p) -> Table:
    """The structural twins beside the locality: where they are, their key figures and what they are most
    alike in; the features and weights in the note."""
    peers = p.peers
    lans = p.snapshot.read("regioner").set_index("region_code")["region_name"]
    short = {code: T.lan_short(name) for code, name in lans.items()}

    def col(key: str, unit: str) -> list[str]:
        return [T.fmt_value(v, unit) if key in peers else T.MISSING for v in peers.get(key, [None] * len(peers))]

    frame = pd.DataFrame({
        "Tätort": [f"▶ {n}" if is_ort else n for n, is_ort in zip(peers["tatort_name"], peers["is_ort"])],
        "Kommun, län": [f"{k}, {short.get(c, c)}" for k, c in zip(peers["kommun_name"], peers["lan_code"])],
        "Folkmängd": [T.fmt_number(v) for v in peers["population"]],
        "Förändring 2015–2020": col("tatort_forandring", "förändring procent"),
        "Till stad (km)": [T.fmt_number(v, 1) for v in peers.get("avstand_10k", [None] * len(peers))],
        "Mest lika i": ["–" if is_ort else ", ".join(twins.SHORT.get(x, x) for x in r)
                        for r, is_ort in zip(peers["reason"], peers["is_ort"])],
    })
    cap = f"De {len(peers) - 1} orter {narrative.peer_scope(p)} som mest liknar {p.ort.name}"
    note = ("Närmast först. Till stad = fågelvägen till närmaste annan tätort med minst 10 000 invånare. Likheten "
            "räknas över åtta mått, standardiserade över alla Sveriges 2 017 tätorter (storlek och avstånd på "
            "logaritmisk skala): " + twins.weights_words() + ". Ett mått som saknas för en ort räknas inte med "
            "för den orten; kommunens mått är desamma för orter i samma kommun.")
    return Table(frame, caption=cap, note=note,
                 source="SCB (tätorter 2015 och 2020, kommunernas befolkning, inkomster och sysselsättning); "
                        "Tillväxtverket, Pipos (apotek)", raw=peers)


def _table_alder(p) -> Table:
    a = p.age_table
    if a is None or a.empty:
        return Table(pd.DataFrame({"Uppgift": ["Åldersfördelningen finns inte i ortsprofils uppgifter."]}))
    names = {"ort": p.ort.name, "kommun": "Kommunen", "lan": p.lan_name, "riket": "Riket"}
    frame = pd.DataFrame({"Ålder": [f"{b} år" for b in a.index]})
    for col in a.columns:
        frame[names.get(col, col)] = [T.fmt_percent(v) for v in a[col]]
    return Table(frame, caption="Andel av befolkningen i varje åldersgrupp",
                 source=sources_line(s.source for s in p.section("alder")), raw=a)


def _table_kallor(p) -> Table:
    rows = []
    keys = sorted({k for i in ind.INDICATORS for k in i.requires} | {"tatorter", "tatort_folkmangd",
                                                                      "tatort_historik", "kommun_folkmangd"})
    for key in keys:
        if not p.snapshot.has(key):
            continue
        info = p.snapshot.info(key)
        rows.append(
            {
                "Tabell": info.scb_table,
                "Innehåll": info.title,
                "Referenstid": info.ref,
                "Ursprung": ("hämtad " + (info.fetched_at or "")[:10]) if info.origin == "fetched" else "medföljer",
            }
        )
    return Table(pd.DataFrame(rows), caption="Tabeller som profilen bygger på",
                 source="Statistiska centralbyrån (SCB), fri data (CC0); apoteksavstånd: Tillväxtverket; tätortsytor: "
                 "Lantmäteriet. Ursprung: medföljer = i de uppgifter som följer med programmet; hämtad = "
                 "hämtad från SCB:s API det datumet. Varje tabells ursprung finns i projektets källförteckning.")


def missing_note(p) -> HtmlBlock:
    """The one list of figures the profile could not show, and why."""
    if not p.missing:
        return markdown_block("Alla mått i profilen finns i ortsprofils uppgifter.")
    why = {
        "tatort_alder": "SCB:s tätortsstatistik efter ålder ingår inte i de uppgifter som följer med ortsprofil",
        "kommun_forandringar": "födda, döda och flyttningar ingår inte i de uppgifter som följer med ortsprofil",
        "tatort_service": "avstånd till apotek saknas i ortsprofils uppgifter",
        "kommun_hushall": "boendeform saknas i ortsprofils uppgifter",
    }
    by_reason: dict[str, list[str]] = {}
    for i in p.missing:  # one line per reason, naming every figure it keeps out
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


def deso_block(p) -> HtmlBlock:
    """"Området runt Näsum (DeSO 1272B2010)": the closest thing to village-level statistics."""
    d = p.deso
    if not d:
        return markdown_block(deso_missing_words(p), css="op-note")
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
        if var in kommun_same and var in p.stats and p.stats[var].period == str(year):
            komm = p.stats[var].formatted()
        rows.append({"Mått": f"{label} ({year})", "Området": T.fmt_value(value, unit),
                     f"{p.ort.kommun_name} kommun (samma år)": komm})
    for band, label in (("0-19", "Andel 0–19 år"), ("65+", "Andel 65 år och äldre")):
        if band in d["age_shares"]:
            share, year = d["age_shares"][band]
            rows.append({"Mått": f"{label} ({year})", "Området": T.fmt_percent(share),
                         f"{p.ort.kommun_name} kommun (samma år)": "–"})
    caption = f"Området runt {p.ort.name} (DeSO {d['code']})"
    note = (f"Ett DeSO-område (demografiskt statistikområde) har 700–2 700 invånare och är större än tätorten: "
            f"det omfattar {p.ort.name} och landsbygden runt omkring. Från och med 2025 lägger SCB ett litet "
            "slumpbrus på befolkningssiffrorna, så små skillnader ska inte tolkas.")
    return Table(pd.DataFrame(rows), caption=caption, source=d["source"], note=note)


def deso_missing_words(p) -> str:
    """One line where the profile has no DeSO area: why, and what would give one."""
    snap = p.snapshot
    kommuner = set(snap.read("tatort_deso")["kommun_code"]) if snap.has("tatort_deso") else set()
    if p.ort.kommun_code in kommuner:
        return (f"{p.ort.name}s punkt ligger inte i något av de DeSO-områden som ortsprofil har uppgifter om i "
                f"{p.kommun_label}, så här finns inga siffror för området runt orten.")
    return (f"Siffror för området runt {p.ort.name} (DeSO, demografiska statistikområden) finns i ortsprofils uppgifter bara "
            f"för Bromölla och Östra Göinge kommun, inte för {p.kommun_label}. Uppgifterna för tätorten och "
            "kommunen ovan gäller.")


def section_missing(p, section: str) -> HtmlBlock:
    """A one-line pointer when a section has no figures (the list itself is under Källor)."""
    if p.section(section):
        return HtmlBlock("", "")
    return markdown_block(
        f"Uppgifterna för avsnittet {SECTIONS[section]} finns inte i ortsprofils uppgifter. "
        "Se listan under Källor och förbehåll.", css="op-note")


def boundary_note(p) -> HtmlBlock:
    """Why a tätort's figures of different years are not strictly comparable (only when there are some)."""
    t = p.tatort_series
    if not len(t) or t.loc[t["variable"] == "folkmangd", "year"].nunique() < 2:
        return HtmlBlock("", "")
    return markdown_block(
        "**Obs:** SCB drar om tätorternas gränser vid varje avgränsning (vart femte år 1960–2015, "
        "sedan 2018, 2020 och 2023). Folkmängden i en tätort olika år är därför inte helt "
        "jämförbar: en del av en förändring kan bero på ändrade gränser.", css="op-caveat")


def reservations(p) -> HtmlBlock:
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
    parts += [f"**Not från SCB:** {n}" for n in p.notes]
    return markdown_block("\n\n".join(parts))
