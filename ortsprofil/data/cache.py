"""On-disk store of raw SCB API responses: atomic writes, stored files are never edited.

Each response lives in ``<cache>/<hh>/<hash>/<fetched_at>.json`` — ``hash`` is the SHA-256 of
the canonical request (method, path, query parameters, JSON body, and the table's SCB
``updated`` stamp for data and metadata) — as an envelope::

    {"url": ..., "method": ..., "query": {...}, "body": {...}, "fetched_at": ..., "updated": ...,
     "status": 200, "response": <the parsed JSON>}

A newer answer to the same request is a new file beside the old one, never an overwrite; reads
take the newest. Files are written to a temporary name in the same folder and renamed, so a
killed process can leave a stray ``.tmp`` file but never a half-written ``.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ortsprofil import config
from ortsprofil.data.snapshot import atomic_write_bytes, now_iso

log = logging.getLogger(__name__)
#: A temporary file older than this was left by a killed process (a live write takes milliseconds).
STALE_TMP_S = 600

def canonical_key(method: str, url: str, params: dict[str, Any] | None = None,
                  body: Any = None, updated: str | None = None) -> str:
    """SHA-256 of a request in canonical form (sorted keys, no whitespace)."""
    payload = {
        "method": method.upper(),
        "url": url,
        "params": {k: params[k] for k in sorted(params or {})},
        "body": body,
        "updated": updated,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    """One stored response and where it came from."""

    key: str
    path: Path
    url: str
    fetched_at: str
    updated: str | None
    response: Any


class ResponseCache:
    """Persistent response store.

    Parameters
    ----------
    root : Path, optional
        Folder of the cache; default ``config.CACHE_DIR`` (``data/cache``).
    """

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else config.CACHE_DIR
        self._remove_stale_tmp()

    def _remove_stale_tmp(self) -> None:
        """Temporary files a killed process left (``.<name>.xxxx.tmp``, older than ten minutes)."""
        if not self.root.is_dir():
            return
        now = time.time()
        for tmp in self.root.glob("*/*/.*.tmp"):
            try:
                if now - tmp.stat().st_mtime > STALE_TMP_S:
                    tmp.unlink()
            except OSError:
                pass

    def _folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> CachedResponse | None:
        """The newest stored response for ``key``, or None."""
        folder = self._folder(key)
        if not folder.is_dir():
            return None
        files = sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))
        for path in reversed(files):
            try:
                env = json.loads(path.read_text(encoding="utf-8"))
            except OSError:
                continue
            except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
                env = None
            if not isinstance(env, dict) or "response" not in env:  # damaged: discarded, never served
                log.warning("Skadad fil i SCB-cachen togs bort: %s", path)
                path.unlink(missing_ok=True)
                continue
            return CachedResponse(
                key=key,
                path=path,
                url=env.get("url", ""),
                fetched_at=env.get("fetched_at", ""),
                updated=env.get("updated"),
                response=env.get("response"),
            )
        return None

    def put(self, key: str, *, url: str, method: str, query: dict[str, Any] | None, body: Any,
            response: Any, updated: str | None = None, status: int = 200) -> CachedResponse:
        """Store a response as a new file (atomic). Returns what was stored."""
        fetched_at = now_iso()
        envelope = {
            "url": url,
            "method": method.upper(),
            "query": query or {},
            "body": body,
            "fetched_at": fetched_at,
            "updated": updated,
            "status": status,
            "response": response,
        }
        folder = self._folder(key)
        stamp = fetched_at.replace(":", "").replace("+0000", "Z")
        n = 0
        path = folder / f"{stamp}_{n:03d}.json"
        while path.exists():  # same second: never overwrite, count up (names sort by age)
            n += 1
            path = folder / f"{stamp}_{n:03d}.json"
        atomic_write_bytes(path, json.dumps(envelope, ensure_ascii=False).encode("utf-8"))
        return CachedResponse(key, path, url, fetched_at, updated, response)

    def files(self) -> list[Path]:
        """Every stored response file (for status and tests)."""
        if not self.root.exists():
            return []
        return sorted(p for p in self.root.glob("*/*/*.json") if not p.name.startswith("."))
