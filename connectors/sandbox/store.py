"""The sandbox portal's store: one SQLite file the REST server reads and the generator writes.

Column names are exactly the REST names of connectors/sandbox/fields.py; values are kept in the forms its
docstring lists. `build_store` writes a temporary file and renames it, so a half-built store is never used.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import sqlite3
import weakref
from datetime import datetime
from pathlib import Path

from connectors.sandbox.clock import default_now, parse_offset
from connectors.sandbox.generate import build_store
from connectors.sandbox.tables import GENERATOR_VERSION

__all__ = ["build_store", "cached_store", "checksum", "connect", "connect_for_requests"]


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection for the server and tests: WAL (readers and a mutating writer coexist), Row factory."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma busy_timeout=30000")
    return conn


class RequestConnection(sqlite3.Connection):
    """A server thread's connection, kept across the requests of one HTTP connection.

    In WAL mode a statement left half-read (a cursor not exhausted, not closed, still referenced) keeps
    its read snapshot, and every later query on the connection sees the store as it was then: writes made
    from outside (another process, the changes fault on another thread) stay invisible. So the connection
    remembers its cursors and `end_request` closes them; it runs in autocommit (no implicit BEGIN that
    could stay open) and rolls back whatever a request left uncommitted."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.open_cursors: weakref.WeakSet[sqlite3.Cursor] = weakref.WeakSet()

    def cursor(self, factory=sqlite3.Cursor):  # type: ignore[override]
        cur = super().cursor(factory)
        self.open_cursors.add(cur)
        return cur

    # The C Connection.execute does not call cursor(): route both through it, so every statement is tracked.
    def execute(self, sql: str, parameters=(), /) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters, /) -> sqlite3.Cursor:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)

    def end_request(self) -> None:
        """Finish every statement and transaction, so the next request reads a fresh snapshot."""
        for cur in list(self.open_cursors):
            cur.close()
        self.open_cursors.clear()
        if self.in_transaction:
            self.rollback()


def connect_for_requests(path: Path | str) -> RequestConnection:
    """The server's per-thread connection: like `connect`, in autocommit, with `end_request`."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None,
                           factory=RequestConnection)
    conn.row_factory = sqlite3.Row
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma busy_timeout=30000")
    conn.end_request()
    return conn


def cached_store(
    size: str, seed: int, now: datetime | None = None, cache_dir: Path = Path("data/sandbox")
) -> Path:
    """A built store for (size, seed, day), reused while the day lasts; an explicit `now` gets its own file
    so that the same `now` always gives the same data. The store is held (`_hold`) for as long as this
    process lives, and the stores it supersedes that no process holds are removed."""
    anchor = now.strftime("%Y%m%dT%H%M") if now else default_now(parse_offset("+03:00")).strftime("%Y%m%d")
    path = Path(cache_dir) / f"portal-{size}-{seed}-{anchor}-v{GENERATOR_VERSION}.sqlite"
    while not _hold(path):  # missing, or removed by another process's prune while we waited for it
        if not path.exists():
            build_store(path, size, seed, now)
    prune_superseded(Path(cache_dir), size, seed, anchor)
    return path


def live_copy(store: Path) -> Path:
    """Where `python -m connectors.sandbox` keeps its private copy of a cached store when changes are
    faulted in (the cached store stays as generated); pruned with the store."""
    return store.with_name(store.stem + ".live.sqlite")


_STORE_NAME = re.compile(
    r"portal-(?P<size>\w+)-(?P<seed>\d+)-(?P<anchor>\d{8}(T\d{4})?)-v(?P<version>\w+)\.sqlite")
_held: dict[Path, int] = {}  # store path -> the descriptor its shared lock lives on, until the process ends


def _hold(path: Path) -> bool:
    """A shared flock on the store, kept until this process ends, so that no other process's prune removes
    it while a sandbox serves it (flock does not touch SQLite's own fcntl locks). False if it is gone."""
    if path in _held:
        return True
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    fcntl.flock(fd, fcntl.LOCK_SH)
    if os.fstat(fd).st_nlink == 0:  # pruned between our open and our lock
        os.close(fd)
        return False
    _held[path] = fd
    return True


def superseded(name: str, size: str, seed: int, anchor: str) -> bool:
    """Whether a cached store's file name is one that the (size, seed, anchor) store replaces:
    one of another generator version (never read again: the version is in the name), or of an earlier day
    when the new store is anchored on a day. A store built for an explicit `now` of this version stays."""
    match = _STORE_NAME.fullmatch(name)
    if not match or match["size"] != size or int(match["seed"]) != seed:
        return False
    if match["version"] != GENERATOR_VERSION:
        return True
    day_anchored = len(match["anchor"]) == 8
    return day_anchored and len(anchor) == 8 and match["anchor"] < anchor


def prune_superseded(cache_dir: Path, size: str, seed: int, anchor: str) -> list[Path]:
    """Remove the stores a (size, seed, anchor) store supersedes, with their WAL files and live copies,
    unless a process holds them (a demo sandbox still serving yesterday's portal); the removed stores.
    Without it every day's `make demo` and `make bench` left another store behind (803 MB for `large`)."""
    removed = []
    for store in sorted(cache_dir.glob(f"portal-{size}-{seed}-*.sqlite")):
        if not superseded(store.name, size, seed, anchor):
            continue
        try:
            fd = os.open(store, os.O_RDONLY)
        except FileNotFoundError:  # another process's prune was first
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        for path in (store, live_copy(store)):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.close(fd)
        removed.append(store)
    return removed


def checksum(path: Path | str) -> str:
    """SHA-256 over every table's rows in primary-key order: equal stores give equal sums."""
    conn = sqlite3.connect(str(path))
    digest = hashlib.sha256()
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
    for table in tables:
        digest.update(table.encode())
        for row in conn.execute(f"select * from {table} order by rowid"):  # noqa: S608 (names from the schema)
            digest.update(repr(tuple(row)).encode())
    conn.close()
    return digest.hexdigest()
