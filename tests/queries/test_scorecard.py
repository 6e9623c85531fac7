"""scorecard: exact numbers on the hand-built fixture, filters, per-pipeline rules, managers, time zone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from queries import PipelineRules, Rules
from tests.queries.fixture_db import EXPECTED_SCORECARD

FIRST_14 = ["manager_id", "manager_name", "active_deals", "below_minimum", "overaged_deals", "stale_deals",
            "no_next_activity", "overdue_activities", "unprocessed_incoming", "invoice_stuck", "won_deals",
            "won_amount", "lost_deals", "win_rate"]


def rows(df, columns=FIRST_14):
    return [tuple(r) for r in df[columns].itertuples(index=False)]


def test_columns_start_with_the_fourteen(run):
    df = run("scorecard")
    # missed_followups sits right after invoice_stuck (CONTRACT-14), then the rest of the fourteen
    assert list(df.columns[:15]) == FIRST_14[:10] + ["missed_followups"] + FIRST_14[10:]
    assert {"manager_active", "department_id", "issues_total", "dismissed_with_deals"} <= set(df.columns)


def test_issues_total_and_worst_first(run):
    # the seven rule counts summed (EXPECTED_SCORECARD, then missed follow-ups): Anna 2+2+2+2+0+1 + 1 = 10
    # (D104: its meeting of 6 Nov had no touch after it), Boris 1+0+1+0+3+0 + 0 = 5,
    # Viktor 0+2+1+0+0+1 + 0 = 4
    df = run("scorecard")
    assert list(zip(df["manager_id"], df["issues_total"], strict=True)) == [(1, 10), (2, 5), (3, 4)]
    assert df.set_index("manager_id")["missed_followups"].to_dict() == {1: 1, 2: 0, 3: 0}
    # pipeline 3: Boris 5 (D202 overaged, D201 no next activity, 3 unprocessed incoming on D201 and D205);
    # Anna (D107: nothing) and Viktor (no deals there) 0, then by name
    projects = run("scorecard", pipeline_id=3)
    got = list(zip(projects["manager_id"], projects["issues_total"], strict=True))
    assert got == [(2, 5), (1, 0), (3, 0)]


def test_dismissed_with_deals(run):
    # Viktor is dismissed and owns D301 and D108; in pipeline 3 he owns nothing
    assert run("scorecard").set_index("manager_id")["dismissed_with_deals"].to_dict() == {
        1: False, 2: False, 3: True}
    assert not run("scorecard", pipeline_id=3)["dismissed_with_deals"].any()


def test_exact_numbers(run):
    got = rows(run("scorecard"))
    assert [r[:13] for r in got] == [r[:13] for r in EXPECTED_SCORECARD]
    assert [r[13] for r in got] == pytest.approx([r[13] for r in EXPECTED_SCORECARD])


def test_dismissed_manager_is_kept_and_flagged(run):
    df = run("scorecard").set_index("manager_id")
    assert not df.loc[3, "manager_active"] and df.loc[1, "manager_active"]
    assert 4 not in df.index  # Galina owns no open deal: not a manager by default


def test_below_minimum_follows_the_rule(run):
    df = run("scorecard", rules=Rules(min_active_deals=3)).set_index("manager_id")
    assert df["below_minimum"].to_dict() == {1: False, 2: True, 3: True}


def test_manager_filter(run):
    assert rows(run("scorecard", manager_id=2)) == [rows(run("scorecard"))[1]]
    assert run("scorecard", manager_id=1, department_id=11).empty  # Anna is not in Sales East


def test_department_filter_includes_sub_departments(run):
    assert run("scorecard", department_id=10)["manager_id"].tolist() == [1, 2, 3]
    assert run("scorecard", department_id=11)["manager_id"].tolist() == [2, 3]


def test_pipeline_filter(run):
    df = run("scorecard", pipeline_id=3).set_index("manager_id").sort_index()
    # pipeline 3 holds D107 (Anna), D201 and D202 (Boris); Boris's closed deals are all in pipeline 3
    assert df.loc[1, ["active_deals", "overaged_deals", "won_deals", "lost_deals"]].tolist() == [1, 0, 0, 0]
    assert df.loc[2, ["active_deals", "overaged_deals", "no_next_activity", "unprocessed_incoming",
                      "won_deals", "lost_deals"]].tolist() == [2, 1, 1, 3, 1, 2]
    assert df.loc[3, "active_deals"] == 0


def test_per_pipeline_threshold(run):
    rules = Rules(pipelines={3: PipelineRules(max_deal_age_days=180)})
    df = run("scorecard", rules=rules).set_index("manager_id")
    assert df.loc[2, "overaged_deals"] == 0  # D202 (142 days) is in pipeline 3
    assert df.loc[1, "overaged_deals"] == 2  # pipeline 0 keeps 90


def test_per_pipeline_min_active_deals_applies_to_a_pipeline_view(run):
    rules = Rules(min_active_deals=5, pipelines={3: PipelineRules(min_active_deals=2)})
    df = run("scorecard", rules=rules, pipeline_id=3).set_index("manager_id")
    assert df["below_minimum"].to_dict() == {1: True, 2: False, 3: True}


def test_configured_managers(run):
    df = run("scorecard", rules=Rules(manager_ids=(1, 4))).set_index("manager_id")
    assert df.index.tolist() == [1, 4]
    assert df.loc[4, ["active_deals", "won_deals", "won_amount"]].tolist() == [0, 1, 30000.0]
    assert run("scorecard", rules=Rules(exclude_manager_ids=(3,)))["manager_id"].tolist() == [1, 2]


def test_time_zone_moves_the_day_boundary(run):
    # in UTC the day starts at 03:00 portal time: the 00:30 to-do (D105) becomes overdue and the 00:10
    # incoming email (D201) unprocessed
    df = run("scorecard", rules=Rules(timezone="+00:00")).set_index("manager_id")
    assert df.loc[1, "overdue_activities"] == 3
    assert df.loc[2, "unprocessed_incoming"] == 4
    same = run("scorecard", rules=Rules(timezone="Europe/Moscow")).set_index("manager_id")
    assert same.loc[1, "overdue_activities"] == 2 and same.loc[2, "unprocessed_incoming"] == 3


def test_as_of_a_day_earlier(run):
    from datetime import timedelta

    from tests.queries.fixture_db import AS_OF

    df = run("scorecard", as_of=AS_OF - timedelta(days=1)).set_index("manager_id")
    # D104 is 90 days and 23:59 old; D103's and D105's deadlines are not yet before the day; the 23:30
    # incoming call does not exist yet; D106's invoice is due on the 20th 15:00
    assert df.loc[1, ["overaged_deals", "overdue_activities", "invoice_stuck"]].tolist() == [1, 0, 0]
    assert df.loc[2, "unprocessed_incoming"] == 2


def test_won_lost_month_boundaries_in_portal_time(run):
    # D205 lost 1 Nov 00:30 +03:00 (31 Oct UTC) counts in November; D206 lost 31 Oct 23:30 +03:00 does not
    df = run("scorecard").set_index("manager_id")
    assert df.loc[2, "lost_deals"] == 2
    from datetime import datetime, timedelta, timezone

    october = datetime(2026, 10, 31, 23, 59, tzinfo=timezone(timedelta(hours=3)))
    oct_df = run("scorecard", as_of=october).set_index("manager_id")
    assert oct_df.loc[2, ["won_deals", "lost_deals"]].tolist() == [0, 1]  # D206 only
    assert oct_df.loc[1, ["won_deals", "won_amount"]].tolist() == [1, 50000.0]  # D110


def test_rules_are_not_mutated_by_pipeline_views():
    rules = Rules(pipelines={3: PipelineRules(max_deal_age_days=180)})
    assert rules.for_pipeline(3).max_deal_age_days == 180
    assert rules.max_deal_age_days == 90 and rules.for_pipeline(0) is rules
    assert replace(rules) == rules
