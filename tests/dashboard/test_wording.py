"""Plurals from CLDR rules (Babel), never `за 21 дней`; scorecard shades that grow with the count."""

from __future__ import annotations

import pytest
import streamlit as st

from dashboard.i18n import LANG_KEY, count_of
from dashboard.leads_shared import waiting
from dashboard.scorecard import shade

NB = "\u00a0"


@pytest.mark.parametrize(("n", "ru", "en"), [
    (1, "1 день", "1 day"), (2, "2 дня", "2 days"), (5, "5 дней", "5 days"), (11, "11 дней", "11 days"),
    (14, "14 дней", "14 days"), (21, "21 день", "21 days"), (22, "22 дня", "22 days"),
    (104, "104 дня", "104 days"), (111, "111 дней", "111 days"), (0, "0 дней", "0 days"),
    (1094, "1 094 дня", "1,094 days"),  # grouped as the language writes numbers (the space is a no-break one)
])
def test_days_take_the_form_their_number_needs(n: int, ru: str, en: str) -> None:
    # the Russian rule: 1, 21, 101 -> one; 2-4, 22-24 -> few; 0, 5-20, 25-30, 111 -> many (CLDR)
    st.session_state[LANG_KEY] = "ru"
    assert count_of(n, "day") == ru.replace(" ", NB)
    st.session_state[LANG_KEY] = "en"
    assert count_of(n, "day") == en.replace(" ", NB)
    st.session_state[LANG_KEY] = "ru"


def test_working_days_and_deals() -> None:
    st.session_state[LANG_KEY] = "ru"
    assert count_of(2, "working_day") == f"2{NB}рабочих дня"
    assert count_of(5, "working_day") == f"5{NB}рабочих дней"
    assert count_of(1, "deal") == f"1{NB}сделка"
    assert count_of(2, "deal") == f"2{NB}сделки"


def test_a_lead_waits_hours_then_days() -> None:
    # up to 47 h in hours; from 48 h whole days, rounded down: 120 h = 5 days, 26 256 h = 1 094 days
    st.session_state[LANG_KEY] = "ru"
    assert [waiting(h) for h in (1, 21, 47, 48, 120, 26_256)] == [
        f"1{NB}час", f"21{NB}час", f"47{NB}часов", f"2{NB}дня", f"5{NB}дней", f"1{NB}094{NB}дня"]


def _alpha(css: str) -> float:
    return float(css.rsplit(",", 1)[1].strip(" )"))


def test_severity_is_a_shade_not_one_red() -> None:
    assert shade(0, 45) == "" and shade(None, 45) == ""
    one, ten, most = _alpha(shade(1, 45)), _alpha(shade(10, 45)), _alpha(shade(45, 45))
    assert one < ten < most  # 1 must not look like 45
    assert most - one > 0.5


LISTS_WITH_REASONS = ("overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
                      "unprocessed_incoming", "invoice_stuck", "missed_followups", "forecast_deals",
                      "close_date_pushes")


def test_every_reason_a_list_gives_reads_in_words(tmp_path) -> None:
    # invoice_stuck's stale half (stale_14_days_in_invoice) showed as "stale 14 days in invoice" in the
    # Russian drill-down: every reason code the lists give on the fixture (follow-up cases included) must
    # have its words (a pattern of i18n.REASONS or a text key), not fall back to the code
    import re

    from dashboard.i18n import REASONS, has
    from queries import Rules, run_metric
    from tests.queries.fixture_db import AS_OF, build_fixture_db

    db = build_fixture_db(tmp_path / "crm.duckdb", followups=True)
    codes = {code for name in LISTS_WITH_REASONS
             for code in run_metric(name, db, as_of=AS_OF, rules=Rules())["reason"].dropna()}
    codes.add("stale_14_days_in_invoice")  # the invoice rule's stale half, as invoice_stuck.sql writes it
    worded = {code for code in codes
              if has(code) or any(re.fullmatch(pattern, code) for pattern, _ in REASONS)}
    assert codes - worded == set()


def test_a_list_s_reasons_are_worded_row_by_row_and_blank_where_there_is_none() -> None:
    # with_reasons words each distinct code once and puts the words back on every row that has it; a row
    # without a code (None, NaN, '') reads empty. Expected words are the REASONS patterns' Russian texts.
    import pandas as pd

    from dashboard.components import with_reasons

    st.session_state[LANG_KEY] = "ru"
    frame = pd.DataFrame({"deal_id": [1, 2, 3, 4, 5, 6],
                          "reason": ["no_planned_activity", None, "overdue_3_days,no_planned_activity",
                                     "no_planned_activity", float("nan"), ""]})
    out = with_reasons(frame)
    assert out["reason"].tolist() == [
        "нет запланированного дела", "", "дело просрочено на 3 дн.; нет запланированного дела",
        "нет запланированного дела", "", ""]
    assert out["deal_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["reason"].tolist()[0] == "no_planned_activity"  # the caller's frame is left as it was
