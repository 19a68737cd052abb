"""The batch: build many profiles in a process pool, skip what is up to date, stop cleanly.

Selection (names, kommuner, a population band, a län or all Sweden) never changes how a profile
is built. A profile is skipped only when its record (``profil.json``) shows the same code,
settings and table contents and its files are whole. Interrupted any way, the pool's workers and
kernels stop and leave no staging or temp folders.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ortsprofil import config
from ortsprofil.errors import InvalidParameterError
from ortsprofil.run.execute import WarmKernel, die_with_parent
from ortsprofil.present.index import is_whole, write_index
from ortsprofil.figures.localities import registry, validate_band, validate_lan
from ortsprofil.present.records import code_fingerprint
from ortsprofil.run.report import OWNER_ENV, STAGING, build_report, read_record, remove_leftovers, safe_folder


@dataclass
class BatchResult:
    """What ``build_all`` did: built, skipped (unchanged) and failed localities."""

    built: list[str]
    skipped: list[str]
    failed: list[tuple[str, str]]
    index: Path | None = None
    #: (locality, why it was rebuilt) — e.g. "nya siffror", or a report built with other settings replaced.
    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def up_to_date(target: Path, params: dict) -> tuple[bool, str]:
    """(True, "") when the profile in ``target`` was built from the same code, parameters and table
    contents, and its files are whole; else (False, why) in Swedish."""
    from ortsprofil.data.snapshot import default

    rec = read_record(target)
    if rec is None:
        return False, "ny"
    if not (is_whole(target / "ortsprofil.html", b"</html>") and is_whole(target / "meta.json", b"}")):
        return False, "ofullständiga filer"
    if params.get("pdf") and not is_whole(target / "ortsprofil.pdf", b"%%EOF"):
        return False, "ofullständiga filer"

    def strip(d: dict) -> dict:  # the earlier record compared with is not a setting of the report
        return {k: v for k, v in d.items() if k != "jamfor_med"}

    if strip(rec.get("params") or {}) != strip(params):
        return False, "andra inställningar"
    if rec.get("code") != code_fingerprint():
        return False, "ny programversion"
    snap = default()
    for key, sha in rec.get("tables", {}).items():
        if not snap.has(key) or snap.info(key).sha256 != sha:
            return False, "nya siffror"
    return True, ""


#: Record parameters as the command-line flags a user knows them by.
_FLAGS = {"lan": "--lan", "peer_min": "--min", "peer_max": "--max", "peer_typ": "--liknande",
          "mote_datum": "--mote-datum", "mote_plats": "--mote-plats", "processledare": "--processledare",
          "baslinje": "--baslinje", "pdf": "--pdf"}

_WORKER_KERNEL: WarmKernel | None = None


def _worker_kernel() -> WarmKernel:
    """The warm kernel of this (worker) process, shut down when the process exits."""
    global _WORKER_KERNEL
    if _WORKER_KERNEL is None:
        from multiprocessing import util

        _WORKER_KERNEL = WarmKernel()
        util.Finalize(_WORKER_KERNEL, _WORKER_KERNEL.close, exitpriority=10)
        import atexit

        atexit.register(_WORKER_KERNEL.close)
    return _WORKER_KERNEL


def _build_one(code: str, lan: str, lo: int, hi: int, pdf: bool, base: str, force: bool) -> tuple[str, str, str]:
    """Worker: build one profile unless it is up to date. Returns (status, label, message)."""
    from ortsprofil.errors import OrtsprofilError

    label = code
    try:
        loc = registry().find(code)
        label = loc.label
        target = safe_folder(Path(base), loc.slug)
        params = {"lan": lan, "peer_min": lo, "peer_max": hi, "peer_typ": "struktur", "mote_datum": "",
                  "mote_plats": "", "processledare": "", "baslinje": 0, "pdf": pdf}
        fresh, why = up_to_date(target, params)
        if fresh and not force:
            return "skipped", label, ""
        earlier = read_record(target)
        build_report(loc.code, lan=lan, peer_min=lo, peer_max=hi, pdf=pdf, reports_dir=Path(base),
                     kernel=_worker_kernel())
        if why == "andra inställningar" and earlier:
            old = {k: v for k, v in earlier.get("params", {}).items() if k in params and params[k] != v}
            return "built", label, "ersatte en rapport byggd med andra inställningar (" + ", ".join(
                f"{_FLAGS.get(k, k)} {v}" for k, v in sorted(old.items())) + ")"
        return "built", label, "" if why == "ny" else why
    except OrtsprofilError as exc:
        return "failed", label, str(exc)
    except Exception as exc:  # noqa: BLE001 - one locality's crash must not stop the batch; it is reported
        return "failed", label, f"{type(exc).__name__}: {exc}"


def _outcome(future, code: str) -> tuple[str, str, str]:
    """A worker's result; a worker that died (killed, out of memory) is that locality's failure."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as exc:
        return "failed", code, f"arbetsprocessen avbröts: {exc}"


