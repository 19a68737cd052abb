"""Running notebooks and building reports.

* ``execute`` — papermill, the early and the warm kernel, signals; ``kernel_side`` — what runs in the
  kernel besides the notebook (warm-up, hand-back of the record);
* ``report`` — one profile or the comparison, staged and then moved into ``reports/``;
* ``batch`` — many profiles in a process pool, skipping those that are up to date.
"""
