"""The hand-built fixture snapshot, built once per session (tests only read it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries import Rules
from tests.queries.fixture_db import AS_OF, build_fixture_db


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
