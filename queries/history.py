"""scorecard_history: the scorecard per manager per portal-local day, so yesterday stays yesterday.

record_scorecard also refreshes the stored derived layer (queries/derived.py) that makes reads fast.

The connector calls `record_scorecard(con, as_of)` on the new snapshot (a writable connection) after each
successful sync; the last sync of a day replaces that day's rows. The `trend` metric reads the table.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from queries import derived
from queries.rules import Rules, load_rules

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
    department_id bigint
)
"""
COLUMNS = ("manager_id, manager_name, active_deals, below_minimum, overaged_deals, stale_deals, "
           "no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck, won_deals, "
           "won_amount, lost_deals, win_rate, manager_active, department_id")


def has_history_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_name = 'scorecard_history'"
    ).fetchone()[0])


def record_scorecard(con: duckdb.DuckDBPyConnection, as_of: datetime, rules: Rules | None = None) -> None:
    """Replace the portal-local day of `as_of` in scorecard_history with the scorecard as of `as_of`."""
    from queries.runner import _as_utc, _metrics, prepare

    as_of = _as_utc(as_of)
    rules = rules if rules is not None else load_rules()
    # a cursor is its own connection: our session settings and temp objects never touch the caller's
    cur = con.cursor()
    try:
        derived.refresh(cur)  # the stored as-of-independent layer every later read uses
        prepare(cur, rules, as_of)
        cur.execute(HISTORY_DDL)
        sql = _metrics()["scorecard"].path.read_text(encoding="utf-8")
        cur.execute(f"create or replace temp table _scorecard_now as {sql}",
                    {"manager_id": None, "pipeline_id": None, "department_id": None})
        day = cur.execute("select today from ctx").fetchone()[0]
        cur.execute("begin transaction")
        cur.execute("delete from scorecard_history where snapshot_date = $day", {"day": day})
        cur.execute(
            f"insert into scorecard_history select $day, now(), $as_of, {COLUMNS} from _scorecard_now",
            {"day": day, "as_of": as_of},
        )
        cur.execute("commit")
    finally:
        cur.close()  # a cursor is its own connection: its temp objects go with it
