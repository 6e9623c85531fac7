"""Read-only connections to a snapshot, and the sessions the runner keeps between metric calls.

Every reader opens the snapshot the same way: a private in-memory DuckDB instance that ATTACHes the file read
only. Not duckdb.connect(path): that hands back the instance already open in this process for that path, and
once the connector has os.replace'd a new file there, that instance still reads the old one.

A metric call opens the snapshot, sets up its context (rule tables, business calendar, base views) and closes
again: 30-50 ms before its query, more than the query itself for most metrics at 100k deals. A long-lived
reader (the dashboard) asks to keep its sessions: a Session is one such connection with that set-up kept
(`kept`, see queries.context.setup); after a call it goes back to an idle list, and the next call on the same
file takes it and redoes only what differs. A file of another identity (inode, mtime, size: a new snapshot)
gets new sessions; the old ones are closed as they come back. A session that met an error is closed, never
reused. Kept sessions hold the file open read-only, and DuckDB refuses a writer of the same file in the same
process while they do: so keeping is for processes that never write a snapshot (the app), not the default.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from queries.errors import QueryError

OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
CATALOG = "snapshot"  # the attached file's name inside the private instance; USE makes it the default
IDLE_PER_FILE = 4  # idle sessions kept per snapshot file: the dashboard's prefetch runs 4 metrics at once
# A kept instance's memory: DuckDB keeps the blocks it read up to its memory limit (80% of RAM by default),
# so a kept instance would grow toward the file's size; with this cap it keeps the hot ones (at 1M deals
# the app stayed under 1 GB) and a query that needs more spills to a temporary directory of its own.
KEPT_MEMORY_LIMIT = "512MB"


def open_snapshot(path: Path, config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the DuckDB file at `path` in an instance of its own, or QueryError."""
    if not path.is_file():
        raise QueryError(f"database not found: {path}")
    if not _is_duckdb_file(path):
        raise QueryError(f"not a Dozhim database (not a DuckDB file): {path}")
    con = duckdb.connect(":memory:", config={**OFFLINE, **(config or {})})
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"attach '{quoted}' as {CATALOG} (read_only)")
        con.execute(f"use {CATALOG}")
    except duckdb.Error as exc:
        con.close()
        first = str(exc).splitlines()[0]
        if "lock" in first.lower():
            raise QueryError(f"database is being written by another process, try again: {path}") from None
        raise QueryError(f"not a Dozhim database (unreadable DuckDB file): {path}: {first}") from None
    return con


def _is_duckdb_file(path: Path) -> bool:
    """DuckDB's storage header: the magic "DUCK" at byte 8."""
    try:
        with path.open("rb") as f:
            return f.read(12)[8:12] == b"DUCK"
    except OSError as exc:
        raise QueryError(f"cannot read the database: {path}: {exc.strerror}") from None


def file_identity(path: Path) -> tuple[int, int, int]:
    """(inode, mtime, size): changes when the connector replaces the snapshot or anything writes to it."""
    try:
        stat = path.stat()
    except OSError:
        raise QueryError(f"database not found: {path}") from None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


SPILL_PREFIX = "dozhim-duckdb-"  # + the process id: a kept instance's spill directory


def kept_config() -> dict[str, Any]:
    """A kept instance's settings: its memory cap and where it may spill (not the working directory)."""
    root = Path(tempfile.gettempdir())
    sweep_spill_dirs(root)
    spill = root / f"{SPILL_PREFIX}{os.getpid()}"
    return {"memory_limit": KEPT_MEMORY_LIMIT, "temp_directory": str(spill)}


def sweep_spill_dirs(root: Path) -> None:
    """Remove the spill directories of processes that are gone: DuckDB clears its own on a clean exit, but
    an app that was killed leaves its temporary files behind (hundreds of MB at a million deals)."""
    for path in root.glob(f"{SPILL_PREFIX}*"):
        pid = path.name.removeprefix(SPILL_PREFIX)
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to clean
        return True
    return True


@dataclass
class Session:
    con: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int]
    meta: dict[str, str] = field(default_factory=dict)  # the snapshot's meta table, read once
    kept: dict[str, Any] = field(default_factory=dict)  # the set-up done on con (queries.context.setup)


@dataclass
class _Opened:
    """One identity of a snapshot file, attached once: its sessions are cursors of `anchor`, so they share
    one DuckDB instance and its buffer cache (an instance per session held 4 copies of the hot blocks)."""

    identity: tuple[int, int, int]
    anchor: duckdb.DuckDBPyConnection
    idle: list[Session] = field(default_factory=list)
    out: int = 0  # sessions in use
    stale: bool = False  # the file has been replaced: close it all once the last session comes back


class Pool:
    """Kept sessions per snapshot path, on the file's current identity only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, _Opened] = {}

    @contextmanager
    def session(self, path: Path, start: Any) -> Iterator[Session]:
        """An idle session on `path` as it is now, else a new one set up by start(con) -> meta. Back to the
        idle list when the block ends normally; closed when it raises."""
        opened, s = self._take(str(path.resolve()), path)
        try:
            if s is None:
                con = opened.anchor.cursor()
                try:
                    con.execute(f"use {CATALOG}")
                    s = Session(con, opened.identity, start(con))
                except BaseException:
                    con.close()
                    raise
            yield s
        except BaseException:
            if s is not None:
                s.con.close()
            self._give_back(opened, None)
            raise
        self._give_back(opened, s)

    def _take(self, key: str, path: Path) -> tuple[_Opened, Session | None]:
        identity = file_identity(path)
        with self._lock:
            opened = self._files.get(key)
            if opened is None or opened.identity != identity:
                if opened is not None:
                    self._retire(opened)
                opened = _Opened(identity, open_snapshot(path, kept_config()))
                self._files[key] = opened
            opened.out += 1
            return opened, (opened.idle.pop() if opened.idle else None)

    def _give_back(self, opened: _Opened, s: Session | None) -> None:
        with self._lock:
            opened.out -= 1
            if s is not None and not opened.stale and len(opened.idle) < IDLE_PER_FILE:
                opened.idle.append(s)
                return
            if s is not None:
                s.con.close()
            if opened.stale and opened.out == 0:
                opened.anchor.close()

    def _retire(self, opened: _Opened) -> None:
        """(under the lock) A replaced file: its idle sessions go now, the instance when none is in use."""
        opened.stale = True
        for s in opened.idle:
            s.con.close()
        opened.idle.clear()
        if opened.out == 0:
            opened.anchor.close()

    def clear(self) -> None:
        """Close every kept session (tests; a long-lived process that is done with its snapshots)."""
        with self._lock:
            files, self._files = self._files, {}
            for opened in files.values():
                self._retire(opened)


POOL = Pool()


@contextmanager
def session(path: Path, start: Any, keep: bool) -> Iterator[Session]:
    """A session on `path` for one call: a kept one from POOL (keep), else one opened now and closed after."""
    if keep:
        with POOL.session(path, start) as kept:
            yield kept
        return
    identity = file_identity(path)
    con = open_snapshot(path)
    try:
        yield Session(con, identity, start(con))
    finally:
        con.close()
