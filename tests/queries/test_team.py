"""The one-row team metrics (scorecard_team, conversion_team, forecast_summary) and the manager list:
exact numbers on the fixture, worked out by hand from its rows (tests/queries/fixture_db.py)."""

from __future__ import annotations

from datetime import date

import pytest

from queries import Rules
from tests.queries.fixture_db import t

TEAM = ["managers", "managers_below_minimum", "dismissed_with_deals", "active_deals", "overaged_deals",
        "stale_deals", "no_next_activity", "overdue_activities", "unprocessed_incoming", "invoice_stuck",
        "won_deals", "won_amount", "lost_deals"]


def one(df) -> dict:
    assert len(df) == 1
    return df.iloc[0].to_dict()


def test_scorecard_team(run):
    # EXPECTED_SCORECARD summed: Anna + Boris + Viktor; all three under 50 open deals; Viktor is dismissed and
    # owns 2 open deals. won D109 200000 + D204 180000; lost D208, D205, D207, D302: win rate 2 / 6
    row = one(run("scorecard_team"))
    assert [row[c] for c in TEAM] == [3, 3, 1, 11, 3, 4, 4, 2, 3, 2, 2, 380000.0, 4]
    assert row["win_rate"] == pytest.approx(1 / 3)


def test_scorecard_team_is_the_scorecard_summed(run):
    for kw in ({}, {"pipeline_id": 3}, {"department_id": 11}, {"as_of": t("2026-12-02 18:00")}):
        card = run("scorecard", **kw)
        row = one(run("scorecard_team", **kw))
        for column in TEAM[3:]:
            assert row[column] == card[column].sum(), (kw, column)
        assert row["managers"] == len(card)
        assert row["dismissed_with_deals"] == card["dismissed_with_deals"].sum()


def test_scorecard_team_filters(run):
    # Sales East (11, Boris and Viktor): D201, D202, D301, D108 open; overaged D202; stale D301, D108; no next
    # D201, D301; incoming 3 (D201 x2, D205); invoice D108; won D204 (180000); lost D205, D207, D302
    row = one(run("scorecard_team", department_id=11))
    assert [row[c] for c in TEAM] == [2, 2, 1, 4, 1, 2, 2, 0, 3, 1, 1, 180000.0, 3]
    assert row["win_rate"] == 0.25
    assert one(run("scorecard_team", rules=Rules(min_active_deals=3)))["managers_below_minimum"] == 2
    # pipeline 3 holds the open D107 (Anna), D201 and D202 (Boris); Viktor, still in view, owns nothing there:
    # with a minimum of 1 he alone is below it (a manager with no deal in scope counts as 0 open deals)
    row = one(run("scorecard_team", pipeline_id=3, rules=Rules(min_active_deals=1)))
    assert (row["managers"], row["managers_below_minimum"], row["active_deals"]) == (3, 1, 3)
    nobody = one(run("scorecard_team", manager_id=1, department_id=11))  # Anna is not in Sales East
    assert [nobody[c] for c in TEAM] == [0] * 11 + [0.0, 0]
    assert nobody["win_rate"] is None or nobody["win_rate"] != nobody["win_rate"]  # NULL (NaN in pandas)


def test_conversion_team(run):
    # November: won D109 200000, D204 180000, D401 30000 (Galina closes deals: counted, as in conversion);
    # lost D208 15000, D205 12000 (at the invoice), D207 1000, D302 60000
    row = one(run("conversion_team"))
    assert (str(row["period_start"])[:10], str(row["period_end"])[:10]) == ("2026-11-01", "2026-11-30")
    assert [row[c] for c in ("won_deals", "won_amount", "lost_deals", "lost_amount", "lost_at_invoice")] == [
        3, 410000.0, 4, 88000.0, 1]
    assert row["win_rate"] == pytest.approx(3 / 7) and row["lost_at_invoice_share"] == 0.25
    east = one(run("conversion_team", department_id=11))  # D204 won; D205, D207, D302 lost
    columns = ("won_deals", "lost_deals", "lost_amount", "lost_at_invoice")
    assert [east[c] for c in columns] == [1, 3, 73000.0, 1]
    assert east["win_rate"] == 0.25 and east["lost_at_invoice_share"] == pytest.approx(1 / 3)
    june = one(run("conversion_team", month=date(2025, 6, 1)))  # D209, D210: lost, no stage history
    columns = ("won_deals", "lost_deals", "lost_amount", "win_rate", "lost_at_invoice_share")
    assert [june[c] for c in columns] == [0, 2, 7000.0, 0.0, 0.0]


def test_conversion_team_is_conversion_summed(run):
    for kw in ({}, {"pipeline_id": 3}, {"period_start": date(2026, 10, 1), "period_end": date(2026, 11, 30)}):
        per = run("conversion", **kw)
        row = one(run("conversion_team", **kw))
        for column in ("won_deals", "won_amount", "lost_deals", "lost_amount", "lost_at_invoice"):
            assert row[column] == per[column].sum(), (kw, column)


def test_nothing_closed_gives_null_rates(run):
    row = one(run("conversion_team", manager_id=4, pipeline_id=3))  # Galina closed only in pipeline 0
    assert row["won_deals"] == 0 and row["lost_deals"] == 0
    assert row["win_rate"] != row["win_rate"] and row["lost_at_invoice_share"] != row["lost_at_invoice_share"]


def test_managers_follow_the_department(run):
    df = run("managers")
    assert [tuple(r) for r in df.itertuples(index=False)] == [
        (1, "Anna Ivanova", True, 10, 7, False), (2, "Boris Petrov", True, 11, 2, False),
        (3, "Viktor Sidorov", False, 11, 2, True)]
    assert run("managers", department_id=11)["manager_id"].tolist() == [2, 3]
    assert run("managers", department_id=10)["manager_id"].tolist() == [1, 2, 3]  # 11 is a child of 10
    # the pipeline filter does not shrink the list: Viktor owns nothing in pipeline 3 and is still listed
    assert run("managers", pipeline_id=3)["manager_id"].tolist() == [1, 2, 3]
    configured = run("managers", rules=Rules(manager_ids=(1, 4)))
    assert configured[["manager_id", "active_deals"]].values.tolist() == [[1, 7], [4, 0]]


def test_forecast_summary(run):
    # the forecast's four months summed: 1 + 5 + 3 + 2 deals, 100000 + 114000 + 205000 + 70000,
    # 60000 + 34000 + 103250 + 36666.67; past close dates D101 100000, D105 10000, D108 25000; default close
    # dates D101, D105, D107, D108; no close date D104, D301; snapshots on 18, 19 and 20 Nov
    row = one(run("forecast_summary"))
    assert row == {"open_deals": 11, "open_amount": 489000.0, "weighted_amount": 233916.67,
                   "past_close_deals": 3, "past_close_amount": 135000.0, "default_close_deals": 4,
                   "no_close_date_deals": 2, "history_days": 3}
    # Viktor: D301 (no close date, NEW: 3 of 5 won = 0.6 x 50000), D108 (10 Nov: past and default, no rate)
    viktor = one(run("forecast_summary", manager_id=3))
    assert [viktor[c] for c in ("open_deals", "open_amount", "weighted_amount", "past_close_deals",
                                "past_close_amount", "default_close_deals", "no_close_date_deals")] == [
        2, 75000.0, 30000.0, 1, 25000.0, 1, 1]
    # on 18 Nov only that day's snapshot exists: not enough history for close-date pushes
    assert one(run("forecast_summary", as_of=t("2026-11-18 12:00")))["history_days"] == 1
