"""The DuckDB file: build the new state in a temp copy beside the live file, then swap it in atomically.

DuckDB allows one writer or many readers, never both. Readers (the dashboard) open the live file
read-only for a few ms per query; the sync never writes to it. It copies the live file to
`<db>.sync-<pid>.tmp`, writes there, validates, CHECKPOINTs, closes, fsyncs and `os.replace`s the copy over
the live file. A reader that had the old file open finishes on the old inode. A run killed at any moment
leaves the live file untouched and a stale temp file that the next run deletes.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from snapshot.schema import SCHEMA_VERSION, TABLES, ddl

TEMP_SUFFIX = ".tmp"
# The sync's buffer pool: the full sync of the large sandbox peaked at 511 MB with 256 MB, 428-502 MB with
# 192 MB, 378 MB with this, as fast (it writes chunks of 2,500 rows; the job's after-sync step sets its own)
MEMORY_LIMIT = "128MB"


class StoreError(Exception):
    """The database file is unusable (newer schema, failed validation)."""

    exit_code = 1

    @property
    def user_message(self) -> str:
        return str(self)


def temp_path(db: Path) -> Path:
    return db.with_name(f"{db.name}.sync-{os.getpid()}{TEMP_SUFFIX}")


def clean_stale(db: Path) -> list[Path]:
    """Delete temp files of killed runs. Call only while holding the sync lock."""
    removed = []
    for name in glob.glob(glob.escape(str(db)) + ".sync-*" + TEMP_SUFFIX + "*"):
        _remove(Path(name))
        removed.append(Path(name))
    return removed


def _remove(path: Path) -> None:
    """A file, or DuckDB's spill directory (`<file>.tmp/`)."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# No DuckDB extension is ever downloaded or loaded behind our back: the server may have no internet, and a
# --db that is (say) an SQLite file must be refused, not read through an extension fetched for it.
CONFIG = {"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": False,
          "autoinstall_known_extensions": False, "autoload_known_extensions": False}
DUCKDB_MAGIC = (8, b"DUCK")  # bytes 8..12 of every DuckDB file
NEW_FILE_MODE = 0o600  # the file holds the whole CRM


class ForeignFile(StoreError):
    """--db names a file that is not a Dozhim database: refused, left untouched."""


def real_path(db: Path) -> Path:
    """The file behind a symlinked --db: it is written through, and the lock is keyed on it."""
    return Path(os.path.realpath(db))


def check_live_file(db: Path) -> None:
    """Refuse anything at `db` that is not a DuckDB file (before DuckDB ever opens it)."""
    if not db.exists():
        return
    if not db.is_file():
        raise ForeignFile(f"{db} is not a regular file; choose another --db")
    with open(db, "rb") as handle:
        head = handle.read(16)
    offset, magic = DUCKDB_MAGIC
    if head[offset:offset + len(magic)] != magic:
        kind = "an SQLite database" if head.startswith(b"SQLite format 3") else "not a DuckDB file"
        raise ForeignFile(f"{db} is {kind}, not a Dozhim database; left untouched - choose another --db")


