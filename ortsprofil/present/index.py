"""``reports/index.html``: every finished profile with key figures, sortable and filterable offline."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

from ortsprofil import config
from ortsprofil.present.render import stylesheet


def is_whole(path: Path, tail: bytes) -> bool:
    """True when ``path`` exists and ends as a finished file of its kind ends."""
    import os

    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 2048))
            return tail in fh.read()
    except OSError:
        return False


def write_index(base: Path | None = None) -> Path:
    """``reports/index.html``: every built profile with key figures, sortable and filterable offline."""
    from ortsprofil import text as T
    from ortsprofil.data.snapshot import now_iso

    base = (base or config.REPORTS_DIR).resolve()
    rows = []
    for meta_path in sorted(base.glob("*/meta.json")):
        slug = meta_path.parent.name
        if slug.startswith(".") or not is_whole(meta_path.parent / "ortsprofil.html", b"</html>"):
            continue  # a staging folder, or a profile that is not finished
        try:
            m = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(m, dict) or "name" not in m:
            continue
        rows.append((slug, m))
    rows.sort(key=lambda r: -(r[1].get("population") or 0))

    def td(value, text, num=True):
        sort = "" if value is None else html.escape(str(value))
        return f'<td class="{"num" if num else "txt"}" data-sort="{sort}">{html.escape(text)}</td>'

    show_age = any(m.get("andel_65plus") is not None for _, m in rows)  # only after `data hamta`
    body = []
    for slug, m in rows:
        href = html.escape(quote(slug), quote=True)
        links = f'<a href="{href}/ortsprofil.html">HTML</a>'
        if is_whole(base / slug / "ortsprofil.pdf", b"%%EOF"):
            links += f' · <a href="{href}/ortsprofil.pdf">PDF</a>'
        rank = m.get("peer_rank")
        body.append(
            "<tr>"
            + td(m["name"], m["name"], False) + td(m["kommun"], m["kommun"], False)
            + td(m.get("population"), T.fmt_number(m.get("population")))
            + td(m.get("density"), T.fmt_value(m.get("density"), "per km²"))
            + td(m.get("avstand_10k"), T.fmt_value(m.get("avstand_10k"), "km"))
            + (td(m.get("andel_65plus"), T.fmt_value(m.get("andel_65plus"), "procent")) if show_age else "")
            + td(rank[0] if rank else None, f"{rank[0]} av {rank[1]}" if rank else "–")
            + td(m.get("built", ""), (m.get("built") or "")[:10]
                 + (f" · nya siffror sedan {T.fmt_date(m['new_figures_since'][:10])}" if m.get("new_figures_since") else ""),
                 False)
            + f'<td class="txt">{links}</td></tr>'
        )
    comparison = ""
    if (base / "jamforelse" / "jamforelse.html").exists():
        comparison = ('<p><a href="jamforelse/jamforelse.html"><strong>Jämförelse och urval av alla tätorter</strong></a>'
                      ' · <a href="jamforelse/jamforelse.xlsx">Excel</a> · <a href="jamforelse/jamforelse.csv">CSV</a></p>')
    page = _INDEX_TEMPLATE.format(
        n=len(rows), rows="\n".join(body), comparison=comparison, built=T.fmt_date(now_iso()[:10]),
        css=stylesheet(), age_head='<th data-col="5" class="num">Andel 65+</th>' if show_age else "",
        n_rank=6 if show_age else 5, n_built=7 if show_age else 6,
    )
    path = base / "index.html"
    from ortsprofil.data.snapshot import atomic_write_bytes

    atomic_write_bytes(path, page.encode("utf-8"))
    return path


_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ortsprofiler – översikt</title>
<style>{css}
input#filter {{ font: inherit; padding: .35rem .5rem; width: 100%; max-width: 24rem; margin: .5rem 0 1rem; }}
th[data-col] {{ cursor: pointer; user-select: none; }} th[data-col]::after {{ content: " ↕"; color: #999; }}
main.op-report {{ max-width: 72rem; }}
</style></head>
<body lang="sv"><main class="op-report">
<div class="op-cover"><p class="op-kicker">Lokal platsutveckling</p><h1>Ortsprofiler</h1>
<p class="op-sub">{n} byggda profiler · uppdaterad {built} · Källa: Statistiska centralbyrån (SCB), fri data (CC0)</p></div>
{comparison}
<label for="filter">Filtrera på ort eller kommun:</label><br>
<input id="filter" type="search" placeholder="t.ex. Göinge">
<table class="op-table" id="profiler"><thead><tr>
<th data-col="0" class="txt">Tätort</th><th data-col="1" class="txt">Kommun</th><th data-col="2" class="num">Folkmängd 2020</th>
<th data-col="3" class="num">Inv./km²</th><th data-col="4" class="num">Till ≥ 10 000 inv.</th>
{age_head}<th data-col="{n_rank}" class="num">Plats bland liknande</th>
<th data-col="{n_built}" class="txt">Byggd</th><th class="txt">Rapport</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p class="op-source">Källor: SCB MI0810 (tätorter 2020), BE0101 (folkmängd) och, där de hämtats, fler SCB-tabeller;
se avsnittet Källor och förbehåll i varje rapport.</p>
</main>
<script>
(function () {{
  var table = document.getElementById("profiler"), body = table.tBodies[0];
  document.getElementById("filter").addEventListener("input", function (e) {{
    var q = e.target.value.toLowerCase();
    Array.prototype.forEach.call(body.rows, function (r) {{
      r.style.display = (r.cells[0].textContent + " " + r.cells[1].textContent).toLowerCase().indexOf(q) >= 0 ? "" : "none";
    }});
  }});
  Array.prototype.forEach.call(table.querySelectorAll("th[data-col]"), function (th) {{
    th.addEventListener("click", function () {{
      var col = +th.dataset.col, asc = th.dataset.dir !== "asc";
      th.dataset.dir = asc ? "asc" : "desc";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {{
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort, nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "sv");
        return asc ? c : -c;
      }});
      rows.forEach(function (r) {{ body.appendChild(r); }});
    }});
  }});
}})();
</script>
</body></html>
"""


def key_figures(p) -> dict:
    """The figures the index page lists for a built profile (from the same Profile as the report)."""
    loc = p.ort
    get = lambda k: (p[k].value if k in p else None)  # noqa: E731
    return {
        "code": loc.code, "name": loc.name, "kommun": loc.kommun_name, "lan": p.lan_name,
        "population": loc.population, "land_area_ha": loc.land_area_ha, "density": get("tathet"),
        "avstand_10k": get("avstand_10k"), "andel_65plus": get("andel_65plus"),
        "peer_rank": list(p["folkmangd"].rank) if p["folkmangd"].rank else None,
    }
