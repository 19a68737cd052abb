"""Charts for the profile (matplotlib). Every function takes ``ax=None`` and returns the Axes.

One style for all: the Okabe–Ito colour-blind-safe palette, Swedish labels, Swedish thousands
separators, a source line under each chart. Functions never save files.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ortsprofil import text as T
from ortsprofil.present import narrative, output

#: Okabe & Ito (2008), safe for the common colour-vision deficiencies and readable in grey.
PALETTE = {
    "ort": "#D55E00",  # vermillion: the locality, always
    "kommun": "#0072B2",  # blue
    "lan": "#009E73",  # bluish green
    "riket": "#000000",
    "peers": "#999999",
    "accent": "#E69F00",  # orange
    "light": "#56B4E9",  # sky blue
}

FIGSIZE = (8, 3.0)
TITLE_SIZE = 12


# In a notebook every figure goes out as SVG (vector: crisp at any print size), shared charts from the
# batch's cache (see ortsprofil.present.output).
output.install()


def _nothing(ax: Axes) -> Axes:
    """Nothing to draw: the Axes is returned (contract) but its figure is closed, so a notebook shows
    nothing; the section's text says the data is missing."""
    ax.set_axis_off()
    plt.close(ax.figure)
    return ax


def new_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        return ax
    # No rc_context here: leaving one resets the backend and later inline figures vanish.
    fig, ax = plt.subplots(figsize=figsize or FIGSIZE, layout="constrained")
    apply_style(ax)
    return ax


def apply_style(ax: Axes) -> None:
    for k in ("top", "right"):
        ax.spines[k].set_visible(False)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.title.set_fontweight("bold")


def set_title(ax: Axes, text: str) -> None:
    ax.set_title(text, loc="left", fontsize=TITLE_SIZE, fontweight="bold")


def thousands(axis) -> None:
    """Swedish thousands separators on an axis ("12 759")."""
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: T.fmt_number(v)))


def source_line(ax: Axes, text: str) -> None:
    """Write "Källa: …" under the Axes (part of the figure, so it is in every export)."""
    import textwrap

    ax.annotate(
        textwrap.fill(f"Källa: {text}", width=105),
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -32),
        textcoords="offset points",
        fontsize=8,
        color="#444444",
        ha="left",
        va="top",
        annotation_clip=False,
        gid="source",
    )


def population_trend(p, ax: Axes | None = None, mode: str = "absolute") -> Axes:
    """Population 31 December over time: the kommun, or kommun, län and tätort as an index.

    Parameters
    ----------
    p : Profile
    mode : {"absolute", "index"}
        "absolute": the kommun's population. "index": kommun and län (and the tätort's
        published years) relative to 2010 = 100, so their development can be compared.
    """
    k = p.kommun_series.dropna(subset=["value"])
    own = k[k["region_code"] == p.ort.kommun_code].sort_values("year")
    t = p.tatort_series
    pop = t[(t["variable"] == "folkmangd")].dropna(subset=["value"]) if len(t) else t
    base_year = 2010
    lan = k[k["region_code"] == p.lan_code].sort_values("year")
    # Kommun (and län) only — no tätort point in the index — is the same picture for the kommun's tätorter.
    shared = (("population_trend", own, p.kommun_label) if mode != "index" else
              ("population_index", own, lan, p.kommun_label, p.lan_name)
              if not (len(pop) and (pop["year"] == base_year).any()) else None)
    if shared and (cached := output.reuse(ax, *shared)) is not None:
        return cached
    ax = new_axes(ax)
    if mode == "index":
        # Line style and markers as well as colour: the two lines can be told apart in black and white.
        lines = [(own, p.kommun_label, PALETTE["kommun"], "kommun", "-", "o"),
                 (lan, p.lan_name, PALETTE["lan"], "lan", "--", "s")]
        for frame, label, color, gid, ls, marker in lines:
            base = frame.loc[frame["year"] == base_year, "value"]
            if len(frame) and len(base):
                ax.plot(frame["year"], 100 * frame["value"] / base.iloc[0], color=color, lw=2, ls=ls, marker=marker,
                        ms=3, markevery=5, label=label, gid=gid)
        base = pop.loc[pop["year"] == base_year, "value"] if len(pop) else []
        if len(base):
            ax.scatter(pop["year"], 100 * pop["value"] / base.iloc[0], color=PALETTE["ort"], s=30, zorder=3,
                       label=f"{p.ort.name} (tätort, olika gränser)", gid="tatort")
        ax.axhline(100, color="#888888", lw=0.8)
        set_title(ax, f"Befolkningsutveckling, index {base_year} = 100")
        ax.set_ylabel(f"Index ({base_year} = 100)")
        ax.legend(loc="best", fontsize=8, frameon=False)
    else:
        ax.plot(own["year"], own["value"], color=PALETTE["kommun"], lw=2, marker="o", ms=2.5,
                label=p.kommun_label, gid="kommun")
        set_title(ax, f"Folkmängd i {p.kommun_label} 31 december")
        ax.set_ylabel("Invånare")
        thousands(ax.yaxis)
        lo = np.nanmin(own["value"]) if len(own) else 0
        ax.set_ylim(bottom=min(0, lo))
        if len(own):
            last = own.iloc[-1]
            ax.annotate(T.fmt_number(last["value"]), (last["year"], last["value"]), xytext=(4, 4),
                        textcoords="offset points", fontsize=9, color=PALETTE["kommun"])

    ax.set_xlabel("")  # years speak for themselves; nothing is drawn over the source line
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    source_line(ax, "SCB, folkmängd 31 december i kommuner och län (se Källor och förbehåll)")
    if shared:
        output.share(ax.figure, *shared)
    return ax


