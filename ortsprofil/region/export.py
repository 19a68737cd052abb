"""The screening as readers get it outside the notebook: Swedish column headers, the display table
(HTML), and the Excel workbook and CSV files Region Skåne opens (formats, widths, sources and
parameters sheets). Same rows, same order everywhere.
"""

from __future__ import annotations

import pandas as pd

from ortsprofil import text as T
from ortsprofil.region.screening import CRITERIA, PROXY_HEADER


#: Reader-facing column headers (HTML table, Excel, Swedish CSV), in display order.
HEADERS = {
    "kandidat": "Kandidat",
    "tatort_name": "Tätort",
    "kommun_name": "Kommun",
    "storlek": CRITERIA["storlek"],
    "landsbygd": CRITERIA["landsbygd"],
    "service": CRITERIA["service"],
    "antal_uppfyllda": "Uppfyllda kriterier",
    "population": "Folkmängd 2020",
    "forandring": "Tätortens förändring 2015–2020 (%)",
    "forandring_kommun": "Kommunens förändring 2015–2020 (%)",
    "avstand_stad": "Till stad (km)",
    "service_km": "Till apotek (km)",
    "ombud_km": "Till apoteksombud (km)",
    "density": "Inv./km²",
    "avstand_50k": "Till ≥ 50 000 inv. (km)",
    "tatorter_10km": "Tätorter inom 10 km",
    "tvillingar": "Mest lika orter i Sverige",
    "tatort_code": "Tätortskod",
}


def _yes_no(v) -> str:
    """A criterion for readers: ja, nej, or "uppgift saknas" when it cannot be judged."""
    return T.MISSING if pd.isna(v) else ("ja" if v else "nej")


def display_table(s: pd.DataFrame) -> pd.DataFrame:
    """The screening as reader-facing Swedish strings (same rows and order as ``s``)."""
    def km(v) -> str:
        return T.fmt_number(v, 1)

    proxy = bool(s["service_proxy"].any()) if "service_proxy" in s else False
    out = pd.DataFrame({
        HEADERS["kandidat"]: ["ja" if v else "nej" for v in s["kandidat"]],
        HEADERS["tatort_name"]: [("★ " if p else "") + n for n, p in zip(s["tatort_name"], s["pilot"])],
        HEADERS["kommun_name"]: s["kommun_name"],
        **{CRITERIA[c]: [_yes_no(v) for v in s[c]] for c in CRITERIA},
        HEADERS["antal_uppfyllda"]: s["antal_uppfyllda"].astype(str) + f" av {len(CRITERIA)}",
        HEADERS["population"]: [T.fmt_number(v) for v in s["population"]],
        HEADERS["forandring"]: [T.fmt_signed_percent(v) if not T.is_missing(v) else T.fmt_number(v, status=st or None)
                                for v, st in zip(s["forandring"], s.get("forandring_status", [""] * len(s)))],
        HEADERS["forandring_kommun"]: [T.fmt_signed_percent(v) if not T.is_missing(v) else T.MISSING
                                       for v in s["forandring_kommun"]],
        HEADERS["avstand_stad"]: [km(v) for v in s["avstand_stad"]],
        (PROXY_HEADER if proxy else HEADERS["service_km"]): [km(v) for v in s["service_km"]],
        HEADERS["density"]: [T.fmt_number(v) for v in s["density"]],
        HEADERS["tatorter_10km"]: [T.fmt_number(v) for v in s["tatorter_10km"]],
        **({HEADERS["tvillingar"]: [t or "–" for t in s["tvillingar"]]} if "tvillingar" in s else {}),
    })
    if not proxy and "ombud_km" in s:
        out.insert(out.columns.get_loc(HEADERS["service_km"]) + 1, HEADERS["ombud_km"], [km(v) for v in s["ombud_km"]])
    return out


