"""What the scheduled job stores for a day after each sync (jobs/ calls record_day on the new snapshot):

- deal_snapshots: the day's open deals (queries/sql/_deal_snapshot.sql), for close-date pushes;
- the stored derived layer (queries/derived.py) that makes every later read fast;
- scorecard_history: the scorecard per manager for the portal-local day, so yesterday stays yesterday
  (the `trend` metric reads it).

The last recording of a day replaces that day's rows. Everything is written in one transaction on a cursor
of the caller's writable connection, so the caller's session settings and temp objects stay untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb

from queries import context, derived
from queries.history_table import COLUMNS, HISTORY_DDL, HISTORY_UPGRADE
from queries.rules import Rules, load_rules
from queries.runner import as_utc, metric_info, prepare, read_meta
from queries.sqltext import SQL_DIR, split_statements

DEAL_SNAPSHOT_SQL = SQL_DIR / "_deal_snapshot.sql"


def record_day(con: duckdb.DuckDBPyConnection, as_of: datetime, rules: Rules) -> None:
    """Store the portal-local day of `as_of`: deal_snapshots, the derived layer, scorecard_history."""
    as_of = as_utc(as_of)
    with _transaction(con) as cur:
        day = context.local_day(cur, context.portal_zone(rules, read_meta(cur)), as_of)
        derived.refresh(cur, as_of)
        derived.attach(cur)  # d_deal: the stored table just built
        for statement in split_statements(DEAL_SNAPSHOT_SQL.read_text(encoding="utf-8")):
            cur.execute(statement, {"day": day})
        derived.refresh(cur, as_of, only=derived.PUSH_NAMES)  # the pushes read today's snapshot too
        _record_scorecard(cur, as_of, rules)


def record_scorecard(con: duckdb.DuckDBPyConnection, as_of: datetime, rules: Rules | None = None, *,
                     refresh: bool = True) -> None:
    """Only the derived layer (unless `refresh` is False: a past day recorded with the layer left as it is,
    exact either way) and the day's scorecard_history (the rules in force when `rules` is None); record_day
    is the whole day's work."""
    as_of = as_utc(as_of)
    rules = rules if rules is not None else load_rules()
    with _transaction(con) as cur:
        if refresh:
            derived.refresh(cur, as_of)
        _record_scorecard(cur, as_of, rules)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor (its own session: settings and temp objects go with it) in one transaction: all or nothing."""
    cur = con.cursor()
    try:
        cur.execute("set TimeZone = 'UTC'")
        cur.execute("begin transaction")
        try:
            yield cur
        except BaseException:
            cur.execute("rollback")
            raise
        cur.execute("commit")
    finally:
        cur.close()


def _record_scorecard(cur: duckdb.DuckDBPyConnection, as_of: datetime, rules: Rules) -> None:
    prepare(cur, rules, as_of)
    cur.execute(HISTORY_DDL)
    cur.execute(HISTORY_UPGRADE)
    sql = metric_info("scorecard").path.read_text(encoding="utf-8")
    cur.execute(f"create or replace temp table _scorecard_now as {sql}",
                {"manager_id": None, "pipeline_id": None, "department_id": None, "viewer_id": None})
    day = cur.execute("select today from ctx").fetchone()[0]
    cur.execute("delete from scorecard_history where snapshot_date = $day", {"day": day})
    cur.execute(f"insert into scorecard_history (snapshot_date, recorded_at, as_of, {COLUMNS}) "
                f"select $day, now(), $as_of, {COLUMNS} from _scorecard_now", {"day": day, "as_of": as_of})
