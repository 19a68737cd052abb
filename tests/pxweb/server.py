"""A local PxWebAPI 2.0 server for tests and benchmarks (127.0.0.1, random port).

It answers as SCB's API does, as far as the real recordings show it:

* ``/config`` is SCB's recorded config (apiVersion 2.2.0, json-stat2 …) with the limits of the
  test (``max_cells``, ``calls`` per ``window``; ``PxWebServer.scb_limits()`` gives SCB's 3 calls/1 s
  and ``variant="30/10"`` the later 30 calls per 10 s);
* ``/tables?query=`` searches label, variable names and value labels (every word must match),
  orders by relevance, pages (``pageNumber``, ``pageSize``, ``page.totalPages``, ``links``) and hides
  discontinued tables unless ``includeDiscontinued=true``; it is seeded with SCB's real search hits;
* ``/tables/{id}``, ``/tables/{id}/metadata`` (``codelist[VAR]``), ``/tables/{id}/defaultselection``,
  ``/codelists/{id}``;
* ``/tables/{id}/data`` by GET (``valueCodes[VAR]=…``, bracketed expressions) and POST: every
  selection expression of PxWeb (``*``, ``?``, ``top``, ``bottom``, ``range``, ``from``, ``to``),
  elimination of left-out variables (total code, else the sum), 400 "Missing selection for
  mandantory variable", 400 "Too many cells selected", 500 with an empty body for duplicated codes,
  and the table's default selection when nothing is selected.

Faults on demand: ``inject("429", "503", "slow", "hang", "truncate", "cells", "garbage", "wrongcells")``.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
import threading
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from .model import TEST_NOTE, Codelist, Table, Var
from .tables import build_tables, real_codelists, real_config, seeded_hits


class Problem(Exception):
    """An RFC 7807 answer."""

    def __init__(self, status: int, title: str, detail: str = ""):
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail


# -- selection expressions, evaluated here independently of the client ------------------------------

_EXPR = re.compile(r"^(top|bottom|range|from|to)\((.*)\)$", re.I)


def split_codes(text: str) -> list[str]:
    """GET ``valueCodes[X]=a,b,[range(1,3)]``: commas split, except inside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
            if depth == 1:
                continue
        elif ch == "]":
            depth -= 1
            if depth == 0:
                continue
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [c.strip() for c in out if c.strip()]


def expand(exprs: list[str], codes: list[str], variable: str) -> list[str]:
    """Codes selected by ``exprs`` (PxWeb semantics; 400 for unknown values or bad expressions)."""
    out: list[str] = []
    lower = {c.lower(): i for i, c in enumerate(codes)}

    def pos(code: str) -> int:
        if code.lower() not in lower:
            raise Problem(400, "Non-existent value", f"{variable}: {code}")
        return lower[code.lower()]

    for raw in exprs:
        e = str(raw).strip()
        m = _EXPR.match(e)
        if m:
            kind, args = m.group(1).lower(), [a.strip() for a in m.group(2).split(",")]
            try:
                if kind in ("top", "bottom"):
                    if not 1 <= len(args) <= 2:
                        raise ValueError
                    n, off = int(args[0]), int(args[1]) if len(args) > 1 else 0
                    out += codes[max(0, len(codes) - n - off): len(codes) - off] if kind == "top" else codes[off: off + n]
                elif kind == "range":
                    if len(args) != 2:
                        raise ValueError
                    out += codes[pos(args[0]): pos(args[1]) + 1]
                elif kind == "from":
                    out += codes[pos(args[0]):]
                else:
                    out += codes[: pos(args[0]) + 1]
            except ValueError:
                raise Problem(400, "Illegal selection expression", f"{variable}: {e}") from None
        elif "(" in e or ")" in e:
            raise Problem(400, "Illegal selection expression", f"{variable}: {e}")
        elif "*" in e or "?" in e:
            out += [c for c in codes if fnmatch.fnmatchcase(c.lower(), e.lower())]
        else:
            out.append(codes[pos(e)])
    return out


