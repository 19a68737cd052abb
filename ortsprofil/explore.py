"""Plain functions behind the working groups' exploration notebook (``notebooks/utforska.ipynb``).

Selection → frame (:func:`frame`), frame → chart (:func:`chart`), frame → Swedish table
(:func:`table`), and export to Excel/CSV/PNG (:func:`export`). :func:`app` wires them to
ipywidgets controls; everything the widgets do is one of these functions, so it is unit-tested
without a browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ortsprofil import config
from ortsprofil.figures import indicators as ind
from ortsprofil.figures import measures
from ortsprofil import text as T
from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures.localities import Locality, registry, slugify

#: Topics a volunteer can choose, in display order.
TOPICS = {
    "befolkning": "Befolkning",
    "alder": "Ålder",
    "lage": "Läge",
    "arbete": "Arbete och inkomst",
}
MODES = {"antal": "Antal", "andel": "Andel"}
MAX_COMPARE = 3

#: Which profile figures each topic shows, as counts ("antal") or shares/rates ("andel").
TOPIC_STATS = {
    "befolkning": {"antal": ["folkmangd", "landareal", "tathet"],
                   "andel": ["andel_av_kommunen", "kommun_forandring_10", "kommun_forandring_30"]},
    # The tätort's own age groups where SCB's tätort statistics are fetched, else the kommun's (bundled).
    "alder": {"antal": ["antal_0_19", "antal_20_64", "antal_65plus"],
              "andel": ["andel_0_19", "andel_20_64", "andel_65plus", "kommun_andel_0_19", "kommun_andel_65plus"]},
    "lage": {"antal": ["avstand_10k", "avstand_50k", "tatorter_10km"],
             "andel": ["avstand_10k", "avstand_50k", "tatorter_10km"]},
    "arbete": {"antal": ["medianinkomst"], "andel": ["andel_eftergymnasial", "sysselsattningsgrad"]},
}
#: How a figure over a period is named in a column shared by places whose periods may differ (one period
#: per län): the period itself goes with each value.
_PERIOD_WORDS = {1: "senaste året", 10: "tio år", 30: "trettio år"}
_AGE_COUNTS = {"antal_0_19": ("0-19", "Antal 0–19 år"), "antal_20_64": ("20-64", "Antal 20–64 år"),
               "antal_65plus": ("65+", "Antal 65 år och äldre")}


@dataclass(frozen=True)
class Column:
    """One figure in an exploration frame."""

    key: str
    label: str
    unit: str
    level: str  # "tatort" or "kommun"


def options(lan: str | None = None) -> list[tuple[str, str]]:
    """(label, code) for every tätort, largest first; Skåne's first when ``lan`` is None."""
    f = registry().frame
    if lan:
        f = f[f["lan_code"] == lan]
    f = f.assign(skane=f["lan_code"] != config.DEFAULT_LAN).sort_values(["skane", "population"],
                                                                        ascending=[True, False])
    return [(f"{r.tatort_name} ({r.kommun_name})", r.tatort_code) for r in f.itertuples()]


def available_topics() -> dict[str, str]:
    """Topics whose data the snapshot holds (Ålder: the tätort's with `ortsprofil data hamta`, else the
    kommun's, which are bundled)."""
    snap = registry().snapshot
    out = dict(TOPICS)
    if not (snap.has("tatort_alder") or snap.has("kommun_alder_kon")):
        out.pop("alder")
    if not any(snap.has(k) for k in ("kommun_inkomst", "kommun_utbildning", "kommun_sysselsattning")):
        out.pop("arbete")
    return out


def _resolve(ort: str, jamfor: str | list[str] | tuple[str, ...] | None) -> list[Locality]:
    reg = registry()
    if isinstance(jamfor, str):  # "Glimåkra|Broby" (names may contain commas: "Lund, Lund")
        jamfor = [j.strip() for j in re.split(r"[|;]", jamfor) if j.strip()]
    others = list(jamfor or [])
    if len(others) > MAX_COMPARE:
        raise InvalidParameterError(f"Välj högst {MAX_COMPARE} orter att jämföra med.")
    locs = [reg.find(ort)] + [reg.find(o) for o in others]
    seen, out = set(), []
    for loc in locs:
        if loc.code not in seen:
            seen.add(loc.code)
            out.append(loc)
    return out


