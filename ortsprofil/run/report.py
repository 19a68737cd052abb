"""Run a profile notebook with papermill and render it as a reader-facing HTML (and PDF).

``build_report("Näsum")`` resolves the locality *before* anything is written (bad input raises
a typed error and leaves the disk untouched), executes ``notebooks/ortsprofil.ipynb`` in a
temporary folder inside ``reports/``, exports HTML without code, and only then moves the
finished files into ``reports/<slug>/``. A name can never write outside ``reports/``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ortsprofil import config
from ortsprofil.data.snapshot import atomic_write_bytes
from ortsprofil.errors import InvalidParameterError
from ortsprofil.figures.compute import validate_peer_typ
from ortsprofil.figures.localities import Locality, registry, validate_band, validate_lan
from ortsprofil.figures.profile import build
from ortsprofil.present import records
from ortsprofil.present.index import key_figures, write_index
from ortsprofil.present.page import meeting_line
from ortsprofil.present.render import to_html, to_pdf
from ortsprofil.region import export, screening
from ortsprofil.run.execute import HANDOFF_MIME, EarlyKernel, WarmKernel, execute_notebook


log = logging.getLogger(__name__)


PROFILE_NOTEBOOK = "ortsprofil.ipynb"


@dataclass(frozen=True)
class ReportResult:
    """Where a built report was written."""

    locality: Locality
    folder: Path
    notebook: Path
    html: Path
    pdf: Path | None = None


def safe_folder(base: Path, slug: str) -> Path:
    """``base / slug``, refusing anything that would leave ``base``.

    Raises
    ------
    InvalidParameterError
        When the slug is empty, has a path separator, or resolves outside ``base``.
    """
    if not slug or slug in (".", "..") or "/" in slug or "\\" in slug or "\0" in slug:
        raise InvalidParameterError(f"Ogiltigt mappnamn för rapporten: {slug!r}.")
    base = base.resolve()
    target = (base / slug).resolve()
    if target.parent != base:
        raise InvalidParameterError(f"Rapporten skulle hamna utanför {base}: {slug!r}.")
    return target


def _place(tmp: Path, target: Path) -> None:
    """Move the finished files from ``tmp`` into ``target`` (replacing earlier report files)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in tmp.iterdir():
        os.replace(item, target / item.name)


#: Who owns a staging folder: a batch sets this for its workers (the batch's process id), so that it
#: removes its own leftovers and never another build's; otherwise the process's own id.
OWNER_ENV = "ORTSPROFIL_STAGING_OWNER"


def staging_owner() -> str:
    return os.environ.get(OWNER_ENV) or str(os.getpid())


def remove_leftovers(base: Path, owner: str | None = None) -> None:
    """Remove staging folders (``.<ort>.<owner>.xxxx``) in ``base``: those of ``owner`` (a finished or
    stopped batch), and those whose owner process is gone (a run killed with SIGKILL). A folder of a
    build that is still running is never touched."""
    for d in base.glob(".*.*.*"):
        parts = d.name.split(".")
        who = parts[2] if len(parts) >= 4 else ""
        if not d.is_dir() or not who.isdigit():
            continue
        if who == owner or not _alive(int(who)):
            shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _staged(base: Path, slug: str) -> Iterator[Path]:
    """A temporary folder inside ``base`` (same file system, so moving out is a rename); removed afterwards.
    Its name says who owns it (``.<ort>.<owner>.xxxx``); leftovers of killed runs are removed first."""
    base.mkdir(parents=True, exist_ok=True)
    remove_leftovers(base)
    tmp = Path(tempfile.mkdtemp(prefix=f".{slug}.{staging_owner()}.", dir=base))
    STAGING.add(tmp)
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        STAGING.discard(tmp)


#: Staging folders this process has open (removed by a worker's SIGTERM handler too).
STAGING: set[Path] = set()


