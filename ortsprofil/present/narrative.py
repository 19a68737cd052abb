"""The words of a profile: comparisons, section summaries and discussion prompts, in Swedish.

Every sentence is built from figures in the :class:`~ortsprofil.figures.profile.Profile` — nothing is
looked up or invented here — so what the text says always matches the tables beside it.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

import numpy as np

from ortsprofil import config
from ortsprofil import text as T
from ortsprofil.data.bundle import source_text

if TYPE_CHECKING:  # pragma: no cover
    from ortsprofil.figures.model import Profile, Stat

#: Units where a ratio phrase ("dubbelt så hög") makes no sense (changes can be negative).
_CHANGE_UNITS = ("förändring procent", "förändring personer")

#: The note under page 1.
ONE_PAGE_NOTE = ("Talen är SCB:s (apoteksavstånd: Tillväxtverket). Varje tal har sitt år; kommun, län och riket "
                 "jämförs med samma mått och samma år. Mer om varje tal och alla källor finns på de följande sidorna.")


def where(p: "Profile", comparator: str) -> str:
    """How a comparator is named in running text ("i Skåne län", "hos liknande orter")."""
    return {
        "kommun": f"i {p.kommun_label}",
        "lan": f"i {p.lan_name}",
        "riket": "i riket",
        "peers_median": "hos liknande orter",
    }[comparator]


def where_for(p: "Profile", s: "Stat", comparator: str) -> str:
    """How a comparator of stat ``s`` is named: "i Skåne län", or "i tätorterna i Skåne län"."""
    if s.comparator_label and comparator in ("kommun", "lan", "riket"):
        name = {"kommun": p.kommun_label, "lan": p.lan_name, "riket": "riket"}[comparator]
        return "i " + s.comparator_label.format(where=name)
    return where(p, comparator)


def phrase(p: "Profile", key: str, comparator: str) -> str | None:
    """Comparison phrase for stat ``key`` against ``comparator`` (None if not comparable)."""
    s = p.stats.get(key)
    if s is None:
        return None
    return T.compare(s.value, s.values.get(comparator), where_for(p, s, comparator), s.wording)


def named_label(p: "Profile", s: "Stat") -> str:
    """The label with its year, naming the kommun when the figure is the kommun's
    ("Andel hushåll i bostadsrätt i Bromölla kommun (2019)")."""
    if s.level == "tatort" or "kommun" in s.label.lower():
        return s.display_label
    return dataclasses.replace(s, label=f"{s.label} i {p.kommun_label}").display_label


def sources_in_words(p: "Profile") -> str:
    """Where the profile's figures come from, for the cover: SCB's statistics, saying so when some
    population figures were taken from a page that quotes SCB, and naming the other open sources."""
    texts = [s.source.table for s in p.stats.values()]
    own = p.kommun_series[p.kommun_series["region_code"] == p.ort.kommun_code]  # the kommun's table and chart
    texts += [source_text(x) for x in set(own["source"].astype(str))]
    texts += [source_text(x) for x in set(p.tatort_series["source"].astype(str))] if len(p.tatort_series) else []
    out = "SCB:s statistik"
    if any("(via " in t for t in texts):
        out += " (några folkmängdssiffror återgivna via Wikipedia och andra publicerade källor)"
    others = [name for name, mark in (("Tillväxtverket (apotek)", "Tillväxtverket"),) if any(mark in t for t in texts)]
    others.append("Lantmäteriet (kartans tätortsytor)")
    return out + " samt " + T.join_sv(others)


def source_words(p: "Profile") -> str:
    """The sources of the profile in words ("Statistiska centralbyrån (SCB); Tillväxtverket (…)")."""
    words = []
    if any(s.source.table.startswith("SCB") for s in p.stats.values()):
        words.append("Statistiska centralbyrån (SCB)")
    if any(s.source.table.startswith("Tillväxtverket") for s in p.stats.values()):
        words.append("Tillväxtverket (apotek och apoteksombud)")
    return "; ".join(words) + ". Tabellerna med referenstid står under Källor och förbehåll sist."


def highlights(p: "Profile", n: int = 4) -> list[str]:
    """Three to five facts that stand out most from their comparison, as plain sentences."""
    scored = []
    for s in p.stats.values():
        for who in (("lan", "peers_median") if s.level == "tatort" else ("lan",)):
            ref = s.values.get(who)
            if s.unit.startswith("förändring") or T.is_missing(s.value) or T.is_missing(ref) or ref <= 0 \
                    or s.value <= 0:
                continue
            text = T.compare(s.value, ref, where_for(p, s, who), s.wording)
            if text and not text.startswith(("ungefär som", "något")):
                scored.append((abs(np.log(s.value / ref)), f"{named_label(p, s)}: {s.formatted()}, {text}."))
    out = []
    trend = trend_words(p)
    if trend and " men " in trend:  # a trend that turned is always worth saying
        out.append(T.capitalize(trend) + ".")
    seen = set()
    for _score, text in sorted(scored, reverse=True):
        label = text.split(":")[0]
        if label not in seen:
            seen.add(label)
            out.append(text)
    return out[:n]


def _fmt(s: "Stat", who: str) -> str:
    return s.formatted(who)


def _numbers(p: "Profile", s: "Stat", whos: tuple[str, ...]) -> str:
    names = {"kommun": p.ort.kommun_name, "lan": p.lan_name, "riket": "riket", "peers_median": "liknande orter (median)"}
    parts = [f"{names[w]}: {_fmt(s, w)}" for w in whos if not T.is_missing(s.values.get(w))]
    return "; ".join(parts)


def _rank_words(p: "Profile", s: "Stat") -> str | None:
    if not s.rank:
        return None
    if s.level == "kommun":
        return f"plats {s.rank[0]} av {s.rank[1]} kommuner i {p.lan_name} (1 = {s.wording.most})"
    return f"plats {s.rank[0]} av {s.rank[1]} liknande orter"


def comparison_words(p: "Profile", s: "Stat") -> str:
    """One cell of the key-figure box: how the figure compares, in words, with the numbers."""
    out: list[str] = []
    if s.level == "tatort":
        comparators = ("lan", "peers_median") if not T.is_missing(s.values.get("lan")) else ("peers_median",)
        for who in comparators:
            ph = T.compare(s.value, s.values.get(who), where_for(p, s, who), s.wording)
            if ph:
                ref = _fmt(s, who)
                out.append(f"{ph} ({'median ' if who == 'peers_median' else ''}{ref})")
        if s.rank:
            out.append(_rank_words(p, s))
        return T.capitalize("; ".join(out)) if out else "–"
    if s.unit in _CHANGE_UNITS or s.unit == "personer" or any(
            v <= 0 for v in (s.value, s.values.get("lan", 1)) if not T.is_missing(v)):
        out.append(_numbers(p, s, ("lan", "riket")))
    else:
        for who in ("lan", "riket"):
            ph = T.compare(s.value, s.values.get(who), where_for(p, s, who), s.wording)
            if ph:
                out.append(f"{ph} ({_fmt(s, who)})")
    if T.is_missing(s.values.get("lan")) and s.rank:  # a median has no län value: its place among the kommuner
        out.append(_rank_words(p, s))
    out = [o for o in out if o]
    return T.capitalize("; ".join(out)) if out else "–"


def _sign_word(v: float, up: str = "ökade", down: str = "minskade") -> str:
    return up if v > 0 else (down if v < 0 else "var oförändrad")


def _change(v: float) -> str:
    return T.fmt_percent(abs(v))


def _tidy(text: str) -> str:
    """No doubled full stop after an abbreviation ("inv.." → "inv.")."""
    return re.sub(r"\.\.(?=\s|$)", ".", text)


def summary(p: "Profile", section: str) -> str:
    """A short paragraph (3–5 sentences) for ``section``, only from the profile's figures."""
    fn = globals().get(f"_summary_{section}")
    return _tidy(fn(p)) if fn else ""


