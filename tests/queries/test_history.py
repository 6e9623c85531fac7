"""record_scorecard / trend, and the stored derived layer giving the same numbers as the raw tables."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from queries import Rules, derived, list_metrics, run_metric, snapshot_info
from tests.queries.fixture_db import AS_OF, EXPECTED_SCORECARD, HISTORY_METRICS


def test_trend_day_over_day(fixture_history_db):
    df = run_metric("trend", fixture_history_db, as_of=AS_OF, rules=Rules())
    anna = df[df["manager_id"] == 1].set_index(df[df["manager_id"] == 1]["snapshot_date"].astype(str))
    assert anna.index.tolist() == ["2026-11-19", "2026-11-20"]
    # as of 19 Nov 18:00: D104 not yet overaged, nothing overdue yet, D106 not yet stuck
    cols = ["overaged_deals", "overdue_activities", "invoice_stuck"]
    assert anna.loc["2026-11-19", cols].tolist() == [1, 0, 0]
    assert anna.loc["2026-11-20", ["overaged_deals_change", "overdue_activities_change",
                                   "invoice_stuck_change", "active_deals_change"]].tolist() == [1, 2, 1, 0]
    assert anna["overaged_deals_change"].isna().tolist() == [True, False]
    today = df[df["snapshot_date"].astype(str) == "2026-11-20"]
    columns = ["manager_id", "manager_name", "active_deals", "below_minimum", "overaged_deals", "stale_deals",
               "no_next_activity", "overdue_activities", "unprocessed_incoming", "invoice_stuck", "won_deals",
               "won_amount", "lost_deals"]
    assert [tuple(r) for r in today[columns].itertuples(index=False)] == [r[:13] for r in EXPECTED_SCORECARD]
    # missed follow-ups: D104 (Anna), whose meeting's 2-working-day window ended Tue 10 Nov, on both days
    assert anna["missed_followups"].tolist() == [1, 1] and anna["missed_followups_change"].tolist()[1] == 0


def test_recording_a_day_again_replaces_it(fixture_history_db, tmp_path):
    db = shutil.copy(fixture_history_db, tmp_path / "copy.duckdb")
    con = duckdb.connect(str(db))
    try:
        record_later = AS_OF + timedelta(hours=3)  # 21:00 the same portal day
        from queries.history import record_scorecard

        record_scorecard(con, record_later, Rules())
        rows = con.execute(
            "select snapshot_date, count(*) from scorecard_history group by 1 order by 1").fetchall()
    finally:
        con.close()
    assert [n for _, n in rows] == [3, 3]


def test_history_from_before_the_followup_column(fixture_history_db, tmp_path):
    # a scorecard_history recorded by the previous version (no missed_followups column): trend reads it with
    # NULL there; the next recorded day adds the column, keeps NULL for the days before
    db = shutil.copy(fixture_history_db, tmp_path / "old.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("alter table scorecard_history drop column missed_followups")
    old = run_metric("trend", db, as_of=AS_OF, rules=Rules())
    assert len(old) == 6 and old["missed_followups"].isna().all()
    with duckdb.connect(str(db)) as con:
        from queries.history import record_scorecard

        record_scorecard(con, AS_OF + timedelta(days=3), Rules())  # Monday 23 Nov
    df = run_metric("trend", db, as_of=AS_OF + timedelta(days=3), rules=Rules())
    anna = df[df["manager_id"] == 1]
    assert anna["snapshot_date"].astype(str).tolist() == ["2026-11-19", "2026-11-20", "2026-11-23"]
    assert anna["missed_followups"].isna().tolist() == [True, True, False]
    assert anna["missed_followups"].tolist()[2] == 1  # D104


def _recorded(db, rows) -> None:
    """scorecard_history holding exactly `rows`: (day, manager, stale_deals, won_amount, missed_followups)."""
    from queries.history_table import HISTORY_DDL

    with duckdb.connect(str(db)) as con:
        con.execute(HISTORY_DDL)
        con.execute("delete from scorecard_history")
        for day, manager, stale, won_amount, missed in rows:
            con.execute("insert into scorecard_history (snapshot_date, manager_id, manager_name, "
                        "active_deals, overaged_deals, stale_deals, won_deals, won_amount, lost_deals, "
                        "missed_followups) values (?, ?, 'm' || ?, 10, 1, ?, 1, ?, 0, ?)",
                        [day, manager, manager, stale, won_amount, missed])


def test_trend_team_sums_the_days_recorded(fixture_db, tmp_path):
    """Hand-made history (AS_OF is 20 Nov: the window is 22 Oct - 20 Nov). Stale deals recorded per
    manager:
    15 Oct: Anna (1) 5 (before the window: only the change from it counts);
    18 Nov: Anna 2, Boris (2) 1;  19 Nov: Anna 3, Boris 0, Viktor (3) 4;  20 Nov: Anna 1 (no one else).
    Team: 18 Nov 3 (2 managers, change 3 - 5 = -2), 19 Nov 7 (3, +4), 20 Nov 1 (1, -6). The sum of the
    managers' own changes on 20 Nov would say -2 (Anna's 1 - 3; Boris and Viktor have no row): the team's
    total went from 7 to 1. missed_followups: NULL until 20 Nov (2), so no change on any day. won_amount:
    100.25 + 200.5 on 18 Nov = 300.75."""
    db = Path(shutil.copy(fixture_db, tmp_path / "team.duckdb"))
    _recorded(db, [("2026-10-15", 1, 5, 0.0, None),
                   ("2026-11-18", 1, 2, 100.25, None), ("2026-11-18", 2, 1, 200.5, None),
                   ("2026-11-19", 1, 3, 0.0, None), ("2026-11-19", 2, 0, 0.0, None),
                   ("2026-11-19", 3, 4, 0.0, None),
                   ("2026-11-20", 1, 1, 0.0, 2)])
    df = run_metric("trend_team", db, as_of=AS_OF, rules=Rules())
    assert df["snapshot_date"].astype(str).tolist() == ["2026-11-18", "2026-11-19", "2026-11-20"]
    assert df["managers"].tolist() == [2, 3, 1]
    assert df["stale_deals"].tolist() == [3, 7, 1]
    assert df["stale_deals_change"].tolist() == [-2, 4, -6]
    assert df["previous_date"].astype(str).tolist() == ["2026-10-15", "2026-11-18", "2026-11-19"]
    assert df["active_deals"].tolist() == [20, 30, 10] and df["active_deals_change"].tolist() == [10, 10, -20]
    assert df["won_amount"].tolist() == [300.75, 0.0, 0.0]
    assert df["missed_followups"].isna().tolist() == [True, True, False]
    assert df["missed_followups"].iloc[2] == 2
    assert df["missed_followups_change"].isna().all()
    # Boris and Viktor are department 11: 18 Nov Boris 1; 19 Nov Boris 0 + Viktor 4; 20 Nov nobody, no row
    dept = run_metric("trend_team", db, as_of=AS_OF, rules=Rules(), department_id=11)
    assert dept[["managers", "stale_deals"]].values.tolist() == [[1, 1], [2, 4]]
    assert dept["stale_deals_change"].isna().tolist() == [True, False]
    assert dept["stale_deals_change"].iloc[1] == 3


def test_trend_team_is_empty_before_any_history(run):
    df = run("trend_team")
    assert df.empty and "stale_deals_change" in df.columns


def test_trend_is_empty_before_any_history(run):
    df = run("trend")
    assert df.empty and "active_deals_change" in df.columns


def test_trend_manager_and_department_filters(fixture_history_db):
    df = run_metric("trend", fixture_history_db, as_of=AS_OF, rules=Rules(), department_id=11)
    assert sorted(set(df["manager_id"])) == [2, 3]


def test_stored_layer_is_fresh_after_recording(fixture_history_db, fixture_db):
    with duckdb.connect(str(fixture_history_db), read_only=True) as con:
        assert derived.is_fresh(con) and derived.state(con) == "current"
    with duckdb.connect(str(fixture_db), read_only=True) as con:  # only the connector wrote it
        assert not derived.is_fresh(con) and derived.state(con) == "none"
    assert snapshot_info(fixture_history_db).stored_layer == "current"
    assert snapshot_info(fixture_db).stored_layer == "none"


@pytest.mark.parametrize("name", [m.name for m in list_metrics() if m.name not in HISTORY_METRICS])
def test_stored_layer_gives_the_same_rows(name, fixture_db, fixture_history_db):
    slow = run_metric(name, fixture_db, as_of=AS_OF, rules=Rules())
    fast = run_metric(name, fixture_history_db, as_of=AS_OF, rules=Rules())
    assert slow.astype(str).to_dict("records") == fast.astype(str).to_dict("records")


@pytest.mark.parametrize("name", ["lead_scorecard", "leads_unprocessed", "leads_hanging", "duplicates"])
@pytest.mark.parametrize("back", [timedelta(days=2), timedelta(days=6)])
def test_stored_layer_gives_the_same_lead_rows_before_it(name, back, fixture_db, fixture_history_db):
    # a moment before the stored one: the stored lead touches (d_lead's first / last touch of all) hold
    # touches after it, so the leads touched on both sides of it are read again from their activities
    slow = run_metric(name, fixture_db, as_of=AS_OF - back, rules=Rules())
    fast = run_metric(name, fixture_history_db, as_of=AS_OF - back, rules=Rules())
    assert slow.astype(str).to_dict("records") == fast.astype(str).to_dict("records")


def test_stale_stored_layer_is_ignored(fixture_history_db, tmp_path):
    db = shutil.copy(fixture_history_db, tmp_path / "stale.duckdb")
    with duckdb.connect(str(db)) as con:  # a new sync without record_scorecard: the layer is stale
        con.execute("update meta set value = '3' where key = 'last_sync_run_id'")
        con.execute("delete from deals where id = 101")
        assert not derived.is_fresh(con) and derived.state(con) == "stale"
    assert snapshot_info(db).stored_layer == "stale"  # the pages say they are slower until the next sync
    df = run_metric("scorecard", db, as_of=AS_OF, rules=Rules()).set_index("manager_id")
    assert df.loc[1, "active_deals"] == 6


def test_record_scorecard_leaves_the_callers_session_alone(fixture_db, tmp_path):
    from queries.history import record_scorecard

    db = shutil.copy(fixture_db, tmp_path / "w.duckdb")
    con = duckdb.connect(str(db))
    try:
        con.execute("set TimeZone = 'Asia/Tokyo'")
        record_scorecard(con, AS_OF, Rules())
        assert con.execute("select current_setting('TimeZone')").fetchone()[0] == "Asia/Tokyo"
        ours = "('v_deal', 'v_deal_row', 'd_deal', 'd_deal_activity')"
        temp = con.execute(
            f"select count(*) from duckdb_views() where temporary and view_name in {ours}").fetchone()[0]
        assert temp == 0
        assert con.execute("select count(*) from scorecard_history").fetchone()[0] == 3
        assert derived.is_fresh(con)
    finally:
        con.close()


def test_record_day_writes_the_days_open_deals_and_scorecard(fixture_db, tmp_path):
    from queries.history import record_day
    from tests.queries.fixture_db import t

    db = shutil.copy(fixture_db, tmp_path / "day.duckdb")
    con = duckdb.connect(str(db))
    try:
        # D102's close date moves from 15 Dec (its 20 Nov snapshot) to 10 Jan
        con.execute("update deals set closedate = '2027-01-10' where id = 102")
        # 00:30 on Saturday 21 Nov in the portal zone is still 20 Nov in UTC: the day is the portal's
        record_day(con, t("2026-11-21 00:30"), Rules())
        days = con.execute("select snapshot_date::varchar, count(*) from deal_snapshots group by 1 order by 1"
                           ).fetchall()
        ids = [r[0] for r in con.execute(
            "select id from deal_snapshots where snapshot_date = '2026-11-21' order by id").fetchall()]
        d102 = con.execute("select stage_id, category_id, assigned_by_id, currency_id, closedate::varchar "
                           "from deal_snapshots where snapshot_date = '2026-11-21' and id = 102").fetchone()
        push = con.execute("select previous_closedate::varchar, closedate::varchar, pushed_days "
                           "from q_close_date_push where deal_id = 102 and snapshot_date = '2026-11-21'"
                           ).fetchall()
        history = con.execute("select snapshot_date::varchar, count(*) from scorecard_history group by 1"
                              ).fetchall()
    finally:
        con.close()
    # the open deals by hand: Anna 101-107, Boris 201 and 202 (203 is a recurring template), Viktor 108, 301;
    # won/lost 109, 110, 204-208, 302, 401 are not open
    assert ids == [101, 102, 103, 104, 105, 106, 107, 108, 201, 202, 301]
    assert d102 == ("PREPARATION", 0, 1, "USD", "2027-01-10")
    assert days[-1] == ("2026-11-21", 11) and [d for d, _ in days[:-1]] == ["2026-11-18", "2026-11-19",
                                                                             "2026-11-20"]
    assert push == [("2026-12-15", "2027-01-10", 26)]  # the stored layer was built after today's snapshot
    assert history == [("2026-11-21", 3)]


def test_record_day_again_replaces_the_day(fixture_db, tmp_path):
    from queries.history import record_day

    db = shutil.copy(fixture_db, tmp_path / "again.duckdb")
    con = duckdb.connect(str(db))
    try:
        record_day(con, AS_OF, Rules())
        con.execute("update deals set stage_id = 'WON', stage_semantic_id = 'S', closed = true "
                    "where id = 101")
        record_day(con, AS_OF + timedelta(hours=1), Rules())
        ids = [r[0] for r in con.execute(
            "select id from deal_snapshots where snapshot_date = '2026-11-20' order by id").fetchall()]
        active = con.execute("select active_deals from scorecard_history where manager_id = 1").fetchall()
    finally:
        con.close()
    assert ids == [102, 103, 104, 105, 106, 107, 108, 201, 202, 301]  # D101 won since the first recording
    assert active == [(6,)]


def test_record_day_is_all_or_nothing(fixture_db, tmp_path):
    from queries.history import record_day

    db = shutil.copy(fixture_db, tmp_path / "broken.duckdb")
    con = duckdb.connect(str(db))
    try:
        # a configured loss-reason field the snapshot lacks: the scorecard step fails after deal_snapshots
        with pytest.raises(Exception, match="loss_reasons.field"):
            record_day(con, AS_OF, Rules(loss_reason_field="uf_crm_gone"))
        rows = con.execute("select count(*) from deal_snapshots where snapshot_date = '2026-11-20'"
                           ).fetchone()[0]
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert rows == 3  # the fixture's own rows for 20 Nov (D102, D106, D201), untouched
    assert "scorecard_history" not in tables and "q_derived" not in tables
