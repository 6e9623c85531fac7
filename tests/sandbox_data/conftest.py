"""Stores built once per test session, in a temporary directory, at a fixed portal time."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from connectors.sandbox.store import build_store

MSK = timezone(timedelta(hours=3))
# A Monday morning: "today" has started, so both today's and yesterday's events exist.
NOW = datetime(2026, 11, 23, 11, 30, tzinfo=MSK)
SEED = 7


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sandbox_data")


@pytest.fixture(scope="session")
def tiny_store(store_dir) -> Path:
    return build_store(store_dir / "tiny.sqlite", "tiny", SEED, NOW)


@pytest.fixture(scope="session")
def small_store(store_dir) -> Path:
    return build_store(store_dir / "small.sqlite", "small", SEED, NOW)


@pytest.fixture
def small_copy(small_store, tmp_path) -> Path:
    """A private copy of the small store, for tests that change it."""
    path = tmp_path / "small.sqlite"
    shutil.copy(small_store, path)
    return path
