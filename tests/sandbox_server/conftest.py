"""Fixtures: a small generated portal (fixed `now`, so every figure is reproducible) served over HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from connectors.sandbox.limits import Timer
from connectors.sandbox.store import cached_store
from connectors.sandbox.testing import RunningSandbox, running_sandbox

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone(timedelta(hours=3)))
T0 = 1_800_000_000.0  # a whole minute in unix seconds: the operating baskets start exactly here


class FakeTime:
    """Real time for the sandbox that moves only when it sleeps or the test advances it."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []
        self.timer = Timer(clock=lambda: self.now, sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cached_store("small", 7, NOW, cache_dir=tmp_path_factory.mktemp("sandbox-cache"))


@pytest.fixture(scope="session")
def db(store_path: Path) -> Iterator[sqlite3.Connection]:
    """Direct read access to the store, to compute what the server should answer."""
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def sandbox(store_path: Path) -> Iterator[RunningSandbox]:
    """A shared read-only portal without limits."""
    with running_sandbox(store_path=store_path) as sb:
        yield sb


@pytest.fixture(scope="session")
def client(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.webhook_url, timeout=30) as c:
        yield c


def call(client: httpx.Client, method: str, params: dict | None = None, status: int = 200) -> dict:
    """POST a JSON call and check the status."""
    r = client.post(method, json=params or {})
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    return r.json()


def ids(rows: list[dict], key: str = "ID") -> list[int]:
    return [int(r[key]) for r in rows]
