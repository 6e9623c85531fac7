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


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the DuckDB file at `path` in an instance of its own, or QueryError."""
    if not path.is_file():
        raise QueryError(f"database not found: {path}")
    if not _is_duckdb_file(path):
        raise QueryError(f"not a Dozhim database (not a DuckDB file): {path}")
    con = duckdb.connect(":memory:", config=OFFLINE)
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


@dataclass
class Session:
    con: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int]
    meta: dict[str, str] = field(default_factory=dict)  # the snapshot's meta table, read once
    kept: dict[str, Any] = field(default_factory=dict)  # the set-up done on con (queries.context.setup)


class Pool:
    """Idle sessions per snapshot path, for the current identity of the file only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[str, list[Session]] = {}

    @contextmanager
    def session(self, path: Path, start: Any) -> Iterator[Session]:
        """An idle session on `path` as it is now, else a new one set up by start(con) -> meta. Back to the
        idle list when the block ends normally; closed when it raises."""
        key = str(path.resolve())
        identity = file_identity(path)
        s = self._take(key, identity)
        if s is None:
            con = open_snapshot(path)
            try:
                s = Session(con, identity, start(con))
            except BaseException:
                con.close()
                raise
        try:
            yield s
        except BaseException:
            s.con.close()
            raise
        self._give_back(key, s)

    def _take(self, key: str, identity: tuple[int, int, int]) -> Session | None:
        with self._lock:
            idle = self._idle.get(key, [])
            stale = [s for s in idle if s.identity != identity]
            fresh = [s for s in idle if s.identity == identity]
            taken = fresh.pop() if fresh else None
            self._idle[key] = fresh
        for s in stale:
            s.con.close()
        return taken

    def _give_back(self, key: str, s: Session) -> None:
        try:
            current = file_identity(Path(key))
        except QueryError:
            current = None
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if s.identity == current and len(idle) < IDLE_PER_FILE:
                idle.append(s)
                return
        s.con.close()

    def clear(self) -> None:
        """Close every idle session (tests; a long-lived process that is done with a snapshot)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for sessions in idle.values():
            for s in sessions:
                s.con.close()


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