def frame(ort: str, jamfor: str | list[str] | None = None, topic: str = "befolkning",
          mode: str = "antal") -> pd.DataFrame:
    """The table behind the chart: one row per locality, one column per figure.

    Parameters
    ----------
    ort : str
        The working group's own locality.
    jamfor : list of str, optional
        Up to three localities to compare with ("Glimåkra", "Broby", "Lund, Lund" or codes).
    topic : str
        One of :data:`TOPICS`.
    mode : {"antal", "andel"}

    Returns
    -------
    DataFrame
        Columns ``Ort``, ``Kommun`` and one numeric column per figure (NaN = uppgift saknas).
        ``attrs["columns"]`` holds the :class:`Column` of each figure, ``attrs["sources"]`` the
        sources, ``attrs["ort"]`` the own locality's label.

    Raises
    ------
    InvalidParameterError, UnknownLocalityError, AmbiguousLocalityError
    """
    if topic not in TOPICS:
        raise InvalidParameterError(f"Okänt ämne {topic!r}. Välj bland: {', '.join(TOPICS)}.")
    if mode not in MODES:
        raise InvalidParameterError(f"Välj 'antal' eller 'andel', inte {mode!r}.")
    from ortsprofil.figures.compute import data_for
    from ortsprofil.figures.profile import build

    locs = _resolve(ort, jamfor)
    keys = TOPIC_STATS[topic][mode]
    reg = registry()
    data = data_for(reg)
    rows, cols, sources, periods = [], {}, set(), {}
    tatort_ages = data.has("tatort_alder")
    for i, loc in enumerate(locs):
        p = build(loc.code, reg=reg)
        row: dict[str, object] = {"Ort": loc.name, "Kommun": loc.kommun_name}
        for key in keys:
            if key in _AGE_COUNTS:
                band, label = _AGE_COUNTS[key]
                if tatort_ages:
                    counts, code, level = measures.tatort_age_counts(data), loc.code, "tatort"
                    sources.add(f"SCB, tätorter efter ålder, {counts.attrs['year']}")
                elif data.has("kommun_alder_kon"):
                    counts, code, level = measures.kommun_age_counts(data), loc.kommun_code, "kommun"
                    label = f"{label} i kommunen ({counts.attrs['year']})"
                    sources.add(f"SCB, folkmängd efter ålder och kön, {counts.attrs['year']}")
                else:
                    continue
                row[label] = float(counts[band].get(code, np.nan)) if band in counts else np.nan
                cols[label] = Column(key, label, "personer", level)
                continue
            if key not in p.stats or (key.startswith("kommun_andel") and key.replace("kommun_", "") in p.stats):
                continue  # the kommun's age share only where the tätort's is missing
            s = p.stats[key]
            indicator = ind.get(key)
            label = s.label
            if indicator.periodic:  # one column for every place; each value keeps its own years
                label = indicator.label.replace("{start}–{end}", _PERIOD_WORDS.get(indicator.periodic, "")).strip()
                periods[(i, label)] = s.period
            label = label if s.level == "tatort" or "kommun" in label.lower() else f"{label} (kommunen)"
            row[label] = s.value
            cols[label] = Column(key, label, s.unit, s.level)
            sources.add(s.source.words())
        rows.append(row)
    out = pd.DataFrame(rows)
    for label in cols:
        if label not in out:
            out[label] = np.nan
        out[label] = out[label].astype(float)
    out.attrs.update({"columns": list(cols.values()), "sources": sorted(sources), "topic": topic, "mode": mode,
                      "ort": locs[0].name, "slug": locs[0].slug, "periods": periods})
    return out


