"""Every .sql file: a documented header, a unique grain with non-null keys on the fixture, lowercase SQL."""

from __future__ import annotations

import re

import pytest

from queries import list_metrics
from queries.context import SQL_DIR

METRICS = {m.name: m for m in list_metrics()}


def test_every_file_is_a_metric():
    files = {p.stem for p in SQL_DIR.glob("*.sql") if not p.stem.startswith("_")}
    assert files == set(METRICS)
    assert {"scorecard", "overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
            "unprocessed_incoming", "invoice_stuck", "backlog", "attention", "conversion", "forecast",
            "trend"} <= files


@pytest.mark.parametrize("name", sorted(METRICS))
def test_header(name):
    m = METRICS[name]
    text = m.path.read_text(encoding="utf-8")
    assert text.startswith(f"-- {name}: ")
    assert m.title and m.grain, f"{name}: header needs a title and '-- grain: ... (key columns)'"
    assert re.search(r"^-- params:", text, re.M), f"{name}: header needs '-- params:'"
    body = "\n".join(line.split("--")[0] for line in text.splitlines())
    # lowercase SQL: no upper-case keywords outside strings
    assert not re.search(r"\b(SELECT|FROM|WHERE|JOIN|GROUP BY|ORDER BY)\b", body), name


@pytest.mark.parametrize("name", sorted(METRICS))
def test_grain_unique_and_keys_not_null(run, name, fixture_history_db):
    from queries import Rules, run_metric
    from tests.queries.fixture_db import AS_OF

    m = METRICS[name]
    df = run_metric(name, fixture_history_db, as_of=AS_OF, rules=Rules())
    assert len(df) > 0, f"{name}: the fixture should produce rows"
    keys = list(m.grain)
    assert set(keys) <= set(df.columns), f"{name}: grain {keys} not in columns"
    assert not df[keys].isna().any().any(), f"{name}: null key"
    assert not df.duplicated(subset=keys).any(), f"{name}: grain {keys} not unique"
