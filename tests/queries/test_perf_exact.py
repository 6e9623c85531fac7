"""The fast paths give exactly the numbers of the slow ones: the stored layer before, at and after its moment
S, the page batch (run_metrics) against one metric at a time, and the views a metric binds."""

from __future__ import annotations

import re
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from queries import Rules, derived, list_metrics, run_metric
from queries.context import base_script
from queries.runner import run_metrics
from tests.queries.fixture_db import AS_OF, HISTORY_METRICS, t

# fixture_history_db stores the layer for S = AS_OF (Fri 20 Nov 18:00 +03:00). Before S: D102's calls of
# 16, 17 and 18 Nov are all stored in last_touch_all, so at 17 Nov 12:00 the activities are read again.
# After S: D105's only touch, the e-mail 1053 at 20 Nov 19:00, is later than S (d_late_touch).
MOMENTS = {
    "before_s": t("2026-11-17 12:00"),
    "at_s": AS_OF,
    "after_s": t("2026-11-20 20:00"),
    "next_week": t("2026-11-27 09:00"),
}


def _rows(frame) -> list[dict]:
    return frame.astype(str).to_dict("records")


def test_the_history_fixture_stores_its_layer_for_as_of(fixture_history_db):
    with duckdb.connect(str(fixture_history_db), read_only=True) as con:
        assert derived.is_fresh(con)
        stored = con.execute("select value from q_derived where key = 'facts_at'").fetchone()[0]
        late = con.execute("select deal_id, touch_time from q_late_touch").fetchall()
    assert stored == AS_OF.astimezone(derived.UTC).isoformat()
    assert [(d, moment.astimezone(AS_OF.tzinfo)) for d, moment in late] == [(105, t("2026-11-20 19:00"))]


@pytest.mark.parametrize("moment", MOMENTS, ids=list(MOMENTS))
@pytest.mark.parametrize("name", [m.name for m in list_metrics() if m.name not in HISTORY_METRICS])
def test_stored_layer_matches_the_raw_tables_at_any_moment(name, moment, fixture_db, fixture_history_db):
    live = run_metric(name, fixture_db, as_of=MOMENTS[moment], rules=Rules())
    stored = run_metric(name, fixture_history_db, as_of=MOMENTS[moment], rules=Rules())
    assert _rows(stored) == _rows(live)


def _days_since_touch(db, moment, deal_id: int) -> int:
    deals = run_metric("forecast_deals", db, as_of=moment, rules=Rules()).set_index("deal_id")
    return int(deals.loc[deal_id, "days_since_touch"])


def test_last_touch_before_the_stored_moment_is_read_again(fixture_history_db):
    # at 17 Nov 12:00 D102's last touch is the call that ended 17 Nov 10:10 (not the stored 18 Nov one):
    # 1 h 50 min ago, 0 days; the stored one would be in the future (-1)
    assert _days_since_touch(fixture_history_db, MOMENTS["before_s"], 102) == 0
    # at 20 Nov 18:00 it is 18 Nov 10:10: 2 days 7 h 50 min ago
    assert _days_since_touch(fixture_history_db, AS_OF, 102) == 2


def test_a_touch_after_the_stored_moment_counts_once_t_passes_it(fixture_history_db):
    # D105 (created 10 Nov 10:00) is never touched at S: 10 days 8 h since creation at 18:00; at 20:00 the
    # e-mail of 19:00 is its last touch (1 h ago, 0 days)
    assert _days_since_touch(fixture_history_db, AS_OF, 105) == 10
    assert _days_since_touch(fixture_history_db, MOMENTS["after_s"], 105) == 0


def test_run_metrics_gives_what_run_metric_gives(fixture_history_db):
    calls = [
        ("scorecard", {}),
        ("scorecard", {"manager_id": 1}),
        ("conversion_team", {"month": AS_OF.date().replace(day=1)}),
        ("conversion_team", {"month": (AS_OF.date().replace(day=1) - timedelta(days=1)).replace(day=1)}),
        ("forecast", {"pipeline_id": 3}),
        ("backlog", {"department_id": 11}),
        ("departments", {}),
    ]
    together = run_metrics(calls, fixture_history_db, as_of=AS_OF, rules=Rules())
    one_by_one = [run_metric(name, fixture_history_db, as_of=AS_OF, rules=Rules(), **params)
                  for name, params in calls]
    assert [_rows(f) for f in together] == [_rows(f) for f in one_by_one]
    assert len(together[1]) == 1 and len(together[5]) > 0  # the filters were applied


