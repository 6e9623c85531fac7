"""The scorecard_history table: its DDL and the empty stand-in `trend` reads before the first recorded day.

Apart from queries.history so the runner (which history builds on) can use it without importing history.
"""

from __future__ import annotations

import duckdb

HISTORY_DDL = """
create table if not exists scorecard_history (
    snapshot_date date,
    recorded_at timestamptz,
    as_of timestamptz,
    manager_id bigint,
    manager_name varchar,
    active_deals bigint,
    below_minimum boolean,
    overaged_deals bigint,
    stale_deals bigint,
    no_next_activity bigint,
    overdue_activities bigint,
    unprocessed_incoming bigint,
    invoice_stuck bigint,
    won_deals bigint,
    won_amount double,
    lost_deals bigint,
    win_rate double,
    manager_active boolean,
    department_id bigint,
    missed_followups bigint
)
"""
# columns added since the table was first created: a table from an older version gains them on the next
# recorded day (the days before keep NULL)
HISTORY_UPGRADE = "alter table scorecard_history add column if not exists missed_followups bigint"
COLUMNS = ("manager_id, manager_name, active_deals, below_minimum, overaged_deals, stale_deals, "
           "no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck, won_deals, "
           "won_amount, lost_deals, win_rate, manager_active, department_id, missed_followups")


def has_history_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_name = 'scorecard_history'"
    ).fetchone()[0])


def ensure_history_table(con: duckdb.DuckDBPyConnection) -> None:
    """trend reads scorecard_history; before the first recorded day it reads an empty temp stand-in."""
    if not has_history_table(con):
        con.execute(HISTORY_DDL.replace("create table if not exists", "create temp table if not exists"))
    elif not con.execute("select count(*) from information_schema.columns where table_name = "
                         "'scorecard_history' and column_name = 'missed_followups'").fetchone()[0]:
        # a read-only snapshot recorded by an older version: trend reads NULL for the new column
        db = con.execute("select current_database()").fetchone()[0].replace('"', '""')
        con.execute("create temp view scorecard_history as "
                    f'select *, cast(null as bigint) as missed_followups from "{db}".main.scorecard_history')
