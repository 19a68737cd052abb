"""``ortsprofil data hamta``: fetch every catalogue table for a län into the snapshot.

One query per SCB table over all tätorter, kommuner (and DeSO) of the län — split only when
the cell limit demands it, never one request per locality. A table whose SCB ``updated`` stamps
(of every part) are the ones already stored is skipped (unless ``force``). Fetched rows are
merged into the snapshot table of the same key (they replace rows with the same region, year,
variable, age and sex) and written to the snapshot's fetched store: file and manifest change in
one atomic step, under a lock, so a killed or failed run leaves the previous snapshot in force
and two runs never interleave. Every table gets an overall deadline, so a hung server cannot
stall the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from ortsprofil.data import catalogue
from ortsprofil.errors import OrtsprofilError, ScbApiError, SnapshotError
from ortsprofil.data.scb import ScbClient
from ortsprofil.data.snapshot import Snapshot, default, now_iso
from ortsprofil.data.tidy import coerce_tidy

log = logging.getLogger(__name__)

_KEY = ["region_code", "year", "variable", "alder", "kon"]
#: Seconds one table may take in all (requests, retries and waits) before it is given up.
TABLE_DEADLINE = 300.0
TEST_MARK = "TESTVÄRDEN"


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
    """Rows of ``new`` replace every row of ``old`` with the same region, year and variable.

    Whole groups are replaced, not single cells: a fetched year in single years of age must not
    sit beside the bundled 5-year bands of the same year (any sum would count people twice).
    """
    new = coerce_tidy(new)
    if old is None or old.empty:
        return new.sort_values(_KEY).reset_index(drop=True)
    old = coerce_tidy(old)
    group = ["region_code", "year", "variable"]
    keys = pd.MultiIndex.from_frame(new[group].drop_duplicates())
    keep = ~pd.MultiIndex.from_frame(old[group]).isin(keys)
    return pd.concat([old[keep], new], ignore_index=True).sort_values(_KEY).reset_index(drop=True)


def _versions(records: list[dict]) -> tuple[str, ...]:
    return tuple(f"{r['id']}@{r.get('updated')}" for r in records)


def _is_test(raw: pd.DataFrame) -> bool:
    texts = [str(raw.attrs.get("label") or "")] + [str(n) for n in raw.attrs.get("notes") or []]
    return any(TEST_MARK in t for t in texts)


def _old_rows(snap: Snapshot, key: str) -> pd.DataFrame | None:
    """The rows the fetched ones join: the table as it is, or — where the fetched copy is damaged — the
    bundled one. Never nothing in place of a damaged bundled table: the fetched län's rows alone would
    silently replace every other region's (a refresh never makes a table smaller).

    Raises
    ------
    SnapshotError
        When the bundled table is damaged (repair it with ``ortsprofil data bygg`` first).
    """
    if not snap.has(key):
        return None
    try:
        return snap.read(key)
    except SnapshotError as exc:
        if snap.info(key).origin != "fetched":
            raise SnapshotError(f"Tabellen {key!r} i datakopian är skadad, så den hämtade länets rader kan inte "
                                "läggas till de andra regionernas. Reparera med `ortsprofil data bygg` och kör "
                                "`ortsprofil data hamta` igen.") from exc
        log.warning("%s: %s", key, exc)  # a damaged fetched table: start again from the bundled one
        return snap.read_bundled(key)


def hamta(
    lan: str = "12",
    *,
    client: ScbClient | None = None,
    snapshot: Snapshot | None = None,
    keys: Iterable[str] | None = None,
    force: bool = False,
    progress: Callable[[Iterable], Iterable] | None = None,
    deadline: float | None = TABLE_DEADLINE,
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
    deadline : float, optional
        Seconds each table may take in all.

    Returns
    -------
    list[RefreshResult]
        One per table; a failing table does not stop the others and leaves its stored version.
    """
    snap = snapshot or default()
    client = client or ScbClient()
    ctx = catalogue.context(snap, str(lan).zfill(2))
    entries = [catalogue.BY_KEY[k] for k in keys] if keys else list(catalogue.CATALOGUE)
    client.config()
    results: list[RefreshResult] = []
    with snap.writing():
        iterator = progress(entries) if progress else entries
        silent = None  # SCB did not answer at all: the tables after it are not asked for
        for entry in iterator:
            before = client.stats.requests
            if silent:
                results.append(RefreshResult(entry.key, entry.table_id, "fel", 0, 0,
                                             f"hoppades över: SCB:s API svarade inte på förra tabellen ({silent})"))
                continue
            try:
                with client.deadline(deadline):
                    results.append(_refresh_one(client, snap, entry, ctx, force, before))
            except OrtsprofilError as exc:
                log.warning("%s: %s", entry.key, exc)
                results.append(RefreshResult(entry.key, entry.table_id, "fel", 0, client.stats.requests - before,
                                             str(exc)))
                if isinstance(exc, ScbApiError) and exc.status is None and exc.title in ("Inget svar",
                                                                                           "Tidsgränsen överskreds"):
                    silent = exc.title.lower()
    return results


