"""The ``ortsprofil`` command. The only place that turns errors into Swedish messages and exit codes.

Exit codes: 0 = klart, 1 = körningen misslyckades (data, API, notebook), 2 = felaktig indata
(okänd eller tvetydig ort, ogiltiga argument), 130 = avbruten.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from ortsprofil import __version__
from ortsprofil.errors import (
    AmbiguousLocalityError,
    InvalidParameterError,
    LocalityError,
    OrtsprofilError,
    UnknownLocalityError,
)

from ortsprofil.commands import (
    EXIT_FAIL, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USAGE, say, cmd_alla, cmd_data_bygg, cmd_data_hamta,
    cmd_data_kontroll, cmd_data_status, cmd_jamfor, cmd_orter, cmd_rapport,
)

# argparse's own texts, in Swedish (argparse looks `_` up in its module at call time).
_SV = {
    "usage: ": "användning: ",
    "positional arguments": "argument",
    "options": "flaggor",
    "show this help message and exit": "visa den här hjälpen och avsluta",
    "show program's version number and exit": "visa versionen och avsluta",
    "the following arguments are required: %s": "de här argumenten saknas: %s",
    "unrecognized arguments: %s": "okända argument: %s",
    "invalid %(type)s value: %(value)r": "ogiltigt värde för %(type)s: %(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "ogiltigt val: %(value)r (välj bland %(choices)s)",
    "expected one argument": "ett värde behövs",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fel: %(message)s\n",
    "ambiguous option: %(option)s could match %(matches)s": "tvetydig flagga: %(option)s kan vara %(matches)s",
}


def _install_swedish_argparse() -> None:
    original = argparse._  # type: ignore[attr-defined]

    def translate(message: str) -> str:
        return _SV.get(message, original(message))

    argparse._ = translate  # type: ignore[attr-defined]


_install_swedish_argparse()


def _explain(exc: OrtsprofilError) -> str:
    if isinstance(exc, AmbiguousLocalityError):
        lines = [f"Flera tätorter heter {exc.query!r}. Ange vilken du menar:"]
        for code, name, kommun in exc.candidates:
            lines.append(f'  ortsprofil rapport "{name}, {kommun}"    (kod {code})')
        return "\n".join(lines)
    if isinstance(exc, UnknownLocalityError):
        text = f"Hittar ingen tätort som heter {exc.query!r}."
        if exc.suggestions:
            text += "\nMenar du någon av dessa?\n" + "\n".join(f"  {s}" for s in exc.suggestions)
        text += "\nSök bland orterna med: ortsprofil orter <sökord>"
        return text
    return str(exc)


# -- parser -----------------------------------------------------------------------------------


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} är inget heltal") from None
    if value < 0:
        raise argparse.ArgumentTypeError("värdet kan inte vara negativt")
    return value


def _km(text: str) -> float:
    """A distance in km: a finite number 0–500 (nan, inf and "fem" are refused by argparse, exit 2)."""
    import math

    try:
        value = float(str(text).replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} är inget tal") from None
    if not math.isfinite(value) or not 0 <= value <= 500:
        raise argparse.ArgumentTypeError(f"{text!r}: ange ett avstånd mellan 0 och 500 km")
    return value


MAX_WORKERS = 64


def _workers(text: str) -> int:
    value = _nonneg_int(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"högst {MAX_WORKERS} processer (datorn har {__import__('os').cpu_count()} kärnor)")
    return value


def _band_args(p: argparse.ArgumentParser) -> None:
    """--lan, --min, --max: the län and population band (Region Skåne's 400–4 000)."""
    p.add_argument("--lan", default="12", help="länskod (standard 12 = Skåne)")
    p.add_argument("--min", type=_nonneg_int, default=400, help="minsta invånarantal (400)")
    p.add_argument("--max", type=_nonneg_int, default=4000, help="största invånarantal (4000)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ortsprofil",
        description="Statistiska ortsprofiler för svenska tätorter ur SCB:s statistik.",
    )
    parser.add_argument("--version", action="version", version=f"ortsprofil {__version__}", help="visa versionen och avsluta")
    parser.add_argument("-v", "--utförlig", dest="verbose", action="store_true", help="visa mer logg")
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO")

    p = sub.add_parser("rapport", help="bygg en ortsprofil (HTML, och PDF med --pdf)")
    p.add_argument("ort", help='tätortens namn eller kod, t.ex. "Näsum", "Lund, Lund" eller 1272TB105')
    p.add_argument("--lan", default="", help="länskod för jämförelser (standard: ortens eget län)")
    p.add_argument("--min", type=_nonneg_int, default=400, help="liknande orter: minsta invånarantal (400)")
    p.add_argument("--max", type=_nonneg_int, default=4000, help="liknande orter: största invånarantal (4000)")
    p.add_argument("--pdf", action="store_true", help="skriv också en PDF i A4")
    p.add_argument("--mote-datum", dest="mote_datum", default="", metavar="ÅÅÅÅ-MM-DD",
                   help="stormötets datum, visas på framsidan")
    p.add_argument("--mote-plats", dest="mote_plats", default="", metavar="PLATS", help="var stormötet hålls")
    p.add_argument("--processledare", default="", metavar="NAMN", help="processledarens namn")
    p.add_argument("--liknande", choices=("struktur", "struktur-lan", "storlek", "samma", "alla"), default="struktur",
                   help="liknande orter: de tolv orter i Sverige som mest liknar orten (struktur, standard), "
                        "detsamma inom länet (struktur-lan), länets orter i storleksintervallet av samma slag "
                        "(storlek; förr 'samma') eller alla i intervallet (alla)")
    p.add_argument("--jamfor-med", dest="jamfor_med", default=None, metavar="DATUM|FIL",
                   help="avsnittet Sedan förra underlaget: jämför med underlaget från DATUM (ÅÅÅÅ-MM-DD) eller "
                        "med en profil.json; standard det senaste tidigare, 'ingen' för inget avsnitt")
    p.add_argument("--baslinje", default=0, metavar="ÅR",
                   help="avsnittet Sedan starten: siffrorna vid baslinjeåret och nu, t.ex. 2020")
    p.set_defaults(func=cmd_rapport)

    p = sub.add_parser("jamfor", help="jämför alla tätorter i ett län mot urvalskriterierna (HTML, Excel, CSV)")
    _band_args(p)
    p.add_argument("--stad-inv", dest="stad_inv", type=_nonneg_int, default=10_000,
                   help="en stad har minst så många invånare (10000)")
    p.add_argument("--stad-km", dest="stad_km", type=_km, default=10.0,
                   help="landsbygd: minst så många km fågelvägen till en stad (10)")
    p.add_argument("--service-km", dest="service_km", type=_km, default=5.0,
                   help="långt till apotek: minst så många km till närmaste apotek (5)")
    p.add_argument("--kommuner", default="", help='bara dessa kommuner, t.ex. "Bromölla,Östra Göinge"')
    p.set_defaults(func=cmd_jamfor)

    p = sub.add_parser("alla", help="bygg ortsprofiler för alla orter i ett storleksintervall, med indexsida")
    _band_args(p)
    p.add_argument("--orter", default="", metavar="NAMN,…",
                   help='bara dessa orter (namn eller koder, kommaseparerade), t.ex. "Näsum,Glimåkra"')
    p.add_argument("--kommuner", default="", metavar="KOMMUN,…", help='bara orterna i dessa kommuner, t.ex. "Bromölla"')
    p.add_argument("-j", type=_workers, default=0, metavar="PROCESSER",
                   help=f"antal processer (standard: antal kärnor, högst {MAX_WORKERS})")
    p.add_argument("--tvinga", "--force", dest="tvinga", action="store_true", help="bygg om även oförändrade profiler")
    p.add_argument("--pdf", action="store_true", help="skriv också PDF för varje ort")
    p.set_defaults(func=cmd_alla)

    p = sub.add_parser("orter", help="sök tätorter på namn eller kommun")
    p.add_argument("sokord", nargs="?", default="", metavar="SÖKORD", help="del av namnet (å/ä/ö valfria)")
    p.add_argument("--lan", default=None, help="bara tätorter i detta län, t.ex. 12")
    p.add_argument("--antal", type=int, default=30, help="hur många som visas (0 = alla)")
    p.set_defaults(func=cmd_orter)

    d = sub.add_parser("data", help="den lokala datakopian av SCB-tabeller")
    dsub = d.add_subparsers(dest="data_command", metavar="DATAKOMMANDO")
    p = dsub.add_parser("status", help="lista tabellerna i datakopian, deras ålder och ursprung")
    p.set_defaults(func=cmd_data_status)
    p = dsub.add_parser("hamta", help="hämta katalogens SCB-tabeller för ett län till datakopian")
    p.add_argument("--lan", default="12", help="länskod (standard 12 = Skåne)")
    p.add_argument("--tabell", nargs="+", metavar="TABELL", help="bara dessa tabeller")
    p.add_argument("--tvinga", action="store_true", help="hämta även tabeller som inte ändrats hos SCB")
    p.add_argument("--offline", action="store_true", help="använd bara cachen (data/cache), inget nätverk")
    p.set_defaults(func=cmd_data_hamta)
    p = dsub.add_parser("kontroll", help="fråga SCB om katalogens tabeller ser ut som väntat (id, variabler, koder)")
    p.set_defaults(func=cmd_data_kontroll)
    p = dsub.add_parser("bygg", help="bygg om den medföljande datakopian ur ../shared/data/scb")
    p.add_argument("--fran", default=None, metavar="MAPP", help="mappen med SCB-CSV:erna")
    p.set_defaults(func=cmd_data_bygg)
    d.set_defaults(func=lambda a: (d.print_help(), EXIT_USAGE)[1])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    bad = _undecodable(args)
    if bad:  # bytes that are not UTF-8 (a terminal in Latin-1): say so, before any work
        say(f"fel: ”{bad}” är inte giltig text (UTF-8). Skriv namnet igen, t.ex. Näsum, eller använd ortens "
            "kod (ortsprofil orter visar koderna).")
        return EXIT_USAGE
    _stop_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except (LocalityError, InvalidParameterError) as exc:
        say(f"fel: {_explain(exc)}")
        return EXIT_USAGE
    except OrtsprofilError as exc:
        say(f"fel: {_explain(exc)}")
        return EXIT_FAIL
    except KeyboardInterrupt as exc:
        say("Avbrutet.")
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`ortsprofil orter | head`): stop quietly, without a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        say("Utskriften avbröts: mottagaren stängde röret.")
        return EXIT_FAIL
    except OSError as exc:
        say(f"fel: {_os_error(exc)}")
        return EXIT_FAIL


