"""Run a profile notebook with papermill and render it as a reader-facing HTML (and PDF).

``build_report("Näsum")`` resolves the locality *before* anything is written (bad input raises
a typed error and leaves the disk untouched), executes ``notebooks/ortsprofil.ipynb`` in a
temporary folder inside ``reports/``, exports HTML without code, and only then moves the
finished files into ``reports/<slug>/``. A name can never write outside ``reports/``.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import nbformat

from . import config
from .errors import InvalidParameterError, ReportError
from .localities import Locality, registry, validate_band, validate_lan

log = logging.getLogger(__name__)

PROFILE_NOTEBOOK = "ortsprofil.ipynb"
#: Cells with these tags never reach the reader.
HIDDEN_TAGS = ("parameters", "injected-parameters", "hide-report")


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


def _die_with_parent(sig: int | None = None) -> None:
    """In a child process (Linux): receive ``sig`` (default SIGKILL) when the parent dies.

    Runs between fork and exec (``preexec_fn``) or at a pool worker's start. Without prctl (not
    Linux) it does nothing; ipykernel's own parent poller is then the fallback.
    """
    import signal

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig or signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _kernel_preexec() -> None:
    """Between fork and exec of a kernel: no blocked signals (a batch worker blocks SIGTERM for
    its watcher thread) and death with the process that started it."""
    import signal

    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    _die_with_parent()


def _kernel_manager_class():
    """A KernelManager that talks to its kernel over IPC sockets in a private temp folder.

    Local kernels need no TCP; with IPC the kernel does not print jupyter_client's
    "running over TCP without encryption" warning into every command's output. The kernel
    never inherits MPLBACKEND, so charts always come out as inline images.
    """
    from jupyter_client.manager import KernelManager
    from traitlets import default

    class IpcKernelManager(KernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc"

        @default("ip")
        def _default_ip(self):
            return os.path.join(tempfile.mkdtemp(prefix="ortsprofil-kernel-"), "kernel")

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # Reports need the inline backend; an inherited MPLBACKEND=Agg would drop every chart.
            env = dict(kw.get("env") or os.environ)
            env.pop("MPLBACKEND", None)
            kw["env"] = env
            # The kernel process's own log (not the notebook's output) would only clutter the
            # terminal — e.g. ipykernel's "KeyboardInterrupt caught in kernel" at pool shutdown.
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            # The kernel dies with the process that started it, however that process ends.
            kw.setdefault("preexec_fn", _kernel_preexec)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        def cleanup_resources(self, restart: bool = False) -> None:
            super().cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    return IpcKernelManager


def execute_notebook(
    source: Path,
    output: Path,
    parameters: dict,
    *,
    cwd: Path | None = None,
) -> nbformat.NotebookNode:
    """Execute ``source`` with papermill into ``output`` (kernel ``python3``).

    Parameters are passed through papermill's Python API, so strings stay strings
    ("0114" is never turned into 114).

    Raises
    ------
    ReportError
        When a cell raises; the message names the error the notebook hit.
    """
    import papermill as pm

    _check_notebook(source)
    try:
        with _own_signal_handlers():
            return pm.execute_notebook(
                str(source),
                str(output),
                parameters=parameters,
                kernel_name="python3",
                cwd=str(cwd or config.NOTEBOOKS_DIR),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                kernel_manager_class=_kernel_manager_class(),
            )
    except pm.PapermillExecutionError as exc:
        raise ReportError(f"Notebooken {source.name} stoppade: {exc.ename}: {exc.evalue}") from exc


@contextlib.contextmanager
def _own_signal_handlers() -> Iterator[None]:
    """Keep ortsprofil's SIGINT/SIGTERM handling while a notebook runs.

    nbclient installs asyncio signal handlers that shut the kernel down and then carry on, and
    removes them afterwards by resetting SIGTERM to the default — so a batch worker would neither
    stop on SIGTERM nor keep its own handler. While this is active, the event loop refuses
    ``add_signal_handler`` (nbclient expects and ignores that RuntimeError), and the handlers in
    force before are put back afterwards.
    """
    import asyncio
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    loop_cls = asyncio.SelectorEventLoop
    original = loop_cls.add_signal_handler

    def refuse(self, sig, callback, *args):
        raise RuntimeError("ortsprofil handles signals itself")

    loop_cls.add_signal_handler = refuse
    try:
        yield
    finally:
        loop_cls.add_signal_handler = original
        for sig, handler in before.items():
            if handler is not None and signal.getsignal(sig) != handler:
                signal.signal(sig, handler)


def _check_notebook(source: Path) -> None:
    """A notebook that cannot be read is a ReportError in Swedish (not a JSON traceback)."""
    try:
        nbformat.read(str(source), as_version=4)
    except FileNotFoundError:
        raise ReportError(f"Notebooken {source} finns inte.") from None
    except (ValueError, nbformat.ValidationError, UnicodeDecodeError) as exc:
        raise ReportError(f"Notebooken {source} är skadad och kan inte läsas (inte giltig notebook-JSON: "
                          f"{str(exc).splitlines()[0][:120]}). Hämta en hel kopia, t.ex. med git checkout.") from None


class WarmKernel:
    """One kernel kept alive across many notebooks (batch workers): start-up and imports are paid once.

    Every notebook still starts from an empty namespace (``%reset -f`` and all figures closed);
    only loaded modules and their caches (the snapshot, the registry) carry over, which is the
    point. Parameters are injected exactly as papermill does (``injected-parameters`` cell).
    """

    def __init__(self, cwd: Path | None = None):
        self.cwd = cwd or config.NOTEBOOKS_DIR
        self.km = None
        self.kc = None
        self.runs = 0

    def _ensure(self) -> None:
        if self.km is not None and self.km.is_alive():
            return
        self.close()
        self.km = _kernel_manager_class()(kernel_name="python3")
        self.km.start_kernel(cwd=str(self.cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def execute(self, source: Path, output: Path, parameters: dict) -> nbformat.NotebookNode:
        """Execute ``source`` with ``parameters`` and write the executed notebook to ``output``.

        Raises
        ------
        ReportError
            When a cell raises.
        """
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        _check_notebook(source)
        self._ensure()
        nb = load_notebook_node(str(source))  # as papermill does: every cell gets a tags list
        nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
        # A fresh namespace for every notebook: a first, temporary cell resets it.
        reset = nbformat.v4.new_code_cell(
            "get_ipython().run_line_magic('reset', '-f')\n"
            "import matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt")
        nb.cells.insert(0, reset)
        client = NotebookClient(nb, km=self.km, kernel_name="python3", timeout=600,
                                resources={"metadata": {"path": str(self.cwd)}})
        client.kc = self.kc  # reuse the running client (not a constructor argument)
        try:
            with _own_signal_handlers():
                client.execute()
        except CellExecutionError as exc:
            raise ReportError(f"Notebooken {source.name} stoppade: {exc.ename}: {exc.evalue}") from exc
        finally:
            nb.cells.pop(0)
        for i, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
            cell.execution_count = i  # numbered as in a fresh kernel
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = i
        nbformat.write(nb, str(output))
        self.runs += 1
        return nb

    def kill(self) -> None:
        """Kill the kernel process at once and remove its files (from a signal handler: no messages)."""
        km = self.km
        if km is None:
            return
        try:
            pid = getattr(km.provisioner, "pid", None)
            if pid:
                os.kill(pid, 9)
        except (OSError, AttributeError):
            pass
        try:
            km.cleanup_resources()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.km = self.kc = None


@lru_cache(maxsize=1)
def _css() -> str:
    return (resources.files("ortsprofil") / "templates" / "ortsprofil" / "report.css").read_text(
        encoding="utf-8"
    )


def _templates_dir() -> str:
    return str(resources.files("ortsprofil") / "templates")


def _add_alt_texts(nb: nbformat.NotebookNode) -> None:
    """Give every image an alt text naming the report section it belongs to."""
    section = "ortsprofilen"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    section = line[3:].strip()
            continue
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                meta = out.setdefault("metadata", {}).setdefault("image/png", {})
                meta.setdefault("alt", f"Diagram i avsnittet {section}")


def to_html(nb: nbformat.NotebookNode, title: str, footer: str = "") -> str:
    """Render an executed notebook as a self-contained reader-facing HTML page.

    No input cells, no prompts, no cells tagged ``parameters``/``injected-parameters``/
    ``hide-report``, images embedded, no external scripts or fonts.
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = list(HIDDEN_TAGS)
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.language_code = "sv"
    exporter = HTMLExporter(
        config=c, template_name="ortsprofil", extra_template_basedirs=[_templates_dir()]
    )
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    _add_alt_texts(nb)
    body, _ = exporter.from_notebook_node(
        nb,
        resources={
            "ortsprofil_css": _css(),
            "ortsprofil_footer": footer,
        },
    )
    # The first section starts on the cover page; every later section on a new page in print.
    return body.replace("<h2 id=", '<h2 class="op-first" id=', 1)


