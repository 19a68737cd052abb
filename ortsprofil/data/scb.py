"""HTTP client for SCB's PxWebAPI 2.0 (``/config``, ``/tables``, metadata, codelists, data).

A thin client on ``requests`` with what SCB's API needs and general clients lack:

* reads ``/config`` once per client (limits, formats) and rate-limits from it
  (``maxCallsPerTimeWindow`` per ``timeWindow`` seconds, a sliding window shared by threads);
* 429 → waits ``Retry-After`` and retries; 5xx, time-outs, broken connections and truncated
  bodies → bounded retries with exponential back-off; problem+json errors → typed errors;
* selections larger than ``maxDataCells`` are expanded against the table's metadata and split
  (never on time or ContentsCode when another variable can be split), results concatenated
  and checked cell for cell;
* every response goes through :class:`ortsprofil.data.cache.ResponseCache`; in offline mode
  (``ORTSPROFIL_OFFLINE=1``) only the cache is read and no socket is ever opened.

The base URL is configuration (``ORTSPROFIL_SCB_URL``); the client does not know whether it
talks to SCB or to the test server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ortsprofil import config
from ortsprofil.data import jsonstat
from ortsprofil.data.cache import ResponseCache, canonical_key
from ortsprofil.data.pacing import RateLimiter, retry_after_seconds
from ortsprofil.data.selection import Selection, cell_count, expand, split_selection
from ortsprofil.errors import (
    CacheMissError,
    DataShapeError,
    RateLimitError,
    ScbApiError,
    TableNotFoundError,
    TooManyCellsError,
)

log = logging.getLogger(__name__)

DEFAULT_LIMITS = {"maxDataCells": 150_000, "maxCallsPerTimeWindow": 3, "timeWindow": 1}


@dataclass
class ClientStats:
    """What a client did: network requests by endpoint kind, cache hits, retries, waits."""

    requests: int = 0
    data_requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    waited_s: float = 0.0
    log: list[str] = field(default_factory=list)


#: Timeouts in a row after which a request gives up (instead of waiting for every retry).
SILENT_LIMIT = 2


class ScbClient:
    """Client for one PxWebAPI 2.0 endpoint.

    Parameters
    ----------
    base_url : str, optional
        Default ``config.SCB_API_URL`` (SCB's production API, or ``ORTSPROFIL_SCB_URL``).
    cache : ResponseCache or None, optional
        Default: the project's ``data/cache``. Pass ``ResponseCache(tmp)`` in tests.
    offline : bool, optional
        Serve only from the cache (default from ``ORTSPROFIL_OFFLINE``).
    lang : str
        "sv" (default) or "en".
    timeout : float
        Seconds per request.
    max_retries : int
        Retries after the first attempt for 429, 5xx, time-outs and broken bodies.
    backoff : float
        First back-off in seconds (doubles each retry).
    max_wait : float
        Longest single wait honoured from Retry-After.
    session : requests.Session, optional
    sleep, clock : callables, optional
        Injectable for tests.

    Examples
    --------
    >>> client = ScbClient(offline=True)  # doctest: +SKIP
    >>> client.data("TAB638", {"Region": ["1272"], "ContentsCode": ["BE0101N1"], "Tid": ["top(1)"]})  # doctest: +SKIP
    """

    def __init__(self, base_url: str | None = None, *, cache: ResponseCache | None | bool = True,
                 offline: bool | None = None, lang: str = "sv", timeout: float = 30.0,
                 max_retries: int = 4, backoff: float = 0.5, max_wait: float = 60.0,
                 session: Any = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.base_url = (base_url or config.SCB_API_URL).rstrip("/")
        if cache is True:
            cache = ResponseCache()
        self.cache: ResponseCache | None = cache or None
        self.offline = config.offline() if offline is None else bool(offline)
        self.lang = lang
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self._session = session
        self._sleep = sleep
        self._clock = clock
        self._config: dict[str, Any] | None = None
        # Until /config is read, SCB's published default (3 calls per second) applies.
        self._limiter = RateLimiter(DEFAULT_LIMITS["maxCallsPerTimeWindow"], DEFAULT_LIMITS["timeWindow"],
                                    clock=clock, sleep=self._wait)
        self._tables: dict[str, dict[str, Any]] = {}
        self._deadline: float | None = None
        self.stats = ClientStats()

    # -- plumbing -----------------------------------------------------------------------------
    @property
    def session(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers.update({"Accept": "application/json", "User-Agent": "ortsprofil"})
        return self._session

    def _wait(self, seconds: float) -> None:
        self.stats.waited_s += seconds
        self._sleep(seconds)

    def _request(self, method: str, path: str, params: dict[str, Any] | None = None,
                 body: Any = None, *, updated: str | None = None, fresh: bool = False,
                 kind: str = "other", check: Callable[[Any], Any] | None = None) -> Any:
        """One API call through the cache. ``fresh`` = ask the API when online (cache is fallback).

        ``check(response)`` validates (and may convert) a response; it raises
        :class:`DataShapeError` for a response that must not be used. A response that fails the
        check is never stored in the cache: it counts as a broken body and is asked for again.
        """
        params = {"lang": self.lang, **(params or {})}
        url = f"{self.base_url}/{path.lstrip('/')}"
        key = canonical_key(method, url, params, body, updated)
        check = check or (lambda doc: doc)
        if self.cache is not None and (not fresh or self.offline):
            hit = self.cache.get(key)
            if hit is not None:
                try:
                    out = check(hit.response)
                except DataShapeError:
                    out = None  # a stored answer that no longer passes: ask again (or fail offline)
                if out is not None:
                    self.stats.cache_hits += 1
                    return out
        if self.offline:
            raise CacheMissError(url)
        data, out = self._network(method, url, params, body, check)
        if kind == "data":
            self.stats.data_requests += 1
        if self.cache is not None:
            self.cache.put(key, url=url, method=method, query=params, body=body, response=data, updated=updated)
        return out

    @contextmanager
    def deadline(self, seconds: float | None):
        """Give every request inside the block (retries and waits included) ``seconds`` in all.

        A server that hangs or answers ever more slowly cannot stall a refresh: when the time is
        up the next attempt raises :class:`ScbApiError` ("Tidsgränsen överskreds").
        """
        previous = self._deadline
        self._deadline = None if seconds is None else self._clock() + seconds
        try:
            yield self
        finally:
            self._deadline = previous

    def _remaining(self, url: str) -> float:
        if self._deadline is None:
            return self.timeout
        left = self._deadline - self._clock()
        if left <= 0:
            raise ScbApiError(None, "Tidsgränsen överskreds",
                              "SCB:s API svarade inte inom den tid som ges varje tabell.", url)
        return min(self.timeout, left)

    def _network(self, method: str, url: str, params: dict[str, Any], body: Any,
                 check: Callable[[Any], Any]) -> tuple[Any, Any]:
        import requests

        last: ScbApiError | DataShapeError | None = None
        silent = 0  # answers that never came (timeouts) in a row
        for attempt in range(self.max_retries + 1):
            timeout = self._remaining(url)
            self._limiter.acquire()
            self.stats.requests += 1
            self.stats.log.append(f"{method} {url}")
            if attempt:
                self.stats.retries += 1
            try:
                resp = self.session.request(method, url, params=params, json=body, timeout=timeout)
            except (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidURL) as exc:  # no retry makes a bad address good
                raise ScbApiError(None, "Ogiltig adress", f"{url} är ingen giltig http(s)-adress till SCB:s API "
                                  "(se ORTSPROFIL_SCB_URL).", url) from exc
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:  # no answer, or a cut-off body
                last = ScbApiError(None, "Inget svar", f"{type(exc).__name__}: {exc}", url)
                silent = silent + 1 if isinstance(exc, requests.Timeout) else 0
                if silent >= SILENT_LIMIT:  # a server that hangs does not answer the third time either
                    raise ScbApiError(None, "Inget svar", f"SCB:s API svarade inte på {silent} försök i rad "
                                      f"({timeout:.0f} s vardera).", url) from exc
                self._wait(self.backoff * 2**attempt)
                continue
            silent = 0  # an answer came, whatever it says
            if resp.status_code == 429:
                last = RateLimitError(429, "För många anrop", resp.text[:200], url)
                wait = retry_after_seconds(resp.headers.get("Retry-After"))
                if attempt < self.max_retries:
                    self._wait(min(self.max_wait, wait if wait is not None else self.backoff * 2**attempt))
                continue
            if resp.status_code >= 500:
                last = self._problem(resp, url)
                self._wait(self.backoff * 2**attempt)
                continue
            if resp.status_code >= 400:
                raise self._problem(resp, url)
            try:
                doc = resp.json()
            except ValueError as exc:  # truncated or broken body
                last = ScbApiError(resp.status_code, "Trasigt svar", f"Kunde inte läsa JSON: {exc}", url)
                self._wait(self.backoff * 2**attempt)
                continue
            try:
                return doc, check(doc)
            except DataShapeError as exc:  # well-formed JSON, wrong content: never kept
                last = exc
                self._wait(self.backoff * 2**attempt)
                continue
        assert last is not None
        raise last

    @staticmethod
    def _problem(resp, url: str) -> ScbApiError:
        title = detail = ""
        try:
            prob = resp.json()
            if isinstance(prob, dict):
                title = str(prob.get("title") or "")
                detail = str(prob.get("detail") or "")
        except ValueError:
            body = resp.text.lstrip()[:300]
            if "html" in resp.headers.get("Content-Type", "").lower() or body.startswith("<"):
                # A web page, not an API answer: most often a proxy or firewall in between. Never printed raw.
                detail = ("svaret var en webbsida (HTML), inte SCB:s API – kanske en proxy eller brandvägg "
                          "mellan datorn och SCB")
            else:
                detail = body
        status = resp.status_code
        text = f"{title} {detail}".lower()
        if status == 404:
            return TableNotFoundError(status, title or "Finns inte", detail, url)
        if status in (400, 403) and "too many cells" in text:
            return TooManyCellsError(status, title, detail, url)
        if status == 429:
            return RateLimitError(status, title, detail, url)
        return ScbApiError(status, title or resp.reason or "", detail, url)

    # -- endpoints ----------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """``/config`` (once per client); sets up the rate limiter from it."""
        if self._config is None:
            cfg = self._request("GET", "config", fresh=True)
            if not isinstance(cfg, dict):
                raise DataShapeError("/config svarade inte med ett objekt.")
            self._config = {**DEFAULT_LIMITS, **cfg}
            self._limiter.calls = max(1, int(self._config["maxCallsPerTimeWindow"]))
            self._limiter.window = float(self._config["timeWindow"])
        return self._config

    @property
    def max_cells(self) -> int:
        return int(self.config()["maxDataCells"])

    def search(self, query: str, page_size: int = 100, *, past_days: int | None = None,
               max_pages: int = 20) -> list[dict[str, Any]]:
        """``/tables?query=…``: every hit, all pages, in SCB's relevance order.

        Returns table records (id, label, updated, timeUnit, variableNames, firstPeriod,
        lastPeriod, discontinued, …). Discontinued tables are left out by SCB's default.
        """
        self.config()
        hits: list[dict[str, Any]] = []
        for number in range(1, max_pages + 1):
            params: dict[str, Any] = {"query": query, "pageSize": page_size, "pageNumber": number}
            if past_days:
                params["pastDays"] = past_days
            res = self._request("GET", "tables", params, fresh=True)
            if not isinstance(res, dict):
                raise DataShapeError("/tables svarade inte med ett objekt.")
            hits += list(res.get("tables") or [])
            if number >= int((res.get("page") or {}).get("totalPages") or 1):
                break
        return hits

    def table(self, table_id: str) -> dict[str, Any]:
        """``/tables/{id}``: the table record; ``updated`` says when SCB last changed it."""
        self.config()
        if table_id not in self._tables:
            rec = self._request("GET", f"tables/{table_id}", fresh=True)
            if not isinstance(rec, dict) or "id" not in rec:
                raise DataShapeError(f"/tables/{table_id} svarade inte med en tabellpost.")
            self._tables[table_id] = rec
        return self._tables[table_id]

    def metadata(self, table_id: str, codelists: dict[str, str] | None = None) -> dict[str, Any]:
        """``/tables/{id}/metadata`` (JSON-stat 2 without values), with chosen codelists."""
        updated = self.table(table_id).get("updated")
        params = {f"codelist[{k}]": v for k, v in sorted((codelists or {}).items())}
        return self._request("GET", f"tables/{table_id}/metadata", params, updated=updated,
                             check=lambda doc: _metadata_check(table_id, doc))

    def codelist(self, codelist_id: str) -> dict[str, Any]:
        """``/codelists/{id}``."""
        self.config()
        return self._request("GET", f"codelists/{codelist_id}")

    def plan(self, table_id: str, selection: dict[str, list[str] | str],
             codelists: dict[str, str] | None = None) -> tuple[list[Selection], dict[str, Any]]:
        """Expand ``selection`` against metadata and split it under the cell limit.

        Returns the list of request selections and the metadata used.
        """
        meta = self.metadata(table_id, codelists)
        dims = {d.id: d for d in jsonstat.dimensions(meta)}
        role = meta.get("role") or {}
        protected = set(role.get("time") or []) | set(role.get("metric") or []) | {"Tid", "ContentsCode"}
        expanded: Selection = {}
        for var, exprs in selection.items():
            if var not in dims:
                raise DataShapeError(f"Tabellen {table_id} har ingen variabel {var!r} (finns: {', '.join(dims)}).")
            exprs = [exprs] if isinstance(exprs, str) else list(exprs)
            expanded[var] = expand(exprs, dims[var].codes, var)
            if not expanded[var]:
                raise DataShapeError(f"{table_id}: urvalet {exprs} för {var} gav inga värden.")
        for var, d in dims.items():
            if var not in expanded and d.extension.get("elimination") is False:
                raise DataShapeError(f"{table_id}: variabeln {var} måste väljas (kan inte elimineras).")
        metric = set(role.get("metric") or []) | {"ContentsCode"}
        order = sorted((v for v in expanded if v not in protected), key=lambda v: -len(expanded[v]))
        order += [v for v in expanded if v in protected and v not in metric]  # time before contents
        order += [v for v in expanded if v not in order]
        return split_selection(expanded, self.max_cells, order, frozenset(protected)), meta

    def data(self, table_id: str, selection: dict[str, list[str] | str],
             codelists: dict[str, str] | None = None) -> pd.DataFrame:
        """Data for ``selection`` as one tidy frame (see :func:`ortsprofil.data.jsonstat.to_frame`).

        Parameters
        ----------
        table_id : str
            e.g. "TAB638".
        selection : dict
            Variable code → list of codes or expressions ("*", "12*", "top(5)").
        codelists : dict, optional
            Variable code → codelist id ("vs_RegionKommun07", "agg_Ålder5år").

        Raises
        ------
        ScbApiError, RateLimitError, TableNotFoundError, TooManyCellsError, CacheMissError,
        DataShapeError (the response does not hold exactly the cells asked for).
        """
        parts, meta = self.plan(table_id, selection, codelists)
        updated = self.table(table_id).get("updated")
        frames = []
        notes: list[str] = []
        mandatory: list[str] = []
        dim_notes: list[str] = []
        for part in parts:
            body = {
                "selection": [
                    {"variableCode": var, "valueCodes": codes,
                     **({"codelist": codelists[var]} if codelists and var in codelists else {})}
                    for var, codes in part.items()
                ]
            }
            frame = self._request("POST", f"tables/{table_id}/data", {"outputFormat": "json-stat2"}, body,
                                  updated=updated, kind="data", check=_data_check(table_id, part))
            notes += [n for n in frame.attrs.get("notes", []) if n not in notes]
            mandatory += [n for n in frame.attrs.get("mandatory_notes", []) if n not in mandatory]
            dim_notes += [n for n in frame.attrs.get("dimension_notes", []) if n not in dim_notes]
            frames.append(frame)
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        out.attrs.update(frames[0].attrs)
        out.attrs.update({"notes": notes, "mandatory_notes": mandatory, "dimension_notes": dim_notes, "updated": updated,
                          "table_id": table_id, "requests": len(parts), "label": meta.get("label")})
        return out


def _metadata_check(table_id: str, doc: Any) -> dict[str, Any]:
    """A metadata answer is a JSON-stat 2 dataset with its dimensions; anything else (``{}``, an error
    page turned JSON) is never cached or used."""
    if not isinstance(doc, dict) or not isinstance(doc.get("dimension"), dict) or not doc.get("id"):
        raise DataShapeError(f"{table_id}: metadatasvaret saknar tabellens variabler (dimension/id).")
    return doc


def _data_check(table_id: str, part: Selection) -> Callable[[Any], pd.DataFrame]:
    """Parse a data response and check it holds exactly the cells and codes asked for."""

    def check(doc: Any) -> pd.DataFrame:
        frame = jsonstat.to_frame(doc)
        if len(frame) != cell_count(part):
            raise DataShapeError(f"{table_id}: svaret har {len(frame)} celler men {cell_count(part)} efterfrågades.")
        for var, codes in part.items():
            if var not in frame:
                raise DataShapeError(f"{table_id}: svaret saknar variabeln {var}.")
            if set(frame[var]) != set(codes):
                raise DataShapeError(f"{table_id}: svaret har andra värden för {var} än de efterfrågade.")
        return frame

    return check