def _worker_init() -> None:
    """A pool worker stops when the batch does: on SIGTERM (sent by the parent, or by the kernel
    when the parent dies, on Linux) it removes its staging folder, kills its kernel and exits at
    once; Ctrl-C is left to the parent, which stops the pool.

    SIGTERM is blocked in every thread and taken by a small watcher thread with ``sigwait``: a
    Python signal handler would only run when the main thread returns to Python code, which it
    may not do for a long time while it waits inside the kernel client.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    die_with_parent(signal.SIGTERM)

    def watch() -> None:
        sig = signal.sigwait({signal.SIGTERM})
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # nothing half-said from a dying worker
        for d in list(STAGING):
            shutil.rmtree(d, ignore_errors=True)
        if _WORKER_KERNEL is not None:
            _WORKER_KERNEL.kill()
        os._exit(128 + sig)

    threading.Thread(target=watch, name="ortsprofil-stopp", daemon=True).start()


def select(lan: str = "12", min_inv: int = config.PEER_MIN, max_inv: int = config.PEER_MAX, *,
           orter: str | list[str] = "", kommuner: str = "") -> list[str]:
    """Codes of the tätorter to build: by name/code (``orter``), by kommun (``kommuner``) and by
    population (``min_inv ≤ folkmängd ≤ max_inv``), in ``lan`` ("alla" = all Sweden); largest first.

    Selection never changes a profile's peer group. Raises InvalidParameterError for an unknown
    län, locality or kommun, or a kommun outside ``lan``.
    """
    from ortsprofil.region.screening import parse_kommuner

    reg = registry()
    lo, hi = validate_band(min_inv, max_inv)
    lan = validate_lan(lan, allow_all=True)
    f = reg.frame
    f = f if lan == "alla" else f[f["lan_code"] == lan]
    if orter:
        names = [o.strip() for o in (orter.split(",") if isinstance(orter, str) else orter) if o.strip()]
        codes = {reg.find(n).code for n in names}
        f = f[f["tatort_code"].isin(codes)]
        if lan != "alla" and len(f) < len(codes):
            raise InvalidParameterError(f"Någon av orterna {', '.join(names)} ligger inte i län {lan}. "
                                        "Ange --lan alla eller ortens län.")
    if kommuner:
        f = f[f["kommun_code"].isin(parse_kommuner(kommuner, reg, None if lan == "alla" else lan))]
    f = f[f["population"].between(lo, hi)] if not orter else f
    return f.sort_values(["population", "tatort_code"], ascending=[False, True])["tatort_code"].tolist()


def build_all(lan: str = "12", min_inv: int | str = config.PEER_MIN, max_inv: int | str = config.PEER_MAX,
              *, workers: int | None = None, force: bool = False, pdf: bool = False,
              codes: list[str] | None = None, orter: str = "", kommuner: str = "",
              reports_dir: Path | None = None, progress=None) -> BatchResult:
    """Build the profile of every selected locality in parallel and write ``reports/index.html``.

    Every profile is built with the default comparison settings (its own län, liknande orter
    400–4 000), whatever selects it; a profile is skipped when its record shows the same code,
    settings and table contents and its files are whole.

    Parameters
    ----------
    lan : str
        Län code, or "alla" for every tätort in Sweden.
    min_inv, max_inv : int
        Which localities to build (by population); not the peer band.
    codes, orter, kommuner :
        Explicit localities (names or codes), or the localities of some kommuner.
    workers : int, optional
        Process pool size (default: the number of cores).
    force : bool
        Rebuild even profiles that are up to date.
    progress : callable, optional
        Wraps an iterable of completed futures (e.g. ``tqdm`` with ``total``).

    Interrupted (Ctrl-C, SIGTERM, the parent's death) the batch stops its workers and their
    kernels and removes its staging folders; finished profiles stay.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    lo, hi = validate_band(min_inv, max_inv)
    lan_sel = validate_lan(lan, allow_all=True)
    if codes is not None:
        todo = list(codes)
    else:
        todo = select(lan_sel, lo, hi, orter=orter, kommuner=kommuner)
    base = (reports_dir or config.REPORTS_DIR).resolve()
    base.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(int(workers or os.cpu_count() or 1), max(1, len(todo))))
    result = BatchResult([], [], [])
    # Each profile compares with its own län and the default band, whatever selected it.
    args = [(c, "", config.PEER_MIN, config.PEER_MAX, pdf, str(base), force) for c in todo]
    # The workers' staging folders carry this batch's id: at the end the batch removes its own, never
    # another build's in the same reports folder.
    owner_before = os.environ.get(OWNER_ENV)
    os.environ[OWNER_ENV] = str(os.getpid())
    pool = None
    try:
        if workers == 1:
            outcomes = (_build_one(*a) for a in args)
            outcomes = progress(outcomes, total=len(args)) if progress else outcomes
        else:
            import multiprocessing

            # "spawn", not fork: the parent may hold threads (kernel clients, servers) whose locks a
            # forked child would inherit in a locked state and wait on forever.
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_init)
            futures = {pool.submit(_build_one, *a): a[0] for a in args}
            done = as_completed(futures)
            outcomes = (_outcome(f, futures[f]) for f in (progress(done, total=len(futures)) if progress else done))
        for status, label, message in outcomes:
            if status == "built":
                result.built.append(label)
                if message:
                    result.reasons.append((label, message))
            elif status == "skipped":
                result.skipped.append(label)
            else:
                result.failed.append((label, message))
    finally:
        if pool is not None:
            _stop_pool(pool)
        elif _WORKER_KERNEL is not None:
            _WORKER_KERNEL.close()
        remove_leftovers(base, owner=str(os.getpid()))  # this batch's own (a worker killed mid-write)
        _restore_env(OWNER_ENV, owner_before)
    result.index = write_index(base)
    return result


def _stop_pool(pool) -> None:
    """Stop a process pool now: pending work cancelled, workers terminated (SIGTERM, so each shuts
    its kernel down), then killed if they linger."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=15)
        if p.is_alive():
            p.kill()
            p.join(timeout=5)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