def to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Render the report HTML as an A4 PDF with WeasyPrint (page numbers in the footer)."""
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ReportError(
            "PDF kräver WeasyPrint: installera med `pip install -e '.[pdf]'` (ingår i `make setup`)."
        ) from exc
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(filename=str(html_path), base_url=str(html_path.parent)).write_pdf(
        str(pdf_path), presentational_hints=True
    )
    return pdf_path


def _place(tmp: Path, target: Path) -> None:
    """Move the finished files from ``tmp`` into ``target`` (replacing earlier report files)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in tmp.iterdir():
        os.replace(item, target / item.name)


@contextlib.contextmanager
def _staged(base: Path, slug: str) -> Iterator[Path]:
    """A temporary folder inside ``base`` (same file system, so moving out is a rename); removed afterwards."""
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{slug}.", dir=base))
    _STAGING.add(tmp)
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        _STAGING.discard(tmp)


#: Staging folders this process has open (removed by a worker's SIGTERM handler too).
_STAGING: set[Path] = set()


def _write_json(path: Path, data: dict) -> None:
    from .snapshot import atomic_write_bytes

    atomic_write_bytes(path, (json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8"))


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
    mote_datum: str = "",
    mote_plats: str = "",
    processledare: str = "",
    peer_typ: str = "samma",
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
        "samma" (villages with villages) or "alla" (every tätort in the band).
    kernel : WarmKernel, optional
        Run in this long-lived kernel instead of a fresh papermill kernel (batch builds).
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
    loc = registry().find(ort)
    lo, hi = validate_band(peer_min, peer_max)
    lan = "" if lan in (None, "") else validate_lan(lan)
    from .profile import meeting_line

    meeting_line(mote_datum, mote_plats, processledare)  # a bad date fails here, before anything is written
    if peer_typ not in ("samma", "alla"):
        raise InvalidParameterError(f"Okänt urval av liknande orter {peer_typ!r}: välj \"samma\" eller \"alla\".")
    from . import records
    from .profile import build

    baslinje = records.validate_baseline(baslinje)
    base = (reports_dir or config.REPORTS_DIR).resolve()
    target = safe_folder(base, loc.slug)
    earlier = records.choose_earlier(target, "" if jamfor_med in (None, "senaste") else jamfor_med) \
        if jamfor_med != "" else None
    source = notebook or (config.NOTEBOOKS_DIR / PROFILE_NOTEBOOK)
    with _staged(base, loc.slug) as tmp:
        params = {"ort": loc.code, "lan": lan, "peer_min": lo, "peer_max": hi, "peer_typ": peer_typ,
                  "mote_datum": str(mote_datum or ""), "mote_plats": str(mote_plats or ""),
                  "processledare": str(processledare or ""), "jamfor_med": str(earlier or ""),
                  "baslinje": baslinje}
        if kernel is not None:
            nb = kernel.execute(source, tmp / PROFILE_NOTEBOOK, params)
        else:
            nb = execute_notebook(source, tmp / PROFILE_NOTEBOOK, params)
        footer = (
            f"Ortsprofil för {loc.name} ({loc.kommun_name} kommun). Källa: Statistiska centralbyrån "
            "(SCB), fri data (CC0). Sammanställd med ortsprofil."
        )
        html_path = tmp / "ortsprofil.html"
        html_path.write_text(to_html(nb, title=f"Ortsprofil: {loc.name}", footer=footer), encoding="utf-8")
        if pdf:
            to_pdf(html_path, tmp / "ortsprofil.pdf")
        p = build(loc.code, lan=lan, peer_min=lo, peer_max=hi, peer_typ=peer_typ)
        rec_params = {**{k: v for k, v in params.items() if k != "ort"}, "pdf": pdf}
        record = records.make(p, rec_params, code_fingerprint(source))
        meta = {**key_figures(p), "built": record["built"], "params": rec_params, "pdf": pdf}
        previous = _read_record(target)
        if previous and previous.get("tables") != record["tables"]:
            meta["new_figures_since"] = previous["built"]  # the index says "nya siffror sedan …"
        elif previous and _read_meta(target).get("new_figures_since"):
            meta["new_figures_since"] = _read_meta(target)["new_figures_since"]
        _write_json(tmp / "meta.json", meta)
        _place(tmp, target)
        records.save(target, record)
    if kernel is None:  # a batch writes the index once, at the end
        write_index(base)
    return ReportResult(
        locality=loc,
        folder=target,
        notebook=target / PROFILE_NOTEBOOK,
        html=target / "ortsprofil.html",
        pdf=(target / "ortsprofil.pdf") if pdf else None,
    )


def _read_record(folder: Path) -> dict | None:
    from . import records

    try:
        return records.load(folder / records.RECORD) if (folder / records.RECORD).exists() else None
    except InvalidParameterError:
        return None


def _read_meta(folder: Path) -> dict:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _now() -> str:
    from .snapshot import now_iso

    return now_iso()


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
    from . import screening

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
        screening.export(s.frame, tmp, s.sources())
        _place(tmp, target)
    write_index(base)
    return ComparisonResult(target, target / "jamforelse.html", target / "jamforelse.xlsx", target / "jamforelse.csv",
                            len(s.frame), int(s.frame["kandidat"].sum()))


# -- batch --------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What ``build_all`` did: built, skipped (unchanged) and failed localities."""

    built: list[str]
    skipped: list[str]
    failed: list[tuple[str, str]]
    index: Path | None = None
    #: (locality, why it was rebuilt) — e.g. "nya siffror", or a report built with other settings replaced.
    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


@lru_cache(maxsize=8)
def _code_fingerprint(notebook: str, stamp: tuple) -> str:
    import hashlib

    from . import __version__

    h = hashlib.sha256(__version__.encode())
    h.update(Path(notebook).read_bytes())
    pkg = Path(__file__).resolve().parent
    for f in sorted(list(pkg.glob("*.py")) + list(pkg.glob("templates/*/*"))):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def code_fingerprint(notebook: Path | None = None) -> str:
    """Hash of the code a report comes from: the notebook, the package and its templates."""
    nb = (notebook or config.NOTEBOOKS_DIR / PROFILE_NOTEBOOK).resolve()
    pkg = Path(__file__).resolve().parent
    stamp = tuple((f.name, f.stat().st_mtime_ns) for f in sorted(pkg.glob("*.py"))) + (nb.stat().st_mtime_ns,)
    return _code_fingerprint(str(nb), stamp)


def _whole(path: Path, tail: bytes) -> bool:
    """True when ``path`` exists and ends as a finished file of its kind ends."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 2048))
            return tail in fh.read()
    except OSError:
        return False


def up_to_date(target: Path, params: dict) -> tuple[bool, str]:
    """(True, "") when the profile in ``target`` was built from the same code, parameters and table
    contents, and its files are whole; else (False, why) in Swedish."""
    from .snapshot import default

    rec = _read_record(target)
    if rec is None:
        return False, "ny"
    if not (_whole(target / "ortsprofil.html", b"</html>") and _whole(target / "meta.json", b"}")):
        return False, "ofullständiga filer"
    if params.get("pdf") and not _whole(target / "ortsprofil.pdf", b"%%EOF"):
        return False, "ofullständiga filer"
    def strip(d: dict) -> dict:  # the earlier record compared with is not a setting of the report
        return {k: v for k, v in d.items() if k != "jamfor_med"}

    if strip(rec.get("params") or {}) != strip(params):
        return False, "andra inställningar"
    if rec.get("code") != code_fingerprint():
        return False, "ny programversion"
    snap = default()
    for key, sha in rec.get("tables", {}).items():
        if not snap.has(key) or snap.info(key).sha256 != sha:
            return False, "nya siffror"
    return True, ""


_WORKER_KERNEL: WarmKernel | None = None


def _worker_kernel() -> WarmKernel:
    """The warm kernel of this (worker) process, shut down when the process exits."""
    global _WORKER_KERNEL
    if _WORKER_KERNEL is None:
        from multiprocessing import util

        _WORKER_KERNEL = WarmKernel()
        util.Finalize(_WORKER_KERNEL, _WORKER_KERNEL.close, exitpriority=10)
        import atexit

        atexit.register(_WORKER_KERNEL.close)
    return _WORKER_KERNEL


def _build_one(code: str, lan: str, lo: int, hi: int, pdf: bool, base: str, force: bool) -> tuple[str, str, str]:
    """Worker: build one profile unless it is up to date. Returns (status, label, message)."""
    from .errors import OrtsprofilError

    label = code
    try:
        loc = registry().find(code)
        label = loc.label
        target = safe_folder(Path(base), loc.slug)
        params = {"lan": lan, "peer_min": lo, "peer_max": hi, "peer_typ": "samma", "mote_datum": "",
                  "mote_plats": "", "processledare": "", "baslinje": 0, "pdf": pdf}
        fresh, why = up_to_date(target, params)
        if fresh and not force:
            return "skipped", label, ""
        earlier = _read_record(target)
        build_report(loc.code, lan=lan, peer_min=lo, peer_max=hi, pdf=pdf, reports_dir=Path(base),
                     kernel=_worker_kernel())
        if why == "andra inställningar" and earlier:
            old = {k: v for k, v in earlier.get("params", {}).items() if params.get(k) != v}
            return "built", label, "ersatte en rapport byggd med andra inställningar (" + ", ".join(
                f"{k}={v!r}" for k, v in sorted(old.items())) + ")"
        return "built", label, why
    except OrtsprofilError as exc:
        return "failed", label, str(exc)
    except Exception as exc:  # noqa: BLE001 - one locality's crash must not stop the batch; it is reported
        return "failed", label, f"{type(exc).__name__}: {exc}"


def _outcome(future, code: str) -> tuple[str, str, str]:
    """A worker's result; a worker that died (killed, out of memory) is that locality's failure."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as exc:
        return "failed", code, f"arbetsprocessen avbröts: {exc}"


def _worker_init() -> None:
    """A pool worker stops when the batch does: on SIGTERM (sent by the parent, or by the kernel
    when the parent dies, on Linux) it removes its staging folder, kills its kernel and exits at
    once; Ctrl-C is left to the parent, which stops the pool.

    SIGTERM is blocked in every thread and taken by a small watcher thread with ``sigwait``: a
    Python signal handler would only run when the main thread returns to Python code, which it
    may not do for a long time while it waits inside the kernel client.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    _die_with_parent(signal.SIGTERM)

    def watch() -> None:
        sig = signal.sigwait({signal.SIGTERM})
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # nothing half-said from a dying worker
        for d in list(_STAGING):
            shutil.rmtree(d, ignore_errors=True)
        if _WORKER_KERNEL is not None:
            _WORKER_KERNEL.kill()
        os._exit(128 + sig)

    threading.Thread(target=watch, name="ortsprofil-stopp", daemon=True).start()


def select(lan: str = "12", min_inv: int = config.PEER_MIN, max_inv: int = config.PEER_MAX, *,
           orter: str | list[str] = "", kommuner: str = "") -> list[str]:
    """Codes of the tätorter to build: by name/code (``orter``), by kommun (``kommuner``) and by
    population (``min_inv ≤ folkmängd ≤ max_inv``), in ``lan`` ("alla" = all Sweden); largest first.

    Selection never changes a profile's peer group. Raises InvalidParameterError for an unknown
    län, locality or kommun, or a kommun outside ``lan``.
    """
    from .screening import parse_kommuner

    reg = registry()
    lo, hi = validate_band(min_inv, max_inv)
    lan = validate_lan(lan, allow_all=True)
    f = reg.frame
    f = f if lan == "alla" else f[f["lan_code"] == lan]
    if orter:
        names = [o.strip() for o in (orter.split(",") if isinstance(orter, str) else orter) if o.strip()]
        codes = {reg.find(n).code for n in names}
        f = f[f["tatort_code"].isin(codes)]
        if lan != "alla" and len(f) < len(codes):
            raise InvalidParameterError(f"Någon av orterna {', '.join(names)} ligger inte i län {lan}. "
                                        "Ange --lan alla eller ortens län.")
    if kommuner:
        f = f[f["kommun_code"].isin(parse_kommuner(kommuner, reg, None if lan == "alla" else lan))]
    f = f[f["population"].between(lo, hi)] if not orter else f
    return f.sort_values(["population", "tatort_code"], ascending=[False, True])["tatort_code"].tolist()


def build_all(lan: str = "12", min_inv: int | str = config.PEER_MIN, max_inv: int | str = config.PEER_MAX,
              *, workers: int | None = None, force: bool = False, pdf: bool = False,
              codes: list[str] | None = None, orter: str = "", kommuner: str = "",
              reports_dir: Path | None = None, progress=None) -> BatchResult:
    """Build the profile of every selected locality in parallel and write ``reports/index.html``.

    Every profile is built with the default comparison settings (its own län, liknande orter
    400–4 000), whatever selects it; a profile is skipped when its record shows the same code,
    settings and table contents and its files are whole.

    Parameters
    ----------
    lan : str
        Län code, or "alla" for every tätort in Sweden.
    min_inv, max_inv : int
        Which localities to build (by population); not the peer band.
    codes, orter, kommuner :
        Explicit localities (names or codes), or the localities of some kommuner.
    workers : int, optional
        Process pool size (default: the number of cores).
    force : bool
        Rebuild even profiles that are up to date.
    progress : callable, optional
        Wraps an iterable of completed futures (e.g. ``tqdm`` with ``total``).

    Interrupted (Ctrl-C, SIGTERM, the parent's death) the batch stops its workers and their
    kernels and removes its staging folders; finished profiles stay.
    """
    import time
    from concurrent.futures import ProcessPoolExecutor, as_completed

    lo, hi = validate_band(min_inv, max_inv)
    lan_sel = validate_lan(lan, allow_all=True)
    if codes is not None:
        todo = list(codes)
    else:
        todo = select(lan_sel, lo, hi, orter=orter, kommuner=kommuner)
    base = (reports_dir or config.REPORTS_DIR).resolve()
    base.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(int(workers or os.cpu_count() or 1), max(1, len(todo))))
    result = BatchResult([], [], [])
    # Each profile compares with its own län and the default band, whatever selected it.
    args = [(c, "", config.PEER_MIN, config.PEER_MAX, pdf, str(base), force) for c in todo]
    started = time.time()
    pool = None
    try:
        if workers == 1:
            outcomes = (_build_one(*a) for a in args)
            outcomes = progress(outcomes, total=len(args)) if progress else outcomes
        else:
            import multiprocessing

            # "spawn", not fork: the parent may hold threads (kernel clients, servers) whose locks a
            # forked child would inherit in a locked state and wait on forever.
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_init)
            futures = {pool.submit(_build_one, *a): a[0] for a in args}
            done = as_completed(futures)
            outcomes = (_outcome(f, futures[f]) for f in (progress(done, total=len(futures)) if progress else done))
        for status, label, message in outcomes:
            if status == "built":
                result.built.append(label)
                if message:
                    result.reasons.append((label, message))
            elif status == "skipped":
                result.skipped.append(label)
            else:
                result.failed.append((label, message))
    finally:
        if pool is not None:
            _stop_pool(pool)
        elif _WORKER_KERNEL is not None:
            _WORKER_KERNEL.close()
        _remove_staging(base, since=started)
    result.index = write_index(base)
    return result


def _stop_pool(pool) -> None:
    """Stop a process pool now: pending work cancelled, workers terminated (SIGTERM, so each shuts
    its kernel down), then killed if they linger."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=15)
        if p.is_alive():
            p.kill()
            p.join(timeout=5)


def _remove_staging(base: Path, since: float) -> None:
    """Remove staging folders (".<ort>.xxxx") this batch left behind (a worker killed mid-write)."""
    for d in base.glob(".*.*"):
        try:
            if d.is_dir() and d.stat().st_mtime >= since - 1:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


# -- index page ---------------------------------------------------------------------------------


def write_index(base: Path | None = None) -> Path:
    """``reports/index.html``: every built profile with key figures, sortable and filterable offline."""
    from . import text as T

    base = (base or config.REPORTS_DIR).resolve()
    rows = []
    for meta_path in sorted(base.glob("*/meta.json")):
        slug = meta_path.parent.name
        if slug.startswith(".") or not _whole(meta_path.parent / "ortsprofil.html", b"</html>"):
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
        if _whole(base / slug / "ortsprofil.pdf", b"%%EOF"):
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
        n=len(rows), rows="\n".join(body), comparison=comparison, built=T.fmt_date(_now()[:10]),
        css=_css(), age_head='<th data-col="5" class="num">Andel 65+</th>' if show_age else "",
        n_rank=6 if show_age else 5, n_built=7 if show_age else 6,
    )
    path = base / "index.html"
    from .snapshot import atomic_write_bytes

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