def test_run_metrics_refuses_an_unknown_parameter(fixture_history_db):
    from queries import QueryError

    with pytest.raises(QueryError, match="scorecard: unknown parameter 'manger_id'"):
        run_metrics([("scorecard", {"manger_id": 1})], fixture_history_db, as_of=AS_OF)


def test_a_metric_binds_only_the_base_views_it_reads():
    script, calendar = base_script("select * from deal_flags(null, null, null, null)")
    bound = {m.group(1) for m in re.finditer(r"^create or replace temp \w+ (\w+)", script, re.M)}
    # deal_flags reads v_deal_row (v_deal, v_touch_before_t), in_scope and invoice_due (with_due: the
    # calendar); nothing about closed deals, follow-ups or the forecast
    assert {"deal_flags", "v_deal_row", "v_deal", "v_touch_before_t", "invoice_due", "in_scope",
            "with_due"} <= bound
    assert not bound & {"v_closed_deal", "followup_windows", "v_forecast_deal", "v_manager"}
    assert calendar
    assert base_script("select * from departments") == ("", False)


@pytest.mark.parametrize("zone", [None, "Europe/Berlin"])
def test_local_week_turns_at_monday_midnight_in_the_portal_zone(zone, fixture_db):
    from queries.runner import connect, prepare

    con = connect(fixture_db)
    try:
        prepare(con, Rules(timezone=zone), AS_OF)
        # the portal's offset (+03:00) or Berlin's (+01:00 in November), written as UTC instants
        offset = 3 if zone is None else 1
        moments = {name: (t(text) + timedelta(hours=3 - offset)).isoformat() for name, text in (
            ("sunday_late", "2026-11-22 23:59"), ("monday_start", "2026-11-23 00:00"),
            ("sunday_next", "2026-11-29 23:59"), ("monday_next", "2026-11-30 00:00"))}
        week = {name: con.execute("select local_week($m::timestamptz)", {"m": m}).fetchone()[0]
                for name, m in moments.items()}
    finally:
        con.close()
    assert week["sunday_late"] != week["monday_start"] == week["sunday_next"] != week["monday_next"]


def test_run_metrics_keeps_the_viewers_scope(fixture_history_db):
    from queries.roles import viewer_for

    boris = viewer_for(fixture_history_db, 2, Rules())  # head of 11 (Sales East): himself and Viktor (3)
    calls = [("scorecard", {}), ("backlog", {}), ("conversion", {"month": AS_OF.date().replace(day=1)})]
    together = run_metrics(calls, fixture_history_db, as_of=AS_OF, rules=Rules(), viewer=boris)
    one_by_one = [run_metric(name, fixture_history_db, as_of=AS_OF, rules=Rules(), viewer=boris, **params)
                  for name, params in calls]
    assert [_rows(f) for f in together] == [_rows(f) for f in one_by_one]
    assert set(together[0]["manager_id"]) == {2, 3} and set(together[1]["manager_id"]) <= {2, 3}


def test_frames_have_the_dtypes_duckdb_gives(fixture_db):
    from queries.runner import connect, to_frame

    # one column of each kind a metric returns, with and without NULLs
    sql = """
        select * from (values
            (1, cast(12.50 as decimal(18, 2)), date '2026-11-20', timestamptz '2026-11-20 15:00:00+00',
             7, true, 'a', cast(null as varchar), [1, 2]),
            (2, cast(null as decimal(18, 2)), cast(null as date), cast(null as timestamptz),
             null, null, 'b', cast(null as varchar), cast(null as integer[]))
        ) as t(id, amount, day, moment, maybe_int, maybe_bool, text, no_text, list)
    """
    con = connect(fixture_db)
    try:
        con.execute("set TimeZone = 'UTC'")
        expected = con.execute(sql).df()
        expected["no_text"] = expected["no_text"].astype("str")  # the runner always made this one text
        got = to_frame(con.sql(sql).to_arrow_table())
    finally:
        con.close()
    # a LIST column stays Arrow (no per-row conversion), every other one is what .df() gives
    assert str(got.dtypes["list"]) == "list<l: int32>[pyarrow]"  # DuckDB names the element "l"
    assert ({c: str(t) for c, t in got.dtypes.items() if c != "list"}
            == {c: str(t) for c, t in expected.dtypes.items() if c != "list"})
    assert got.drop(columns="list").astype(str).equals(expected.drop(columns="list").astype(str))
    assert got["list"].iloc[0] == [1, 2] and pd.isna(got["list"].iloc[1])  # a NULL list reads as NA