def tatort_trend(p, ax: Axes | None = None) -> Axes:
    """The tätort's own population in each published year.

    Every point is a delineation of its own, with that year's boundaries, so the points are joined
    only by a dotted line and the title says so. Without a second year nothing is drawn (the Axes is
    returned with its figure closed; the section's text says why).
    """
    ax = new_axes(ax, figsize=(8, 2.4))
    t = p.tatort_series
    pop = t[t["variable"] == "folkmangd"].dropna(subset=["value"]).sort_values("year") if len(t) else t
    if pop is None or pop["year"].nunique() < 2:
        return _nothing(ax)
    ax.plot(pop["year"], pop["value"], ls=":", color=PALETTE["ort"], lw=1.2, gid="tatort-link")
    ax.scatter(pop["year"], pop["value"], color=PALETTE["ort"], s=28, zorder=3, label=p.ort.name, gid="tatort")
    for year, value in zip(pop["year"], pop["value"]):
        ax.annotate(T.fmt_number(value), (year, value), xytext=(0, 6), textcoords="offset points",
                    ha="center", fontsize=8)
    years = pop["year"].tolist()
    set_title(ax, f"Folkmängd i tätorten {p.ort.name}, varje år med det årets gränser")
    ax.set_xlabel("")  # years speak for themselves; nothing is drawn over the source line
    ax.set_ylabel("Invånare")
    thousands(ax.yaxis)
    ax.set_xticks(years, [str(y) for y in years], rotation=45 if len(years) > 8 else 0)
    ax.set_ylim(bottom=0, top=float(pop["value"].max()) * 1.18)
    source_line(ax, "SCB, tätortsstatistik (varje avgränsningsår för sig); den prickade linjen binder bara ihop "
                "punkterna – gränserna kan ha ändrats mellan åren")
    return ax


def peer_strip(p, key: str = "folkmangd", ax: Axes | None = None) -> Axes:
    """Every peer tätort as a dot on one axis, the locality highlighted, the median marked."""
    ax = new_axes(ax, figsize=(8, 2.8))
    stat = p[key]
    others = p.peers.loc[~p.peers["is_ort"], key].astype(float).dropna()
    rng = np.random.default_rng(7)  # fixed jitter: the same chart every run
    jitter = rng.uniform(-0.3, 0.3, size=len(others))
    ax.scatter(others.to_numpy(), jitter, s=18, color=PALETTE["peers"], alpha=0.75, lw=0,
               label=f"Liknande orter ({len(others)})", gid="peers")
    ax.scatter([stat.value], [0], s=90, color=PALETTE["ort"], edgecolor="black", lw=0.8, zorder=4,
               label=p.ort.name, gid="ort")
    ax.annotate(p.ort.name, (stat.value, 0), xytext=(0, 12), textcoords="offset points",
                ha="center", fontweight="bold", fontsize=9)
    med = stat.values.get("peers_median")
    if not T.is_missing(med):
        ax.axvline(med, color="black", lw=1, ls="--", label="Median", gid="median")
    ax.set_yticks([])
    ax.set_ylim(-0.8, 0.8)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"{stat.label} ({stat.unit})")
    thousands(ax.xaxis)
    set_title(ax, f"{stat.label}: {p.ort.name} bland liknande orter {narrative.peer_scope(p)}")
    ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=3)
    source_line(ax, f"{stat.source.words()}; liknande orter = {T.fmt_number(p.peer_min)}–"
                f"{T.fmt_number(p.peer_max)} invånare")
    return ax


