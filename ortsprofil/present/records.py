"""Build records: what each report showed, kept per build, and what changed since then.

Every ``rapport`` leaves ``reports/<ort>/profil.json`` (the figures of the report beside it) and a
dated copy ``reports/<ort>/poster/<tidpunkt>.json`` that is never overwritten. Dated JSON files,
not a database: they travel with the report folder, are readable and diffable by anyone, and
parallel batch workers never write the same file (one folder per locality).

A record holds every figure (key, label, value, unit, reference years, source, comparators, rank,
caveats), the build parameters, the code fingerprint and, per snapshot table the profile used, the
table's content hash — so a batch can tell exactly which profiles new figures touch.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ortsprofil import __version__, config
from ortsprofil import text as T
from ortsprofil.data.snapshot import atomic_write_bytes
from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures.compute import tatort_series, used_tables
from ortsprofil.figures.model import NOISE_FROM_YEAR, NOISE_PERSONS, SECTIONS, Source
from ortsprofil.present import narrative
from ortsprofil.present.blocks import HtmlBlock, Table

RECORD = "profil.json"
ARCHIVE = "poster"
SCHEMA = 1

#: Units counted in persons, where SCB's noise (from reference year 2025) moves a figure by a few.
COUNT_UNITS = ("personer", "antal", "förändring personer")


def _clean(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def figures_of(p) -> list[dict]:
    """Every figure of a built Profile, as plain JSON-able dicts."""
    out = []
    for s in p.stats.values():
        out.append({
            "key": s.key, "label": narrative.named_label(p, s), "section": s.section, "level": s.level, "unit": s.unit,
            "value": _clean(s.value), "text": s.formatted(), "status": s.status, "period": s.period,
            "ref": s.source.ref, "source": s.source.words(), "table": s.source.table,
            "comparators": {k: _clean(v) for k, v in s.values.items() if k != "ort" and k != s.level},
            "rank": list(s.rank) if s.rank else None, "caveats": list(s.caveats),
        })
    return out


def table_hashes(p) -> dict[str, str]:
    """{table key: content hash} of every snapshot table the profile reads."""
    snap = p.snapshot
    keys = set(used_tables(p.stats)) | {"tatorter", "tatort_folkmangd", "tatort_historik", "regioner",
                                          "kommun_folkmangd", "kommun_alder_55plus", "kommun_inkomst",
                                          "tatort_ytor"}
    if p.deso:
        keys |= {"tatort_deso", "deso_alder", "deso_indikatorer"}
    else:
        keys.add("tatort_deso")  # a DeSO link appearing would change the report
    return {k: snap.info(k).sha256 for k in sorted(keys) if snap.has(k)}


def make(p, params: dict, code_fingerprint: str) -> dict:
    """The record of one build."""

    return {
        "schema": SCHEMA, "ortsprofil": __version__,
        "built": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "locality": {"code": p.ort.code, "name": p.ort.name, "kommun": p.ort.kommun_name, "lan": p.lan_name},
        "params": params, "code": code_fingerprint, "tables": table_hashes(p), "figures": figures_of(p),
        "peers": peers_of(p),
    }


def peers_of(p) -> dict:
    """The profile's "liknande orter": the rule, and each peer with code, name, kommun, län and — for
    structural twins — the distance in feature space and what they are most alike in."""
    lans = p.snapshot.read("regioner").set_index("region_code")["region_name"]
    rows = []
    for r in p.peers[~p.peers["is_ort"]].itertuples():
        row = {"code": r.tatort_code, "name": r.tatort_name, "kommun": r.kommun_name,
               "lan": str(lans.get(r.lan_code, r.lan_code))}
        if hasattr(r, "distance"):
            row["distance"] = _clean(r.distance)
            row["reason"] = list(r.reason)
        rows.append(row)
    return {"rule": p.peer_rule.get("typ", "storlek"), "scope": narrative.peer_scope(p), "peers": rows}


#: The columns of a profile's figures as CSV (Swedish headers), from the record.
CSV_COLUMNS = {"section": "Avsnitt", "label": "Mått", "value": "Värde", "unit": "Enhet", "period": "År",
               "kommun": "Kommunen", "lan": "Länet", "riket": "Riket", "peers_median": "Liknande orter (median)",
               "rank": "Plats", "status": "Anmärkning", "source": "Källa"}


def figures_csv(record: dict) -> bytes:
    """Every figure of a record as CSV for Swedish Excel: semicolons, decimal comma, UTF-8 with BOM; one
    row per figure with its comparators, place and source. A figure SCB does not publish is empty, with
    the reason under Anmärkning (never 0)."""

    rows = []
    for f in record.get("figures", []):
        comp = f.get("comparators") or {}
        rank = f.get("rank")
        rows.append({
            "section": SECTIONS.get(f.get("section"), f.get("section")), "label": f.get("label"),
            "value": f.get("value"), "unit": f.get("unit"), "period": f.get("period"),
            "kommun": comp.get("kommun") if f.get("level") == "tatort" else f.get("value"),
            "lan": comp.get("lan"), "riket": comp.get("riket"), "peers_median": comp.get("peers_median"),
            "rank": f"{rank[0]} av {rank[1]}" if rank else "",
            "status": "" if f.get("value") is not None else T.fmt_number(None, status=f.get("status")),
            "source": f.get("source"),
        })
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS)).rename(columns=CSV_COLUMNS)
    for col in ("Värde", "Kommunen", "Länet", "Riket", "Liknande orter (median)"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").round(2)
    return frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def save(folder: Path, record: dict) -> Path:
    """Write ``profil.json`` and its dated archive copy (a new name per build; never overwritten)."""

    data = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    archive = folder / ARCHIVE
    archive.mkdir(parents=True, exist_ok=True)
    stamp = re.sub(r"[^0-9T]", "", record["built"][:19])
    path, n = archive / f"{stamp}.json", 1
    while path.exists():  # two builds in one second keep both records
        path, n = archive / f"{stamp}-{n}.json", n + 1
    atomic_write_bytes(path, data)
    atomic_write_bytes(folder / RECORD, data)
    return path


def load(path: Path) -> dict:
    try:
        rec = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(f"Kan inte läsa det tidigare underlaget {path}: {exc}") from exc
    if not isinstance(rec, dict) or "figures" not in rec or "built" not in rec:
        raise InvalidParameterError(f"{path} är inte ett underlag från ortsprofil (profil.json).")
    return rec


def history(folder: Path) -> list[Path]:
    """The archived records of a report folder, oldest first."""
    return sorted((folder / ARCHIVE).glob("*.json")) if (folder / ARCHIVE).is_dir() else []


def choose_earlier(folder: Path, jamfor_med: str = "") -> Path | None:
    """The record to compare with: ``jamfor_med`` as a file, or the latest record built on or before
    the date ÅÅÅÅ-MM-DD; by default the latest record (the handout the group worked from)."""
    jamfor_med = (jamfor_med or "").strip()
    if jamfor_med and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", jamfor_med):
        path = Path(jamfor_med).expanduser()
        if not path.is_file():
            raise InvalidParameterError(f"Hittar inget underlag {jamfor_med!r}: ange en fil (profil.json) "
                                        "eller ett datum ÅÅÅÅ-MM-DD.")
        load(path)
        return path.resolve()
    recs = history(folder)
    if jamfor_med:
        try:
            day = datetime.strptime(jamfor_med, "%Y-%m-%d").date()
        except ValueError as exc:
            raise InvalidParameterError(f"{jamfor_med!r} är inget giltigt datum (ÅÅÅÅ-MM-DD).") from exc
        recs = [r for r in recs if r.stem[:8] <= day.strftime("%Y%m%d")]
        if not recs:
            raise InvalidParameterError(f"Det finns inget underlag för orten från {jamfor_med} eller tidigare.")
    return recs[-1].resolve() if recs else None


# -- the code a report comes from ------------------------------------------------------------------


#: The ortsprofil package folder (every sub-package's code is part of the fingerprint).
_PACKAGE = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=8)
def _code_fingerprint(notebook: str, stamp: tuple) -> str:
    h = hashlib.sha256(__version__.encode())
    h.update(Path(notebook).read_bytes())
    pkg = _PACKAGE
    for f in sorted(f for f in pkg.rglob("*") if f.is_file() and (f.suffix == ".py" or "templates" in f.parts)
                    and "__pycache__" not in f.parts):
        h.update(str(f.relative_to(pkg)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def code_fingerprint(notebook: Path | None = None) -> str:
    """Hash of the code a report comes from: the notebook, the whole package and its templates."""
    nb = (notebook or config.NOTEBOOKS_DIR / "ortsprofil.ipynb").resolve()
    pkg = _PACKAGE
    stamp = tuple((str(f.relative_to(pkg)), f.stat().st_mtime_ns) for f in sorted(pkg.rglob("*.py"))) + (
        nb.stat().st_mtime_ns,)
    return _code_fingerprint(str(nb), stamp)


# -- what changed ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    old: dict | None
    new: dict | None

    @property
    def kind(self) -> str:
        return "ny" if self.old is None else ("borta" if self.new is None else "ändrad")

    def noise(self) -> str | None:
        """A plain-Swedish caveat when the change may be noise or rests on small numbers."""

        if self.old is None or self.new is None:
            return None
        a, b = self.old.get("value"), self.new.get("value")
        years = [int(y) for y in re.findall(r"\d{4}", self.new.get("period") or "")]
        if self.new.get("unit") in COUNT_UNITS and a is not None and b is not None and abs(b - a) <= NOISE_PERSONS \
                and years and max(years) >= NOISE_FROM_YEAR:
            return "inom SCB:s slumpbrus (från 2025 kan antal ändras med några personer)"
        if self.new.get("caveats"):
            return "litet tal: " + self.new["caveats"][0].rstrip(".").lower()
        return None

    def sentence(self) -> str:
        def shown(f: dict) -> str:
            return f"{f['text']} ({f['period']})" if f.get("period") else f["text"]

        if self.kind == "ny":
            return f"{self.label}: ny uppgift, {shown(self.new)}."
        if self.kind == "borta":
            return f"{self.label}: finns inte längre med (var {shown(self.old)})."
        out = f"{base_label(self.new['label'])}: {shown(self.old)} → {shown(self.new)}"
        a, b = self.old.get("value"), self.new.get("value")
        if a is not None and b is not None and b != a:
            unit = self.new["unit"]
            if unit == "procent":
                out += f", {_pp(b - a)}"
            else:
                amount = T.fmt_value(abs(b - a), unit).lstrip("+")
                if unit in ("personer", "förändring personer"):  # "5 personer", not a bare "5"
                    amount += "\xa0personer"
                out += f", {'+' if b > a else '−'}{amount}"
        caveat = self.noise()
        return out + (f"; {caveat}." if caveat else ".")


def _pp(d: float) -> str:
    return f"{'+' if d > 0 else '−' if d < 0 else '±'}{T.fmt_number(abs(d), 1)} procentenheter"


def base_label(label: str) -> str:
    """The label without its trailing year(s) ("Folkmängd (2020)" → "Folkmängd")."""
    return re.sub(r"\s*\(\d{4}(–\d{4})?\)$", "", label)


def compare(old: dict, new: dict) -> list[Change]:
    """Figures whose value or reference years changed, new figures and figures no longer shown."""
    o = {f["key"]: f for f in old.get("figures", [])}
    n = {f["key"]: f for f in new.get("figures", [])}
    out = []
    for key, f in n.items():
        g = o.get(key)
        if g is None:
            out.append(Change(key, f["label"], None, f))
        elif g.get("period") != f.get("period") or g.get("status") != f.get("status") or not _same(g, f):
            out.append(Change(key, f["label"], g, f))
    out += [Change(k, g["label"], g, None) for k, g in o.items() if k not in n]
    return out


def _same(a: dict, b: dict) -> bool:
    x, y = a.get("value"), b.get("value")
    if x is None or y is None:
        return x is y
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


# -- since the baseline -----------------------------------------------------------------------------

#: Series the snapshot keeps per year: (label, table, variable, level, unit).
BASELINE_SERIES = (
    ("Folkmängd i tätorten", "tatort", "folkmangd", "tatort", "personer"),
    ("Folkmängd i kommunen", "kommun_folkmangd", "folkmangd", "kommun", "personer"),
    ("Medianinkomst, 16 år och äldre, i kommunen", "kommun_inkomst", "medianinkomst", "kommun", "tkr"),
    ("Sysselsättningsgrad 20–64 år i kommunen", "kommun_sysselsattning", "sysselsattningsgrad", "kommun", "procent"),
    ("Arbetslöshet 20–64 år i kommunen", "kommun_sysselsattning", "arbetsloshet", "kommun", "procent"),
    ("Kommunal skattesats", "kommun_skattesats", "skattesats", "kommun", "procent"),
)


def baseline(p, year: int) -> pd.DataFrame:
    """Each series at the baseline ``year`` and at its latest year in the snapshot, with the change.

    Columns: label, unit, base_year, base, last_year, last, change_text. A series without a value
    for ``year`` says "uppgift saknas" (never a neighbouring year passed off as the baseline).
    """

    snap, loc = p.snapshot, p.ort
    rows = []
    for label, table, variable, level, unit in BASELINE_SERIES:
        if table == "tatort":
            f = tatort_series(loc, snap)
        elif snap.has(table):
            f = snap.read(table)
            f = f[f["region_code"] == loc.kommun_code]
        else:
            continue
        f = f[(f["variable"] == variable) & f["value"].notna()].sort_values("year")
        if f.empty:
            continue
        at = f[f["year"] == year]
        last = f.iloc[-1]
        base = float(at["value"].iloc[0]) if len(at) else None
        rows.append({
            "label": label, "unit": unit, "base_year": year, "base": base,
            "last_year": int(last["year"]), "last": float(last["value"]),
            "change_text": _change_words(base, float(last["value"]), unit, year, int(last["year"])),
        })
    return pd.DataFrame(rows)


def _change_words(base: float | None, last: float, unit: str, y0: int, y1: int) -> str:
    if base is None:
        return f"{T.MISSING} för {y0}"
    if y1 <= y0:
        return "inga nyare siffror än baslinjeåret"
    d = last - base
    if round(d, 6) == 0:
        return f"oförändrad sedan {y0}"
    if unit == "procent":
        return f"har {'ökat' if d > 0 else 'minskat'} med {T.fmt_number(abs(d), 1)} procentenheter sedan {y0}"
    rel = f" ({T.fmt_signed_percent(100 * d / base)})" if base else ""
    word = "ökat" if d > 0 else "minskat"
    amount = T.fmt_value(abs(d), unit)
    return f"har {word} med {amount}{rel} sedan {y0}"


# -- presentation (report sections) -----------------------------------------------------------------


def since_block(p, jamfor_med: str = ""):
    """"Sedan förra underlaget": the figures that changed since an earlier record ("" = no section)."""
    import html

    if not jamfor_med:
        return HtmlBlock("", "")
    path = choose_earlier(config.REPORTS_DIR / p.ort.slug, "" if jamfor_med == "senaste" else jamfor_med)
    if path is None:
        return HtmlBlock("", "")
    old = load(path)
    changes = compare(old, {"figures": figures_of(p)})
    when = T.fmt_date(old["built"][:10])
    head = f"<h2>Sedan förra underlaget</h2><p>Jämfört med underlaget från {html.escape(when)}"
    plain = f"Sedan förra underlaget ({when}):"
    if not changes and old.get("tables") == table_hashes(p):
        return HtmlBlock("", "")  # built from the same data: nothing to say
    if not changes:
        body = head + " har inga siffror ändrats, fast underlaget har fått nya uppgifter.</p>"
        return HtmlBlock(f'<div class="op-since">{body}</div>', plain + " inga siffror har ändrats.")
    changed = [c for c in changes if c.kind == "ändrad"]
    new = [c for c in changes if c.kind == "ny"]
    gone = [c for c in changes if c.kind == "borta"]
    parts = []
    if changed:
        parts.append(f"{len(changed)} {'siffra har' if len(changed) == 1 else 'siffror har'} ändrats")
    if new:
        parts.append(f"{len(new)} {'är ny' if len(new) == 1 else 'är nya'}")
    if gone:
        parts.append(f"{len(gone)} finns inte längre med")
    items = "".join(f"<li>{html.escape(c.sentence())}</li>" for c in changed + new + gone)
    body = f"{head}: {html.escape(T.join_sv(parts))}.</p><ul class=\"op-facts\">{items}</ul>"
    if _params_differ(old.get("params", {}), p):
        body += ("<p class=\"op-note\">Det förra underlaget byggdes med andra inställningar för liknande orter "
                 "eller län; jämförelsetalen kan skilja också av det skälet.</p>")
    return HtmlBlock(f'<div class="op-since">{body}</div>',
                     plain + "\n" + "\n".join(f"- {c.sentence()}" for c in changed + new + gone))


def _params_differ(old: dict, p) -> bool:
    return (str(old.get("peer_min", p.peer_min)), str(old.get("peer_max", p.peer_max))) != (str(p.peer_min), str(p.peer_max)) \
        or (old.get("lan") not in (None, "", p.lan_code))


def baseline_block(p, year: int | str = 0):
    """"Sedan starten": each series at the baseline year and now (0 = no section)."""

    year = validate_baseline(year)
    if not year:
        return HtmlBlock("", "")
    b = baseline(p, year)
    if b.empty:
        return HtmlBlock("", "")
    frame = pd.DataFrame({
        "Mått": b["label"],
        str(year): [T.fmt_value(v, u) for v, u in zip(b["base"], b["unit"])],
        "Senaste": [f"{T.fmt_value(v, u)} ({y})" for v, u, y in zip(b["last"], b["unit"], b["last_year"])],
        "Förändring": b["change_text"],
    })
    snap = p.snapshot
    tables = {"tatort": "tatort_folkmangd"}
    ids = {snap.info(tables.get(t, t)).scb_table for _l, t, *_ in BASELINE_SERIES if snap.has(tables.get(t, t))}
    words = sorted({Source(i if i.startswith("SCB") else f"SCB {i}", "").words() for i in ids})
    t = Table(frame, caption=f"Sedan starten: {p.ort.name} och {p.kommun_label} {year} och nu",
              source="; ".join(words), raw=b)
    intro = ("<h2>Sedan starten</h2><p>Siffrorna vid baslinjeåret och de senaste som finns, ur samma "
             "serier. Tätortens folkmängd finns bara vissa år.</p>")
    return HtmlBlock(f'<div class="op-baseline">{intro}{t._repr_html_()}</div>', f"Sedan starten ({year}):\n{t!r}")


def validate_baseline(year: int | str | None) -> int:
    """0 (none) or a year 1950–this year; anything else is an InvalidParameterError."""
    if year in (None, "", 0, "0"):
        return 0
    try:
        y = int(str(year).strip())
    except ValueError:
        raise InvalidParameterError(f"Baslinjen {year!r} är inget årtal (t.ex. 2020).") from None
    if not 1950 <= y <= datetime.now().year:
        raise InvalidParameterError(f"Baslinjen {y} ligger utanför 1950–{datetime.now().year}.")
    return y
