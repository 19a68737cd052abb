"""Reader-facing building blocks: an HTML block with a plain-text twin, Swedish tables, and the
Jinja2 templates (``templates/fragments/``) the blocks' HTML is written from."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import jinja2
import pandas as pd

from ortsprofil import text as T


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("ortsprofil.present", "templates/fragments"),
                              autoescape=True, undefined=jinja2.StrictUndefined)


def fragment(template: str, **context) -> str:
    """An HTML fragment from ``templates/fragments/<template>.html.j2`` (every value escaped unless marked safe)."""
    return _templates().get_template(f"{template}.html.j2").render(**context)


class HtmlBlock:
    """A piece of reader-facing output with HTML and plain-text representations."""

    def __init__(self, html_text: str, plain: str):
        self._html = html_text
        self._plain = plain

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self._plain

    def __str__(self) -> str:
        return self._plain


class Table(HtmlBlock):
    """A reader-facing table: strings already formatted in Swedish, and the raw frame behind."""

    def __init__(self, frame: pd.DataFrame, caption: str | None = None, source: str | None = None,
                 raw: pd.DataFrame | None = None, note: str | None = None):
        self.frame = frame
        self.raw = raw if raw is not None else frame
        self.caption = caption
        self.source = source
        self.note = note
        plain = (caption + "\n" if caption else "") + frame.to_string(index=False)
        super().__init__(fragment("table", caption=caption, body=html_table(frame), note=note, source=source), plain)


def list_box(title: str, items: list[str], css: str, numbered: bool = False, plain_title: str | None = None) -> HtmlBlock:
    """A titled list ("Att samtala om", "Små tal – läs med försiktighet"); empty when there are no items."""
    if not items:
        return HtmlBlock("", "")
    mark = (lambda i: f"{i}.") if numbered else (lambda i: "-")
    plain = (plain_title or title) + "\n" + "\n".join(f"{mark(i)} {x}" for i, x in enumerate(items, 1))
    return HtmlBlock(fragment("list_box", title=title, items=items, css=css, tag="ol" if numbered else "ul"), plain)


_NUMERIC = re.compile(r"^[−+\-]?[\d\s\xa0]+([,.]\d+)?(\xa0?(%|ha|km|tkr|kr|inv\./km²|per.*))?$|^–$")


def html_table(frame: pd.DataFrame) -> str:
    """A plain HTML table; columns whose cells are all numbers are right-aligned (class "num")."""
    numeric = [
        bool(len(frame)) and all(_NUMERIC.match(str(v).strip()) or str(v).startswith("uppgift saknas")
                                 for v in frame[c])
        for c in frame.columns
    ]
    head = "".join(f'<th class="{"num" if n else "txt"}">{html.escape(str(c))}</th>'
                   for c, n in zip(frame.columns, numeric))
    rows = []
    for rec in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if n else "txt"}">{html.escape(T.MISSING if T.is_missing(v) else str(v))}</td>'
            for v, n in zip(rec, numeric))
        ort = ' class="op-ort"' if any(str(v).startswith("▶") for v in rec) else ""
        rows.append(f"<tr{ort}>{cells}</tr>")
    return f'<table class="op-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def markdown_block(text: str, css: str = "op-text") -> HtmlBlock:
    """Paragraphs with **bold** → an HTML block (the only markup the narrative uses)."""
    paras = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    out = []
    for p in paras:
        esc = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(p))
        esc = re.sub(r"`(.+?)`", r"<code>\1</code>", esc)
        out.append(f"<p>{esc}</p>")
    return HtmlBlock(f'<div class="{css}">' + "".join(out) + "</div>", text.strip())