def _summary_oversikt(p: "Profile") -> str:
    o, s = p.ort, p.stats
    lan_rank, lan_n = p.lan_rank
    out = [
        f"**{o.name}** hade {T.fmt_number(o.population)} invånare den 31 december 2020 på "
        f"{T.fmt_number(o.land_area_ha)} hektar land, alltså {s['tathet'].formatted()}.",
        f"Det gör {o.name} till den {'' if lan_rank == 1 else T.ordinal(lan_rank) + ' '}största av {lan_n} tätorter i "
        f"{p.lan_name}"
        + (f" och nummer {s['folkmangd'].rank[0]} av {s['folkmangd'].rank[1]} bland liknande orter."
           if s["folkmangd"].rank else "."),
    ]
    if "andel_av_kommunen" in s and not T.is_missing(s["andel_av_kommunen"].value):
        out.append(f"Ungefär {s['andel_av_kommunen'].formatted()} av invånarna i {p.kommun_label} bodde i {o.name}.")
    dens = [x for x in (phrase(p, "tathet", "peers_median"), phrase(p, "tathet", "lan")) if x]
    if dens:
        out.append(f"Befolkningstätheten i tätorten är {T.join_sv(dens)}.")
    return " ".join(out)


def trend_words(p: "Profile", with_lan: bool = False) -> str | None:
    """The kommun's population over the long period and the latest year, saying when it turned (and, with
    ``with_lan``, the län's change over the same ten years)."""
    s = p.stats.get("kommun_forandring_10")
    one = p.stats.get("kommun_forandring_1")  # the same end year: both periods end where all three regions have data
    if s is None or T.is_missing(s.values.get("kommun")):
        return None
    k = s.values["kommun"]
    span = s.label.rsplit(" ", 1)[-1]
    text = f"{p.kommun_label} {_sign_word(k, 'växte', 'minskade')} med {_change(k)} {span}"
    lan = s.values.get("lan")
    if with_lan and not T.is_missing(lan):
        text += f" ({p.lan_name}: {T.fmt_value(lan, 'förändring procent')})"
    end = int(span[-4:])
    pop = p.kommun_series
    pop = pop[(pop["region_code"] == p.ort.kommun_code) & pop["value"].notna() & (pop["year"] <= end)]
    pop = pop.set_index("year")["value"].sort_index()
    if one and not T.is_missing(one.values.get("kommun")) and end - 1 in pop.index and end in pop.index:
        persons = pop[end] - pop[end - 1]
        years = one.label.rsplit(" ", 1)[-1]
        turned = (persons < 0 < k) or (persons > 0 > k)
        word = "men " if turned else "och "
        verb = "ökade" if persons > 0 else "minskade"
        text += (f", {word}{verb} med {T.fmt_number(abs(persons))} invånare ({one.formatted()}) {years}"
                 if persons else f", {word}var oförändrad {years}")
        since = _since_turn(pop, end)
        if turned and since:
            text += since
    return text


