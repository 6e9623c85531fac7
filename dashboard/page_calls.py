"""Each page's metric calls as the page asks for them: the page prefetches the list side by side, and
bench.queries times the same list, so a page's figure there is what the page asks (a long list's head and
its count, not every row). No Streamlit here: the benchmark imports this module."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dashboard.columns import SCORE_RULES

Call = tuple[str, dict[str, Any]]

SHOWN_MAX_ROWS = 2000  # a longer list shows its first rows (lists come most urgent first); downloads have all

DEFAULT_DRILL_RULE = SCORE_RULES[1]  # the daily review's drill-down: untouched deals, what a head asks first
CHOICES: tuple[Call, ...] = (("managers", {}), ("pipelines", {}), ("departments", {}))  # the filters' options


def head(params: dict[str, Any]) -> dict[str, Any]:
    """A long list's call parameters as components.long_list asks them (the same cache entry)."""
    return {**params, "limit": SHOWN_MAX_ROWS}


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def daily_review(drill_rule: str, attention_open: bool) -> list[Call]:
    """The first render with no filter: the scorecard, the tiles and their change, the drill-down's list for
    the team (its head), the leads line, and the attention fold once it has been opened."""
    return [("scorecard", {}), ("scorecard_team", {}), ("trend_team", {}),
            *([("attention", {})] if attention_open else []), (drill_rule, head({})), ("lead_scorecard", {})]


def my_backlog(manager_id: int) -> list[Call]:
    """One manager's work list: their deals (read whole: one manager's list is short), leads and clients."""
    mine = {"manager_id": manager_id}
    return [("backlog", head(mine)), ("lead_backlog", mine), ("reactivation", mine)]


def forecast(month: date, params: dict[str, Any]) -> list[Call]:
    return [("forecast", params), ("forecast_summary", params), ("won_pace", params),
            ("conversion", {"month": month, **params}), ("conversion_team", {"month": month, **params}),
            ("conversion_team", {"month": previous_month(month), **params}),
            ("forecast_by_manager", params), ("forecast_flags", head(params)),
            ("close_date_pushes", head(params))]


def conversion(month: date, params: dict[str, Any]) -> list[Call]:
    monthly = ("conversion", "conversion_team", "loss_reasons", "lost_stage", "followup_outcomes")
    return [*[(name, {"month": month, **params}) for name in monthly], ("conversion_by_month", params)]


def leads(scope: dict[str, Any], month: date) -> list[Call]:
    in_month = {**scope, "month": month}
    return [("lead_scorecard", in_month), ("leads_unprocessed", head(scope)), ("leads_hanging", head(scope)),
            ("lead_funnel", in_month), ("lead_funnel_by_manager", in_month), ("duplicates", head(scope)),
            ("duplicates_summary", scope),
            ("planned_deals", scope), ("planned_deals", in_month)]


def clients() -> list[Call]:
    return [("reactivation", {})]


def trends() -> list[Call]:
    return [("trend", {}), ("trend_team", {})]


def first_renders(month: date, manager_id: int) -> dict[str, list[Call]]:
    """Every page's calls on its first render with no filter and the month pickers on `month` (the
    benchmark's page figures); My backlog once `manager_id` is picked from the managers' list."""
    return {
        "daily_review": [*CHOICES, *daily_review(DEFAULT_DRILL_RULE, attention_open=False)],
        "my_backlog": [("managers", {}), *my_backlog(manager_id)],
        "forecast": [*CHOICES, *forecast(month, {})],
        "conversion": [*CHOICES, *conversion(month, {})],
        "leads": [*CHOICES, *leads({}, month)],
        "clients": [*CHOICES, *clients()],
        "trends": [*CHOICES, *trends()],
    }
