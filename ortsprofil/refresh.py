"""``ortsprofil data hamta``: fetch every catalogue table for a län into the snapshot.

One query per table over all tätorter, kommuner (and DeSO) of the län — split only when the
cell limit demands it, never one request per locality. A table whose SCB ``updated`` stamp is
the one already stored is skipped (unless ``force``). Fetched rows are merged into the
snapshot table of the same key (they replace rows with the same region, year, variable, age
and sex), and the manifest records the SCB id, ``updated``, ``fetched_at`` and the län.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from . import catalogue
from .errors import OrtsprofilError
from .scb import ScbClient
from .snapshot import Snapshot, coerce_tidy, default, now_iso

log = logging.getLogger(__name__)

_KEY = ["region_code", "year", "variable", "alder", "kon"]


@dataclass
class RefreshResult:
    """What happened to one catalogue table."""

    key: str
    table_id: str | None
    status: str  # "hämtad", "oförändrad", "fel"
    rows: int = 0
    requests: int = 0
    message: str = ""


def merge(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``new`` replace rows of ``old`` with the same region, year, variable, age and sex."""
    new = coerce_tidy(new)
    if old is None or old.empty:
        return new.sort_values(_KEY).reset_index(drop=True)
    old = coerce_tidy(old)
    keys = pd.MultiIndex.from_frame(new[_KEY])
    keep = ~pd.MultiIndex.from_frame(old[_KEY]).isin(keys)
    return pd.concat([old[keep], new], ignore_index=True).sort_values(_KEY).reset_index(drop=True)


def hamta(
    lan: str = "12",
    *,
    client: ScbClient | None = None,
    snapshot: Snapshot | None = None,
    keys: Iterable[str] | None = None,
    force: bool = False,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> list[RefreshResult]:
    """Refresh the catalogue tables for ``lan`` into ``snapshot``.

    Parameters
    ----------
    lan : str
        Län code ("12" = Skåne).
    client : ScbClient, optional
        Default: a client on ``config.SCB_API_URL`` with the project cache.
    keys : iterable of str, optional
        Only these catalogue tables.
    force : bool
        Fetch even when SCB's ``updated`` is unchanged.
    progress : callable, optional
        Wraps the iteration (e.g. ``tqdm``).

    Returns
    -------
    list[RefreshResult]
        One per table; a failing table does not stop the others.
    """
    snap = snapshot or default()
    client = client or ScbClient()
    ctx = catalogue.context(snap, str(lan).zfill(2))
    entries = [catalogue.BY_KEY[k] for k in keys] if keys else list(catalogue.CATALOGUE)
    client.config()
    results: list[RefreshResult] = []
    iterator = progress(entries) if progress else entries
    for entry in iterator:
        before = client.stats.requests
        try:
            record = catalogue.resolve(client, entry)
            tid, updated = record["id"], record.get("updated")
            if snap.has(entry.key) and not force:
                info = snap.info(entry.key)
                if info.origin == "fetched" and info.updated == updated and ctx.lan in info.lans \
                        and info.scb_table.startswith(f"SCB {tid}"):
                    results.append(RefreshResult(entry.key, tid, "oförändrad", info.rows,
                                                 client.stats.requests - before, f"uppdaterad av SCB {updated}"))
                    continue
            raw = client.data(tid, entry.selection(ctx), entry.codelists or None)
            tidy = entry.transform(raw, entry)
            old = snap.read(entry.key) if snap.has(entry.key) else None
            merged = merge(old, tidy)
            lans = tuple(sorted(set(snap.info(entry.key).lans if snap.has(entry.key) else ()) | {ctx.lan}))
            periods = sorted(set(raw["time"].astype(str)))
            info = snap.write(
                entry.key, merged,
                scb_table=f"SCB {tid} ({entry.subject})", title=entry.title,
                ref=f"{periods[0]}–{periods[-1]}" if len(periods) > 1 else periods[0],
                origin="fetched", sources=(tid,), updated=updated, fetched_at=now_iso(),
                url=f"{client.base_url}/tables/{tid}", lans=lans,
                notes=tuple(raw.attrs.get("mandatory_notes") or ()),
            )
            results.append(RefreshResult(entry.key, tid, "hämtad", len(tidy), client.stats.requests - before,
                                         f"{raw.attrs.get('requests', 1)} dataanrop"))
        except OrtsprofilError as exc:
            log.warning("%s: %s", entry.key, exc)
            results.append(RefreshResult(entry.key, entry.table_id, "fel", 0, client.stats.requests - before, str(exc)))
    return results
