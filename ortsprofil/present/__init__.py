"""What a reader sees: a Profile turned into Swedish words, tables, charts, maps and pages.

* ``narrative`` — every sentence (comparisons, summaries, prompts); ``blocks`` — HTML blocks and
  tables, written from the Jinja2 templates in ``templates/fragments/``;
* ``page`` (cover, page 1, comparisons, summaries, writing pages) and ``tables`` (named tables,
  sources, missing figures, DeSO) — one function per notebook cell;
* ``charts`` and ``maps`` (matplotlib, geopandas); ``records`` (``profil.json`` and what changed);
* ``render`` (notebook → HTML, HTML → PDF) and ``index`` (the index page);
* ``templates/ortsprofil/report.css`` — the one style sheet (screen and A4).

Takes a Profile; never computes a figure and never runs a notebook.
"""
