"""The comparison's charts and map: distributions over the län's tätorter and the län map with
every tätort coloured by how many criteria it meets (same contract as :mod:`ortsprofil.present.charts`)."""

from __future__ import annotations

import base64
import html
import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ortsprofil import text as T
from ortsprofil.present import output
from ortsprofil.present.blocks import HtmlBlock
from ortsprofil.present.charts import PALETTE, new_axes, set_title, source_line, thousands
from ortsprofil.present.maps import draw_polygons, kommuner, place_labels, point_sizes
from ortsprofil.region.screening import CRITERIA


def screening_histogram(s, column: str = "population", ax: Axes | None = None) -> Axes:
    """Distribution of one key figure over the län's tätorter, candidates stacked on the others,
    with the pilot localities marked. Bins are whole numbers (1 km, 1 tätort, or a round number of
    inhabitants) over a range that shows the band of interest, not the largest city."""
    ax = new_axes(ax, figsize=(8, 3))
    labels = {"population": "Folkmängd 2020", "avstand_stad": "Avstånd till närmaste stad (km)",
              "avstand_10k": "Avstånd till tätort med minst 10 000 invånare (km)",
              "service_km": "Avstånd till närmaste apotek (km)",
              "density": "Invånare per km²", "tatorter_10km": "Andra tätorter inom 10 km"}
    if column == "service_km" and "service_proxy" in s.frame and s.frame["service_proxy"].any():
        labels["service_km"] = "Avstånd till tätort med minst 3 000 invånare (km, ersättningsmått)"
    f = s.frame
    values = f[column].dropna()
    if column == "population":
        hi = float(2 * s.rules.max_inv)
        step = max(100, int(round(hi / 40, -2)))
    elif column == "tatorter_10km":
        hi, step = float(values.max()) + 1, 1
    else:  # km
        hi = float(min(values.max(), 60.0)) + 1
        step = 1 if hi <= 40 else 2
    edges = np.arange(0, np.ceil(hi / step) * step + step, step, dtype=float)
    if column == "tatorter_10km":
        edges = edges - 0.5
    shown = f[f[column] <= edges[-1]]
    cands = shown.loc[shown["kandidat"], column].dropna()
    others = shown.loc[~shown["kandidat"], column].dropna()
    ax.hist([others, cands], bins=edges, stacked=True, color=["#cccccc", PALETTE["kommun"]],
            edgecolor="white", linewidth=0.4, label=[f"Övriga ({len(others)})", f"Kandidater ({len(cands)})"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.set_xlim(edges[0], edges[-1])
    for i, r in enumerate(f[f["pilot"]].sort_values(column).itertuples()):
        v = getattr(r, column)
        if T.is_missing(v) or v > edges[-1]:
            continue
        ax.axvline(v, color=PALETTE["ort"], lw=2, ls="--", gid="pilot")
        ax.annotate(r.tatort_name, (v, 0.92 - 0.12 * i), xycoords=("data", "axes fraction"), xytext=(3, 0),
                    textcoords="offset points", color=PALETTE["ort"], fontsize=9, fontweight="bold")
    ax.set_xlabel(labels.get(column, column))
    ax.set_ylabel("Antal tätorter")
    thousands(ax.xaxis)
    outside = int((f[column] > edges[-1]).sum())
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    title = f"{labels.get(column, column)}: var pilotorterna ligger"
    set_title(ax, title)
    note = f"; {outside} tätorter med högre värden visas inte" if outside else ""
    source = "SCB, tätorter 2020; avstånd fågelvägen" if column != "service_km" else \
        "Tillväxtverket, Pipos (apotek 2025); avstånd fågelvägen"
    source_line(ax, source + note)
    return ax


def screening_map(s, ax: Axes | None = None) -> Axes:
    """The län with every tätort coloured by how many criteria it meets; pilots marked.

    Parameters
    ----------
    s : Screening
    """
    ax = new_axes(ax, figsize=(8, 7.5))
    output.crop(ax.figure)
    ax.grid(False)
    k = kommuner()
    in_lan = k[k["kommun_kod"].str.startswith(s.rules.lan)]
    draw_polygons(ax, in_lan, facecolor="#f4f4f4", edgecolor="#aaaaaa", lw=0.5, gid="kommuner")
    ax.autoscale_view()
    frame = s.frame.merge(s.reg.frame[["tatort_code", "x", "y"]], on="tatort_code", how="left")
    n = len(CRITERIA)
    # Sequential, colour-blind-safe and distinguishable in grey: light → dark.
    shades = {0: "#f0f0f0", 1: "#bdd7e7", 2: "#6baed6", 3: "#08519c"}
    for met in range(n + 1):
        part = frame[frame["antal_uppfyllda"] == met]
        ax.scatter(part["x"], part["y"], s=point_sizes(part["population"].fillna(0)) + 8, color=shades[min(met, 3)],
                   edgecolor="#333333", lw=0.4, zorder=3, label=f"{met} av {n} kriterier", gid=f"met-{met}")
    pilots = frame[frame["pilot"]]
    ax.scatter(pilots["x"], pilots["y"], s=260, marker="*", color=PALETTE["ort"], edgecolor="black", lw=0.8,
               zorder=5, label="Pilotort", gid="pilots")
    # Every candidate (and pilot) by name, placed so that names do not collide.
    named = frame[frame["kandidat"] | frame["pilot"]]
    texts = [ax.text(r.x, r.y, r.tatort_name, fontsize=10 if r.pilot else 6.5,
                     fontweight="bold" if r.pilot else "normal", zorder=6, gid=f"name-{r.tatort_code}",
                     bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7))
             for r in named.itertuples()]
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    leg = ax.legend(loc="lower left", fontsize=8, title="Uppfyllda kriterier (storlek = folkmängd)",
                    title_fontsize=8, framealpha=0.9)
    for handle in leg.legend_handles:
        handle.set_sizes([120 if handle.get_gid() == "pilots" else 45])
    if texts:
        place_labels(ax, texts, [leg])
    for spine in ax.spines.values():
        spine.set_visible(False)
    set_title(ax, f"Tätorterna i {s.lan_name}: uppfyllda kriterier, kandidater med namn")
    source_line(ax, "SCB, tätorter 2020 (punkter, SWEREF 99 TM); kommun- och länsgränser: SCB")
    return ax


def screening_map_html(s):
    """The screening map as an image with every tätort's name, kommun and result on hover.

    A transparent SVG layer with one ``<circle><title>`` per tätort lies over the PNG (the same
    pixel grid, scaling with it), so the names show on hover in any browser, offline.
    """
    ax = screening_map(s)
    fig = ax.figure
    dpi = 260  # ≥ 200 dpi in print, as the charts
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)  # the whole figure: pixel positions below stay exact
    w, h = (fig.get_size_inches() * dpi).round().astype(int)
    frame = s.frame.merge(s.reg.frame[["tatort_code", "x", "y"]], on="tatort_code", how="left")
    frame = frame[frame["x"].notna()]
    xy = ax.transData.transform(frame[["x", "y"]].to_numpy(dtype=float)) * (dpi / fig.dpi)
    plt.close(fig)
    n = len(CRITERIA)
    circles = []
    for (px, py), r in zip(xy, frame.itertuples()):
        tip = (f"{r.tatort_name} ({r.kommun_name}): {T.fmt_number(r.population)} invånare, "
               f"{r.antal_uppfyllda} av {n} kriterier{' – kandidat' if r.kandidat else ''}")
        circles.append(f'<circle cx="{px:.0f}" cy="{h - py:.0f}" r="22"><title>{html.escape(tip)}</title></circle>')
    data = base64.b64encode(buf.getvalue()).decode()
    alt = f"Karta över tätorterna i {s.lan_name} efter antal uppfyllda kriterier"
    return HtmlBlock(
        '<div class="op-hovermap" style="position:relative; max-width:100%">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" style="width:100%; height:auto; display:block">'
        f'<svg viewBox="0 0 {w} {h}" preserveAspectRatio="none" '
        'style="position:absolute; left:0; top:0; width:100%; height:100%" fill="transparent" '
        f'pointer-events="all">{"".join(circles)}</svg></div>',
        alt,
    )
