"""page_calls lists each page's metric calls as the page asks them: the page prefetches that list, and
bench.queries times it. Each page's first render with no filter, on the fixture, asks exactly its list and
the filters' choices, so the benchmark's page figures are what the pages cost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import data, page_calls
from tests.dashboard.helpers import no_errors
from tests.queries.fixture_db import AS_OF

Asked = set[tuple[str, tuple[tuple[str, Any], ...]]]
MONTH = date(AS_OF.year, AS_OF.month, 1)  # the month pickers' default: the fixture's month
ANNA = 1  # Anna Ivanova, a manager of the fixture with deals, leads and clients


def _key(name: str, params: dict[str, Any]) -> tuple[str, tuple[tuple[str, Any], ...]]:
    return name, tuple(sorted((k, v) for k, v in params.items() if v is not None))


def _listed(calls: list[page_calls.Call] | tuple[page_calls.Call, ...]) -> Asked:
    return {_key(name, params) for name, params in calls}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Asked:
    """The metric calls the app computes from here on (a cached one is computed, and recorded, once)."""
    made: Asked = set()
    real_run = data.run_metric

    def run(name: str, db_path: Any, **kwargs: Any) -> pd.DataFrame:
        params = {k: v for k, v in kwargs.items() if k not in ("as_of", "rules", "viewer", "keep")}
        made.add(_key(name, params))
        return real_run(name, db_path, **kwargs)

    monkeypatch.setattr(data, "run_metric", run)
    return made


def _fresh_run(at: AppTest, made: Asked) -> Asked:
    """The calls of one more run of the page with nothing cached."""
    made.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    at.run()
    no_errors(at)
    return set(made)


PAGES = page_calls.first_renders(MONTH, ANNA)


@pytest.mark.parametrize("page", [p for p in PAGES if p != "my_backlog"])
def test_a_page_asks_what_page_calls_lists(app: Callable[..., AppTest], calls: Asked, page: str) -> None:
    at = app(None if page == "daily_review" else page)
    assert _fresh_run(at, calls) == _listed(PAGES[page])


def test_the_daily_review_asks_the_attention_fold_once_opened(app: Callable[..., AppTest],
                                                              calls: Asked) -> None:
    at = app()
    at.session_state["attention_open"] = True  # daily_review.ATTENTION_KEY
    asked = _fresh_run(at, calls)
    assert ("attention", ()) in asked
    listed = page_calls.daily_review(page_calls.DEFAULT_DRILL_RULE, attention_open=True)
    assert asked == _listed([*page_calls.CHOICES, *listed])


def test_the_long_lists_are_asked_for_their_head() -> None:
    forecast = page_calls.forecast(MONTH, {})
    assert ("forecast_flags", {"limit": 2000}) in forecast
    assert ("close_date_pushes", {"limit": 2000}) in forecast
    assert ("stale_deals", {"limit": 2000}) in page_calls.daily_review("stale_deals", False)


def test_my_backlog_asks_the_managers_deals_leads_and_clients(app: Callable[..., AppTest],
                                                              calls: Asked) -> None:
    at = app("my_backlog")
    assert _fresh_run(at, calls) == {("managers", ())}  # no one picked yet
    at.selectbox(key="manager").set_value(ANNA)
    assert _fresh_run(at, calls) == _listed(PAGES["my_backlog"])
