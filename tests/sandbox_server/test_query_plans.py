"""Keyset pages of crm.activity.list walk the primary key instead of sorting an owner index's matches.

The SQL is caught with sqlite3's trace callback while the handler runs on a direct connection, then
explained; results are compared with what the store holds, so the faster plan cannot change an answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.sandbox.methods import crm_activity
from connectors.sandbox.portal import Portal
from connectors.sandbox.store import connect
from connectors.sandbox.testing import NO_LIMITS

from .conftest import call, ids


@pytest.fixture(scope="module")
def traced(store_path: Path) -> Iterator[tuple[Portal, sqlite3.Connection, list[str]]]:
    conn = connect(store_path)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)  # statements with their values bound
    yield Portal(store_path, NO_LIMITS), conn, seen
    conn.close()


def plan_of_page(traced: tuple[Portal, sqlite3.Connection, list[str]], filt: dict[str, Any],
                 order: dict[str, str] | None = None) -> list[str]:
    """The query plan of the page select a crm.activity.list call ran."""
    portal, conn, seen = traced
    seen.clear()
    outcome = portal.call(conn, "crm.activity.list",
                          {"filter": filt, "order": order or {"ID": "ASC"}, "start": -1, "select": ["ID"]})
    assert outcome.error is None
    page_sql = [s for s in seen if s.lstrip().lower().startswith("select t.*")]
    assert len(page_sql) == 1, seen
    return [row[3] for row in conn.execute("explain query plan " + page_sql[0])]


@pytest.mark.parametrize("filt", [
    {"BINDINGS": [{"OWNER_TYPE_ID": 2}], ">ID": 100},
    {"OWNER_TYPE_ID": 2, ">ID": 100},
    {"BINDINGS": [{"OWNER_TYPE_ID": 2}], ">=LAST_UPDATED": "2020-01-01T00:00:00+03:00", ">ID": 100},
])
def test_keyset_page_walks_the_primary_key(traced, filt: dict[str, Any], monkeypatch) -> None:
    # The small store holds fewer activities than a "narrow" range on the large one: scale the probe down.
    monkeypatch.setattr(crm_activity, "NARROW_RANGE", 50)
    plan = plan_of_page(traced, filt)
    assert any(step.startswith("SEARCH t USING INTEGER PRIMARY KEY (rowid>?)") for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert not any("activities_owner" in step or "bindings_owner" in step for step in plan), plan


def test_narrow_date_range_uses_the_date_index(traced, db: sqlite3.Connection) -> None:
    newest = db.execute("select max(LAST_UPDATED) from activities").fetchone()[0]
    plan = plan_of_page(traced, {"BINDINGS": [{"OWNER_TYPE_ID": 2}], ">=LAST_UPDATED": newest, ">ID": 0})
    assert any("activities_last_updated" in step for step in plan), plan


def test_named_owner_keeps_the_owner_index(traced, db: sqlite3.Connection) -> None:
    sql = "select OWNER_ID from activity_bindings where OWNER_TYPE_ID = 2 limit 1"
    deal_id = db.execute(sql).fetchone()[0]
    plan = plan_of_page(traced, {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": deal_id}], ">ID": 0})
    assert any("bindings_owner" in step for step in plan), plan


def test_many_named_owners_read_their_bindings_not_every_activity(traced, db: sqlite3.Connection) -> None:
    """A line of the connector's deal square: hundreds of deals named in BINDINGS, keyset paged."""
    deals = [r[0] for r in db.execute("select ID from deals order by ID limit 300")]
    plan = plan_of_page(traced, {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": d} for d in deals],
                                 "!OWNER_TYPE_ID": 2, ">ID": 0})
    assert any("bindings_owner" in step for step in plan), plan
    assert not any(step.startswith("SCAN t") for step in plan), plan


def keyset_walk(client: httpx.Client, filt: dict[str, Any]) -> list[int]:
    got: list[int] = []
    last = 0
    while True:
        page = call(client, "crm.activity.list", {"filter": {**filt, ">ID": last}, "order": {"ID": "ASC"},
                                                  "start": -1, "select": ["ID"]})["result"]
        got += ids(page)
        if len(page) < 50:
            return got
        last = got[-1]


@pytest.mark.parametrize("newest_rows", [30, 10**9])
def test_keyset_walk_returns_exactly_the_matching_rows(client: httpx.Client, db: sqlite3.Connection,
                                                        newest_rows: int) -> None:
    """Narrow (date index) and wide (primary key) plans both return every bound activity once, in order."""
    since = db.execute("select LAST_UPDATED from activities order by LAST_UPDATED desc limit 1 offset ?",
                       [min(newest_rows, db.execute("select count(*) - 1 from activities").fetchone()[0])]
                       ).fetchone()[0]
    expected = [r[0] for r in db.execute(
        """
        -- activities bound to a deal, updated since the watermark
        select a.ID
        from activities a
        where a.LAST_UPDATED >= ?
          and exists (select 1 from activity_bindings b where b.ACTIVITY_ID = a.ID and b.OWNER_TYPE_ID = 2)
        order by a.ID
        """, [since])]
    got = keyset_walk(client, {"BINDINGS": [{"OWNER_TYPE_ID": 2}], ">=LAST_UPDATED": since})
    assert got == expected
    assert len(expected) > 0


def test_stage_history_keyset_page_walks_the_primary_key(traced, db: sqlite3.Connection) -> None:
    portal, conn, seen = traced
    seen.clear()
    outcome = portal.call(conn, "crm.stagehistory.list", {"entityTypeId": 2, "filter": {">ID": 10},
                                                          "order": {"ID": "ASC"}, "start": -1})
    assert outcome.error is None and len(outcome.reply.result["items"]) == 50
    page_sql = [s for s in seen if s.lstrip().lower().startswith("select t.*")]
    plan = [row[3] for row in conn.execute("explain query plan " + page_sql[0])]
    assert plan == ["SEARCH t USING INTEGER PRIMARY KEY (rowid>?)"], plan
    expected = [r[0] for r in db.execute(
        "select ID from stage_history where ENTITY_TYPE_ID = 2 and ID > 10 order by ID limit 50")]
    assert [item["ID"] for item in outcome.reply.result["items"]] == expected
