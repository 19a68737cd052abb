"""The figures: what a profile knows, computed from the data layer and nothing else.

* ``localities`` — the tätort registry (lookup by name or code, peers, neighbours, distances);
* ``indicators`` (every figure, declared once) + ``measures`` (the compute functions);
* ``compute`` — one figure with its comparators, rank, caveats and source; trends and series;
* ``model`` — ``Source``, ``Stat`` and the ``Profile`` (data only);
* ``profile`` — ``build("Näsum")``.

Nothing here draws, writes HTML or knows about notebooks.
"""