def _since_turn(pop, end: int) -> str:
    """"; sedan 2020 har folkmängden minskat med 4,6 % (2020–2023)" when the population turned within the
    last ten years and has moved the other way for more than a year since ("" otherwise)."""
    recent = pop[pop.index >= end - 10]
    if len(recent) < 3:
        return ""
    falling = recent.iloc[-1] < recent.iloc[-2]
    turn = int(recent.idxmax() if falling else recent.idxmin())
    if turn >= end - 1:
        return ""
    change = 100 * (recent.iloc[-1] / recent[turn] - 1)
    return (f"; sedan {turn} har folkmängden {'minskat' if falling else 'ökat'} med {_change(change)} "
            f"({turn}–{end})")


def _summary_befolkning(p: "Profile") -> str:
    s = p.stats
    out: list[str] = []
    k = p.kommun_series
    own = k[k["region_code"] == p.ort.kommun_code].dropna(subset=["value"]).sort_values("year")
    if len(own):
        first, last = own.iloc[0], own.iloc[-1]
        out.append(f"{p.kommun_label} hade {T.fmt_number(last['value'])} invånare {int(last['year'])}, "
                   f"jämfört med {T.fmt_number(first['value'])} år {int(first['year'])}.")
    trend = trend_words(p, with_lan=True)
    if trend:
        out.append(trend + ".")
    st = s.get("kommun_forandring_30")
    if st and not T.is_missing(st.values["kommun"]):
        span = st.label.rsplit(" ", 1)[-1]
        out.append(f"Över trettio år, {span}, {_sign_word(st.values['kommun'])} befolkningen"
                   + (f" med {_change(st.values['kommun'])}." if st.values["kommun"] else "."))
    tatort = tatort_change_words(p)
    if tatort:
        out.insert(0, tatort)
    if "fodda_per_1000" in s and "doda_per_1000" in s:
        f, d = s["fodda_per_1000"], s["doda_per_1000"]
        out.append(f"I kommunen föddes {f.formatted()} och dog {d.formatted()} ({f.source.ref}).")
    if "flyttnetto_per_1000" in s:
        m = s["flyttnetto_per_1000"]
        out.append(f"Flyttnettot var {m.formatted()} ({p.lan_name}: {m.formatted('lan')}).")
    return " ".join(out[:6])


