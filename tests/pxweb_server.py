"""A local PxWebAPI 2.0 server for tests and benchmarks (127.0.0.1, random port).

Implements ``/config``, ``/tables`` (search), ``/tables/{id}``, ``/tables/{id}/metadata``,
``/tables/{id}/data`` (GET and POST, json-stat2) and ``/codelists/{id}``, enforces a cell limit
and a rate limit, and injects faults on demand (429 + Retry-After, 503, slow response,
truncated body, too-many-cells 400).

What it serves:

* **real recorded SCB responses**: TAB638 (the one-cell fixture, 50 937), TAB3554 (riket
  median income by sex 2020–2022) and TAB6471 (metadata and data, read in place from
  ``../shared/data/upstream/stefur_pxwebpy`` when present);
* tables of the ortsprofil catalogue with no recording, **in the real response shape**:
  tätort population and land area with the values of the bundled snapshot (cells it does not
  hold are served as SCB does for missing figures, ``null`` + ``..``); everything else is
  **test values**, deterministic, and every such response says so in its ``label``
  ("TESTVÄRDEN") and in a note.

Selection expressions are evaluated here independently of the client's own code.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
FIXTURES = SHARED / "scb" / "fixtures"
UPSTREAM = SHARED / "upstream" / "stefur_pxwebpy"
TEST_NOTE = "TESTVÄRDEN från ortsprofils testserver – inte SCB:s siffror."
UPDATED = "2026-06-08T06:00:00Z"


@dataclass
class Dim:
    code: str
    label: str
    values: list[tuple[str, str]]
    elimination: bool = True
    units: dict[str, dict] = field(default_factory=dict)
    codelists: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass
class Table:
    id: str
    label: str
    dims: list[Dim]
    value: Callable[[dict[str, str]], tuple[float | None, str | None]]
    updated: str = UPDATED
    notes: list[str] = field(default_factory=list)
    mandatory: list[int] = field(default_factory=list)
    test_values: bool = True
    time_dim: str = "Tid"
    metric_dim: str = "ContentsCode"
    variable_names: list[str] | None = None

    def record(self, base: str) -> dict[str, Any]:
        times = next(d for d in self.dims if d.code == self.time_dim).values
        return {
            "id": self.id, "label": self.label, "description": "", "updated": self.updated,
            "firstPeriod": times[0][0], "lastPeriod": times[-1][0], "category": "public",
            "variableNames": self.variable_names or [d.label for d in self.dims], "source": "SCB",
            "subjectCode": "XX", "timeUnit": "Annual", "discontinued": None, "paths": [],
            "links": [{"rel": "self", "hreflang": "sv", "href": f"{base}/tables/{self.id}?lang=sv"}],
        }


def _det(*parts: str, lo: int = 0, hi: int = 1000) -> int:
    """A deterministic pseudo-random integer for test values."""
    h = int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)
    return lo + h % (hi - lo + 1)


# -- catalogue tables built from the bundled snapshot ---------------------------------------


def _snapshot():
    from ortsprofil.snapshot import Snapshot

    return Snapshot(ROOT / "data" / "snapshot")


def build_tables() -> dict[str, Table]:
    snap = _snapshot()
    tat = snap.read("tatorter")
    tf = snap.read("tatort_folkmangd")
    hist = snap.read("tatort_historik")
    reg = snap.read("regioner")
    kommuner = reg[reg["level"] == "kommun"]
    regions = [(r.region_code, r.region_name) for r in reg.itertuples()]
    tables: dict[str, Table] = {}

    # MI0810 LandarealTatortN — real values from the snapshot.
    known = {(r.region_code, r.year, r.variable): r.value for r in tf.itertuples()}
    known.update({(r.region_code, r.year, r.variable): r.value for r in hist.itertuples()})
    contents = {"000003F7": "folkmangd", "000003F9": "landareal"}

    def land_value(c: dict[str, str]):
        year = int(c["Tid"])
        if c["ContentsCode"] == "000003F8":
            p, a = known.get((c["Region"], year, "folkmangd")), known.get((c["Region"], year, "landareal"))
            return (round(p / (a / 100), 1), None) if p and a else (None, "..")
        v = known.get((c["Region"], year, contents[c["ContentsCode"]]))
        return (v, None) if v is not None else (None, "..")

    tables["TAB9101"] = Table(
        "TAB9101", "Landareal per tätort, folkmängd och invånare per kvadratkilometer. Vart femte år 2005 - 2020",
        [
            Dim("Region", "region", [(r.tatort_code, r.tatort_name) for r in tat.itertuples()]),
            Dim("ContentsCode", "tabellinnehåll", [("000003F7", "Folkmängd"), ("000003F9", "Landareal, hektar"),
                                                   ("000003F8", "Invånare per kvadratkilometer")], False,
                units={"000003F7": {"base": "antal", "decimals": 0}, "000003F9": {"base": "hektar", "decimals": 0},
                       "000003F8": {"base": "invånare per km2", "decimals": 1}}),
            Dim("Tid", "år", [(y, y) for y in ("2005", "2010", "2015", "2020")], False),
        ],
        land_value, updated="2021-11-24T07:00:00Z", test_values=False,
        notes=["Värden ur ortsprofils medföljande datakopia (SCB, MI0810). Saknade celler redovisas som '..'."],
    )

    # MI0810 TatortAlderNN — test values consistent with the real 2020 totals.
    pop2020 = {r.region_code: r.value for r in tf[(tf["variable"] == "folkmangd") & (tf["year"] == 2020)].itertuples()}
    shares = {"-19": 0.22, "20-64": 0.55, "65+": 0.23}

    def age_value(c: dict[str, str]):
        total = pop2020.get(c["Region"])
        if total is None:
            return None, ".."
        f = 1.0 if c["Alder"] == "totalt" else shares[c["Alder"]]
        f *= 1.0 if c["Kon"] == "1+2" else (0.49 if c["Kon"] == "1" else 0.51)
        v = round(total * f * (0.8 + 0.4 * _det(c["Region"], c["Tid"], lo=0, hi=100) / 100)) if f < 1 else total
        if c["Tid"] != "2020":
            v = round(v * (0.9 + _det(c["Region"], c["Tid"], c["Alder"], hi=20) / 100))
        return (None, "..") if v < 5 else (float(v), None)

    tables["TAB9102"] = Table(
        "TAB9102", f"Befolkning i tätorter efter kön, ålder och tätort. Vart femte år 2005 - 2020 ({TEST_NOTE})",
        [
            Dim("Region", "region", [(r.tatort_code, r.tatort_name) for r in tat.itertuples()]),
            Dim("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")]),
            Dim("Alder", "ålder", [("-19", "0-19 år"), ("20-64", "20-64 år"), ("65+", "65+ år"), ("totalt", "totalt")]),
            Dim("ContentsCode", "tabellinnehåll", [("000005X7", "Antal")], False,
                units={"000005X7": {"base": "antal", "decimals": 0}}),
            Dim("Tid", "år", [(y, y) for y in ("2005", "2010", "2015", "2020")], False),
        ],
        age_value, notes=[TEST_NOTE],
    )

    # TAB638 BefolkningNy: real one-cell fixture + test values elsewhere.
    fixture_cells: dict[tuple, float] = {}
    f638 = FIXTURES / "scb_v2_TAB638_riket_ogifta_0ar_man_2024.json"
    if f638.exists():
        d = json.loads(f638.read_text(encoding="utf-8"))
        fixture_cells[("00", "0", "1", "BE0101N1", "2024")] = d["value"][0]
    ages = [(str(a), f"{a} år") for a in range(100)] + [("100+", "100+ år")]

    def pop_value(c: dict[str, str]):
        key = (c["Region"], c["Alder"], c["Kon"], c["ContentsCode"], c["Tid"])
        if key in fixture_cells and "Civilstand" not in c:
            return fixture_cells[key], None
        scale = 1000 if c["Region"] == "00" else (60 if len(c["Region"]) == 2 else 1)
        a = int(c["Alder"].rstrip("+"))
        base = max(0, 130 - a) if a < 100 else 2
        return float(base * scale + _det(*key, hi=40)), None

    tables["TAB638"] = Table(
        "TAB638", f"Folkmängd efter region, civilstånd, ålder och kön. År 1968 - 2024 ({TEST_NOTE})",
        [
            Dim("Region", "region", regions),
            Dim("Civilstand", "civilstånd", [("OG", "ogifta"), ("G", "gifta"), ("SK", "skilda"), ("ÄNKL", "änkor/änklingar")]),
            Dim("Alder", "ålder", ages),
            Dim("Kon", "kön", [("1", "män"), ("2", "kvinnor")]),
            Dim("ContentsCode", "tabellinnehåll", [("BE0101N1", "Folkmängd"), ("BE0101N2", "Folkökning")], False,
                units={"BE0101N1": {"base": "antal personer", "decimals": 0}, "BE0101N2": {"base": "antal personer", "decimals": 0}}),
            Dim("Tid", "år", [(str(y), str(y)) for y in range(1968, 2025)], False),
        ],
        pop_value, updated="2025-02-21T07:00:00Z", notes=[TEST_NOTE],
    )

    # Befolkningsförändringar (births, deaths, migration) — test values.
    events = [("BE0101A9", "Levande födda"), ("BE0101B1", "Döda"), ("BE0101AX", "Inflyttningar"),
              ("BE0101AY", "Utflyttningar"), ("BE0101AZ", "Flyttningsöverskott")]

    def change_value(c: dict[str, str]):
        scale = 500 if c["Region"] == "00" else (40 if len(c["Region"]) == 2 else 1)
        base = {"BE0101A9": 110, "BE0101B1": 140, "BE0101AX": 700, "BE0101AY": 680}.get(c["ContentsCode"])
        if base is None:  # net = in − out, computed the same way as the parts
            i = change_value({**c, "ContentsCode": "BE0101AX"})[0]
            o = change_value({**c, "ContentsCode": "BE0101AY"})[0]
            return i - o, None
        return float(base * scale + _det(c["Region"], c["ContentsCode"], c["Tid"], hi=60)), None

    tables["TAB9103"] = Table(
        "TAB9103", f"Befolkningsförändringar efter region, händelse och kön. År 2000 - 2024 ({TEST_NOTE})",
        [
            Dim("Region", "region", regions),
            Dim("Kon", "kön", [("1", "män"), ("2", "kvinnor")]),
            Dim("ContentsCode", "tabellinnehåll", events, False,
                units={c: {"base": "antal", "decimals": 0} for c, _ in events}),
            Dim("Tid", "år", [(str(y), str(y)) for y in range(2000, 2025)], False),
        ],
        change_value, notes=[TEST_NOTE],
    )

    # TAB3554 median income: real riket fixture values + test values elsewhere.
    inc_fixture: dict[tuple, float] = {}
    f3554 = FIXTURES / "scb_v2_TAB3554_medianinkomst_riket_2020_2022.json"
    if f3554.exists():
        from ortsprofil import jsonstat

        fr = jsonstat.to_frame(json.loads(f3554.read_text(encoding="utf-8")))
        inc_fixture = {("00", r.Kon, r.Tid): r.value for r in fr.itertuples()}

    def income_value(c: dict[str, str]):
        key = (c["Region"], c["Kon"], c["Tid"])
        if key in inc_fixture:
            return inc_fixture[key], None
        return round(280 + _det(*key, hi=800) / 10, 1), None

    tables["TAB3554"] = Table(
        "TAB3554", f"Sammanräknad förvärvsinkomst för boende i Sverige hela året efter region, kön, ålder och inkomstklass. År 1999 - 2022 ({TEST_NOTE})",
        [
            Dim("Region", "region", regions),
            Dim("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")]),
            Dim("Alder", "ålder", [("tot16+", "totalt 16+ år"), ("20-64", "20-64 år")]),
            Dim("ContentsCode", "tabellinnehåll", [("HE0110J8", "Medianinkomst, tkr"), ("HE0110J7", "Medelinkomst, tkr")], False,
                units={"HE0110J8": {"base": "tkr", "decimals": 1}, "HE0110J7": {"base": "tkr", "decimals": 1}}),
            Dim("Tid", "år", [(str(y), str(y)) for y in range(1999, 2023)], False),
        ],
        income_value, updated="2024-01-12T05:52:00Z", notes=[TEST_NOTE],
    )

    # UF0506 education level, 25–64 — test values.
    levels = [("1", "förgymnasial utbildning kortare än 9 år"), ("2", "förgymnasial utbildning, 9 (10) år"),
              ("3", "gymnasial utbildning, högst 2 år"), ("4", "gymnasial utbildning, 3 år"),
              ("5", "eftergymnasial utbildning, mindre än 3 år"), ("6", "eftergymnasial utbildning, 3 år eller mer"),
              ("7", "forskarutbildning"), ("US", "uppgift om utbildningsnivå saknas")]

    def edu_value(c: dict[str, str]):
        scale = 3000 if c["Region"] == "00" else (200 if len(c["Region"]) == 2 else 5)
        return float(scale * (3 + _det(*c.values(), hi=30))), None

    tables["TAB9104"] = Table(
        "TAB9104", f"Befolkning 25-64 år efter region, utbildningsnivå, ålder och kön. År 2015 - 2024 ({TEST_NOTE})",
        [
            Dim("Region", "region", regions),
            Dim("UtbildningsNiva", "utbildningsnivå", levels),
            Dim("Alder", "ålder", [("25-34", "25-34 år"), ("35-44", "35-44 år"), ("45-54", "45-54 år"), ("55-64", "55-64 år")]),
            Dim("Kon", "kön", [("1", "män"), ("2", "kvinnor")]),
            Dim("ContentsCode", "tabellinnehåll", [("UF0506A1", "Befolkning")], False,
                units={"UF0506A1": {"base": "antal", "decimals": 0}}),
            Dim("Tid", "år", [(str(y), str(y)) for y in range(2015, 2025)], False),
        ],
        edu_value, notes=[TEST_NOTE],
    )

    # BAS employment status, 20–64 — test values.
    def emp_value(c: dict[str, str]):
        if c["ContentsCode"] == "000006E3":
            return round(70 + _det(*c.values(), hi=150) / 10, 1), None
        scale = 2000 if c["Region"] == "00" else (150 if len(c["Region"]) == 2 else 4)
        return float(scale * (10 + _det(*c.values(), hi=20))), None

    tables["TAB9105"] = Table(
        "TAB9105", f"Befolkningen 20-64 år efter region, arbetsmarknadsstatus, kön och år. År 2020 - 2024 ({TEST_NOTE})",
        [
            Dim("Region", "region", regions),
            Dim("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")]),
            Dim("ContentsCode", "tabellinnehåll", [("000006E1", "Sysselsatta"), ("000006E3", "Sysselsättningsgrad, procent")], False,
                units={"000006E1": {"base": "antal", "decimals": 0}, "000006E3": {"base": "procent", "decimals": 1}}),
            Dim("Tid", "år", [(str(y), str(y)) for y in range(2020, 2025)], False),
        ],
        emp_value, notes=[TEST_NOTE],
    )

    # TAB6574 DeSO population by age — test values; Region only via codelist vs_DeSO2025.
    deso = []
    for k in kommuner.itertuples():
        for cat, n in (("A", 1 + _det(k.region_code, "A", hi=2)), ("B", _det(k.region_code, "B", hi=2)),
                       ("C", 2 + _det(k.region_code, "C", hi=6))):
            for i in range(1, n + 1):
                code = f"{k.region_code}{cat}{i:03d}0_DeSO2025"
                deso.append((code, f"{k.region_name} {cat}{i}"))
    deso_ages = [("totalt", "totalt")] + [(f"{a}-{a + 4}", f"{a}-{a + 4} år") for a in range(0, 80, 5)] + [("80-", "80- år")]

    def deso_value(c: dict[str, str]):
        if c["Alder"] == "totalt":
            return float(sum(deso_value({**c, "Alder": a})[0] for a, _ in deso_ages[1:])), None
        return float(40 + _det(*c.values(), hi=80)), None

    tables["TAB6574"] = Table(
        "TAB6574", f"Folkmängden per region efter ålder och kön. År 2010 - 2025 ({TEST_NOTE})",
        [
            Dim("Region", "region", regions, codelists={"vs_DeSO2025": deso}),
            Dim("Alder", "ålder", deso_ages, False),
            Dim("Kon", "kön", [("1", "män"), ("2", "kvinnor"), ("1+2", "totalt")]),
            Dim("ContentsCode", "tabellinnehåll", [("000007Y7", "Folkmängd")], False,
                units={"000007Y7": {"base": "antal", "decimals": 0}}),
            Dim("Tid", "år", [(str(y), str(y)) for y in range(2010, 2026)], False),
        ],
        deso_value, notes=[TEST_NOTE],
    )

    # TAB6471 — the real recording (metadata and data), when the upstream copy is present.
    if (UPSTREAM / "TAB6471_metadata.json").exists():
        tables["TAB6471"] = _recorded_tab6471()
    return tables


def _recorded_tab6471() -> Table:
    meta = json.loads((UPSTREAM / "TAB6471_metadata.json").read_text(encoding="utf-8"))
    data = json.loads((UPSTREAM / "TAB6471_data.json").read_text(encoding="utf-8"))
    ids, sizes = data["id"], data["size"]
    cats = [sorted(data["dimension"][i]["category"]["index"].items(), key=lambda kv: kv[1]) for i in ids]
    recorded: dict[tuple, float] = {}
    for flat, v in enumerate(data["value"]):
        rest, idx = flat, []
        for s in reversed(sizes):
            idx.append(rest % s)
            rest //= s
        idx.reverse()
        recorded[tuple(cats[d][i][0] for d, i in enumerate(idx))] = v

    def value(c: dict[str, str]):
        key = tuple(c.get(i) for i in ids)
        if key in recorded:
            return recorded[key], None
        return float(_det(*[str(k) for k in key], hi=5000)), "TEST"

    dims = []
    for dim_id in meta["id"]:
        d = meta["dimension"][dim_id]
        cat = d["category"]
        codes = sorted(cat["index"].items(), key=lambda kv: kv[1]) if isinstance(cat["index"], dict) else [(c, i) for i, c in enumerate(cat["index"])]
        dims.append(Dim(dim_id, d.get("label", dim_id), [(c, cat["label"].get(c, c)) for c, _ in codes],
                        (d.get("extension") or {}).get("elimination", True), units=cat.get("unit") or {}))
    mand = [int(k) for k, v in (meta.get("extension") or {}).get("noteMandatory", {}).items() if v]
    return Table("TAB6471", meta["label"], dims, value, updated=meta["updated"], notes=list(meta.get("note") or []),
                 mandatory=mand, test_values=False)


# -- selection evaluation (independent of the client) -----------------------------------------


def _expand(exprs: list[str], codes: list[str]) -> list[str] | None:
    out: list[str] = []
    for e in exprs:
        m = re.match(r"^(top|bottom)\((\d+)(?:,(\d+))?\)$", e.strip(), re.I)
        if m:
            n, off = int(m.group(2)), int(m.group(3) or 0)
            out += codes[len(codes) - n - off : len(codes) - off] if m.group(1).lower() == "top" else codes[off : off + n]
        elif "*" in e or "?" in e:
            out += [c for c in codes if fnmatch.fnmatchcase(c.lower(), e.lower())]
        elif e in codes:
            out.append(e)
        else:
            return None
    if len(out) != len(set(out)):
        return None  # SCB answers duplicates with 500; we say 400 to keep tests readable
    return out


# -- the server --------------------------------------------------------------------------------


class PxWebServer:
    """Run with ``with PxWebServer() as srv: srv.url``.

    Parameters
    ----------
    max_cells : int
        ``maxDataCells`` announced in /config and enforced on data requests.
    calls, window : int, float
        Rate limit announced and enforced (429 + Retry-After when exceeded).
    """

    def __init__(self, *, max_cells: int = 150_000, calls: int = 30, window: float = 1.0,
                 tables: dict[str, Table] | None = None, retry_after: float = 1):
        self.max_cells = max_cells
        self.calls = calls
        self.window = window
        self.retry_after = retry_after
        self.tables = tables if tables is not None else build_tables()
        self.faults: deque[str] = deque()
        self.requests: list[tuple[str, str, Any]] = []
        self.rate_limited = 0
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # lifecycle
    def __enter__(self) -> "PxWebServer":
        handler = self._handler()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/api/v2"

    def inject(self, *faults: str) -> None:
        """Queue faults for the next requests: '429', '503', 'slow', 'truncate', 'cells', 'garbage'."""
        self.faults.extend(faults)

    def data_requests(self) -> int:
        return sum(1 for m, p, _ in self.requests if p.endswith("/data"))

    # request handling
    def _allow(self) -> bool:
        with self._lock:
            now = time.monotonic()
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            if len(self._stamps) >= self.calls:
                self.rate_limited += 1
                return False
            self._stamps.append(now)
            return True

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def _send(self, status: int, payload: Any, *, ctype="application/json; charset=utf-8",
                      headers: dict[str, str] | None = None, truncate: bool = False):
                body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if truncate:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def _problem(self, status: int, title: str, detail: str = "", headers=None):
                self._send(status, {"type": "https://tools.ietf.org/html/rfc7231", "title": title,
                                    "status": status, "detail": detail, "instance": self.path},
                           ctype="application/problem+json; charset=utf-8", headers=headers)

            def _handle(self, method: str):
                parsed = urlparse(self.path)
                path = unquote(parsed.path)
                query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
                body = None
                if method == "POST":
                    n = int(self.headers.get("Content-Length") or 0)
                    raw = self.rfile.read(n) if n else b""
                    try:
                        body = json.loads(raw or b"{}")
                    except ValueError:
                        return self._problem(400, "Ogiltig JSON")
                server.requests.append((method, path, body))
                fault = server.faults.popleft() if server.faults else None
                if fault == "slow":
                    time.sleep(3.0)
                if fault == "429" or not server._allow():
                    return self._problem(429, "Too Many Requests", headers={"Retry-After": str(server.retry_after)})
                if fault == "503":
                    return self._problem(503, "Service Unavailable")
                if fault == "garbage":
                    return self._send(200, b"<html>proxy error</html>", ctype="text/html")
                try:
                    status, payload = self._route(method, path, query, body, fault)
                except _Problem as p:
                    return self._problem(p.status, p.title, p.detail)
                self._send(status, payload, truncate=(fault == "truncate"))

            def _route(self, method, path, query, body, fault):
                base = server.url
                prefix = "/api/v2"
                if not path.startswith(prefix):
                    raise _Problem(404, "Non-existent page")
                rel = path[len(prefix):].strip("/")
                parts = rel.split("/") if rel else []
                if parts == ["config"]:
                    return 200, {"apiVersion": "2.2.0", "appVersion": "test", "languages": [{"id": "sv", "label": "Svenska"}],
                                 "defaultLanguage": "sv", "maxDataCells": server.max_cells,
                                 "maxCallsPerTimeWindow": server.calls, "timeWindow": server.window,
                                 "license": "https://creativecommons.org/share-your-work/public-domain/cc0/",
                                 "defaultDataFormat": "json-stat2", "dataFormats": ["json-stat2"]}
                if parts == ["tables"]:
                    words = [w for w in re.split(r"\W+", (query.get("query") or "").lower()) if w]
                    hits = [t.record(base) for t in server.tables.values()
                            if all(w in (t.label + " " + t.id).lower() for w in words)]
                    size = int(query.get("pageSize") or 20)
                    return 200, {"language": "sv", "tables": hits[:size],
                                 "page": {"pageNumber": 1, "pageSize": size, "totalElements": len(hits)}}
                if len(parts) >= 2 and parts[0] == "tables":
                    table = server.tables.get(parts[1].upper())
                    if table is None:
                        raise _Problem(404, "Non-existent table", f"Tabellen {parts[1]} finns inte")
                    if len(parts) == 2:
                        return 200, {"language": "sv", **table.record(base)}
                    if parts[2] == "metadata":
                        cl = {k[len("codelist["):-1]: v for k, v in query.items() if k.startswith("codelist[")}
                        return 200, _dataset(table, {d.code: [c for c, _ in _cats(d, cl.get(d.code))] for d in table.dims}, cl, values=False)
                    if parts[2] == "data":
                        return 200, self._data(table, method, query, body, fault)
                raise _Problem(404, "Non-existent page")

            def _data(self, table: Table, method, query, body, fault):
                sel: dict[str, list[str]] = {}
                cl: dict[str, str] = {}
                if method == "POST":
                    for item in (body or {}).get("selection", []):
                        sel[item["variableCode"]] = [str(v) for v in item.get("valueCodes", [])]
                        if item.get("codelist"):
                            cl[item["variableCode"]] = item["codelist"]
                else:
                    for k, v in query.items():
                        m = re.match(r"valuecodes\[(.+)\]", k, re.I)
                        if m:
                            sel[m.group(1)] = v.split(",")
                        m = re.match(r"codelist\[(.+)\]", k, re.I)
                        if m:
                            cl[m.group(1)] = v
                dims = {d.code: d for d in table.dims}
                chosen: dict[str, list[str]] = {}
                for code, exprs in sel.items():
                    if code not in dims:
                        raise _Problem(400, "Non-existent variable", code)
                    if code in cl and cl[code] not in dims[code].codelists:
                        raise _Problem(400, "Non-existent codelist", cl[code])
                    codes = [c for c, _ in _cats(dims[code], cl.get(code))]
                    got = _expand(exprs, codes)
                    if got is None:
                        raise _Problem(400, "Non-existent value", f"{code}: {exprs}")
                    chosen[code] = got
                for d in table.dims:
                    if d.code not in chosen and not d.elimination:
                        raise _Problem(400, "Missing selection for mandantory variable", d.code)
                cells = math.prod(len(v) for v in chosen.values())
                if cells > server.max_cells or fault == "cells":
                    raise _Problem(400, "Too many cells selected", f"{cells} > {server.max_cells}")
                return _dataset(table, chosen, cl, values=True)

        return Handler


class _Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = ""):
        self.status, self.title, self.detail = status, title, detail


def _cats(dim: Dim, codelist: str | None) -> list[tuple[str, str]]:
    return dim.codelists[codelist] if codelist and codelist in dim.codelists else dim.values


def _dataset(table: Table, chosen: dict[str, list[str]], codelists: dict[str, str], *, values: bool) -> dict:
    dims = [d for d in table.dims if d.code in chosen]
    labels = {d.code: dict(_cats(d, codelists.get(d.code))) for d in dims}
    doc: dict[str, Any] = {
        "version": "2.0", "class": "dataset", "label": table.label, "source": "SCB", "updated": table.updated,
        "note": list(table.notes), "role": {"time": [table.time_dim], "metric": [table.metric_dim]},
        "id": [d.code for d in dims], "size": [len(chosen[d.code]) for d in dims],
        "dimension": {
            d.code: {
                "label": d.label,
                "category": {
                    "index": {c: i for i, c in enumerate(chosen[d.code])},
                    "label": {c: labels[d.code][c] for c in chosen[d.code]},
                    **({"unit": {c: d.units[c] for c in chosen[d.code] if c in d.units}} if d.units else {}),
                },
                "extension": {"elimination": d.elimination, "show": "value",
                              "codelists": [{"id": k, "label": k, "type": "Valueset"} for k in d.codelists]},
            }
            for d in dims
        },
        "extension": {"px": {"tableid": table.id}, "noteMandatory": {str(i): True for i in table.mandatory}},
        "value": [],
    }
    if not values:
        return doc
    out_values: list[float | None] = []
    status: dict[str, str] = {}
    combos = [[]]
    for d in dims:
        combos = [c + [(d.code, v)] for c in combos for v in chosen[d.code]]
    synthetic = False
    for i, combo in enumerate(combos):
        v, s = table.value(dict(combo))
        if s == "TEST":
            synthetic, s = True, None
        out_values.append(v)
        if s:
            status[str(i)] = s
    doc["value"] = out_values
    if status:
        doc["status"] = status
    if synthetic and TEST_NOTE not in doc["note"]:
        doc["note"].append(TEST_NOTE)
        doc["label"] = f"{doc['label']} ({TEST_NOTE})"
    return doc


if __name__ == "__main__":  # pragma: no cover - manual use: python -m tests.pxweb_server
    with PxWebServer() as srv:
        print(f"PxWeb-testserver på {srv.url} (Ctrl-C avslutar)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
