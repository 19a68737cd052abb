"""What runs inside a report's kernel, besides the notebook: the warm-up before it and the
hand-back after it (the parent process imports nothing of this)."""

from __future__ import annotations

import json

from ortsprofil.figures import indicators as ind
from ortsprofil.figures.compute import aggregate_series, data_for, indicator_series
from ortsprofil.figures.localities import registry
from ortsprofil.figures.model import Profile
from ortsprofil.present import index, maps, records
from ortsprofil.run.execute import HANDOFF_MIME



def warm() -> None:
    """Prepare what every profile shares: the chart and map modules (imported above), the registry,
    each indicator for all tätorter and the map layers. A report's kernel runs this while the command
    line still checks its input (see :class:`ortsprofil.run.execute.EarlyKernel`); later builds find
    it cached."""
    reg = registry()
    data = data_for(reg)
    for indicator in ind.INDICATORS:
        if indicator.periodic or not all(data.has(k) for k in indicator.requires):
            continue
        indicator_series(indicator, data)
        if indicator.level == "tatort" and indicator.aggregate is not None:
            aggregate_series(indicator, data)
    maps.warm(reg.snapshot)  # the outlines the map of this registry's snapshot will draw


def handoff(p: Profile, params: str) -> None:
    """After the notebook: show the build record and the index figures of ``p`` (the Profile the
    notebook showed) as one output the parent reads — the parent never builds the profile a second
    time. ``params`` is the record's parameters as JSON.

    Raises
    ------
    TypeError
        When ``p`` is not a Profile (a notebook that named something else ``p``).
    """
    from IPython.display import display

    if not isinstance(p, Profile):
        raise TypeError("p är ingen ortsprofil")
    payload = {"record": records.make(p, json.loads(params), ""), "key": index.key_figures(p)}
    display({HANDOFF_MIME: json.dumps(payload, ensure_ascii=False, default=str)}, raw=True)
