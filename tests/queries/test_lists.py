"""The six list forms: which deals / activities, with which reason, and that they add up to the scorecard."""

from __future__ import annotations

import pytest

from tests.queries.fixture_db import PORTAL_URL, t

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


def test_overdue_left_since_the_last_working_day_first_then_newest(run):
    # T = Fri 20 Nov 18:00: the last working day before T's day is Thu 19 Nov; both deadlines (19 Nov 23:59,
    # 19 Nov 10:00) fall in it; newest first
    df = run("overdue_activities")
    assert df["activity_id"].tolist() == [1052, 1032]
    assert df["since_last_workday"].tolist() == [True, True]
    # Mon 23 Nov 10:00: the last working day is Fri 20 Nov (the weekend is skipped). Overdue now: 1081 (Sat 21
    # Nov 11:00) and 1051 (Fri 20 Nov 00:30) since Friday's start; 1052 and 1032 (Thursday) are the backlog
    monday = run("overdue_activities", as_of=t("2026-11-23 10:00"))
    assert monday["activity_id"].tolist() == [1081, 1051, 1052, 1032]
    assert monday["since_last_workday"].tolist() == [True, True, False, False]


def test_unprocessed_incoming_any_deal_and_midnight(run):
    df = run("unprocessed_incoming")
    # 2011 (23:30 yesterday), 2013 (direction only), 2051 (on closed D205); not 2012 (00:10 today = 21:10 UTC
    # yesterday), not the template's 2032, not the orphan 9002 on deleted deal 9999
    assert sorted(df["activity_id"]) == [2011, 2013, 2051]
    closed = df.set_index("activity_id").loc[2051]
    assert not closed["deal_open"] and closed["days_since_touch"] == 50


def test_unprocessed_incoming_since_the_last_working_day_first_then_newest(run):
    # T = Fri 20 Nov: 2011 (Thu 19 Nov 23:30) was left at the end of the last working day; 2013 (18 Nov) and
    # 2051 (10 Nov, a lost deal) are the older backlog, newest first
    df = run("unprocessed_incoming")
    assert df["activity_id"].tolist() == [2011, 2013, 2051]
    assert df["since_last_workday"].tolist() == [True, False, False]
    # Mon 23 Nov: 2012 (Fri 20 Nov 00:10) is now unprocessed and new since Friday's start; 2011 is Thursday's
    monday = run("unprocessed_incoming", as_of=t("2026-11-23 10:00"))
    assert monday["activity_id"].tolist() == [2012, 2011, 2013, 2051]
    assert monday["since_last_workday"].tolist() == [True, False, False, False]


def test_since_last_workday_follows_the_portal_calendar(run):
    from datetime import date

    from queries import Rules

    # Thursday 19 Nov a holiday: the last working day before Friday is Wednesday 18 Nov, so 2013 (18 Nov
    # 09:00) was also left at the end of it
    df = run("unprocessed_incoming", rules=Rules(holidays=(date(2026, 11, 19),)))
    assert df["activity_id"].tolist() == [2011, 2013, 2051]
    assert df["since_last_workday"].tolist() == [True, True, False]


def test_invoice_stuck(run):
    df = run("invoice_stuck").set_index("deal_id")
    assert sorted(df.index) == [106, 108]
    assert str(df.loc[106, "invoice_entered_at"]) == "2026-11-18 12:00:00+00:00"  # the latest entry
    assert str(df.loc[108, "invoice_due_at"]) == "2026-11-17 21:00:00+00:00"  # Wed 18 Nov 00:00 local
    # both broke the follow-up rule; neither has been in the stage 14 days (entered 18 and 14 Nov)
    assert df["invoice_no_followup"].all() and not df["invoice_stale"].any()
    assert set(df["reason"]) == {"no_followup_2_business_days"}


def test_invoice_stuck_also_when_stale_in_the_stage(run):
    # T = Wed 2 Dec 18:00; 14 days before T = Wed 18 Nov 18:00.
    # D202: entered C3:INVOICE Mon 16 Nov 10:00, touched 17 Nov 12:10 (within 2 working days, so the old rule
    #   cleared it forever); its last touch in the stage is older than 14 days: stale in the invoice stage.
    # D106: entered 18 Nov 15:00, no touch since: both (no follow-up; entry < 18 Nov 18:00).
    # D108: entered Sat 14 Nov 12:00, never touched: both. D107: entered Fri 20 Nov 12:00, due Tue 24 Nov
    #   12:00, never touched: no follow-up only (20 Nov is within 14 days).
    df = run("invoice_stuck", as_of=t("2026-12-02 18:00")).set_index("deal_id")
    assert df.index.tolist() == [108, 202, 106, 107]  # by entry into the stage
    assert df["invoice_no_followup"].to_dict() == {108: True, 202: False, 106: True, 107: True}
    assert df["invoice_stale"].to_dict() == {108: True, 202: True, 106: True, 107: False}
    assert df.loc[202, "reason"] == "stale_14_days_in_invoice"
    assert df.loc[106, "reason"] == "no_followup_2_business_days"
    card = run("scorecard", as_of=t("2026-12-02 18:00")).set_index("manager_id")["invoice_stuck"]
    assert card.to_dict() == {1: 2, 2: 1, 3: 1}  # D106, D107; D202; D108


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
