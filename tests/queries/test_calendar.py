"""invoice_stuck and the business-day rule: weekends, holidays, E on a weekend, per-pipeline days."""

from __future__ import annotations

from datetime import date

import pytest

from queries import PipelineRules, Rules
from tests.queries.fixture_db import t


def stuck(run, as_of: str, rules: Rules | None = None) -> list[int]:
    return sorted(run("invoice_stuck", as_of=t(as_of), rules=rules)["deal_id"])


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2026-11-20 18:00", [106, 108]),   # Friday: D107 entered Friday 12:00, due Tuesday 12:00
    ("2026-11-23 10:00", [106, 108]),   # Monday: calendar days would say Sunday, working days Tuesday
    ("2026-11-24 11:59", [106, 108]),
    ("2026-11-24 12:01", [106, 107, 108]),
])
def test_weekend_is_skipped(run, as_of, expected):
    assert stuck(run, as_of) == expected


def test_entry_on_saturday_counts_from_monday_morning(run):
    # D108 entered Saturday 14 Nov 12:00: due Wednesday 18 Nov 00:00 (not Tuesday 12:00)
    assert 108 not in stuck(run, "2026-11-17 23:59")
    assert 108 in stuck(run, "2026-11-18 00:01")


def test_holiday_moves_the_deadline(run):
    rules = Rules(holidays=(date(2026, 11, 23),))
    assert 107 not in stuck(run, "2026-11-24 12:01", rules)
    assert 107 in stuck(run, "2026-11-25 12:01", rules)


def test_saturday_as_a_working_day(run):
    rules = Rules(working_days=(1, 2, 3, 4, 5, 6))
    # D107: Friday 12:00 + Saturday + Monday = Monday 12:00
    assert 107 in stuck(run, "2026-11-23 12:01", rules)
    assert 107 not in stuck(run, "2026-11-23 11:59", rules)


def test_per_pipeline_followup_days(run):
    rules = Rules(pipelines={0: PipelineRules(invoice_followup_business_days=5)})
    # D106 (pipeline 0) entered Wed 18 Nov 15:00 + 5 working days = Wed 25 Nov 15:00
    # D108 (pipeline 0 too): Mon 16 00:00 + 5 = Mon 23 00:00
    assert stuck(run, "2026-11-20 18:00", rules) == []
    assert stuck(run, "2026-11-23 00:01", rules) == [108]
    assert stuck(run, "2026-11-25 15:01", rules) == [106, 107, 108]


def test_touch_after_entry_clears(run):
    # D202 entered its invoice stage Mon 16 Nov 10:00, due Wed 18 Nov 10:00, but was touched on 17 Nov
    assert 202 not in stuck(run, "2026-11-20 18:00")


def test_explicit_invoice_stage_ids(run):
    # only C3:INVOICE counts: D106/D108 (pipeline 0, name match) drop out; D202 stays unstuck
    rules = Rules(invoice_stage_ids=("C3:INVOICE",))
    assert stuck(run, "2026-11-24 12:01", rules) == [107]
    per_pipeline = Rules(pipelines={3: PipelineRules(invoice_stage_ids=())})
    assert stuck(run, "2026-11-24 12:01", per_pipeline) == [106, 108]


def test_smart_invoice_stages_are_not_deal_stages():
    from queries.context import invoice_stage_ids

    rows = [("PREPAYMENT_INVOICE", 0, "Выставлен счёт", "P"), ("C3:INVOICE", 3, "Invoice sent", "P"),
            ("NEW", 0, "New", "P"), ("C3:LOSE", 3, "Счёт не оплачен", "F")]
    assert invoice_stage_ids(rows, Rules()) == {"PREPAYMENT_INVOICE", "C3:INVOICE"}
    assert invoice_stage_ids(rows, Rules(invoice_stage_patterns=("СЧЕТ",))) == set()