def _check_ours(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """A DuckDB file with tables but without Dozhim's meta.schema_version belongs to another program."""
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'main'").fetchall()}
    if not tables:
        return
    has_meta = "meta" in tables and {"key", "value"} <= set(_column_types(con, "meta"))
    if not has_meta or get_meta(con, "schema_version") is None:
        raise ForeignFile(f"{db} is a DuckDB file of another program (no Dozhim meta); left untouched - "
                          "choose another --db")


def open_copy(db: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A read-write connection to a fresh copy of the live file (or a new file), with the schema. On any
    failure (a full disk, a foreign file) the copy is removed before the error goes up."""
    db.parent.mkdir(parents=True, exist_ok=True)
    check_live_file(db)
    tmp = temp_path(db)
    con = None
    try:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)
        if db.exists():
            _private_copy(db, tmp)
        # A bounded buffer pool keeps the sync's memory flat on big portals (DuckDB spills beyond it).
        con = duckdb.connect(str(tmp), config=CONFIG)
        if not db.exists():
            os.chmod(tmp, NEW_FILE_MODE)
        con.execute("set timezone = 'UTC'")
        forget_types(con)  # a new connection may reuse a closed one's id
        _check_ours(con, db)
        ensure_schema(con)
    except BaseException:
        discard(con, tmp)
        raise
    return con, tmp


def _private_copy(db: Path, tmp: Path) -> None:
    """Copy the live file; the copy keeps its mode less any access for others (group access is the
    operator's choice; the world never reads the CRM)."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE)
    with os.fdopen(fd, "wb") as out, open(db, "rb") as source:
        shutil.copyfileobj(source, out, 1 << 20)
    os.chmod(tmp, db.stat().st_mode & 0o770)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and columns of the contract; refuse files written by a newer schema."""
    for table in TABLES:
        con.execute(ddl(table))
    found = con.execute("select value from meta where key = 'schema_version'").fetchone()
    if found and int(found[0]) > SCHEMA_VERSION:
        raise StoreError(f"the database was written by a newer Dozhim (schema {found[0]} > "
                         f"{SCHEMA_VERSION}); upgrade Dozhim or sync into a new --db")
    for table, columns in TABLES.items():
        have = set(_column_types(con, table))
        for column, sql_type in columns.items():
            if column not in have:
                plain = sql_type.replace(" PRIMARY KEY", "")
                con.execute(f'alter table {table} add column "{column}" {plain}')
    set_meta(con, schema_version=str(SCHEMA_VERSION))


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column -> DuckDB type, cached per connection (columns change only before the exports start)."""
    cache = _TYPES.setdefault(id(con), {})
    if table not in cache:
        cache[table] = _column_types(con, table)
    return cache[table]


def forget_types(con: duckdb.DuckDBPyConnection) -> None:
    _TYPES.pop(id(con), None)


_TYPES: dict[int, dict[str, dict[str, str]]] = {}


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        """
        select column_name, data_type
        from information_schema.columns
        where table_name = ? and table_schema = 'main'
        order by ordinal_position
        """,
        [table],
    ).fetchall()
    return dict(rows)


def set_meta(con: duckdb.DuckDBPyConnection, **values: str | None) -> None:
    for key, value in values.items():
        con.execute("insert or replace into meta (key, value) values (?, ?)", [key, value])


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def sync_user_field_columns(con: duckdb.DuckDBPyConnection, wanted: dict[str, str]) -> bool:
    """Make deals' uf_* columns match the portal's user fields (column -> SQL type).
    Returns True when a column was added or retyped: old rows lack its values, so deals need a full export."""
    forget_types(con)
    have = {c: t for c, t in _column_types(con, "deals").items() if c.startswith("uf_")}
    changed = False
    for column, sql_type in wanted.items():
        if column in have and _same_type(have[column], sql_type):
            continue
        if column in have:
            con.execute(f'alter table deals drop column "{column}"')
        con.execute(f'alter table deals add column "{column}" {sql_type}')
        changed = True
    for column in set(have) - set(wanted):
        con.execute(f'alter table deals drop column "{column}"')
    return changed


def _same_type(found: str, wanted: str) -> bool:
    aliases = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}
    norm = wanted
    for short, long in aliases.items():
        norm = norm.replace(short, long)
    return found.replace(" ", "") == norm.replace(" ", "")


# --- writing rows through Arrow (fast, typed) ---------------------------------------------------------------

# deal_user_fields.options: the enumeration's options.
OPTIONS_TYPE = pa.list_(pa.struct([("id", pa.int64()), ("value", pa.string()), ("sort", pa.int32()),
                                   ("is_default", pa.bool_()), ("xml_id", pa.string())]))


def _arrow_type(sql_type: str) -> pa.DataType:
    sql_type = sql_type.upper()
    if sql_type.startswith("STRUCT"):
        return OPTIONS_TYPE
    if sql_type.endswith("[]"):
        return pa.list_(_arrow_type(sql_type[:-2]))
    if sql_type.startswith("DECIMAL") or sql_type in ("VARCHAR", "JSON"):
        return pa.string()  # DuckDB casts on insert (decimals rounded exactly, from text)
    return {
        "BIGINT": pa.int64(), "INTEGER": pa.int32(), "BOOLEAN": pa.bool_(), "DOUBLE": pa.float64(),
        "DATE": pa.date32(), "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    }.get(sql_type, pa.string())


def _cell(value: Any, arrow_type: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_string(arrow_type) and not isinstance(value, str):
        return str(value)
    if pa.types.is_list(arrow_type) and pa.types.is_string(arrow_type.value_type):
        return [None if v is None else str(v) for v in value]
    return value


def to_arrow(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> pa.Table:
    types = column_types(con, table)
    names = [c for c in types if c in rows[0]] if rows else list(types)
    arrays = {}
    for name in names:
        arrow_type = _arrow_type(types[name])
        arrays[name] = pa.array([_cell(row.get(name), arrow_type) for row in rows], type=arrow_type)
    return pa.table(arrays)


# What storing a parsed row can still raise (the parsers check the limits; this is the last net).
WRITE_ERRORS = (duckdb.Error, pa.ArrowException, OverflowError, ValueError, TypeError)


def upsert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], key: str = "id") -> int:
    """Insert rows, replacing those with the same key, in one transaction. Later rows of the batch win."""
    if not rows:
        return 0
    unique = list({row[key]: row for row in rows}.values())
    staged = to_arrow(con, table, unique)
    con.register("staged_rows", staged)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table} where {key} in (select {key} from staged_rows)")
        con.execute(f"insert into {table} by name select * from staged_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("staged_rows")
    return len(unique)


def upsert_or_skip(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict],
                   key: str = "id") -> list[tuple[dict, str]]:
    """`upsert`, and when the batch cannot be stored, row by row: returns the rows that could not be
    stored with the first line of their error (the others are stored)."""
    try:
        upsert(con, table, rows, key)
        return []
    except WRITE_ERRORS:
        pass
    failed = []
    for row in rows:
        try:
            upsert(con, table, [row], key)
        except WRITE_ERRORS as error:
            failed.append((row, (str(error).strip().splitlines() or [type(error).__name__])[0][:160]))
    return failed


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> int:
    if not rows:
        return 0
    con.register("staged_rows", to_arrow(con, table, rows))
    try:
        con.execute(f"insert into {table} by name select * from staged_rows")
    finally:
        con.unregister("staged_rows")
    return len(rows)


def replace_all(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> int:
    """Small directories: the table becomes exactly these rows."""
    con.execute(f"delete from {table}")
    return insert(con, table, rows)


# --- deletion sweeps: the IDs seen by an export, kept in a temp table, not in Python memory ------------

def start_seen(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"create or replace temp table seen_{table} (id bigint)")


def add_seen(con: duckdb.DuckDBPyConnection, table: str, ids: Iterable[int]) -> None:
    ids = [i for i in ids if i is not None]
    if not ids:
        return
    con.register("seen_ids", pa.table({"id": pa.array(ids, pa.int64())}))
    try:
        con.execute(f"insert into seen_{table} select id from seen_ids")
    finally:
        con.unregister("seen_ids")


def id_table(con: duckdb.DuckDBPyConnection, name: str, ids: Iterable[int]) -> None:
    """A temp table `name(id)` holding these ids (for set-based deletes)."""
    con.execute(f"create or replace temp table {name} (id bigint)")
    con.register("id_rows", pa.table({"id": pa.array(list(ids), pa.int64())}))
    try:
        con.execute(f"insert into {name} select id from id_rows")
    finally:
        con.unregister("id_rows")


def delete_unseen(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    """Delete rows whose id the sweep did not see; returns the deleted ids."""
    gone = [r[0] for r in con.execute(
        f"""
        -- rows the portal no longer lists
        select t.id
        from {table} as t
        anti join seen_{table} as s on s.id = t.id
        """
    ).fetchall()]
    if gone:
        con.register("gone_rows", pa.table({"id": pa.array(gone, pa.int64())}))
        try:
            con.execute(f"delete from {table} where id in (select id from gone_rows)")
        finally:
            con.unregister("gone_rows")
    con.execute(f"drop table if exists seen_{table}")
    return gone


# --- finishing: validate, checkpoint, swap ----------------------------------------------------------------

def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def validate(con: duckdb.DuckDBPyConnection, expected_counts: dict[str, int]) -> None:
    version = get_meta(con, "schema_version")
    if version != str(SCHEMA_VERSION):
        raise StoreError(f"validation failed: schema_version {version!r}, expected {SCHEMA_VERSION}")
    for table, expected in expected_counts.items():
        found = count(con, table)
        if found != expected:
            raise StoreError(f"validation failed: {table} has {found} rows, expected {expected}")


def swap_in(con: duckdb.DuckDBPyConnection, tmp: Path, db: Path) -> None:
    """CHECKPOINT, close, fsync and atomically replace the live file with the finished copy."""
    con.execute("checkpoint")
    con.close()
    Path(f"{tmp}.wal").unlink(missing_ok=True)  # empty after the checkpoint
    _remove(Path(f"{tmp}.tmp"))  # DuckDB's spill directory, if it spilled
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, db)
    dir_fd = os.open(db.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def discard(con: duckdb.DuckDBPyConnection | None, tmp: Path | None) -> None:
    if con is not None:
        with contextlib.suppress(Exception):
            con.close()
    if tmp is not None:
        for path in (tmp, Path(f"{tmp}.wal"), Path(f"{tmp}.tmp")):
            _remove(path)
