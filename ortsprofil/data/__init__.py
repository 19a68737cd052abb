"""The data layer: where every figure comes from and where it is kept.

* ``snapshot`` — the local store (content-addressed Parquet files, manifest, write lock) and
  ``tidy`` — the table shape every statistical table has;
* ``bundle`` + ``shared_csv`` — the bundled snapshot built from SCB's figures in ``../shared``;
* ``scb`` (client) + ``selection`` (selection expressions, splitting) + ``pacing`` (rate limit,
  Retry-After) + ``jsonstat`` (answers) + ``cache`` (responses on disk) — SCB's PxWebAPI 2.0;
* ``catalogue`` (which SCB tables) + ``transforms`` (answers → tidy rows) + ``refresh``
  (``ortsprofil data hamta``).

Nothing here knows about profiles, charts or reports.
"""