def _refresh_one(client: ScbClient, snap: Snapshot, entry: catalogue.CatalogueTable, ctx: catalogue.Context,
                 force: bool, before: int) -> RefreshResult:
    records = [catalogue.resolve(client, part, entry.subject) for part in entry.parts]
    versions = _versions(records)
    ids = ", ".join(r["id"] for r in records)
    if snap.has(entry.key) and not force:
        info = snap.info(entry.key)
        if info.origin == "fetched" and tuple(info.sources) == versions and ctx.lan in info.lans:
            try:
                snap.read(entry.key)  # checks the file against the manifest
            except SnapshotError:
                pass
            else:
                return RefreshResult(entry.key, ids, "oförändrad", info.rows, client.stats.requests - before,
                                     "uppdaterad av SCB " + ", ".join(str(r.get("updated")) for r in records))
    tidy, _, raws = catalogue.fetch(client, entry, ctx)
    merged = merge(_old_rows(snap, entry.key), tidy)
    lans = tuple(sorted(set(snap.info(entry.key).lans if snap.has(entry.key) else ()) | {ctx.lan}))
    periods = sorted({str(p) for raw in raws for p in raw["time"].astype(str)})
    notes: list[str] = []
    for raw in raws:
        for n in list(raw.attrs.get("mandatory_notes") or []) + list(raw.attrs.get("dimension_notes") or []):
            if n not in notes:
                notes.append(n)
    test_values = any(_is_test(raw) for raw in raws)
    snap.write(
        entry.key, merged,
        scb_table=f"SCB {ids} ({entry.subject})", title=entry.title,
        ref=f"{periods[0]}–{periods[-1]}" if len(periods) > 1 else periods[0],
        origin="fetched", sources=versions, updated=records[0].get("updated"), fetched_at=now_iso(),
        url=f"{client.base_url}/tables/{records[0]['id']}", lans=lans, notes=tuple(notes), test_values=test_values,
    )
    n_requests = sum(raw.attrs.get("requests", 1) for raw in raws)
    return RefreshResult(entry.key, ids, "hämtad", len(tidy), client.stats.requests - before,
                         f"{n_requests} dataanrop" + (" (TESTVÄRDEN från en testserver)" if test_values else ""))


@dataclass
class CheckResult:
    """``ortsprofil data kontroll``: what SCB's metadata says about one catalogue table."""

    key: str
    table_id: str
    ok: bool
    newest: str = ""
    updated: str = ""
    problems: tuple[str, ...] = ()


def kontroll(client: ScbClient | None = None, *, keys: Iterable[str] | None = None) -> list[CheckResult]:
    """Ask SCB for the metadata of every catalogue table and compare with what the catalogue expects.

    Checks, per SCB table: that the id exists (or that the search finds the table), that the
    variables, codes and labels the selection and the classification use are there, and reports
    the newest period and SCB's ``updated``. Never writes anything.
    """
    client = client or ScbClient(cache=None)
    client.config()
    entries = [catalogue.BY_KEY[k] for k in keys] if keys else list(catalogue.CATALOGUE)
    out: list[CheckResult] = []
    for entry in entries:
        for part in entry.parts:
            label = part.table_id or f"sök: {part.search}"
            try:
                record = catalogue.resolve(client, part, entry.subject)
                meta = client.metadata(record["id"], part.codelists or None)
                problems = catalogue.check_metadata(part, meta)
                if record.get("timeUnit") not in (None, "Annual"):
                    problems.append(f"tidsenheten är {record.get('timeUnit')}, inte år")
                out.append(CheckResult(entry.key, record["id"], not problems, str(record.get("lastPeriod") or ""),
                                       str(record.get("updated") or ""), tuple(problems)))
            except OrtsprofilError as exc:
                out.append(CheckResult(entry.key, label, False, problems=(str(exc),)))
    return out
