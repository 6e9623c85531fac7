"""The hand-built fixture snapshot, built once per session (tests only read it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries import Rules
from tests.queries.fixture_db import AS_OF, build_fixture_db


def pytest_configure(config) -> None:
    # duckdb's DataFrame conversion trips a pandas 3.1 deprecation on every call (not ours to fix)
    config.addinivalue_line("filterwarnings", "ignore:The inplace keyword in DataFrame.drop")


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("queries") / "crm.duckdb")


@pytest.fixture
def run(fixture_db):
    """run("metric", **kw): the metric at AS_OF with the default rules unless given."""
    from queries import run_metric

    def _run(name: str, rules: Rules | None = None, as_of=AS_OF, **kw):
        return run_metric(name, fixture_db, as_of=as_of, rules=rules or Rules(), **kw)

    return _run


@pytest.fixture(scope="session")
def fixture_history_db(tmp_path_factory) -> Path:
    """The fixture with two recorded scorecard days (19 and 20 Nov) and the stored derived layer."""
    from datetime import timedelta

    import duckdb

    from queries.history import record_scorecard

    path = build_fixture_db(tmp_path_factory.mktemp("queries-history") / "crm.duckdb")
    con = duckdb.connect(str(path))
    try:
        record_scorecard(con, AS_OF - timedelta(days=1), Rules())
        record_scorecard(con, AS_OF, Rules())
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def followup_db(tmp_path_factory) -> Path:
    """The fixture plus the follow-up rule cases (fixture_db.FOLLOWUP_*: manager 5's deals)."""
    return build_fixture_db(tmp_path_factory.mktemp("queries-followups") / "crm.duckdb", followups=True)


@pytest.fixture
def run_fu(followup_db):
    """run_fu("metric", **kw): a metric on the follow-up fixture at AS_OF, default rules unless given."""
    from queries import run_metric

    def _run(name: str, rules: Rules | None = None, as_of=AS_OF, **kw):
        return run_metric(name, followup_db, as_of=as_of, rules=rules or Rules(), **kw)

    return _run
