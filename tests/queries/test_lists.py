"""The six list forms: which deals / activities, with which reason, and that they add up to the scorecard."""

from __future__ import annotations

import pytest

from tests.queries.fixture_db import PORTAL_URL

COMMON = ["deal_id", "deal_title", "deal_url", "manager_id", "manager_name", "pipeline_id", "pipeline_name",
          "stage_id", "stage_name", "opportunity", "currency_id", "amount_base", "deal_age_days",
          "days_since_touch", "reason"]
ACTIVITY = ["activity_id", "activity_subject", "activity_type", "deadline", "created"]
LISTS = ["overaged_deals", "stale_deals", "no_next_activity", "overdue_activities", "unprocessed_incoming",
         "invoice_stuck"]


@pytest.mark.parametrize("name", LISTS)
def test_common_columns_first(run, name):
    df = run(name)
    assert list(df.columns[:15]) == COMMON
    if name in ("overdue_activities", "unprocessed_incoming"):
        assert list(df.columns[15:20]) == ACTIVITY


@pytest.mark.parametrize("name", LISTS)
def test_lists_add_up_to_the_scorecard(run, name):
    card = run("scorecard").set_index("manager_id")[name]
    counts = run(name).groupby("manager_id").size()
    assert counts.reindex(card.index, fill_value=0).tolist() == card.tolist()


def test_overaged(run):
    df = run("overaged_deals")
    assert sorted(df["deal_id"]) == [101, 104, 202]
    assert set(df["reason"]) == {"older_than_90_days"}
    assert df.set_index("deal_id").loc[104, "deal_age_days"] == 90  # 90 days and a minute


def test_stale_with_reasons(run):
    df = run("stale_deals").set_index("deal_id")
    assert df["reason"].to_dict() == {101: "never_touched", 301: "no_touch_14_days", 108: "never_touched",
                                      104: "no_touch_14_days"}
    assert df.loc[104, "days_since_touch"] == 14 and df.loc[301, "days_since_touch"] == 19
    assert df.loc[101, "days_since_touch"] == 111  # never touched: counted from creation


def test_no_next_activity(run):
    # D104's only open activity has the 9999 deadline (NULL); D201 has only incoming activities
    assert sorted(run("no_next_activity")["deal_id"]) == [101, 104, 201, 301]


def test_overdue_activities_midnight(run):
    df = run("overdue_activities")
    assert sorted(zip(df["activity_id"], df["deal_id"], strict=True)) == [(1032, 103), (1052, 105)]
    assert set(df["reason"]) == {"overdue_1_days"}


def test_unprocessed_incoming_any_deal_and_midnight(run):
    df = run("unprocessed_incoming")
    # 2011 (23:30 yesterday), 2013 (direction only), 2051 (on closed D205); not 2012 (00:10 today = 21:10 UTC
    # yesterday), not the template's 2032, not the orphan 9002 on deleted deal 9999
    assert sorted(df["activity_id"]) == [2011, 2013, 2051]
    closed = df.set_index("activity_id").loc[2051]
    assert not closed["deal_open"] and closed["days_since_touch"] == 50


def test_invoice_stuck(run):
    df = run("invoice_stuck").set_index("deal_id")
    assert sorted(df.index) == [106, 108]
    assert str(df.loc[106, "invoice_entered_at"]) == "2026-11-18 12:00:00+00:00"  # the latest entry
    assert str(df.loc[108, "invoice_due_at"]) == "2026-11-17 21:00:00+00:00"  # Wed 18 Nov 00:00 local


def test_deal_columns(run):
    row = run("no_next_activity").set_index("deal_id").loc[201]
    assert row["deal_url"] == f"{PORTAL_URL}/crm/deal/details/201/"
    assert (row["pipeline_name"], row["stage_name"], row["currency_id"]) == ("Projects", "New project", "USD")
    assert row["opportunity"] == 500 and row["amount_base"] == 45000.0  # 100 USD = 9000 RUB


def test_dismissed_managers_deals_listed(run):
    df = run("stale_deals", manager_id=3)
    assert sorted(df["deal_id"]) == [108, 301] and not df["manager_active"].any()


def test_filters(run):
    assert sorted(run("overaged_deals", pipeline_id=0)["deal_id"]) == [101, 104]
    assert sorted(run("overaged_deals", department_id=11)["deal_id"]) == [202]
    assert run("overaged_deals", manager_id=3).empty