def default_selection(table: Table) -> dict[str, list[str]]:
    """PxWeb's default selection (the 'Bjarte3' algorithm of PxTools/PxWebApi)."""
    contents = next(v for v in table.vars if v.code == "ContentsCode")
    time_ = table.time_var
    classes = [v for v in table.vars if v not in (contents, time_)]
    mandatory = [v for v in classes if not v.elimination]
    optional = [v for v in classes if v.elimination]
    sel: dict[str, list[str]] = {}
    if not classes:
        return {contents.code: contents.codes, time_.code: time_.codes[-13:]}
    if len(classes) == 1:
        if len(contents.codes) == 1:
            return {contents.code: contents.codes, time_.code: time_.codes[-13:], classes[0].code: classes[0].codes}
        return {time_.code: time_.codes[-1:], contents.code: contents.codes, classes[0].code: classes[0].codes}
    sel[contents.code] = contents.codes[:1]
    sel[time_.code] = time_.codes[-1:]
    if len(mandatory) > 1:
        for v in mandatory[1:-1]:
            sel[v.code] = v.codes[:1]
        sel[mandatory[0].code] = mandatory[0].codes
        sel[mandatory[-1].code] = mandatory[-1].codes
    elif len(mandatory) == 1:
        sel[mandatory[0].code] = mandatory[0].codes
        sel[optional[-1].code] = optional[-1].codes
    else:
        sel[classes[0].code] = classes[0].codes
        sel[classes[-1].code] = classes[-1].codes
    return sel


# -- json-stat 2 output ------------------------------------------------------------------------------


def dataset(table: Table, chosen: dict[str, list[str]], codelists: dict[str, str], *, data: bool) -> dict[str, Any]:
    """A json-stat2 dataset in SCB's shape: metadata (``value: []``) or data for ``chosen``."""
    out_vars = [v for v in table.vars if v.code in chosen]
    dims = {}
    for v in out_vars:
        cl = v.codelists.get(codelists.get(v.code, ""))
        labels = dict(cl.values) if cl else v.labels
        codes = chosen[v.code]
        cat: dict[str, Any] = {"index": {c: i for i, c in enumerate(codes)}, "label": {c: labels.get(c, c) for c in codes}}
        units = {c: v.units[c] for c in codes if c in v.units}
        if units:
            cat["unit"] = units
        notes = {c: v.category_note[c] for c in codes if c in v.category_note}
        if notes:
            cat["note"] = notes
        ext = {k: val for k, val in v.extension.items() if k not in ("codelists",)}
        ext.setdefault("elimination", v.elimination)
        if data and v.total is not None:
            ext["eliminationValueCode"] = v.total
        if not data:
            ext["codelists"] = v.extension.get("codelists") or [
                {"id": c.id, "label": c.label, "type": c.kind, "links": []} for c in v.codelists.values()]
        dims[v.code] = {"label": v.label, "category": cat, "extension": ext, **({"note": v.note} if v.note else {})}
    doc: dict[str, Any] = {
        "version": "2.0", "class": "dataset", "label": table.data_label or table.label if data else table.label,
        "source": "SCB", "updated": table.updated, "note": list(table.notes),
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "id": [v.code for v in out_vars], "size": [len(chosen[v.code]) for v in out_vars], "dimension": dims,
        "extension": {"noteMandatory": {str(i): True for i in table.note_mandatory}, "px": dict(table.px),
                      **({"contact": table.contact} if table.contact else {})},
        "value": [],
    }
    if not data:
        return doc
    values, status, synthetic = table.evaluate(chosen, codelists)
    doc["value"] = values
    if status:
        doc["status"] = status
    if synthetic:
        doc["note"].append(TEST_NOTE)
        doc["label"] = f"{doc['label']} ({TEST_NOTE})"
    return doc


# -- search -------------------------------------------------------------------------------------------


def search(records: list[tuple[dict[str, Any], tuple[str, str, str]]], query: str, *, include_discontinued: bool,
           past_days: int | None) -> list[dict[str, Any]]:
    """Every word must match label, variable names or value labels; best matches first."""
    words = [w for w in re.split(r"\s+", query.lower()) if w]
    now = datetime.now(timezone.utc)
    hits = []
    for order, (rec, (label, names, values)) in enumerate(records):
        if rec.get("discontinued") and not include_discontinued:
            continue
        if past_days is not None:
            updated = datetime.fromisoformat(str(rec.get("updated", "1970-01-01T00:00:00Z")).replace("Z", "+00:00"))
            if now - updated > timedelta(days=past_days):
                continue
        score = 0
        for w in words:
            s = 3 * (w in label) + 2 * (w in names) + (w in values)
            if not s:
                break
            score += s
        else:
            hits.append((-score, order, rec))
    return [h[2] for h in sorted(hits, key=lambda h: (h[0], h[1]))]


# -- the server -----------------------------------------------------------------------------------


