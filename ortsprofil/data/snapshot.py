"""The local data store: bundled and fetched SCB tables plus a manifest.

Every statistical table is stored as one Parquet file of tidy rows::

    region_code, region_name, level, year, ref_date, variable, alder, kon, value, unit, status,
    source, note

(``alder``/``kon`` are "" for totals or where the table has no such breakdown).

and described in ``manifest.json`` (SCB table id, title, reference date, where it came from
— ``bundled`` or ``fetched`` —, SCB's ``updated`` stamp, ``fetched_at``, row count, file hash).
Registry tables (``tatorter``, ``regioner``) have their own columns (the shapes: :mod:`ortsprofil.data.tidy`). Codes are always strings
("0114" keeps its zero). Missing SCB values stay NaN with the symbol in ``status``.

The profile code reads a table the same way whether it was bundled or fetched.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ortsprofil import config
from ortsprofil.errors import SnapshotError
from ortsprofil.data.tidy import coerce_registry, coerce_tidy

MANIFEST = "manifest.json"
LEVELS = ("riket", "lan", "kommun", "tatort", "deso", "regso")


def _same_bytes(path: Path, digest: str) -> bool:
    """True when ``path`` exists and its content has the sha256 ``digest``."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except OSError:
        return False


@dataclass(frozen=True)
class TableInfo:
    """What the manifest says about one stored table."""

    key: str
    file: str
    scb_table: str
    title: str
    ref: str
    origin: str  # "bundled" or "fetched"
    rows: int
    sha256: str
    updated: str | None = None
    fetched_at: str | None = None
    sources: tuple[str, ...] = ()
    kind: str = "tidy"  # "tidy" or "registry"
    url: str | None = None
    lans: tuple[str, ...] = ()  # län fetched into this table (fetched tables)
    notes: tuple[str, ...] = ()  # SCB's mandatory notes (e.g. random noise from 2025)
    test_values: bool = False  # served by a test server ("TESTVÄRDEN"), not SCB's figures

    @classmethod
    def from_dict(cls, key: str, d: dict[str, Any]) -> "TableInfo":
        fields = {k: d.get(k) for k in cls.__dataclass_fields__ if k != "key"}
        for tup in ("sources", "lans", "notes"):
            fields[tup] = tuple(d.get(tup) or ())
        fields["kind"] = d.get("kind") or "tidy"
        fields["test_values"] = bool(d.get("test_values"))
        return cls(key=key, **fields)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "key"}
        for tup in ("sources", "lans", "notes"):
            d[tup] = list(d[tup])
        return d


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    A reader (or a process killed half-way) never sees a partial file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Store:
    """One folder of content-addressed Parquet files and the manifest that names them.

    A table file is named ``<key>-<sha256[:16]>.parquet`` and never changed after it is written;
    the manifest (written atomically) is the single commit point. A write therefore changes table
    and manifest together: a process killed before the manifest is replaced leaves the previous
    table in force, and the orphan file is removed by the next write (:meth:`repair`).
    """

    def __init__(self, path: Path):
        self.path = path
        self._manifest: dict[str, Any] | None = None
        self._stamp: tuple[int, int] | None = None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.path / MANIFEST).stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    @property
    def manifest(self) -> dict[str, Any]:
        stamp = self._file_stamp()
        if stamp != self._stamp:  # another process (a refresh, a test) committed: read it again
            self._manifest, self._stamp = None, stamp
        if self._manifest is None:
            mpath = self.path / MANIFEST
            if not mpath.exists():
                self._manifest = {"tables": {}}
            else:
                try:
                    self._manifest = json.loads(mpath.read_text(encoding="utf-8"))
                except json.JSONDecodeError as exc:
                    raise SnapshotError(f"{mpath} är skadad: {exc}") from exc
        return self._manifest

    def reload(self) -> None:
        self._manifest = None

    def tables(self) -> dict[str, dict[str, Any]]:
        return self.manifest.get("tables", {})

    def commit(self, key: str, info: "TableInfo | None") -> None:
        """Replace (or with None remove) one manifest entry: one atomic rename."""
        mpath = self.path / MANIFEST
        fresh = json.loads(mpath.read_text(encoding="utf-8")) if mpath.exists() else {"tables": {}}
        if info is None:
            fresh.setdefault("tables", {}).pop(key, None)
        else:
            fresh.setdefault("tables", {})[key] = info.to_dict()
        fresh["written_at"] = now_iso()
        atomic_write_bytes(mpath, (json.dumps(fresh, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode())
        self._manifest, self._stamp = fresh, self._file_stamp()

    def repair(self, *, drop_broken: bool = True) -> list[str]:
        """Remove leftovers of killed writes (temporary and unreferenced files); drop broken entries."""
        done: list[str] = []
        if not self.path.exists():
            return done
        for tmp in self.path.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)
            done.append(f"tog bort {tmp.name}")
        self.reload()
        referenced = {d.get("file") for d in self.tables().values()}
        for f in self.path.glob("*.parquet"):
            if f.name not in referenced:
                f.unlink(missing_ok=True)
                done.append(f"tog bort {f.name}")
        for key, d in (list(self.tables().items()) if drop_broken else []):
            fpath = self.path / d.get("file", "")
            if not fpath.exists() or _sha256(fpath) != d.get("sha256"):
                self.commit(key, None)
                done.append(f"tog bort den trasiga tabellen {key}")
        return done


class Snapshot:
    """The local data store: bundled tables, with fetched tables laid over them.

    Bundled tables (``ortsprofil data bygg``, committed with the project) live in ``path``;
    tables fetched from SCB (``ortsprofil data hamta``) live in ``path / "fetched"`` with their own
    manifest, so a refresh never edits a committed file. A key that exists in both is read from
    the fetched store (it holds the bundled rows too, with fetched rows replacing the same
    region, year, variable, age and sex). Every read checks the file against the manifest's
    sha256.

    Parameters
    ----------
    path : Path, optional
        Folder of the store; defaults to ``config.SNAPSHOT_DIR``.

    Examples
    --------
    >>> snap = Snapshot()
    >>> snap.read("tatort_folkmangd").query("region_code == '1256TB102'")["value"].tolist()
    [1550.0, 208.0]
    """

    FETCHED = "fetched"

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else config.SNAPSHOT_DIR
        self._bundled = _Store(self.path)
        self._fetched = _Store(self.path / self.FETCHED)
        self._frames: dict[str, pd.DataFrame] = {}
        self._frame_sha: dict[str, str] = {}

    # -- manifest -------------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        """The combined view: every table with the entry that is in force."""
        return {"tables": {**self._bundled.tables(), **self._fetched.tables()}}

    def _store(self, key: str) -> _Store:
        return self._fetched if key in self._fetched.tables() else self._bundled

    def tables(self) -> list[str]:
        """Keys of all stored tables, sorted."""
        return sorted(self.manifest["tables"])

    def has(self, key: str) -> bool:
        return key in self._fetched.tables() or key in self._bundled.tables()

    def info(self, key: str) -> TableInfo:
        d = self._fetched.tables().get(key) or self._bundled.tables().get(key)
        if d is None:
            if not self._bundled.tables():  # no bundled snapshot at all: build it, nothing to fetch yet
                raise SnapshotError(f"Datakopian i {self.path} saknas eller är tom. Bygg den med "
                                    "`ortsprofil data bygg` (eller `make snapshot`).")
            raise SnapshotError(
                f"Tabellen {key!r} finns inte i datakopian {self.path}. "
                "Kör `ortsprofil data hamta` för att hämta den från SCB."
            )
        return TableInfo.from_dict(key, d)

    def bundled_info(self, key: str) -> TableInfo | None:
        """The bundled entry of ``key`` (also when a fetched table is laid over it)."""
        d = self._bundled.tables().get(key)
        return TableInfo.from_dict(key, d) if d else None

    # -- reading --------------------------------------------------------------------------
    def read(self, key: str) -> pd.DataFrame:
        """Return the stored table ``key`` as a typed frame (a copy; cached per instance).

        Raises
        ------
        SnapshotError
            When the table is not in the manifest, its file is missing or does not match the
            manifest's checksum (with the command that repairs it), or its shape is wrong.
        """
        if key in self._frames and self._frame_sha.get(key) != self.info(key).sha256:
            del self._frames[key]  # the table was replaced since it was read
        if key not in self._frames:
            info = self.info(key)
            store = self._store(key)
            fpath = store.path / info.file
            if not fpath.exists():  # a concurrent write may have moved on: read the manifest again
                store.reload()
                info = self.info(key)
                fpath = self._store(key).path / info.file
            repair = ("ortsprofil data hamta --tvinga" if info.origin == "fetched" else "ortsprofil data bygg")
            if not fpath.exists():
                raise SnapshotError(f"Tabellen {key!r} saknar sin fil {fpath}. Reparera datakopian med `{repair}`.")
            data = fpath.read_bytes()
            if hashlib.sha256(data).hexdigest() != info.sha256:
                raise SnapshotError(
                    f"Tabellen {key!r} i datakopian är skadad eller ändrad (kontrollsumman stämmer inte med "
                    f"manifestet). Reparera den med `{repair}`."
                )
            frame = pd.read_parquet(io.BytesIO(data))
            frame = coerce_registry(key, frame) if info.kind == "registry" else coerce_tidy(frame)
            if len(frame) != info.rows:
                raise SnapshotError(f"{fpath} har {len(frame)} rader men manifestet säger {info.rows}.")
            self._frame_sha[key] = info.sha256
            self._frames[key] = frame
        return self._frames[key].copy()

    def read_bundled(self, key: str) -> pd.DataFrame | None:
        """The bundled table ``key`` even where a fetched one lies over it (None when none is bundled).

        Raises
        ------
        SnapshotError
            When the bundled file is missing or damaged (repair: ``ortsprofil data bygg``).
        """
        d = self._bundled.tables().get(key)
        if d is None:
            return None
        info = TableInfo.from_dict(key, d)
        fpath = self._bundled.path / info.file
        try:
            data = fpath.read_bytes()
        except OSError:
            data = b""
        if hashlib.sha256(data).hexdigest() != info.sha256:
            raise SnapshotError(f"Den medföljande tabellen {key!r} är skadad eller saknas ({fpath}). Reparera "
                                "datakopian med `ortsprofil data bygg` och hämta sedan igen.")
        frame = pd.read_parquet(io.BytesIO(data))
        return coerce_registry(key, frame) if info.kind == "registry" else coerce_tidy(frame)

    def signature(self, keys: tuple[str, ...] | None = None) -> tuple:
        """The content hashes of ``keys`` (default all tables): equal signatures, equal data."""
        tables = self.manifest["tables"]
        return tuple((k, tables[k]["sha256"]) for k in sorted(keys if keys is not None else tables) if k in tables)

    # -- writing --------------------------------------------------------------------------
    @contextmanager
    def writing(self, *, wait: bool = True):
        """Hold the snapshot's write lock (one writer at a time) and repair leftovers first.

        Raises
        ------
        SnapshotError
            With ``wait=False`` when another process holds the lock.
        """
        import fcntl

        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise SnapshotError("En annan process skriver just nu till datakopian. Försök igen om en stund.") from None
            try:
                self.repair()
                yield self
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def repair(self) -> list[str]:
        """Remove what a killed write left behind; fetched entries whose file is broken are dropped."""
        done = self._fetched.repair() + self._bundled.repair(drop_broken=False)
        self._frames.clear()
        return done

    def write(
        self,
        key: str,
        frame: pd.DataFrame,
        *,
        scb_table: str,
        title: str,
        ref: str,
        origin: str,
        sources: tuple[str, ...] | list[str] = (),
        updated: str | None = None,
        fetched_at: str | None = None,
        url: str | None = None,
        kind: str = "tidy",
        lans: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
        test_values: bool = False,
    ) -> TableInfo:
        """Store ``frame`` as table ``key``: a new file, then one atomic manifest replace."""
        if origin not in ("bundled", "fetched"):
            raise ValueError(f"origin must be 'bundled' or 'fetched', not {origin!r}")
        frame = coerce_registry(key, frame) if kind == "registry" else coerce_tidy(frame)
        frame = frame.reset_index(drop=True)
        store = self._fetched if origin == "fetched" else self._bundled
        store.path.mkdir(parents=True, exist_ok=True)
        buf = frame.to_parquet(index=False, compression="zstd")
        digest = hashlib.sha256(buf).hexdigest()
        fname = f"{key}-{digest[:16]}.parquet"
        fpath = store.path / fname
        if not _same_bytes(fpath, digest):  # missing, or damaged under the same name: write it whole
            atomic_write_bytes(fpath, buf)
        info = TableInfo(
            key=key, file=fname, scb_table=scb_table, title=title, ref=ref, origin=origin, rows=len(frame),
            sha256=digest, updated=updated, fetched_at=fetched_at, sources=tuple(sources), kind=kind, url=url,
            lans=tuple(lans), notes=tuple(notes), test_values=test_values,
        )
        old = store.tables().get(key, {}).get("file")
        store.commit(key, info)
        if old and old != fname:
            (store.path / old).unlink(missing_ok=True)
        self._frames.pop(key, None)
        return info

    def verify(self) -> list[str]:
        """Check every table's file against the manifest hash; return a list of problems."""
        problems = []
        for key in self.tables():
            info = self.info(key)
            fpath = self._store(key).path / info.file
            if not fpath.exists():
                problems.append(f"{key}: filen {info.file} saknas")
            elif _sha256(fpath) != info.sha256:
                problems.append(f"{key}: filen {info.file} stämmer inte med manifestet")
        return problems


def now_iso() -> str:
    """Current UTC time as an ISO 8601 string with seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


_DEFAULT: Snapshot | None = None


def default() -> Snapshot:
    """The process-wide snapshot at ``config.SNAPSHOT_DIR`` (created on first use)."""
    global _DEFAULT
    if _DEFAULT is None or _DEFAULT.path != config.SNAPSHOT_DIR:
        _DEFAULT = Snapshot(config.SNAPSHOT_DIR)
    return _DEFAULT


def load(key: str) -> pd.DataFrame:
    """Read table ``key`` from the default snapshot.

    Examples
    --------
    >>> load("tatorter").shape[0]
    2017
    """
    return default().read(key)