def export(s: pd.DataFrame, folder, sources: list[dict[str, str]]) -> dict[str, object]:
    """Write the screening: ``jamforelse.xlsx`` (sheets Urval, Källor, Parametrar: Swedish headers,
    number formats, frozen header, autofilter, column widths), ``jamforelse.csv`` for Swedish Excel
    (semicolons, decimal comma, UTF-8 with BOM) and ``jamforelse_data.csv`` for programs (commas,
    decimal points, plain UTF-8, code-like column names). Each file written atomically, mode 0644
    (readable by colleagues). Returns the paths.
    """
    import io
    from pathlib import Path

    from ortsprofil.data.snapshot import atomic_write_bytes

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cols = [c for c in HEADERS if c in s.columns and not (c == "ombud_km" and s["ombud_km"].isna().all())]
    table = s[cols].copy()
    for c in CRITERIA:
        table[c] = table[c].map(_yes_no)
    table["kandidat"] = table["kandidat"].map({True: "ja", False: "nej"})
    # Values as shown (Excel's formats and the Swedish CSV agree): whole persons, tenths of km and %.
    for c in ("population", "tatorter_10km", "density"):
        if c in table:
            table[c] = table[c].round().astype("Int64")
    for c in ("forandring", "forandring_kommun", "avstand_stad", "service_km", "ombud_km", "avstand_50k"):
        if c in table:
            table[c] = table[c].round(1)
    swedish = table.rename(columns=HEADERS)
    if bool(s.get("service_proxy", pd.Series([False])).any()):
        swedish = swedish.rename(columns={HEADERS["service_km"]: PROXY_HEADER})
    rules = s.attrs.get("rules", {})
    params = pd.DataFrame({"Inställning": [PARAM_NAMES.get(k, k) for k in rules],
                           "Värde": [(", ".join(v) or "alla") if isinstance(v, (list, tuple)) else str(v)
                                     for v in rules.values()],
                           "Parameter": list(rules)})
    paths = {"xlsx": folder / "jamforelse.xlsx", "csv": folder / "jamforelse.csv",
             "csv_data": folder / "jamforelse_data.csv"}
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        swedish.to_excel(xl, sheet_name="Urval", index=False)
        pd.DataFrame(sources).rename(columns=str.capitalize).to_excel(xl, sheet_name="Källor", index=False)
        params.to_excel(xl, sheet_name="Parametrar", index=False)
        _format_sheet(xl.sheets["Urval"], swedish)
        _format_sheet(xl.sheets["Källor"], pd.DataFrame(sources))
        _format_sheet(xl.sheets["Parametrar"], params)
    atomic_write_bytes(paths["xlsx"], buf.getvalue())
    atomic_write_bytes(paths["csv"], swedish.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig"))
    machine = s[cols].copy()
    machine["population"] = machine["population"].round().astype("Int64")
    atomic_write_bytes(paths["csv_data"], machine.to_csv(index=False).encode("utf-8"))
    return paths


#: The screening's parameters in words (Excel sheet Parametrar).
PARAM_NAMES = {
    "lan": "Län (kod)", "min_inv": "Minsta invånarantal", "max_inv": "Största invånarantal",
    "stad_inv": "En stad har minst (invånare)", "stad_km": "Landsbygd: minst km till stad",
    "service_km": "Långt till apotek: minst km", "kommuner": "Bara kommunerna",
}
#: Excel number formats per column (Swedish Excel shows them with space and decimal comma).
_NUMBER_FORMATS = {
    "population": "#,##0", "density": "#,##0", "tatorter_10km": "0", "forandring": "+0.0;-0.0;0.0", "forandring_kommun": "+0.0;-0.0;0.0",
    "antal_uppfyllda": "0",
    "avstand_stad": "0.0", "service_km": "0.0", "ombud_km": "0.0", "avstand_50k": "0.0",
}


def _format_sheet(ws, frame: pd.DataFrame) -> None:
    """Frozen header row, autofilter, column widths and number formats."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    by_header = {v: k for k, v in HEADERS.items()}
    for i, col in enumerate(ws.iter_cols(min_row=1, max_row=ws.max_row), start=1):
        header = str(col[0].value or "")
        col[0].font = Font(bold=True)
        key = by_header.get(header, "service_km" if header == PROXY_HEADER else "")
        fmt = _NUMBER_FORMATS.get(key)
        if fmt:
            for cell in col[1:]:
                cell.number_format = fmt
        width = max([len(header)] + [len(str(c.value)) for c in col[1:200] if c.value is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(max(8, width + 2), 60)
