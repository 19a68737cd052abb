"""Reader-facing building blocks: an HTML block with a plain-text twin, and Swedish tables."""

from __future__ import annotations

import html
import re

import pandas as pd

from . import text as T


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
        body = html_table(frame)
        parts = []
        if caption:
            parts.append(f'<p class="op-caption"><strong>{html.escape(caption)}</strong></p>')
        parts.append(body)
        if note:
            parts.append(f'<p class="op-note">{html.escape(note)}</p>')
        if source:
            parts.append(f'<p class="op-source">Källa: {html.escape(source)}</p>')
        plain = (caption + "\n" if caption else "") + frame.to_string(index=False)
        super().__init__('<div class="op-tablewrap">' + "".join(parts) + "</div>", plain)


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