def tatort_change_words(p: "Profile") -> str | None:
    """The tätort's own population over the years: 2015–2020 for every tätort that was one in 2015 (SCB's
    tätort figures, each year with its own boundaries), the longer series where the snapshot has one, and
    why there is no figure for a tätort new in 2020 or merged from several."""
    st = p.stats.get("tatort_forandring")
    name = p.ort.name
    if st is None:
        return None
    if T.is_missing(st.value):
        if st.status == "ny 2020":
            return (f"{name} blev tätort först vid SCB:s avgränsning 2020, så det finns ingen tätortssiffra för "
                    "2015 att jämföra med.")
        if st.status == "sammanslagen":
            return (f"{name} var 2015 uppdelad på flera tätorter, så det finns ingen jämförbar tätortssiffra för "
                    "2015.")
        return None
    t = p.tatort_series
    pop = t[t["variable"] == "folkmangd"].dropna(subset=["value"]).sort_values("year") if len(t) else t
    kommun = st.values.get("kommun")
    same = f" ({p.kommun_label} under samma år: {T.fmt_value(kommun, st.unit)})" if not T.is_missing(kommun) else ""
    if len(pop) and int(pop["year"].iloc[0]) < 2015:  # a longer series: from its first year, then 2015–2020
        first = pop.iloc[0]
        return (f"I tätorten {name} bodde {T.fmt_number(first['value'])} personer år {int(first['year'])} och "
                f"{T.fmt_number(p.ort.population)} år 2020 — med gränser som ändrats mellan åren. "
                f"Från 2015 till 2020 förändrades folkmängden med {st.formatted()}{same}.")
    y15 = pop[pop["year"] == 2015]
    if not len(y15):
        return f"Tätorten {name} förändrades med {st.formatted()} från 2015 till 2020{same}."
    return (f"I tätorten {name} bodde {T.fmt_number(y15['value'].iloc[0])} personer 2015 och "
            f"{T.fmt_number(p.ort.population)} 2020, en förändring med {st.formatted()}{same}; gränserna kan ha "
            "ändrats mellan åren.")


