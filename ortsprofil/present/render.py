"""Rendering an executed notebook for readers: HTML without code and an A4 PDF.

The HTML is written directly from the executed notebook (nbconvert's template machinery took two
seconds per report): cells keep the JupyterLab class names and ``celltag_<tag>`` classes that
nbconvert's lab template writes, markdown goes through mistune as in nbconvert, and the page's
only style is ``templates/ortsprofil/report.css`` (screen and A4 print).
"""

from __future__ import annotations

import html
import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import nbformat

from ortsprofil.errors import ReportError

log = logging.getLogger(__name__)

#: Cells never shown to readers.
HIDDEN_TAGS = ("parameters", "injected-parameters", "hide-report")


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (resources.files("ortsprofil.present") / "templates" / "ortsprofil" / "report.css").read_text(
        encoding="utf-8"
    )


def _slug(text: str) -> str:
    """A heading's anchor as nbconvert writes it: the text with spaces as hyphens."""
    return html.escape(re.sub(r"\s+", "-", text.strip()), quote=True)


@lru_cache(maxsize=1)
def _markdown():
    """Markdown → HTML (mistune, the renderer nbconvert uses too), headings with anchors."""
    import mistune

    class Renderer(mistune.HTMLRenderer):
        def heading(self, text: str, level: int, **attrs) -> str:
            plain = html.unescape(re.sub(r"<[^>]+>", "", text))
            return f'<h{level} id="{_slug(plain)}">{text}</h{level}>\n'

    return mistune.create_markdown(renderer=Renderer(escape=False), plugins=["strikethrough", "table"])


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _output_html(out: dict, alt: str) -> str:
    """One output, in the first of the formats a reader's page can show (nbconvert's order), wrapped
    as nbconvert's lab template wraps it (the print layout depends on the same nesting)."""
    kind = out.get("output_type")
    result = " jp-OutputArea-executeResult" if kind == "execute_result" else ""
    data = out.get("data", {})
    if kind == "stream":
        inner = f'<div class="jp-OutputArea-output"><pre>{html.escape(out.get("text", ""))}</pre></div>'
    elif kind == "error":
        text = _ANSI.sub("", "\n".join(out.get("traceback", [])))
        inner = f'<div class="jp-OutputArea-output"><pre>{html.escape(text)}</pre></div>'
    elif "text/html" in data:
        inner = (f'<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output{result}" '
                 f'data-mime-type="text/html">\n{data["text/html"]}\n</div>')
    elif "image/svg+xml" in data:
        inner = (f'<div class="jp-RenderedSVG jp-OutputArea-output{result}" role="img" '
                 f'aria-label="{html.escape(alt, quote=True)}">\n{data["image/svg+xml"]}\n</div>')
    elif "image/png" in data:
        alt = out.get("metadata", {}).get("image/png", {}).get("alt", alt)
        png = "".join(data["image/png"].split())
        inner = (f'<div class="jp-RenderedImage jp-OutputArea-output{result}">\n'
                 f'<img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{png}">\n</div>')
    elif "text/markdown" in data:
        inner = (f'<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-OutputArea-output{result}" '
                 f'data-mime-type="text/markdown">\n{_markdown()(data["text/markdown"])}</div>')
    elif "text/plain" in data:
        inner = f'<div class="jp-OutputArea-output{result}"><pre>{html.escape(data["text/plain"])}</pre></div>'
    else:
        return ""
    return f'<div class="jp-OutputArea-child{result}">\n{inner}\n</div>'


def to_html(nb: nbformat.NotebookNode, title: str, footer: str = "", home: str = "") -> str:
    """Render an executed notebook as a self-contained reader-facing HTML page.

    No input cells, no prompts, no cells tagged ``parameters``/``injected-parameters``/
    ``hide-report``, images embedded (each with an alt text naming its section), no scripts or
    fonts from elsewhere. ``home``: a link back to the site's start page (on screen, not in print).
    """
    parts: list[str] = []
    section = "ortsprofilen"
    for cell in nb["cells"]:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if any(t in HIDDEN_TAGS for t in tags) or cell["cell_type"] not in ("markdown", "code"):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        classes = "".join(f" celltag_{html.escape(t, quote=True)}" for t in tags)
        ident = f' id="cell-id={html.escape(cell["id"], quote=True)}"' if cell.get("id") else ""
        if cell["cell_type"] == "markdown":
            for line in source.splitlines():
                if line.startswith("## "):
                    section = line[3:].strip()
            parts.append(f'<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell{classes}"{ident}>\n'
                         '<div class="jp-Cell-inputWrapper">\n'
                         '<div class="jp-Collapser jp-InputCollapser jp-Cell-inputCollapser">\n</div>\n'
                         '<div class="jp-InputArea jp-Cell-inputArea">'
                         '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" '
                         f'data-mime-type="text/markdown">\n{_markdown()(source)}</div>\n</div>\n</div>\n</div>')
            continue
        if not cell.get("outputs"):  # as nbconvert: an empty cell is a bare div (no output area to break around)
            parts.append(f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell jp-mod-noOutputs jp-mod-noInput{classes}"'
                         f"{ident}>\n</div>")
            continue
        outputs = "\n".join(_output_html(o, f"Diagram i avsnittet {section}") for o in cell["outputs"])
        parts.append(f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell jp-mod-noInput{classes}"{ident}>\n'
                     '<div class="jp-Cell-outputWrapper">\n'
                     '<div class="jp-Collapser jp-OutputCollapser jp-Cell-outputCollapser">\n</div>\n'
                     f'<div class="jp-OutputArea jp-Cell-outputArea">\n{outputs}\n</div>\n</div>\n</div>')
    # The first section starts on the cover page; every later section on a new page in print.
    body = "\n".join(parts).replace("<h2 id=", '<h2 class="op-first" id=', 1)
    return (f'<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f"<title>{html.escape(title)}</title>\n<style>\n{stylesheet()}\n</style>\n</head>\n"
            f'<body lang="sv">\n<main class="op-report">\n'
            + (f'<nav class="op-home"><a href="{html.escape(home, quote=True)}">← Alla ortsprofiler</a></nav>\n'
               if home else "")
            + f'{body}\n'
            f'<footer class="op-footer">\n<p>{html.escape(footer, quote=False)}</p>\n</footer>\n'
            f"</main>\n</body>\n</html>\n")


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
