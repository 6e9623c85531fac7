"""Every .sql file: a documented header, a unique grain with non-null keys on the fixture, lowercase SQL, and
exactly the columns its header states (the contract with the dashboard: CONTRACT.md section 1)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from queries import QueryError, list_metrics, metric_columns
from queries.context import SQL_DIR

METRICS = {m.name: m for m in list_metrics()}
# the keywords a metric needs to return rows on the fixture: one client's card and history; the planned
# deals of the month (no fixture deal is created on T's day, the default)
PARAMS = {
    "client_card": {"client_type": "company", "client_id": 1},
    "client_history": {"client_type": "company", "client_id": 1},
    "planned_deals": {"month": date(2026, 11, 1)},
}


def one_row(name: str) -> bool:
    """`-- grain: one row` (no key columns): the metric returns exactly one row."""
    return not METRICS[name].grain and re.search(r"^-- grain: one row\b", METRICS[name].path.read_text(
        encoding="utf-8"), re.M) is not None


def test_every_file_is_a_metric():
    files = {p.stem for p in SQL_DIR.glob("*.sql") if not p.stem.startswith("_")}
    assert files == set(METRICS)
    assert {"scorecard", "overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
            "unprocessed_incoming", "invoice_stuck", "backlog", "attention", "conversion", "forecast",
            "trend", "scorecard_team", "conversion_team", "managers", "forecast_summary",
            "rejected_records", "missed_followups", "followup_outcomes"} <= files


@pytest.mark.parametrize("name", sorted(METRICS))
def test_header(name):
    m = METRICS[name]
    text = m.path.read_text(encoding="utf-8")
    assert text.startswith(f"-- {name}: ")
    assert m.title and (m.grain or one_row(name)), \
        f"{name}: header needs a title and '-- grain: ... (key columns)' or '-- grain: one row'"
    assert re.search(r"^-- params:", text, re.M), f"{name}: header needs '-- params:'"
    assert re.search(r"^-- columns:", text, re.M), f"{name}: header needs '-- columns:'"
    body = "\n".join(line.split("--")[0] for line in text.splitlines())
    # lowercase SQL: no upper-case keywords outside strings
    assert not re.search(r"\b(SELECT|FROM|WHERE|JOIN|GROUP BY|ORDER BY)\b", body), name


@pytest.mark.parametrize("name", sorted(METRICS))
def test_grain_unique_and_keys_not_null(run, name, fixture_history_db):
    from queries import Rules, run_metric
    from tests.queries.fixture_db import AS_OF

    m = METRICS[name]
    df = run_metric(name, fixture_history_db, as_of=AS_OF, rules=Rules(), **PARAMS.get(name, {}))
    if one_row(name):
        assert len(df) == 1, f"{name}: grain is one row"
        return
    assert len(df) > 0, f"{name}: the fixture should produce rows"
    keys = list(m.grain)
    assert set(keys) <= set(df.columns), f"{name}: grain {keys} not in columns"
    assert not df[keys].isna().any().any(), f"{name}: null key"
    assert not df.duplicated(subset=keys).any(), f"{name}: grain {keys} not unique"


@pytest.mark.parametrize("name", sorted(METRICS))
def test_returns_exactly_the_stated_columns(name, fixture_history_db):
    from queries import Rules, run_metric
    from tests.queries.fixture_db import AS_OF

    df = run_metric(name, fixture_history_db, as_of=AS_OF, rules=Rules(), **PARAMS.get(name, {}))
    assert list(df.columns) == list(metric_columns(name))
    assert set(METRICS[name].grain) <= set(metric_columns(name))


def test_columns_header_may_continue_on_the_next_lines():
    assert metric_columns("sync_history") == (
        "run_id", "started_at", "finished_at", "duration_s", "mode", "status", "portal", "rows_total",
        "requests_total", "rejected_total", "rows_by_stream", "error")


def test_metric_columns_of_an_unknown_metric_is_a_query_error():
    with pytest.raises(QueryError, match="unknown metric 'nope'"):
        metric_columns("nope")
