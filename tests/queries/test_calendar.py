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


def calendar(fixture_db, rules: Rules, days: list[str]) -> dict[str, bool]:
    """calendar_day.is_working for the given days, as the runner builds it for a run at AS_OF."""
    from queries.runner import connect, prepare
    from tests.queries.fixture_db import AS_OF

    con = connect(fixture_db)
    try:
        prepare(con, rules, AS_OF)
        rows = con.execute("select strftime(day, '%Y-%m-%d'), is_working from calendar_day "
                           "where list_contains($days, strftime(day, '%Y-%m-%d'))", {"days": days}).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_russian_production_calendar(fixture_db):
    # Russia's 2025 and 2026 calendars (government decrees): Saturday 1 Nov 2025 is a working day (moved to
    # Monday 3 Nov); 1-8 Jan 2026 are the New Year holidays and Friday 9 Jan is a day off moved from
    # Saturday 3 Jan; Monday 12 Jan is the first working day. 4 Nov is Unity Day.
    days = ["2025-11-01", "2025-11-03", "2025-11-04", "2025-11-05", "2026-01-08", "2026-01-09",
            "2026-01-12", "2026-11-04"]
    assert calendar(fixture_db, Rules(), days) == {
        "2025-11-01": True, "2025-11-03": False, "2025-11-04": False, "2025-11-05": True,
        "2026-01-08": False, "2026-01-09": False, "2026-01-12": True, "2026-11-04": False,
    }


def test_no_country_is_plain_weekdays_and_extra_holidays(fixture_db):
    rules = Rules(country="", holidays=(date(2026, 1, 12),))
    assert calendar(fixture_db, rules, ["2025-11-01", "2026-01-09", "2026-01-12", "2026-01-13"]) == {
        "2025-11-01": False, "2026-01-09": True, "2026-01-12": False, "2026-01-13": True,
    }


def test_extra_holidays_add_to_the_country(fixture_db):
    rules = Rules(holidays=(date(2026, 12, 31),))
    assert calendar(fixture_db, rules, ["2026-12-30", "2026-12-31", "2026-01-09"]) == {
        "2026-12-30": True, "2026-12-31": False, "2026-01-09": False,
    }


def test_holiday_in_the_invoice_window(run):
    # D106 entered its invoice stage Wed 18 Nov 15:00 + 2 working days = Fri 20 Nov 15:00; with Thursday 19
    # Nov a public holiday of the country it is due Mon 23 Nov 15:00 instead
    assert 106 in stuck(run, "2026-11-20 18:00")
    ru_with_19th = Rules(holidays=(date(2026, 11, 19),))
    assert 106 not in stuck(run, "2026-11-20 18:00", ru_with_19th)
    assert 106 in stuck(run, "2026-11-23 15:01", ru_with_19th)


def local_ts(fixture_db, zone: str, instant: str) -> str:
    from queries.runner import connect, prepare
    from tests.queries.fixture_db import AS_OF

    con = connect(fixture_db)
    try:
        prepare(con, Rules(timezone=zone), AS_OF)
        return str(con.execute("select local_ts($t::timestamptz)", {"t": instant}).fetchone()[0])
    finally:
        con.close()


def test_iana_zone_is_converted_per_instant(fixture_db):
    # T is in November (Berlin +01:00); an instant in July is summer time (+02:00). Collapsing the zone to
    # T's offset put 30 June 22:30 UTC at 23:30 on 30 June instead of 00:30 on 1 July.
    assert local_ts(fixture_db, "Europe/Berlin", "2026-06-30 22:30:00+00") == "2026-07-01 00:30:00"
    assert local_ts(fixture_db, "Europe/Berlin", "2026-01-15 22:30:00+00") == "2026-01-15 23:30:00"
    assert local_ts(fixture_db, "+01:00", "2026-06-30 22:30:00+00") == "2026-06-30 23:30:00"
    assert local_ts(fixture_db, "+03:00", "2026-06-30 22:30:00+00") == "2026-07-01 01:30:00"


def test_month_of_a_summer_close_in_a_winter_run(fixture_db, tmp_path):
    import shutil

    import duckdb

    from queries import run_metric
    from tests.queries.fixture_db import AS_OF

    db = shutil.copy(fixture_db, tmp_path / "summer.duckdb")
    with duckdb.connect(str(db)) as con:  # D110 (Anna, won) closed at 00:30 on 1 July, Berlin summer time
        con.execute("update stage_history set created_time = '2026-06-30 22:30:00+00' "
                    "where owner_id = 110 and type_id = 3")
        con.execute("update deals set moved_time = '2026-06-30 22:30:00+00' where id = 110")
    df = run_metric("conversion_by_month", db, as_of=AS_OF, rules=Rules(timezone="Europe/Berlin"),
                    manager_id=1)
    months = {str(m)[:7]: w for m, w in zip(df["month"], df["won_deals"], strict=True)}
    assert months.get("2026-07") == 1 and "2026-06" not in months
