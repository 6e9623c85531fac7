"""The sandbox portal's store: one SQLite file the REST server reads and the generator writes.

Column names are exactly the REST names of connectors/sandbox/fields.py; values are kept in the forms its
docstring lists. `build_store` writes a temporary file and renames it, so a half-built store is never used.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import weakref
from datetime import datetime
from pathlib import Path

from connectors.sandbox.fields import (
    ACTIVITY_FIELDS,
    DEAL_FIELDS,
    DEPARTMENT_FIELDS,
    INTEGER_TYPES,
    INVOICE_FIELDS,
    USER_FIELDS,
    Field,
)
from connectors.sandbox.generate_pipelines import DEAL_USERFIELD_COLUMNS

SIZES = ("tiny", "small", "demo", "large")
# Bump when the generator changes what it writes, so cached stores of an older generator are not reused.
GENERATOR_VERSION = "2"


def _sql_type(f: Field) -> str:
    return "integer" if f.type in INTEGER_TYPES or f.type == "boolean" else "text"


def _columns(fields, pk: bool = True) -> str:
    cols = [f'"{f.name}" {_sql_type(f)}' + (" primary key" if pk and f.name == "ID" else "") for f in fields]
    return ", ".join(cols)


DEAL_COLUMNS = tuple(f.name for f in DEAL_FIELDS) + tuple(name for name, _ in DEAL_USERFIELD_COLUMNS)
ACTIVITY_COLUMNS = tuple(f.name for f in ACTIVITY_FIELDS)
INVOICE_COLUMNS = tuple(f.name for f in INVOICE_FIELDS)
USER_COLUMNS = tuple(f.name for f in USER_FIELDS)
DEPARTMENT_COLUMNS = tuple(f.name for f in DEPARTMENT_FIELDS)
STAGE_HISTORY_COLUMNS = (
    "ID",
    "TYPE_ID",
    "OWNER_ID",
    "CREATED_TIME",
    "CATEGORY_ID",
    "STAGE_SEMANTIC_ID",
    "STAGE_ID",
    "ENTITY_TYPE_ID",
)

SCHEMA = f"""
create table deals ({_columns(DEAL_FIELDS)},
    {", ".join(f'"{name}" {typ}' for name, typ in DEAL_USERFIELD_COLUMNS)});
create table activities ({_columns(ACTIVITY_FIELDS)});
create table activity_bindings (ACTIVITY_ID integer not null, OWNER_TYPE_ID integer not null,
    OWNER_ID integer not null);
create table stage_history (ID integer primary key, TYPE_ID integer, OWNER_ID integer, CREATED_TIME text,
    CATEGORY_ID integer, STAGE_SEMANTIC_ID text, STAGE_ID text, ENTITY_TYPE_ID integer);
create table invoices ({_columns(INVOICE_FIELDS)});
create table users ({_columns(USER_FIELDS)});
create table departments ({_columns(DEPARTMENT_FIELDS)});
create table categories (ID integer, ENTITY_TYPE_ID integer, NAME text, SORT integer, IS_DEFAULT text,
    primary key (ENTITY_TYPE_ID, ID));
create table statuses (ID integer primary key, ENTITY_ID text, STATUS_ID text, NAME text, NAME_INIT text,
    SORT integer, SYSTEM text, CATEGORY_ID integer, COLOR text, SEMANTICS text, EXTRA_SEMANTICS text);
create table currencies (CURRENCY text primary key, AMOUNT_CNT integer, AMOUNT text, SORT integer, BASE text,
    FULL_NAME text);
create table deal_userfields (ID integer primary key, ENTITY_ID text, FIELD_NAME text, USER_TYPE_ID text,
    XML_ID text, SORT integer, MULTIPLE text, MANDATORY text, SHOW_FILTER text, EDIT_FORM_LABEL text,
    LIST_JSON text);
-- contacts and companies exist only so that bindings and links point at something
create table contacts (ID integer primary key, NAME text, LAST_NAME text);
create table companies (ID integer primary key, TITLE text);
-- the sandbox's own knowledge: which discipline profile each deal owner was generated with
create table manager_profiles (USER_ID integer primary key, PROFILE text);
create table meta (KEY text primary key, VALUE text);
"""

# Created after the bulk insert (faster), on the columns the server filters and orders by.
INDEXES = """
create index deals_date_modify on deals (DATE_MODIFY);
create index deals_assigned on deals (ASSIGNED_BY_ID);
create index deals_stage on deals (CATEGORY_ID, STAGE_ID);
create index activities_last_updated on activities (LAST_UPDATED);
create index activities_owner on activities (OWNER_TYPE_ID, OWNER_ID);
create index activities_responsible on activities (RESPONSIBLE_ID);
create index bindings_owner on activity_bindings (OWNER_TYPE_ID, OWNER_ID);
create index bindings_activity on activity_bindings (ACTIVITY_ID);
create index history_owner on stage_history (ENTITY_TYPE_ID, OWNER_ID);
create index history_created on stage_history (CREATED_TIME);
create index invoices_parent on invoices (PARENT_ID_2);
create index invoices_updated on invoices (UPDATED_TIME);
create index statuses_entity on statuses (ENTITY_ID, SORT);
"""


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"insert into {table} ({names}) values ({', '.join('?' * len(columns))})"


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


def build_store(
    path: Path, size: str, seed: int, now: datetime | None = None, utc_offset: str = "+03:00"
) -> Path:
    """Generate the portal into `path` (deterministic per size, seed and now) and return the path."""
    from connectors.sandbox.clock import Clock, default_now, parse_offset
    from connectors.sandbox.generate import generate

    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    clock = Clock.at(now or default_now(parse_offset(utc_offset)), utc_offset)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(str(tmp))
    try:
        # A throwaway file until the rename: no journal, no fsync.
        conn.execute("pragma journal_mode=off")
        conn.execute("pragma synchronous=off")
        conn.executescript(SCHEMA)
        generate(conn, size, seed, clock)
        conn.executescript(INDEXES)
        conn.commit()
        conn.execute("pragma journal_mode=wal")
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)
    return path


def cached_store(
    size: str, seed: int, now: datetime | None = None, cache_dir: Path = Path("data/sandbox")
) -> Path:
    """A built store for (size, seed, day), reused while the day lasts; an explicit `now` gets its own file
    so that the same `now` always gives the same data."""
    from connectors.sandbox.clock import default_now, parse_offset

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