def table(f: pd.DataFrame) -> pd.DataFrame:
    """``f`` as Swedish-formatted strings (the "visa tabell" view); missing → "uppgift saknas"."""
    out = f[["Ort", "Kommun"]].copy()
    periods = f.attrs.get("periods", {})
    for col in f.attrs.get("columns", []):
        out[col.label] = [T.fmt_value(v, col.unit) + (f" ({periods[(i, col.label)]})" if (i, col.label) in periods
                                                      and not T.is_missing(v) else "")
                          for i, v in enumerate(f[col.label])]
    return out


def chart(f: pd.DataFrame, column: str | None = None, ax: Axes | None = None) -> Axes:
    """Bars for every figure of ``f`` — one panel each, in one figure — or for ``column`` only; the own
    locality highlighted, values written out, a missing value written as such (never a bar of 0).
    Returns the first panel (its figure holds them all)."""
    import matplotlib.pyplot as plt

    from ortsprofil.present.charts import apply_style, new_axes, source_line

    cols = f.attrs.get("columns", [])
    if not cols:
        ax = new_axes(ax, figsize=(7, 2.5))
        ax.text(0.5, 0.5, "Inga uppgifter för det här ämnet.", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    chosen = [c for c in cols if c.label == column] if column else list(cols)
    chosen = chosen or cols[:1]
    if ax is not None:
        axes = [ax]
        chosen = chosen[:1]
    else:
        height = 0.9 + 0.5 * len(f)
        fig, grid = plt.subplots(len(chosen), 1, figsize=(7, height * len(chosen) + 0.4), layout="constrained",
                                 squeeze=False)
        axes = list(grid[:, 0])
        for a in axes:
            apply_style(a)
    for a, col in zip(axes, chosen):
        _bars(a, f, col)
    source_line(axes[-1], "; ".join(f.attrs.get("sources", [])) or "SCB")
    return axes[0]


def _bars(ax: Axes, f: pd.DataFrame, col: Column) -> None:
    from ortsprofil.present.charts import PALETTE, set_title, thousands

    names = [f"{o} ({k})" for o, k in zip(f["Ort"], f["Kommun"])]
    values = f[col.label].to_numpy(dtype=float)
    y = np.arange(len(f))[::-1]
    shown = np.nan_to_num(values, nan=0.0)
    colors = [PALETTE["ort"] if i == 0 else PALETTE["kommun"] for i in range(len(f))]
    bars = ax.barh(y, shown, color=colors, gid="bars")
    periods = f.attrs.get("periods", {})
    for i, (b, v, yy) in enumerate(zip(bars, values, y)):
        if np.isnan(v):
            b.set_visible(False)  # never a bar of height 0 for a missing value
        text = T.fmt_value(v, col.unit) + (f" ({periods[(i, col.label)]})" if (i, col.label) in periods
                                           and not np.isnan(v) else "")
        ax.annotate(text, (0 if np.isnan(v) else v, yy), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=9)
    ax.set_yticks(y, names)
    ax.grid(axis="y", visible=False)
    thousands(ax.xaxis)
    finite = values[~np.isnan(values)]
    lo = min(0, finite.min() * 1.3) if len(finite) else 0
    ax.set_xlim(lo, (finite.max() * 1.35) if len(finite) and finite.max() > 0 else 1)
    set_title(ax, col.label)


def _shown(f: pd.DataFrame) -> pd.DataFrame:
    """The frame as exported: each figure rounded as the report shows it (no 15-digit floats)."""
    out = f.copy()
    for col in f.attrs.get("columns", []):
        decimals = T.UNITS.get(col.unit, (1, ""))[0]
        out[col.label] = f[col.label].round(decimals)
    return out


def export(f: pd.DataFrame, ax: Axes | None = None, reports_dir: Path | None = None) -> dict[str, Path]:
    """Save the table (Excel with a sources sheet, and a CSV for Swedish Excel) and the chart (PNG, 200 dpi).

    Files go to ``reports/<slug>/utforska/<ämne>-<antal|andel>[-n].{xlsx,csv,png}``; an existing
    file is never overwritten (a counter is added).
    """
    from ortsprofil.run.report import safe_folder

    base = (reports_dir or config.REPORTS_DIR).resolve()
    folder = safe_folder(base, f.attrs.get("slug") or slugify(str(f.attrs.get("ort", "ort")))) / "utforska"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{f.attrs.get('topic', 'tabell')}-{f.attrs.get('mode', 'antal')}"
    n = 0
    while any((folder / f"{stem}{'' if n == 0 else f'-{n}'}.{ext}").exists() for ext in ("xlsx", "csv", "png")):
        n += 1
    stem = f"{stem}{'' if n == 0 else f'-{n}'}"
    paths = {"xlsx": folder / f"{stem}.xlsx", "csv": folder / f"{stem}.csv"}
    shown = _shown(f)
    with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as xl:
        shown.to_excel(xl, sheet_name="Tabell", index=False)
        pd.DataFrame({"Källa": f.attrs.get("sources", [])}).to_excel(xl, sheet_name="Källor", index=False)
    # For Swedish Excel: semicolons, decimal comma, UTF-8 with BOM (as the comparison's CSV).
    shown.to_csv(paths["csv"], index=False, sep=";", decimal=",", encoding="utf-8-sig")
    if ax is not None:
        paths["png"] = folder / f"{stem}.png"
        ax.figure.savefig(paths["png"], dpi=200, bbox_inches="tight")
    return paths


def app(ort: str = "Näsum", jamfor: str = "Glimåkra", topic: str = "befolkning", mode: str = "antal"):
    """The interactive explorer: ipywidgets controls wired to the functions above.

    Returns the widget (display it as the last expression of a cell).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    opts = options()
    label_of = {code: label for label, code in opts}
    code_of = {label: code for label, code in opts}
    start = registry().find(ort)
    starts = _resolve(ort, jamfor)[1:]
    topics = available_topics()

    ort_box = w.Combobox(options=[label for label, _ in opts], value=label_of[start.code], ensure_option=True,
                         description="Ort:", placeholder="Skriv för att söka", layout=w.Layout(width="28rem"))
    cmp_box = w.TagsInput(value=[label_of[s.code] for s in starts], allowed_tags=[label for label, _ in opts],
                          allow_duplicates=False, layout=w.Layout(width="40rem"))
    topic_box = w.ToggleButtons(options=[(v, k) for k, v in topics.items()],
                                value=topic if topic in topics else "befolkning", description="Ämne:")
    mode_box = w.ToggleButtons(options=[(v, k) for k, v in MODES.items()], value=mode, description="Visa:")
    table_box = w.Checkbox(value=False, description="Visa tabell")
    twin_box = w.Dropdown(description="Tvilling:", layout=w.Layout(width="28rem"),
                          style={"description_width": "initial"})
    save = w.Button(description="Spara tabell och diagram", icon="save", button_style="primary",
                    layout=w.Layout(width="16rem"))
    message = w.HTML()
    out = w.Output()
    state: dict[str, object] = {}

    def refresh(*_):
        message.value = ""
        if len(cmp_box.value) > MAX_COMPARE:
            cmp_box.value = cmp_box.value[:MAX_COMPARE]
            message.value = f"Högst {MAX_COMPARE} orter att jämföra med."
        if ort_box.value not in code_of:
            return
        with out:
            out.clear_output(wait=True)
            f = frame(code_of[ort_box.value], [code_of[c] for c in cmp_box.value], topic_box.value, mode_box.value)
            figs = [chart(f)]  # every figure of the topic, one panel each, in one picture
            plt.show()
            if table_box.value:
                from ortsprofil.present.blocks import Table

                display(Table(table(f), caption="Tabellen bakom diagrammen"))
            state.update(frame=f, axes=figs)

    def fill_twins(*_):
        if ort_box.value not in code_of:
            return
        t = twins(code_of[ort_box.value])
        labels = [f"{n} ({k})" for n, k in zip(t["Tätort"], t["Kommun"])]
        twin_box.options = [("välj en ort som liknar er …", "")] + [
            (f"{lab} – {why}", lab) for lab, why in zip(labels, t["Mest lika i"]) if lab in code_of]
        twin_box.value = ""

    def pick_twin(change):
        if change["new"]:  # the twin side by side with the own locality
            cmp_box.value = [change["new"]]

    def on_save(_):
        f = state.get("frame")
        if f is None:
            return
        axes = state.get("axes") or [None]
        paths = export(f, axes[0])  # type: ignore[arg-type]
        message.value = "Sparat: " + ", ".join(p.name for p in paths.values()) + f" i {paths['csv'].parent}"

    for box in (ort_box, cmp_box, topic_box, mode_box, table_box):
        box.observe(refresh, names="value")
    ort_box.observe(fill_twins, names="value")
    twin_box.observe(pick_twin, names="value")
    save.on_click(on_save)
    fill_twins()
    refresh()
    return w.VBox([ort_box, twin_box, w.HBox([w.Label("Jämför med (högst tre):"), cmp_box]), topic_box, mode_box,
                   w.HBox([table_box, save]), message, out])


def twins(ort: str) -> pd.DataFrame:
    """The locality's structural twins ("mest lika orter" in Sweden, as in its profile): one row each, nearest
    first, with kommun, län, population and what they are most alike in. Pick one under "Jämför med" (or
    pass its name to :func:`frame`) to see the two side by side."""
    from ortsprofil.figures.profile import build

    p = build(ort)
    lans = p.snapshot.read("regioner").set_index("region_code")["region_name"]
    peers = p.peers[~p.peers["is_ort"]]
    out = pd.DataFrame({
        "Tätort": peers["tatort_name"], "Kommun": peers["kommun_name"],
        "Län": [T.lan_short(str(lans.get(c, c))) for c in peers["lan_code"]],
        "Folkmängd": [T.fmt_number(v) for v in peers["population"]],
        "Mest lika i": [", ".join(r) for r in peers["reason"]] if "reason" in peers else "",
    }).reset_index(drop=True)
    out.attrs["caption"] = f"Orterna i Sverige som mest liknar {p.ort.name}"
    return out


def changes(ort: str, jamfor_med: str = "") -> pd.DataFrame:
    """What changed for ``ort`` since its latest handout (or the record of ``jamfor_med``: a date
    ÅÅÅÅ-MM-DD or a profil.json): one row per figure with old and new value and years.

    Empty when nothing changed; a one-row note when the locality has no earlier handout.
    """
    from ortsprofil import config
    from ortsprofil.present import records
    from ortsprofil.figures.profile import build

    p = build(ort)
    path = records.choose_earlier(config.REPORTS_DIR / p.ort.slug, jamfor_med)
    if path is None:
        return pd.DataFrame({"Uppgift": [f"Det finns inget tidigare underlag för {p.ort.name}. "
                                         f"Bygg ett med: ortsprofil rapport {p.ort.name}"]})
    old = records.load(path)
    rows = []
    for c in records.compare(old, {"figures": records.figures_of(p)}):
        rows.append({
            "Mått": records.base_label(c.label),
            f"Underlaget {old['built'][:10]}": f"{c.old['text']} ({c.old['period']})" if c.old else "–",
            "Nu": f"{c.new['text']} ({c.new['period']})" if c.new else "–",
            "Anmärkning": c.noise() or {"ny": "ny uppgift", "borta": "finns inte längre med"}.get(c.kind, ""),
        })
    out = pd.DataFrame(rows, columns=["Mått", f"Underlaget {old['built'][:10]}", "Nu", "Anmärkning"])
    out.attrs["caption"] = f"Sedan underlaget {old['built'][:10]}: {len(out)} ändrade siffror"
    return out