class PxWebServer:
    """Run with ``with PxWebServer() as srv: srv.url``.

    Parameters
    ----------
    max_cells : int
        ``maxDataCells`` announced in /config and enforced on data requests.
    calls, window : int, float
        Rate limit announced in /config and enforced (429 + Retry-After when exceeded).
    variant : str, optional
        ``"30/10"``: announce and enforce 30 calls per 10 s (what SCB switched to later).
    tables : dict, optional
        Tables by id (default: :func:`build_tables`).
    """

    def __init__(self, *, max_cells: int = 150_000, calls: int = 30, window: float = 1.0,
                 tables: dict[str, Table] | None = None, retry_after: float = 1, variant: str | None = None):
        if variant == "30/10":
            calls, window = 30, 10.0
        self.max_cells = max_cells
        self.calls = calls
        self.window = window
        self.retry_after = retry_after
        self.tables = tables if tables is not None else build_tables()
        self.codelists = real_codelists()
        self.seeded = seeded_hits()
        for t in self.tables.values():  # real codelists (agg_Ålder10årJ) wherever a table lists them
            for v in t.vars:
                for listed in v.extension.get("codelists") or []:
                    doc = self.codelists.get(listed.get("id"))
                    if doc is not None and doc["id"] not in v.codelists:
                        v.codelists[doc["id"]] = Codelist(
                            doc["id"], doc["label"], doc["type"], [(x["code"], x["label"]) for x in doc["values"]],
                            {x["code"]: list(x.get("valueMap") or [x["code"]]) for x in doc["values"]},
                            bool(doc.get("elimination", True)))
        self.faults: deque[str] = deque()
        self.requests: list[tuple[str, str, Any]] = []
        self.rate_limited = 0
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> "PxWebServer":
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
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
        """Queue faults for the next requests."""
        self.faults.extend(faults)

    def data_requests(self) -> int:
        return sum(1 for _, p, _ in self.requests if p.endswith("/data"))

    def config(self) -> dict[str, Any]:
        cfg = dict(real_config() or {"apiVersion": "2.2.0", "defaultLanguage": "sv", "defaultDataFormat": "json-stat2",
                                      "dataFormats": ["json-stat2"], "languages": [{"id": "sv", "label": "Svenska"}]})
        cfg.update({"maxDataCells": self.max_cells, "maxCallsPerTimeWindow": self.calls, "timeWindow": self.window})
        return cfg

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

    def _records(self) -> list[tuple[dict[str, Any], tuple[str, str, str]]]:
        base = self.url
        recs = [(t.record(base), t.search_text()) for t in self.tables.values()]
        served = set(self.tables)
        for hit in self.seeded:
            if hit["id"] not in served:
                recs.append((hit, (hit["label"].lower(), " ".join(hit.get("variableNames") or []).lower(), "")))
        return recs

    def _table(self, table_id: str) -> Table:
        t = self.tables.get(table_id.upper())
        if t is None:
            raise Problem(404, "Non-existent table", f"Tabellen {table_id} finns inte")
        return t

    # -- routes --------------------------------------------------------------------------------------
    def route(self, method: str, path: str, query: dict[str, str], body: Any, fault: str | None):
        prefix = "/api/v2"
        if not path.startswith(prefix):
            raise Problem(404, "Non-existent page")
        parts = [p for p in path[len(prefix):].split("/") if p]
        if parts == ["config"]:
            return self.config()
        if parts == ["tables"]:
            return self._search(query)
        if len(parts) == 2 and parts[0].lower() == "codelists":
            return self._codelist(parts[1])
        if parts and parts[0] == "tables" and len(parts) >= 2:
            table = self._table(parts[1])
            if len(parts) == 2:
                return {"language": "sv", **table.record(self.url)}
            if parts[2] == "metadata":
                cl = {k[len("codelist["):-1]: v for k, v in query.items() if k.lower().startswith("codelist[")}
                self._check_codelists(table, cl)
                if not cl and table.meta_doc is not None:
                    return table.meta_doc
                return dataset(table, {v.code: self._codes(v, cl.get(v.code)) for v in table.vars}, cl, data=False)
            if parts[2] == "defaultselection":
                sel = default_selection(table)
                return {"selection": [{"variableCode": v.code, "valueCodes": sel[v.code]} for v in table.vars
                                      if v.code in sel]}
            if parts[2] == "data":
                return self._data(table, method, query, body, fault)
        raise Problem(404, "Non-existent page")

    def _search(self, query: dict[str, str]):
        size = int(query.get("pageSize") or query.get("pagesize") or 20)
        number = int(query.get("pageNumber") or query.get("pagenumber") or 1)
        past = int(query["pastDays"]) if query.get("pastDays") else None
        hits = search(self._records(), query.get("query") or "",
                      include_discontinued=str(query.get("includeDiscontinued", "")).lower() == "true", past_days=past)
        total_pages = max(1, math.ceil(len(hits) / size))
        if number > total_pages and hits:
            raise Problem(404, "Non-existent page", f"Sidan {number} finns inte")
        page = hits[(number - 1) * size: number * size]

        def link(rel: str, n: int) -> dict[str, str]:
            q = {k: v for k, v in query.items() if k not in ("pageNumber", "pagenumber")}
            return {"rel": rel, "hreflang": "sv", "href": f"{self.url}/tables/?{urlencode({**q, 'pageNumber': n})}"}

        links = ([link("previous", number - 1)] if number > 1 else []) + \
                ([link("next", number + 1), link("last", total_pages)] if number < total_pages else [])
        return {"language": "sv", "tables": page,
                "page": {"pageNumber": number, "pageSize": size, "totalElements": len(hits), "totalPages": total_pages,
                         "links": links},
                "links": [link("self", number)]}

    def _codelist(self, cid: str):
        if cid in self.codelists:
            return self.codelists[cid]
        for t in self.tables.values():
            for v in t.vars:
                if cid in v.codelists:
                    return v.codelists[cid].document()
        raise Problem(404, "Non-existent codelist", cid)

    @staticmethod
    def _check_codelists(table: Table, cl: dict[str, str]) -> None:
        for var, cid in cl.items():
            v = table.var(var)
            if v is None:
                raise Problem(400, "Non-existent variable", var)
            listed = {c.get("id") for c in v.extension.get("codelists") or []} | set(v.codelists)
            if not cid.startswith(("agg_", "vs_")) or cid not in listed:
                raise Problem(400, "Non-existent codelist", cid)

    @staticmethod
    def _codes(v: Var, codelist: str | None) -> list[str]:
        cl = v.codelists.get(codelist or "")
        return [c for c, _ in cl.values] if cl else v.codes

    def _data(self, table: Table, method: str, query: dict[str, str], body: Any, fault: str | None):
        sel: dict[str, list[str]] = {}
        cl: dict[str, str] = {}
        if method == "POST":
            for item in (body or {}).get("selection") or []:
                sel[item["variableCode"]] = [str(c) for c in item.get("valueCodes") or []]
                if item.get("codelist"):
                    cl[item["variableCode"]] = item["codelist"]
        else:
            for k, v in query.items():
                m = re.fullmatch(r"valuecodes\[(.+)\]", k, re.I)
                if m:
                    sel[m.group(1)] = split_codes(v)
                m = re.fullmatch(r"codelist\[(.+)\]", k, re.I)
                if m:
                    cl[m.group(1)] = v
        fmt = (query.get("outputFormat") or query.get("outputformat") or "json-stat2").lower()
        if fmt != "json-stat2":
            raise Problem(400, "Unsupported output format", fmt)
        if not sel and not cl:
            if table.default_response is not None:
                return table.default_response
            sel = default_selection(table)
        self._check_codelists(table, cl)
        chosen: dict[str, list[str]] = {}
        for code, exprs in sel.items():
            v = table.var(code)
            if v is None:
                raise Problem(400, "Non-existent variable", code)
            got = expand(exprs, self._codes(v, cl.get(v.code)), v.code)
            if len(got) != len(set(got)):
                raise Problem(500, "", "")  # SCB: duplicated value codes give 500 with an empty body
            if not got:
                raise Problem(400, "Non-existent value", f"{code}: {exprs}")
            chosen[v.code] = got
        for v in table.vars:
            if v.code not in chosen and not v.elimination:
                raise Problem(400, "Missing selection for mandantory variable", v.code)
        cells = math.prod(len(c) for c in chosen.values())
        if cells > self.max_cells or fault == "cells":
            raise Problem(400, "Too many cells selected", f"{cells} > {self.max_cells}")
        doc = dataset(table, chosen, cl, data=True)
        if fault == "wrongcells":  # a broken proxy or server bug: one cell short
            doc["value"] = doc["value"][:-1]
            doc["size"][-1] = max(1, doc["size"][-1])
        return doc

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
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
                if status == 500 and not title:
                    return self._send(500, b"", ctype="text/plain")
                self._send(status, {"type": "https://tools.ietf.org/html/rfc7231", "title": title, "status": status,
                                    "detail": detail, "instance": self.path},
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
                        return self._problem(400, "Invalid JSON")
                server.requests.append((method, path, body))
                fault = server.faults.popleft() if server.faults else None
                if fault == "slow":
                    time.sleep(3.0)
                if fault == "hang":
                    time.sleep(30.0)
                if fault == "429" or not server._allow():
                    return self._problem(429, "Too Many Requests", headers={"Retry-After": str(server.retry_after)})
                if fault == "503":
                    return self._problem(503, "Service Unavailable")
                if fault == "garbage":
                    return self._send(200, b"<html>proxy error</html>", ctype="text/html")
                try:
                    payload = server.route(method, path, query, body, fault)
                except Problem as p:
                    return self._problem(p.status, p.title, p.detail)
                self._send(200, payload, truncate=(fault == "truncate"))

        return Handler