def _write_json(path: Path, data: dict) -> None:
    atomic_write_bytes(path, (json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8"))


def _handoff_from(runner, rec_params: dict) -> dict | None:
    code = (f"__import__('ortsprofil.run.kernel_side', fromlist=['handoff']).handoff("
            f"p, {json.dumps(rec_params, ensure_ascii=False)!r})")
    text = runner.ask(code, HANDOFF_MIME)
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None


def build_report(
    ort: str,
    lan: str | None = None,
    peer_min: int | str = config.PEER_MIN,
    peer_max: int | str = config.PEER_MAX,
    *,
    pdf: bool = False,
    reports_dir: Path | None = None,
    notebook: Path | None = None,
    kernel: WarmKernel | None = None,
    early: EarlyKernel | None = None,
    mote_datum: str = "",
    mote_plats: str = "",
    processledare: str = "",
    peer_typ: str = "struktur",
    jamfor_med: str | None = None,
    baslinje: int | str = 0,
) -> ReportResult:
    """Build ``reports/<slug>/ortsprofil.{ipynb,html[,pdf]}`` for one locality.

    Parameters
    ----------
    ort : str
        Name or code of the tätort.
    lan : str, optional
        Län code for comparisons (default: the locality's own).
    peer_min, peer_max : int
        Population band of "liknande orter".
    pdf : bool
        Also write an A4 PDF.
    mote_datum, mote_plats, processledare : str
        The stormöte on the cover (date as ÅÅÅÅ-MM-DD); empty = not shown.
    peer_typ : str
        "struktur" (the twelve most alike in Sweden; default), "struktur-lan", "storlek" (villages with
        villages of the län in the band; old name "samma") or "alla" (every tätort of the län in the band).
    kernel : WarmKernel, optional
        Run in this long-lived kernel instead of a fresh papermill kernel (batch builds).
    early : EarlyKernel, optional
        A kernel the caller started (and warmed) before checking its input; by default one is
        started here, first thing. Killed as soon as the notebook's results are fetched.
    jamfor_med : str, optional
        The earlier record for "Sedan förra underlaget": a profil.json, a date ÅÅÅÅ-MM-DD (the latest
        record built then or before), "" for none; default (None) the latest earlier record.
    baslinje : int
        Baseline year for "Sedan starten" (0 = none).

    Returns
    -------
    ReportResult

    Raises
    ------
    UnknownLocalityError, AmbiguousLocalityError, InvalidParameterError
        Before anything is written.
    ReportError
        When the notebook or the export fails (the previous report, if any, is kept).
    """
    with contextlib.ExitStack() as stack:
        if kernel is None and early is None:
            early = stack.enter_context(EarlyKernel())  # boots while the input is checked
        return _build_report(ort, lan, peer_min, peer_max, pdf=pdf, reports_dir=reports_dir, notebook=notebook,
                             runner=kernel or early, mote_datum=mote_datum, mote_plats=mote_plats,
                             processledare=processledare, peer_typ=peer_typ, jamfor_med=jamfor_med,
                             baslinje=baslinje)


def _build_report(ort, lan, peer_min, peer_max, *, pdf, reports_dir, notebook, runner, mote_datum, mote_plats,
                  processledare, peer_typ, jamfor_med, baslinje) -> ReportResult:
    loc = registry().find(ort)
    lo, hi = validate_band(peer_min, peer_max)
    lan = "" if lan in (None, "") else validate_lan(lan)
    meeting_line(mote_datum, mote_plats, processledare)  # a bad date fails here, before anything is written
    peer_typ = validate_peer_typ(peer_typ)
    baslinje = records.validate_baseline(baslinje)
    base = (reports_dir or config.REPORTS_DIR).resolve()
    target = safe_folder(base, loc.slug)
    earlier = records.choose_earlier(target, "" if jamfor_med in (None, "senaste") else jamfor_med) \
        if jamfor_med != "" else None
    source = notebook or (config.NOTEBOOKS_DIR / PROFILE_NOTEBOOK)
    clock = {"start": time.perf_counter()}
    with _staged(base, loc.slug) as tmp:
        params = {"ort": loc.code, "lan": lan, "peer_min": lo, "peer_max": hi, "peer_typ": peer_typ,
                  "mote_datum": str(mote_datum or ""), "mote_plats": str(mote_plats or ""),
                  "processledare": str(processledare or ""), "jamfor_med": str(earlier or ""),
                  "baslinje": baslinje}
        if isinstance(runner, WarmKernel):
            nb = runner.execute(source, tmp / PROFILE_NOTEBOOK, params)
        else:
            nb = execute_notebook(source, tmp / PROFILE_NOTEBOOK, params, kernel=runner)
        clock["notebook"] = time.perf_counter()
        rec_params = {**{k: v for k, v in params.items() if k != "ort"}, "pdf": pdf}
        got = _handoff_from(runner, rec_params)
        clock["handoff"] = time.perf_counter()
        if isinstance(runner, EarlyKernel):
            runner.kill()  # done with the kernel: its memory is free before the export
        if got:
            record, key = got["record"], got["key"]
        else:  # a notebook without the usual `p` (tests, own notebooks): build the profile here
            p = build(loc.code, lan=lan, peer_min=lo, peer_max=hi, peer_typ=peer_typ)
            record, key = records.make(p, rec_params, ""), key_figures(p)
        record["code"] = records.code_fingerprint(source)
        footer = (
            f"Ortsprofil för {loc.name} ({loc.kommun_name} kommun). Källa: Statistiska centralbyrån "
            "(SCB), fri data (CC0). Sammanställd med ortsprofil."
        )
        html_path = tmp / "ortsprofil.html"
        html_path.write_text(to_html(nb, title=f"Ortsprofil: {loc.name}", footer=footer, home="../index.html"),
                             encoding="utf-8")
        atomic_write_bytes(tmp / "ortsprofil.csv", records.figures_csv(record))  # the figures, for Excel
        clock["html"] = time.perf_counter()
        if pdf:
            to_pdf(html_path, tmp / "ortsprofil.pdf")
        clock["pdf"] = time.perf_counter()
        meta = {**key, "built": record["built"], "params": rec_params, "pdf": pdf,
                "timing": {k: round(clock[k] - clock[prev], 3) for prev, k in
                           (("start", "notebook"), ("notebook", "handoff"), ("handoff", "html"), ("html", "pdf"))}}
        previous = read_record(target)
        if previous and previous.get("tables") != record["tables"]:
            meta["new_figures_since"] = previous["built"]  # the index says "nya siffror sedan …"
        elif previous and (since := _read_meta(target).get("new_figures_since")):
            meta["new_figures_since"] = since  # still unseen: a rebuild without new figures keeps the mark
        _write_json(tmp / "meta.json", meta)
        _place(tmp, target)
        if not pdf:  # an older PDF would no longer match the report (and the index would link to it)
            (target / "ortsprofil.pdf").unlink(missing_ok=True)
        records.save(target, record)
    if not isinstance(runner, WarmKernel):  # a batch writes the index once, at the end
        write_index(base, lans={loc.lan_code})
    return ReportResult(
        locality=loc,
        folder=target,
        notebook=target / PROFILE_NOTEBOOK,
        html=target / "ortsprofil.html",
        pdf=(target / "ortsprofil.pdf") if pdf else None,
    )


def read_record(folder: Path) -> dict | None:
    try:
        return records.load(folder / records.RECORD) if (folder / records.RECORD).exists() else None
    except InvalidParameterError:
        return None


def _read_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# -- the comparison (Region Skåne) -------------------------------------------------------------

COMPARISON_NOTEBOOK = "jamforelse.ipynb"


@dataclass(frozen=True)
class ComparisonResult:
    folder: Path
    html: Path
    xlsx: Path
    csv: Path
    rows: int
    candidates: int


def build_comparison(lan: str = "12", min_inv: int | str = config.PEER_MIN, max_inv: int | str = config.PEER_MAX,
                     stad_inv: int | str = config.TOWN_MIN, stad_km: float | str = config.RURAL_KM,
                     service_km: float | str = 5.0,
                     kommuner: str = "", *, reports_dir: Path | None = None) -> ComparisonResult:
    """Run ``notebooks/jamforelse.ipynb`` and write HTML, Excel and CSV to ``reports/jamforelse/``.

    The parameters are validated first (typed errors, nothing written). The Excel and CSV hold the
    same rows, in the same order, as the HTML table.
    """
    s = screening.run(lan, min_inv, max_inv, stad_inv, stad_km, service_km, kommuner)
    r = s.rules
    base = (reports_dir or config.REPORTS_DIR).resolve()
    target = safe_folder(base, "jamforelse")
    with _staged(base, "jamforelse") as tmp:
        nb = execute_notebook(config.NOTEBOOKS_DIR / COMPARISON_NOTEBOOK, tmp / COMPARISON_NOTEBOOK, {
            "lan": r.lan, "min_inv": r.min_inv, "max_inv": r.max_inv, "stad_inv": r.stad_inv,
            "stad_km": r.stad_km, "service_km": r.service_km, "kommuner": ",".join(r.kommuner)})
        html_path = tmp / "jamforelse.html"
        html_path.write_text(to_html(nb, title=f"Jämförelse av tätorter i {s.lan_name}",
                                     footer="Källa: Statistiska centralbyrån (SCB), fri data (CC0). Sammanställd med ortsprofil."),
                             encoding="utf-8")
        export.export(s.frame, tmp, s.sources())
        _place(tmp, target)
    write_index(base, lans=set())
    return ComparisonResult(target, target / "jamforelse.html", target / "jamforelse.xlsx", target / "jamforelse.csv",
                            len(s.frame), int(s.frame["kandidat"].sum()))
