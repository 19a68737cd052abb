"""Rendering an executed notebook for readers: HTML without code (our template) and A4 PDF."""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

import nbformat

from .errors import ReportError

log = logging.getLogger(__name__)

#: Cells never shown to readers.
HIDDEN_TAGS = ("parameters", "injected-parameters", "hide-report")


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
