"""The sandbox portal's store: one SQLite file the REST server reads and the generator writes.

Column names are exactly the REST names of connectors/sandbox/fields.py; values are kept in the forms its
docstring lists. `build_store` writes a temporary file and renames it, so a half-built store is never used.
"""

from __future__ import annotations

import hashlib
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
    so that the same `now` always gives the same data."""
    anchor = now.strftime("%Y%m%dT%H%M") if now else default_now(parse_offset("+03:00")).strftime("%Y%m%d")
    path = Path(cache_dir) / f"portal-{size}-{seed}-{anchor}-v{GENERATOR_VERSION}.sqlite"
    if not path.exists():
        build_store(path, size, seed, now)
    return path


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
