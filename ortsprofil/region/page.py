"""What the comparison notebook (``jamforelse.ipynb``) shows of a screening: the cover, the rules,
the summary, the sortable table and the sources. Each function takes a
:class:`~ortsprofil.region.screening.Screening` and returns a block."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ortsprofil import text as T
from ortsprofil.figures.measures import MERGED_2015, NEW_2020
from ortsprofil.present.blocks import HtmlBlock, Table, fragment, html_table, markdown_block
from ortsprofil.region.export import HEADERS, display_table
from ortsprofil.region.screening import CRITERIA, PROXY_HEADER, Screening, removed_by


def heading(s: Screening) -> HtmlBlock:
    """The cover: which län, how many tätorter."""
    title = f"Tätorterna i {s.lan_name} jämförda"
    return HtmlBlock(fragment("cover", kicker="Lokal platsutveckling · urval", title=title,
                              sub=[f"{len(s.frame)} tätorter prövade mot urvalskriterierna · SCB:s statistik"],
                              meeting="", built="", warning=""), title)


def rules_text(s: Screening) -> HtmlBlock:
    """The three criteria and their thresholds, in words."""
    return markdown_block("\n\n".join(s.rules.describe(s.proxy)))


def summary(s: Screening) -> HtmlBlock:
    """How many tätorter are candidates, what each criterion removes, where the pilots stand."""
    f = s.frame
    n, k = len(f), int(f["kandidat"].sum())
    parts = [f"Av {n} tätorter i {s.lan_name} uppfyller **{k}** alla tre kriterierna."]
    rem = removed_by(f)
    words = []
    for c in CRITERIA:
        r = rem[c]
        text = f"{CRITERIA[c].lower()} {r['fails']} (av dem {r['only']} som klarar de andra två)"
        if r["unknown"]:
            text += f", {r['unknown']} kan inte bedömas"
        words.append(text)
    parts.append("Så många tätorter faller bort på varje kriterium: " + "; ".join(words) + ".")
    for r in f[f["pilot"]].itertuples():
        rank = int(f.index[f["tatort_code"] == r.tatort_code][0]) + 1
        status = "är kandidat" if r.kandidat else f"uppfyller {r.antal_uppfyllda} av {len(CRITERIA)} kriterier"
        parts.append(f"Pilotorten {r.tatort_name} ({r.kommun_name}) {status} och står på rad {rank} i tabellen.")
    new, merged = (int((f["forandring_status"] == st).sum()) for st in (NEW_2020, MERGED_2015))
    text = ("Tätortens förändring 2015–2020 jämför SCB:s tätortssiffror för de två åren, var och en med det årets "
            "gränser (gränserna kan ha ändrats). Kommunens förändring under samma år står i en egen kolumn.")
    if new or merged:
        text += " Ingen siffra finns för " + T.join_sv(
            ([f"{new} tätorter som blev tätort först 2020"] if new else [])
            + ([f"{merged} som 2015 var uppdelade på flera tätorter"] if merged else [])) + "."
    parts.append(text)
    return markdown_block(" ".join(parts))


def table(s: Screening) -> HtmlBlock:
    """All rows, candidates and criteria first: sticky header, sort by clicking a header, filter by
    typing — plain JavaScript inside the file, so it works offline from the file system."""
    shown = display_table(s.frame)
    body = html_table(shown)
    sort_keys = _sort_keys(s, shown)
    # data-sort on every cell: numbers sort as numbers, "uppgift saknas" last.
    rows = body.split("<tr>")
    out = [rows[0], rows[1]]  # before the header row, the header row
    for i, row in enumerate(rows[2:]):
        cells = row.split('<td class="')
        row = cells[0] + "".join(f'<td data-sort="{html.escape(str(sort_keys[j][i]))}" class="' + c
                                 for j, c in enumerate(cells[1:]))
        out.append(row)
    body = "<tr>".join(out).replace("<table ", '<table id="op-urval" ', 1)
    proxy = " (ersättningsmått)" if s.proxy else ""
    html_text = (
        '<div class="op-sortable">'
        '<label for="op-filter">Filtrera på tätort, kommun eller ja/nej:</label> '
        '<input id="op-filter" type="search" placeholder="t.ex. Göinge eller ja"> '
        f'<span class="op-note">Klicka på en rubrik för att sortera. {len(shown)} tätorter.</span>'
        f'<div class="op-scroll">{body}</div>'
        f'<p class="op-source">Källa: SCB, tätorter 2020 och folkmängd; Tillväxtverket, Pipos (apotek){proxy}; '
        'avstånd fågelvägen mellan tätortspunkter.</p></div>' + _SORT_SCRIPT
    )
    return HtmlBlock(html_text, shown.to_string(index=False))


def _sort_keys(s: Screening, shown: pd.DataFrame) -> list[list]:
    """Per shown column, the raw values to sort by (numbers as numbers, yes/no as 1/0, a value
    that is missing as "~", which sorts last)."""
    raw_of = {v: k for k, v in HEADERS.items()} | {PROXY_HEADER: "service_km"}
    keys = []
    for col in shown.columns:
        values = s.frame[raw_of[col]]
        keys.append(["~" if pd.isna(v) or v == "" else int(v) if isinstance(v, (bool, np.bool_)) else v
                     for v in values])
    return keys


def sources_table(s: Screening) -> Table:
    """The tables the screening reads, with reference time and origin."""
    return Table(pd.DataFrame(s.sources()).rename(columns=str.capitalize), caption="Källor",
                 source="Statistiska centralbyrån (SCB), fri data (CC0); Tillväxtverket (Pipos)")


_SORT_SCRIPT = """<script>
(function () {
  var table = document.getElementById("op-urval"); if (!table) return;
  var body = table.tBodies[0];
  document.getElementById("op-filter").addEventListener("input", function (e) {
    var q = e.target.value.toLowerCase().trim();
    Array.prototype.forEach.call(body.rows, function (r) {
      r.style.display = !q || r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
    });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    th.style.cursor = "pointer"; th.title = "Klicka för att sortera";
    th.addEventListener("click", function () {
      var asc = th.dataset.dir !== "asc"; th.dataset.dir = asc ? "asc" : "desc";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort, nx = parseFloat(x), ny = parseFloat(y);
        if (x === "~" || y === "~") return x === y ? 0 : (x === "~" ? 1 : -1);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "sv");
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();
</script>"""
