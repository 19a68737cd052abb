"""Run a profile notebook with papermill and render it as a reader-facing HTML (and PDF).

``build_report("Näsum")`` resolves the locality *before* anything is written (bad input raises
a typed error and leaves the disk untouched), executes ``notebooks/ortsprofil.ipynb`` in a
temporary folder inside ``reports/``, exports HTML without code, and only then moves the
finished files into ``reports/<slug>/``. A name can never write outside ``reports/``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import nbformat

from . import config
from .errors import InvalidParameterError, ReportError
from .localities import Locality, registry

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


def _validate_band(peer_min: int | str, peer_max: int | str) -> tuple[int, int]:
    try:
        lo, hi = int(peer_min), int(peer_max)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"Invånargränserna måste vara heltal, inte {peer_min!r} och {peer_max!r}."
        ) from None
    if lo < 0 or hi < 0:
        raise InvalidParameterError("Invånargränserna kan inte vara negativa.")
    if lo > hi:
        raise InvalidParameterError(f"Minsta invånarantal ({lo}) är större än största ({hi}).")
    return lo, hi


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

    try:
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


def build_report(
    ort: str,
    lan: str | None = None,
    peer_min: int | str = config.PEER_MIN,
    peer_max: int | str = config.PEER_MAX,
    *,
    pdf: bool = False,
    reports_dir: Path | None = None,
    notebook: Path | None = None,
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
    lo, hi = _validate_band(peer_min, peer_max)
    lan = "" if lan in (None, "") else str(lan).strip()
    base = (reports_dir or config.REPORTS_DIR).resolve()
    target = safe_folder(base, loc.slug)
    source = notebook or (config.NOTEBOOKS_DIR / PROFILE_NOTEBOOK)
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{loc.slug}.", dir=base))
    try:
        out_nb = tmp / PROFILE_NOTEBOOK
        nb = execute_notebook(
            source,
            out_nb,
            {"ort": loc.code, "lan": lan, "peer_min": lo, "peer_max": hi},
        )
        footer = (
            f"Ortsprofil för {loc.name} ({loc.kommun_name} kommun). Källa: Statistiska centralbyrån "
            "(SCB), fri data (CC0). Sammanställd med ortsprofil."
        )
        html_text = to_html(nb, title=f"Ortsprofil: {loc.name}", footer=footer)
        html_path = tmp / "ortsprofil.html"
        html_path.write_text(html_text, encoding="utf-8")
        if pdf:
            to_pdf(html_path, tmp / "ortsprofil.pdf")
        _place(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ReportResult(
        locality=loc,
        folder=target,
        notebook=target / PROFILE_NOTEBOOK,
        html=target / "ortsprofil.html",
        pdf=(target / "ortsprofil.pdf") if pdf else None,
    )
