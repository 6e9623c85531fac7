"""The as-of- and rules-independent layer (queries/sql/_derived.sql): stored at sync time, else computed.

`refresh(con)` writes q_user, q_deal, q_deal_activity and q_close_date_push into the snapshot with a
marker naming the sync run they were built from (queries.history.record_day calls it after each sync,
from the scheduled job).
`attach(con)` gives every connection d_user, d_deal, ... : views over the stored tables when
the marker matches meta.last_sync_run_id, else views computing the same rows from the raw tables.
"""

from __future__ import annotations

import duckdb

from queries.sqltext import SQL_DIR, split_statements

DERIVED_SQL = SQL_DIR / "_derived.sql"
DERIVED_VERSION = "4"  # bump when _derived.sql changes meaning: stored tables of another version are ignored
NAMES = ("user", "deal", "deal_activity", "deal_summary", "close_date_push")


def _statements(create: str, ref: str) -> list[str]:
    sql = DERIVED_SQL.read_text(encoding="utf-8").replace("{create} d_", create).replace("{ref}", ref)
    return split_statements(sql)


def _marker(con: duckdb.DuckDBPyConnection) -> str:
    run = con.execute("select any_value(value) from meta where key = 'last_sync_run_id'").fetchone()[0]
    return f"{DERIVED_VERSION}:{run}"


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    # asked, not tried: a failed query would abort the transaction record_day runs in
    exists = con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                         "and schema_name = 'main' and table_name = 'q_derived'").fetchone()[0]
    if not exists:
        return False
    stored = con.execute("select any_value(value) from main.q_derived where key = 'built_for'").fetchone()[0]
    return stored == _marker(con)


def refresh(con: duckdb.DuckDBPyConnection, only: tuple[str, ...] = NAMES) -> None:
    """(Re)build the stored layer in the snapshot `con` writes to; `only` some of its tables (names
    from NAMES, e.g. close_date_push after a new day of deal_snapshots)."""
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")  # the connector's stderr is for its own progress
    con.execute("drop table if exists main.q_derived")
    for statement in _statements("create or replace table main.q_", "main.q_"):
        name = statement.removeprefix("create or replace table main.q_").split()[0]
        if name in only:
            con.execute(statement)
    con.execute("create table main.q_derived (key varchar primary key, value varchar)")
    con.execute("insert into main.q_derived values ('built_for', $m)", {"m": _marker(con)})


def attach(con: duckdb.DuckDBPyConnection) -> bool:
    """Create d_* temp views on `con`; True when they read the stored tables (the fast path)."""
    if is_fresh(con):
        for name in NAMES:
            con.execute(f"create or replace temp view d_{name} as select * from main.q_{name}")
        return True
    for statement in _statements("create or replace temp view d_", "d_"):
        con.execute(statement)
    return False
