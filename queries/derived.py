"""The rules-independent layer (queries/sql/_derived.sql): stored at sync time, else computed.

`refresh(con, facts_at)` writes q_user, q_deal, q_deal_activity, ... (NAMES) into the snapshot with a marker
naming the sync run they were built from and the moment S (`facts_at`) the few moment-bound facts are for
(queries.history.record_day calls it after each sync, from the scheduled job, with its as-of moment).
`attach(con)` gives every connection d_user, d_deal, ... and d_moment (facts_at): views over the stored
tables when the marker matches meta.last_sync_run_id, else views computing the same rows from the raw
tables for S = T (ctx.as_of). _base.sql reads the stored facts for any T at or after S and reads the
activities again for a T before it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from queries.sqltext import SQL_DIR, split_statements, without_final_order_by

DERIVED_SQL = SQL_DIR / "_derived.sql"
DERIVED_VERSION = "16"  # bump when _derived.sql changes meaning or layout: other versions are ignored
NAMES = ("user", "deal_state", "deal_activity", "deal", "open_planned", "pending_incoming", "open_touch",
         "late_touch", "stage_pass", "close_date_push", "push_total", "snapshot_day", "lead",
         "record_value", "shared_value")
PUSH_NAMES = ("close_date_push", "push_total", "snapshot_day")  # what a new day of deal_snapshots changes
RETIRED = ("deal_summary", "lead_touch")  # stored by an earlier version: dropped on refresh
LIVE_FACTS_AT = "(select as_of from ctx)"
MACRO = "create or replace temp macro "  # _derived.sql's macros (how a phone compares): on every connection


def _statements(create: str, ref: str, facts_at: str, *, stored: bool) -> list[str]:
    sql = (DERIVED_SQL.read_text(encoding="utf-8").replace("{create} d_", create).replace("{ref}", ref)
           .replace("{facts_at}", facts_at))
    statements = split_statements(sql)
    # the final ORDER BY lays out a stored table (its blocks' min / max then skip what a filter excludes);
    # a live view would only sort for nothing
    return statements if stored else [without_final_order_by(s) for s in statements]


def _marker(con: duckdb.DuckDBPyConnection) -> str:
    run = con.execute("select any_value(value) from meta where key = 'last_sync_run_id'").fetchone()[0]
    return f"{DERIVED_VERSION}:{run}"


def state(con: duckdb.DuckDBPyConnection) -> str:
    """'current' (stored for this sync run by this version), 'stale' (stored for an earlier run or by an
    earlier version: after an update, or when the after-sync step failed) or 'none' (never stored: a
    snapshot only the connector wrote)."""
    # asked, not tried: a failed query would abort the transaction record_day runs in
    exists = con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                         "and schema_name = 'main' and table_name = 'q_derived'").fetchone()[0]
    if not exists:
        return "none"
    stored = con.execute("select any_value(value) from main.q_derived where key = 'built_for'").fetchone()[0]
    return "current" if stored == _marker(con) else "stale"


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    return state(con) == "current"


def refresh(con: duckdb.DuckDBPyConnection, facts_at: datetime, only: tuple[str, ...] = NAMES) -> None:
    """(Re)build the stored layer in the snapshot `con` writes to, its moment-bound facts for `facts_at`;
    `only` some of its tables (names from NAMES, e.g. close_date_push after a new day of deal_snapshots, with
    the same moment as the whole refresh before it)."""
    moment = facts_at.astimezone(UTC) if facts_at.tzinfo else facts_at.replace(tzinfo=UTC)
    literal = f"cast('{moment.isoformat()}' as timestamptz)"  # our own datetime, not text from outside
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")  # the connector's stderr is for its own progress
    con.execute("drop table if exists main.q_derived")
    for name in RETIRED:
        con.execute(f"drop table if exists main.q_{name}")
    for statement in _statements("create or replace table main.q_", "main.q_", literal, stored=True):
        name = statement.removeprefix("create or replace table main.q_").split()[0]
        if name in only or statement.startswith(MACRO):
            con.execute(statement)
    con.execute("create table main.q_derived (key varchar primary key, value varchar)")
    con.execute("insert into main.q_derived values ('built_for', $m), ('facts_at', $at)",
                {"m": _marker(con), "at": moment.isoformat()})


def attach(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the d_* temp views on `con`; True when they read the stored tables. The live views compute the
    moment-bound facts for the run's T (ctx), or for now on a connection without one."""
    if is_fresh(con):
        for statement in _statements("", "", LIVE_FACTS_AT, stored=False):
            if statement.startswith(MACRO):
                con.execute(statement)
        for name in NAMES:
            con.execute(f"create or replace temp view d_{name} as select * from main.q_{name}")
        con.execute("create or replace temp view d_moment as select cast(any_value(value) as timestamptz) "
                    "as facts_at from main.q_derived where key = 'facts_at'")
        return True
    # S = T; a connection without a run's context (one that only reads d_user) has no T: now
    has_ctx = con.execute("select count(*) from duckdb_tables() where temporary and table_name = 'ctx'"
                          ).fetchone()[0]
    facts_at = LIVE_FACTS_AT if has_ctx else "now()"
    for statement in _statements("create or replace temp view d_", "d_", facts_at, stored=False):
        con.execute(statement)
    con.execute(f"create or replace temp view d_moment as select {facts_at} as facts_at")
    return False