def peer_bars(p, key: str = "folkmangd", n: int = 15, ax: Axes | None = None) -> Axes:
    """Horizontal bars for the locality and the peers closest to it in rank."""
    ax = new_axes(ax, figsize=(8, 4.5))
    frame = p.peers.assign(v=p.peers[key].astype(float)).dropna(subset=["v"]).sort_values("v", ascending=False)
    frame = frame.reset_index(drop=True)
    pos = int(np.flatnonzero(frame["is_ort"].to_numpy())[0])
    lo = max(0, min(pos - n // 2, len(frame) - n))
    part = frame.iloc[lo : lo + n].iloc[::-1]
    colors = [PALETTE["ort"] if o else PALETTE["peers"] for o in part["is_ort"]]
    labels = [f"{a} ({b})" for a, b in zip(part["tatort_name"], part["kommun_name"])]
    ax.barh(labels, part["v"], color=colors, gid="bars")
    for y, v in enumerate(part["v"]):
        ax.annotate(T.fmt_value(v, p[key].unit), (v, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.grid(axis="y", visible=False)
    thousands(ax.xaxis)
    ax.set_xlabel(f"{p[key].label}")
    set_title(ax, f"{p[key].label}: plats {lo + 1}–{lo + len(part)} av {len(frame)} liknande orter")
    source_line(ax, p[key].source.words())
    return ax



def comparison_bars(p, key: str, ax: Axes | None = None) -> Axes:
    """One figure for the locality (or kommun), kommun, län, riket and the peers' median.

    When the profile lacks ``key`` (table not fetched) nothing is drawn: the Axes is returned with
    its figure closed, and the section's text says what is missing.
    """
    ax = new_axes(ax, figsize=(8, 2.4))
    if key not in p:
        return _nothing(ax)
    s = p[key]
    names = {who: comparator_name(p, s, who) for who in ("ort", "kommun", "lan", "riket", "peers_median")}
    order = ["ort", "kommun", "lan", "riket", "peers_median"] if s.level == "tatort" else ["kommun", "lan", "riket"]
    whos = [w for w in order if not T.is_missing(s.values.get(w))]
    vals = [s.values[w] for w in whos]
    colors = [PALETTE["ort"] if w == "ort" or (s.level == "kommun" and w == "kommun") else
              PALETTE.get(w, PALETTE["peers"]) if w != "peers_median" else PALETTE["peers"] for w in whos]
    y = np.arange(len(whos))[::-1]
    ax.barh(y, vals, color=colors, gid="bars")
    ax.set_yticks(y, [names[w] for w in whos])
    for yy, v in zip(y, vals):
        ax.annotate(T.fmt_value(v, s.unit), (v, yy), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.grid(axis="y", visible=False)
    thousands(ax.xaxis)
    ax.set_xlim(left=min(0, min(vals) * 1.15) if vals else 0, right=max(vals) * 1.2 if vals and max(vals) > 0 else 1)
    set_title(ax, s.label)
    source_line(ax, s.source.words())
    return ax


def comparator_name(p, s, who: str) -> str:
    """What a bar or line of ``s`` is, named exactly: "Östra Göinge kommun", or "Tätorterna i Östra Göinge
    kommun" when the figure is computed over the region's tätorter only (``Stat.comparator_label``)."""
    if who == "ort":
        return p.ort.name
    if who == "peers_median":
        return f"Liknande orter {narrative.peer_scope(p)} (median)"
    name = {"kommun": p.kommun_label, "lan": p.lan_name, "riket": "riket"}[who]
    if s.comparator_label:
        return T.capitalize(s.comparator_label.format(where=name))
    return T.capitalize(name)


def age_structure(p, ax: Axes | None = None) -> Axes:
    """Share of the population in each age band: the tätort (when fetched), kommun, län, riket."""
    a = p.age_table
    if a is None or a.empty:
        return _nothing(new_axes(ax, figsize=(8, 3.0)))
    years = a.attrs.get("years", {})
    names = {"ort": p.ort.name, "kommun": p.kommun_label, "lan": p.lan_name, "riket": "Riket",
             "deso": f"Området runt {p.ort.name} (DeSO {a.attrs.get('deso_code', '')})"}
    names = {k: f"{v} ({years[k]})" if k in years and len(set(years.values())) > 1 else v for k, v in names.items()}
    srcs = sorted({s.source.words() for s in p.section("alder")}) or ["SCB, folkmängd efter ålder och kön"]
    if "deso" in a.columns and p.deso:
        srcs.append(p.deso["source"] + ", 2025")
    # Kommun, län and riket only: the same picture for every tätort of the kommun.
    shared = (("age_structure", a, {c: names[c] for c in a.columns if c in names}, srcs)
              if not {"ort", "deso"} & set(a.columns) else None)
    if shared and (cached := output.reuse(ax, *shared)) is not None:
        return cached
    ax = new_axes(ax, figsize=(8, 3.0))
    colors = {"ort": PALETTE["ort"], "kommun": PALETTE["kommun"], "lan": PALETTE["lan"], "riket": PALETTE["riket"],
              "deso": PALETTE["ort"]}
    hatches = {"ort": "", "kommun": "//", "lan": "..", "riket": "xx", "deso": ""}  # readable in black and white
    n = len(a.columns)
    width = 0.8 / n
    x = np.arange(len(a.index))
    for i, col in enumerate(a.columns):
        bars = ax.bar(x + (i - (n - 1) / 2) * width, a[col], width, color=colors.get(col, PALETTE["peers"]),
                      hatch=hatches.get(col, ""), edgecolor="white", label=names.get(col, col), gid=f"age-{col}")
        for b, v in zip(bars, a[col]):
            ax.annotate(T.fmt_number(v, 0), (b.get_x() + b.get_width() / 2, v), xytext=(0, 2),
                        textcoords="offset points", ha="center", fontsize=7)
    ax.set_xticks(x, [f"{b} år" for b in a.index])
    ax.set_ylabel("Andel av befolkningen (%)")
    thousands(ax.yaxis)
    ax.legend(fontsize=8, frameon=False, ncols=min(3, n))
    ax.set_ylim(0, float(np.nanmax(a.to_numpy())) * 1.45)
    yrs = sorted(set(years.values())) if years else [a.attrs.get("year", "")]
    set_title(ax, "Åldersfördelning " + (" och ".join(str(y) for y in yrs) if len(yrs) > 1 else f"31 december {yrs[0]}"))
    source_line(ax, "; ".join(srcs))
    if shared:
        output.share(ax.figure, *shared)
    return ax


def age_trend(p, ax: Axes | None = None) -> Axes:
    """Share 65 år och äldre over the years: the kommun and the län (sum of its kommuner)."""
    t = p.age_trend
    styles = {p.ort.kommun_code: (p.kommun_label, PALETTE["kommun"], "-", "o"),
              p.lan_code: (p.lan_name, PALETTE["lan"], "--", "s"), "00": ("Riket", PALETTE["riket"], ":", "^")}
    shared = ("age_trend", t[t["region_code"].isin(list(styles))] if t is not None else None, list(styles.values()))
    if t is not None and not t.empty and (cached := output.reuse(ax, *shared)) is not None:
        return cached
    ax = new_axes(ax, figsize=(8, 2.8))
    if t is None or t.empty or t["year"].nunique() < 2:
        return _nothing(ax)
    for code, (name, color, ls, marker) in styles.items():
        g = t[t["region_code"] == code].sort_values("year")
        if len(g):
            ax.plot(g["year"], g["share"], color=color, ls=ls, marker=marker, ms=4, label=name, gid=f"trend-{code}")
    ax.set_ylabel("Andel 65 år och äldre (%)")
    thousands(ax.yaxis)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, frameon=False)
    years = f"{int(t['year'].min())}–{int(t['year'].max())}"
    set_title(ax, f"Andel 65 år och äldre, 31 december {years}")
    source_line(ax, "SCB, folkmängd efter ålder och kön; länet = summan av dess kommuner")
    output.share(ax.figure, *shared)
    return ax


def income_trend(p, ax: Axes | None = None) -> Axes:
    """Median income in the kommun per year, with the range and median of the län's kommuner."""
    t = p.income_trend
    shared = ("income_trend", t, p.kommun_label, p.lan_name)
    if (cached := output.reuse(ax, *shared)) is not None:
        return cached
    ax = new_axes(ax, figsize=(8, 2.8))
    if t is None or t.empty:
        return _nothing(ax)
    ax.fill_between(t["year"], t["lan_min"], t["lan_max"], color="#dddddd", label=f"Spannet mellan kommunerna i {p.lan_name}",
                    gid="lan-range")
    ax.plot(t["year"], t["lan_kommuner_median"], color=PALETTE["lan"], ls="--", lw=1.2,
            label=f"Mittersta kommunen i {p.lan_name}", gid="lan-median")
    ax.plot(t["year"], t["kommun"], color=PALETTE["kommun"], lw=2, marker="o", ms=3, label=p.kommun_label, gid="kommun")
    ax.set_ylabel("Medianinkomst (tkr)")
    thousands(ax.yaxis)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    set_title(ax, f"Medianinkomst 16 år och äldre, {int(t['year'].min())}–{int(t['year'].max())} (löpande priser)")
    source_line(ax, "SCB, inkomster (sammanräknad förvärvsinkomst)")
    output.share(ax.figure, *shared)
    return ax
