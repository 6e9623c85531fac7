"""Shared fixtures: the hand-built fixture snapshot (tests/queries/fixture_db.py) and an AppTest on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from queries.history import record_scorecard
from tests.queries.fixture_db import AS_OF, build_fixture_db

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("dashboard") / "crm.duckdb")


@pytest.fixture(scope="session")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture snapshot with three recorded days of scorecard history (18, 19 and 20 Nov at 18:00)."""
    path = build_fixture_db(tmp_path_factory.mktemp("dashboard_history") / "crm.duckdb")
    con = duckdb.connect(str(path))
    try:
        for days_back in (2, 1, 0):
            record_scorecard(con, AS_OF - timedelta(days=days_back))
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def followup_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture snapshot with the follow-up rule cases (FOLLOWUP_*: Dmitry Kozlov's deals, manager 5)."""
    return build_fixture_db(tmp_path_factory.mktemp("dashboard_followups") / "crm.duckdb", followups=True)


@pytest.fixture
def app(fixture_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., AppTest]:
    """A factory: app(page=None, **query_params) -> an AppTest that has run once, at the fixture's AS_OF."""
    monkeypatch.setenv("DOZHIM_DB", str(fixture_db))
    monkeypatch.setenv("DOZHIM_AS_OF", AS_OF.isoformat())
    monkeypatch.delenv("DOZHIM_RULES", raising=False)
    monkeypatch.delenv("DOZHIM_FRESH_HOURS", raising=False)

    def make(page: str | None = None, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(params)
        at.run()
        if page is not None:
            at.switch_page(f"views/{page}.py").run()
        return at

    return make
