"""What each ``ortsprofil`` command does (``rapport``, ``jamfor``, ``alla``, ``orter``, ``data …``): one
function per command, taking the parsed arguments and returning the exit code (``EXIT_*``). The
parser and the translation of errors into Swedish messages are in :mod:`ortsprofil.cli`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from ortsprofil import text as T
from ortsprofil.errors import InvalidParameterError

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


def say(message: str = "") -> None:
    """Progress and diagnostics go to stderr; results (paths, tables) to stdout."""
    print(message, file=sys.stderr, flush=True)


def cmd_rapport(args: argparse.Namespace) -> int:
    from ortsprofil.run.execute import EarlyKernel

    # The kernel starts first and warms up on the other core while the input is checked; a bad
    # input kills it again (exit 2, nothing written).
    with EarlyKernel() as kernel:
        from ortsprofil.figures.localities import registry, validate_lan
        from ortsprofil.present.records import validate_baseline
        from ortsprofil.run.report import build_report

        loc = registry().find(args.ort)
        if args.lan:
            validate_lan(args.lan)
        validate_baseline(args.baslinje)
        say(f"Bygger ortsprofil för {loc.name} ({loc.kommun_name} kommun, kod {loc.code}) …")
        result = build_report(args.ort, lan=args.lan, peer_min=args.min, peer_max=args.max, pdf=args.pdf,
                              mote_datum=args.mote_datum, mote_plats=args.mote_plats,
                              processledare=args.processledare, peer_typ=args.liknande, baslinje=args.baslinje,
                              jamfor_med="" if args.jamfor_med == "ingen" else args.jamfor_med, early=kernel)
    say(f"Klart. Rapporten finns i {result.folder}")
    print(result.html)
    if result.pdf:
        print(result.pdf)
    return EXIT_OK


def cmd_jamfor(args: argparse.Namespace) -> int:
    from ortsprofil.figures.localities import validate_lan
    from ortsprofil.run.report import build_comparison

    validate_lan(args.lan)
    say(f"Jämför tätorterna i län {args.lan} ({args.min}–{args.max} invånare) …")
    r = build_comparison(args.lan, args.min, args.max, args.stad_inv, args.stad_km, args.service_km,
                         args.kommuner or "")
    say(f"Klart: {r.rows} tätorter, {r.candidates} kandidater. Excel: {r.xlsx}")
    print(r.html)
    return EXIT_OK


def cmd_alla(args: argparse.Namespace) -> int:
    import os

    from tqdm import tqdm

    from ortsprofil.run.batch import build_all, select

    # Everything is checked before any work starts (unknown län, ort or kommun → exit 2).
    codes = select(args.lan, args.min, args.max, orter=args.orter, kommuner=args.kommuner)
    if not codes:
        say("Inga orter matchar urvalet; inget byggt.")
        return EXIT_USAGE
    workers = min(args.j or os.cpu_count() or 1, len(codes))
    where = "hela Sverige" if str(args.lan).strip().lower() == "alla" else f"län {args.lan}"
    how = f"orterna {args.orter}" if args.orter else f"{args.min}–{args.max} invånare"
    if args.kommuner:
        how += f" i {args.kommuner}"
    say(f"Bygger {len(codes)} ortsprofiler i {where} ({how}) med {T.plural(workers, 'process', 'processer')}; "
         "varje profil jämförs med sitt eget län och liknande orter 400–4 000 …")

    def bar(it, total):
        return tqdm(it, total=total, desc="Orter", unit="ort", file=sys.stderr, disable=not sys.stderr.isatty())

    started = time.perf_counter()
    res = build_all(args.lan, args.min, args.max, workers=workers, force=args.tvinga, pdf=args.pdf,
                    codes=codes, progress=bar)
    took = time.perf_counter() - started
    rate = f", {T.fmt_number(len(res.built) / took * 60, 1)} profiler per minut" if res.built and took > 0 else ""
    say(f"Byggda: {len(res.built)}, oförändrade (hoppades över): {len(res.skipped)}, misslyckade: {len(res.failed)} "
        f"— på {_duration(took)}{rate}.")
    if len(res.reasons) > 10:  # many: how many for each reason
        for message, n in Counter(m for _label, m in res.reasons).most_common():
            say(f"  byggda på nytt: {T.plural(n, 'ort', 'orter')}: {message}")
    else:
        for label, message in res.reasons:
            say(f"  byggd: {label}: {message}")
    for label, message in res.failed:
        say(f"  misslyckades: {label}: {message}")
    print(res.index)
    return EXIT_OK if res.ok else EXIT_FAIL


def _duration(seconds: float) -> str:
    """"12 min 3 s", "45 s"."""
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s} s" if m else f"{s} s"


def cmd_orter(args: argparse.Namespace) -> int:
    from ortsprofil.figures.localities import registry
    from ortsprofil.text import fmt_number

    hits = registry().search(args.sokord or "", lan=args.lan)
    if hits.empty:
        say(f"Inga tätorter matchar {args.sokord!r}.")
        return EXIT_USAGE
    shown = hits if args.antal <= 0 else hits.head(args.antal)
    width = max(len(n) for n in shown["tatort_name"]) + 2
    kwidth = max(len(k) for k in shown["kommun_name"]) + 2
    print(f"{'Tätort':<{width}}{'Kommun':<{kwidth}}{'Folkmängd 2020':>15}  Kod")
    for r in shown.itertuples():
        print(f"{r.tatort_name:<{width}}{r.kommun_name:<{kwidth}}{fmt_number(r.population):>15}  {r.tatort_code}")
    if len(shown) < len(hits):
        say(f"… och {len(hits) - len(shown)} till (visa alla med --antal 0).")
    return EXIT_OK


def cmd_data_hamta(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ortsprofil import config
    from ortsprofil.data import catalogue
    from ortsprofil.data.refresh import hamta
    from ortsprofil.data.scb import ScbClient

    if args.tabell:
        unknown = [k for k in args.tabell if k not in catalogue.BY_KEY]
        if unknown:
            raise InvalidParameterError(
                f"Okänd tabell {', '.join(unknown)}. Välj bland: {', '.join(catalogue.BY_KEY)}."
            )
    client = ScbClient(offline=True if args.offline else None)
    where = "cachen (offline)" if client.offline else config.SCB_API_URL
    say(f"Hämtar {T.plural(len(args.tabell or catalogue.CATALOGUE), 'tabell', 'tabeller')} för län {args.lan} från {where} …")

    def bar(items):
        return tqdm(items, desc="Tabeller", unit="tabell", file=sys.stderr, disable=not sys.stderr.isatty())

    results = hamta(args.lan, client=client, keys=args.tabell, force=args.tvinga, progress=bar)
    failed = 0
    for r in results:
        line = f"  {r.key:<24}{(r.table_id or '–'):<10}{r.status:<12}{r.rows:>8} rader  {r.message}"
        print(line)
        failed += r.status == "fel"
    say(f"Klart: {client.stats.requests} anrop till API:et, {client.stats.cache_hits} ur cachen, "
         f"{client.stats.retries} omförsök. {failed} tabell(er) misslyckades.")
    return EXIT_FAIL if failed else EXIT_OK


def cmd_data_kontroll(args: argparse.Namespace) -> int:
    from ortsprofil import config
    from ortsprofil.data.refresh import kontroll
    from ortsprofil.data.scb import ScbClient

    say(f"Kontrollerar katalogens tabeller mot {config.SCB_API_URL} …")
    results = kontroll(ScbClient(cache=None))
    print(f"{'Tabell':<24}{'SCB':<10}{'Status':<9}{'Senaste period':<16}{'Uppdaterad av SCB'}")
    for r in results:
        print(f"{r.key:<24}{r.table_id:<10}{'OK' if r.ok else 'AVVIKER':<9}{r.newest:<16}{r.updated[:10]}")
        for problem in r.problems:
            print(f"    – {problem}")
    bad = [r for r in results if not r.ok]
    say("Alla tabeller är som katalogen väntar sig." if not bad else
         f"{len(bad)} tabell(er) avviker: SCB kan ha ändrat något. Hämtade siffror kan vara fel tills katalogen rättats.")
    return EXIT_FAIL if bad else EXIT_OK


def cmd_data_bygg(args: argparse.Namespace) -> int:
    from ortsprofil.data import bundle

    snap = bundle.build(shared=args.fran)
    say(f"Datakopian byggd i {snap.path}: {', '.join(snap.tables())}")
    return EXIT_OK


def cmd_data_status(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from ortsprofil.data import catalogue
    from ortsprofil.data.snapshot import default
    from ortsprofil.text import fmt_number

    snap = default()
    print(f"Datakopia: {snap.path}")
    print(f"{'Tabell':<24}{'SCB-tabell':<44}{'Rader':>9}  {'Ursprung':<11}{'Referenstid':<22}{'Ålder'}")
    now = datetime.now(timezone.utc)
    for key in snap.tables():
        info = snap.info(key)
        if info.origin == "fetched" and info.fetched_at:
            days = (now - datetime.fromisoformat(info.fetched_at)).days
            origin, age = "hämtad", f"hämtad för {days} dagar sedan ({info.fetched_at[:10]}), län {', '.join(info.lans)}"
        else:
            origin, age = "medföljer", "medföljande datakopia"
        print(f"{key:<24}{info.scb_table[:42]:<44}{fmt_number(info.rows):>9}  {origin:<11}{info.ref[:20]:<22}{age}")
    missing = [t.key for t in catalogue.CATALOGUE if not snap.has(t.key)]
    if missing:
        say(f"Inte hämtade ännu: {', '.join(missing)}. Kör `ortsprofil data hamta --lan 12`.")
    problems = snap.verify()
    for p in problems:
        say(f"Varning: {p}")
    return EXIT_FAIL if problems else EXIT_OK
