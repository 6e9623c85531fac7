"""Fixtures: a private copy of the `small` sandbox store per test (mutations must not leak into the cache),
the sandbox serving it over real HTTP on a clock set by the store's moment (tests/portal_moment.py), and a
sync helper with a fast client limiter (the sandbox's own limits are off unless a test turns them on)."""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
import pytest

from connectors.bitrix24.client import Bitrix24Client
from connectors.bitrix24.progress import LineReporter
from connectors.bitrix24.ratelimit import RateLimiter
from connectors.bitrix24.sync import SyncOptions, run_sync
from connectors.sandbox.mutations import apply_changes
from tests.portal_moment import small_portal, small_store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def small_store_cached() -> Path:
    return small_store()


@pytest.fixture
def store_copy(tmp_path, small_store_cached) -> Path:
    target = tmp_path / "portal.sqlite"
    shutil.copyfile(small_store_cached, target)
    return target


@pytest.fixture
def sandbox(store_copy):
    with small_portal(store_copy) as running:
        yield running


def fast_client(webhook_url: str, retries: int = 8) -> Bitrix24Client:
    from connectors.bitrix24.retry import RetryPolicy

    return Bitrix24Client(webhook_url, limiter=RateLimiter(burst=1000, per_second=1000.0),
                          retry=RetryPolicy(max_retries=retries, base=0.01, cap=0.05))


def sync(sandbox, db: Path, **options):
    """One sync of the sandbox into db, quiet, with a fast limiter."""
    return run_sync(SyncOptions(db=db, webhook_url=sandbox.webhook_url, client_factory=fast_client,
                                reporter=LineReporter(out=open("/dev/null", "w")), **options))  # noqa: SIM115


def portal_now(sandbox) -> datetime:
    reply = httpx.post(sandbox.webhook_url + "server.time", json={}).json()
    return datetime.fromisoformat(reply["result"])


def mutate(sandbox, count: int, seed: int = 1):
    """Users at work: `count` random inserts, updates and deletions at the portal's current time."""
    conn = sqlite3.connect(str(sandbox.store_path))
    try:
        return apply_changes(conn, random.Random(seed), count, portal_now(sandbox))
    finally:
        conn.close()


def store_rows(sandbox, sql: str, args=()) -> list[tuple]:
    conn = sqlite3.connect(str(sandbox.store_path))
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def db_rows(db: Path, sql: str, args=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def wal_size(con: duckdb.DuckDBPyConnection) -> int:
    """Bytes waiting in the write-ahead log of con's database (0 once checkpointed: no file, or empty)."""
    path = con.execute("select path from duckdb_databases() where database_name = current_database()")
    wal = Path(path.fetchone()[0] + ".wal")
    return wal.stat().st_size if wal.exists() else 0