def _summary_alder(p: "Profile") -> str:
    s = p.stats
    out: list[str] = []
    if "andel_65plus" not in s and "kommun_andel_65plus" in s:
        st = s["kommun_andel_65plus"]
        comp = phrase(p, "kommun_andel_65plus", "lan")
        out.append(f"I {p.kommun_label} var {st.formatted()} av invånarna 65 år eller äldre den 31 december "
                   f"{st.period}" + (f", {comp}." if comp else "."))
        young = s.get("kommun_andel_0_19")
        if young:
            out.append(f"Barn och unga 0–19 år var {young.formatted()} ({p.lan_name}: {young.formatted('lan')}).")
        t = p.age_trend[p.age_trend["region_code"] == p.ort.kommun_code]
        if len(t) > 1:
            a, b = t.iloc[0], t.iloc[-1]
            out.append(f"Andelen 65 år och äldre i kommunen har gått från {T.fmt_percent(a['share'])} "
                       f"{int(a['year'])} till {T.fmt_percent(b['share'])} {int(b['year'])}.")
        if p.deso:
            sh = p.deso["age_shares"].get("65+")
            if sh:
                out.append(f"I området runt {p.ort.name} (DeSO {p.deso['code']}) var andelen "
                           f"{T.fmt_percent(sh[0])} {sh[1]}.")
        out.append("SCB redovisar åldersgrupper per tätort bara i tätortsstatistiken (0–19, 20–64 och 65+ år), "
                   "som inte ingår i de uppgifter som följer med ortsprofil; siffrorna gäller därför hela kommunen.")
        return " ".join(out)
    if "andel_65plus" in s:
        st = s["andel_65plus"]
        comps = [x for x in (phrase(p, "andel_65plus", "lan"), phrase(p, "andel_65plus", "peers_median")) if x]
        out.append(f"I {p.ort.name} är {st.formatted()} av invånarna 65 år eller äldre ({st.source.ref[:4]})"
                   + (f", {T.join_sv(comps)}." if comps else "."))
        if "andel_0_19" in s:
            y = s["andel_0_19"]
            comp = phrase(p, "andel_0_19", "lan")
            out.append(f"Barn och unga 0–19 år är {y.formatted()}" + (f", {comp}." if comp else "."))
        if st.caveats:
            out.append("Andelarna bygger på få personer och ska läsas med försiktighet.")
    elif "kommun_andel_65plus" in s:
        st = s["kommun_andel_65plus"]
        comp = phrase(p, "kommun_andel_65plus", "lan")
        out.append(f"I {p.kommun_label} är {st.formatted()} av invånarna 65 år eller äldre"
                   + (f", {comp}." if comp else ".") + " Uppgiften för själva tätorten saknas i ortsprofils uppgifter.")
    return " ".join(out)


def _summary_arbete(p: "Profile") -> str:
    s = p.stats
    out: list[str] = []
    if "medianinkomst" in s:
        st = s["medianinkomst"]
        comp = phrase(p, "medianinkomst", "lan")
        rank = f", plats {st.rank[0]} av {st.rank[1]} kommuner i {p.lan_name}" if st.rank else ""
        out.append(f"Medianinkomsten i {p.kommun_label} var {st.formatted()} år {st.period}"
                   + (f", {comp}" if comp else "") + rank + ".")
        trend = p.income_trend
        if len(trend) > 10:
            a = trend[trend["year"] == trend["year"].max() - 10]
            if len(a):
                out.append(f"Tio år tidigare ({int(a['year'].iloc[0])}) var den {T.fmt_value(a['kommun'].iloc[0], 'tkr')} "
                           "(i löpande priser).")
    if "andel_eftergymnasial" in s:
        st = s["andel_eftergymnasial"]
        comp = phrase(p, "andel_eftergymnasial", "lan")
        out.append(f"{T.capitalize(st.formatted())} av kommunens 25–64-åringar hade eftergymnasial utbildning "
                   f"{st.period}" + (f", {comp}." if comp else "."))
    if "sysselsattningsgrad" in s:
        st = s["sysselsattningsgrad"]
        lan = f" ({p.lan_name}: {st.formatted('lan')})" if not T.is_missing(st.values.get("lan")) else \
            (f", plats {st.rank[0]} av {st.rank[1]} kommuner" if st.rank else "")
        out.append(f"Sysselsättningsgraden bland 20–64-åringar var {st.formatted()} {st.period}{lan}.")
    if "arbetsloshet" in s:
        st = s["arbetsloshet"]
        out.append(f"Arbetslösheten var {st.formatted()} samma år.")
    if out:
        out.append("SCB redovisar inte inkomst, utbildning och sysselsättning per tätort; uppgifterna gäller hela kommunen.")
    return " ".join(out)


def _summary_boende(p: "Profile") -> str:
    s = p.stats
    parts = [(k, w) for k, w in (("andel_smahus_agande", "i eget småhus"), ("andel_hyresratt", "i hyresrätt"),
                                 ("andel_bostadsratt", "i bostadsrätt")) if k in s]
    if not parts:
        return ""
    year = s[parts[0][0]].period
    items = [f"{s[k].formatted()} {w}" for k, w in parts]
    out = [f"Av hushållen i {p.kommun_label} bodde {T.join_sv(items)} ({year})."]
    lan = [f"{s[k].formatted('lan')} {w}" for k, w in parts if not T.is_missing(s[k].values.get("lan"))]
    if lan:
        out.append(f"I hela {p.lan_name} var det {T.join_sv(lan)}.")
    out.append("SCB redovisar boendeform per kommun, inte per tätort.")
    return " ".join(out)