def _undecodable(args: argparse.Namespace) -> str | None:
    """The first argument that holds bytes undecodable as UTF-8 (Python keeps them as surrogates)."""
    for value in vars(args).values():
        for text in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return text.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
    return None


class Terminated(KeyboardInterrupt):
    """SIGTERM: stops a command as Ctrl-C does (everything is cleaned up on the way out), exit 143."""


def _stop_on_sigterm() -> None:
    """SIGTERM (what `timeout`, CI and `kill` send) stops a command like Ctrl-C: workers and kernels
    are shut down and temporary folders removed on the way out."""
    import signal
    import threading

    def stop(_sig, _frame):
        raise Terminated

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _os_error(exc: OSError) -> str:
    """An operating-system error in Swedish, naming the file."""
    import errno

    what = {
        errno.ENOSPC: "disken är full",
        errno.EDQUOT: "diskkvoten är slut",
        errno.EACCES: "behörighet saknas",
        errno.EPERM: "behörighet saknas",
        errno.EROFS: "filsystemet är skrivskyddat",
        errno.ENOTDIR: "en del av sökvägen är en fil, inte en mapp",
        errno.EEXIST: "det finns redan en fil med det namnet där en mapp behövs",
        errno.EISDIR: "det är en mapp, inte en fil",
        errno.ENOENT: "filen eller mappen finns inte",
    }.get(exc.errno, exc.strerror or type(exc).__name__)
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    return f"{what}{where}. Inget halvfärdigt har sparats."


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