def _summary_lage(p: "Profile") -> str:
    s = p.stats
    out: list[str] = []
    for r in p.larger_towns.itertuples():
        out.append(f"Närmaste tätort med minst {T.fmt_number(r.threshold)} invånare är {r.tatort_name} "
                   f"({r.kommun_name} kommun), {T.fmt_number(r.distance_km, 1)} km fågelvägen.")
    if "tatorter_10km" in s:
        n = int(s["tatorter_10km"].value)
        names = p.nearby[p.nearby["distance_km"] <= 10]["tatort_name"].tolist()
        if n:
            out.append(f"Inom 10 km finns {T.plural(n, 'annan tätort', 'andra tätorter')}: {T.join_sv(names)}.")
        else:
            out.append("Det finns ingen annan tätort inom 10 km.")
    ph = phrase(p, "avstand_10k", "peers_median")
    if ph:
        out.append(f"Avståndet till närmaste tätort med minst 10 000 invånare är {ph}.")
    if "apotek_km" in s:
        a = s["apotek_km"]
        o = s.get("apoteksombud_km")
        extra = (f" Närmaste apotek eller apoteksombud ligger {o.formatted()} bort." if o else "")
        out.append(f"Närmaste apotek ligger {a.formatted()} fågelvägen från {p.ort.name} (november 2025).{extra}")
    return " ".join(out)


def peer_scope(p: "Profile") -> str:
    """Where the profile's peers were drawn from: "i Skåne län" or "i hela Sverige" (the rule's own scope)."""
    return f"i {p.lan_name}" if p.peer_rule.get("lan", p.lan_code) else "i hela Sverige"


def peer_rule_words(p: "Profile") -> str:
    """Which tätorter the profile compares with, and how many there are."""
    r = p.peer_rule
    n = r.get("n", len(p.peers) - 1)
    if r.get("twins"):  # structural twins: what they are alike in, among which places, in one sentence
        kind = (f" och som, liksom {p.ort.name}, är {'landsbygdsorter' if r['rural'] else 'orter nära en stad'}"
                if r["kind"] == "samma" else "")
        return (f"Liknande orter är här de {n} tätorter {peer_scope(p)} som mest liknar {p.ort.name} i storlek, "
                "avstånd till stad, befolkningsutveckling, åldersstruktur, inkomster, sysselsättning och avstånd "
                f"till apotek — bland orter med {r['size']}{kind}.")
    text = f"Liknande orter är här de {n} tätorterna {peer_scope(p)} med {r['size']}"
    if r["kind"] == "samma":
        text += f" som är {r['what']}"
    text += "."
    if r["in_band"] and (r["min"], r["max"]) == (config.PEER_MIN, config.PEER_MAX):
        text += " Storleksgränsen är densamma som Region Skåne använder för lokal platsutveckling."
    return text


def twins_words(p: "Profile", n: int = 3) -> str:
    """"Mest lik Näsum är Åmotfors (Eda, Värmlands län): lika stor, …" for the nearest twins."""
    peers = p.peers[~p.peers["is_ort"]]
    if "reason" not in peers or not len(peers):
        return ""
    lans = p.snapshot.read("regioner").set_index("region_code")["region_name"]
    items = [f"{r.tatort_name} i {r.kommun_name} kommun, {T.lan_short(lans.get(r.lan_code, r.lan_code))} "
             f"({', '.join(r.reason)})" for r in peers.head(n).itertuples()]
    return f"Mest lika {p.ort.name} är {'; '.join(items[:-1]) + ' och ' + items[-1] if len(items) > 1 else items[0]}."


def _summary_liknande(p: "Profile") -> str:
    s = p.stats
    out = [peer_rule_words(p)]
    if p.peer_rule.get("twins"):
        out.append(twins_words(p))
        out.append(f"De {p.peer_rule.get('n')} orterna ligger i {T.plural(p.peers['lan_code'].nunique(), 'län', 'län')}.")
    for key, what in (("folkmangd", "folkmängd"), ("tathet", "befolkningstäthet"), ("avstand_10k", "avstånd till en tätort med minst 10 000 invånare")):
        st = s.get(key)
        if st and st.rank:
            out.append(f"Efter {what} hamnar {p.ort.name} på plats {st.rank[0]} av {st.rank[1]} (1 = {st.wording.most}).")
    return " ".join(out)


# -- discussion prompts (for the stormöte) -----------------------------------------------------


def prompts(p: "Profile", section: str) -> list[str]:
    """1–3 questions for the working group, each opening with a fact from the profile."""
    s, o = p.stats, p.ort
    out: list[str] = []
    if section == "oversikt":
        out.append(f"{o.name} har {T.fmt_number(o.population)} invånare och är nummer {s['folkmangd'].rank[0]} av "
                   f"{s['folkmangd'].rank[1]} liknande orter. Vad gör {o.name} till en plats där "
                   "människor vill bo — och vad saknas?")
    elif section == "befolkning":
        trend = trend_words(p)
        if trend:
            out.append(f"{T.capitalize(trend)}. Vad skulle få fler att flytta till, eller stanna i, {o.name}?")
        if "flyttnetto_per_1000" in s:
            m = s["flyttnetto_per_1000"]
            out.append(f"Flyttnettot i kommunen var {m.formatted()}. Vilka flyttar hit och härifrån, och varför?")
    elif section == "alder":
        for key, what in (("andel_65plus", "invånare som är 65 år eller äldre"), ("andel_0_19", "barn och unga 0–19 år")):
            ph = phrase(p, key, "lan")
            if ph:
                need = "service, omsorg och boende" if key == "andel_65plus" else "skola, förskola och fritid"
                out.append(f"Andelen {what} är {ph}. Vad betyder det för {need} i {o.name}?")
        if not out and "kommun_andel_65plus" in s:
            ph = phrase(p, "kommun_andel_65plus", "lan")
            if ph:
                out.append(f"I kommunen var andelen 65 år och äldre {ph} ({s['kommun_andel_65plus'].period}). "
                           f"Hur ser det ut i {o.name}, och vad betyder det för service, omsorg och boende?")
    elif section == "arbete":
        st = s.get("medianinkomst")
        ph = phrase(p, "medianinkomst", "lan")
        if ph:
            out.append(f"Medianinkomsten i {p.kommun_label} är {ph}. Vilka jobb finns i och nära {o.name}, "
                       "och hur tar man sig dit?")
        elif st and st.rank:
            out.append(f"Medianinkomsten i {p.kommun_label} ({st.formatted()}, {st.period}) är plats {st.rank[0]} av "
                       f"{st.rank[1]} kommuner i {p.lan_name}. Vilka jobb finns i och nära {o.name}, "
                       "och hur tar man sig dit?")
    elif section == "boende":
        st = s.get("andel_smahus_agande")
        if st:
            out.append(f"{T.capitalize(st.formatted())} av hushållen i kommunen bor i eget småhus ({st.period}). "
                       f"Vilka bostäder saknas i {o.name} — för unga, för äldre, för den som vill hyra?")
    elif section == "lage":
        ten = p.larger_towns[p.larger_towns["threshold"] == 10_000]
        if len(ten):
            r = ten.iloc[0]
            out.append(f"Närmaste tätort med minst 10 000 invånare är {r['tatort_name']}, "
                       f"{T.fmt_number(r['distance_km'], 1)} km fågelvägen. Hur når invånarna arbete, skola och "
                       "service — med och utan bil?")
        if "tatorter_10km" in s:
            n = int(s["tatorter_10km"].value)
            out.append(f"Inom 10 km finns {T.plural(n, 'annan tätort', 'andra tätorter')}. Vad kan {o.name} göra "
                       "tillsammans med grannorterna?" if n else
                       f"Det finns ingen annan tätort inom 10 km. Vilka platser samlar människorna runt {o.name}?")
    elif section == "liknande":
        out.append("Bland de liknande orterna: vilka vore intressanta att lära av, och varför?")
    return [_tidy(q) for q in out[:3]]
