"""Issue 15.2: one bad record never kills a sync. Values at the limits of their type (a date that leaves
year 1 in UTC, an amount beyond DECIMAL(18,2), an integer beyond INTEGER) reject that record alone; the
run succeeds, stores every other record and reports the rejected ones in sync_runs.rejected (contract 3)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from .conftest import db_rows, store_rows, sync

pytestmark = pytest.mark.slow


def spoil(sandbox, table: str, record_id: int, column: str, value: str) -> None:
    conn = sqlite3.connect(str(sandbox.store_path))
    with conn:
        conn.execute(f'update {table} set "{column}" = ? where "ID" = ?', [value, record_id])
    conn.close()


def test_records_at_the_limits_are_rejected_one_by_one(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    deal_ids = [r[0] for r in store_rows(sandbox, 'select "ID" from deals order by "ID" limit 3')]
    activity = store_rows(sandbox, 'select min("ACTIVITY_ID") from activity_bindings '
                                   'where "OWNER_TYPE_ID" = 2')[0][0]
    spoil(sandbox, "deals", deal_ids[0], "CLOSEDATE", "0001-01-01")  # served as 0001-01-01T00:00:00+03:00
    spoil(sandbox, "deals", deal_ids[1], "OPPORTUNITY", "99999999999999999999.99")
    spoil(sandbox, "deals", deal_ids[2], "PROBABILITY", "99999999999")
    spoil(sandbox, "activities", activity, "PRIORITY", "4294967296")
    result = sync(sandbox, db)
    assert result.status == "ok"
    deals = store_rows(sandbox, "select count(*) from deals")[0][0]
    assert db_rows(db, "select count(*) from deals")[0][0] == deals - 3
    assert db_rows(db, "select count(*) from deals where id in (?, ?, ?)", deal_ids) == [(0,)]
    assert db_rows(db, "select count(*) from activities where id = ?", [activity]) == [(0,)]
    rejected = json.loads(db_rows(db, "select rejected from sync_runs")[0][0])
    assert rejected == result.rejected
    by_id = {entry["id"]: entry for entry in rejected["deals"]}
    assert set(by_id) == {str(i) for i in deal_ids}
    assert by_id[str(deal_ids[0])]["field"] == "CLOSEDATE"
    assert by_id[str(deal_ids[0])]["error"].startswith("date out of range: '0001-01-01")
    assert by_id[str(deal_ids[1])] == {"id": str(deal_ids[1]), "field": "OPPORTUNITY",
                                       "error": "amount out of range: '99999999999999999999.99'"}
    assert by_id[str(deal_ids[2])]["field"] == "PROBABILITY"
    assert by_id[str(deal_ids[2])]["error"].startswith("integer out of range")
    assert [(e["id"], e["field"]) for e in rejected["activities"]] == [(str(activity), "PRIORITY")]
    # the next run rejects them again and still succeeds; fixed on the portal, they come in
    assert sync(sandbox, db).status == "ok"
    spoil(sandbox, "deals", deal_ids[1], "OPPORTUNITY", "1500.00")
    spoil(sandbox, "deals", deal_ids[1], "DATE_MODIFY", "2099-01-01T00:00:00+03:00")
    sync(sandbox, db)
    assert db_rows(db, "select opportunity from deals where id = ?", [deal_ids[1]])[0][0] == 1500


def test_a_row_the_database_refuses_is_rejected_not_fatal(sandbox, tmp_path, monkeypatch):
    """The last net: whatever the parsers let through and DuckDB refuses costs that row only."""
    from connectors.bitrix24 import parse

    db = tmp_path / "crm.duckdb"
    victim = store_rows(sandbox, 'select min("ID") from deals')[0][0]
    spoil(sandbox, "deals", victim, "OPPORTUNITY", "99999999999999999999.99")
    monkeypatch.setitem(parse.PARSERS, "money", parse.to_decimal)  # a parser without the range check
    from connectors.bitrix24 import streams

    monkeypatch.setattr(streams, "DEALS", streams.Stream(**{**streams.DEALS.__dict__,
                                                            "columns": streams.columns_for("deals")}))
    result = sync(sandbox, db)
    assert result.status == "ok"
    [entry] = result.rejected["deals"]
    assert entry["id"] == str(victim) and entry["error"].startswith("could not be stored: ")
    assert entry["field"] == "OPPORTUNITY"  # DuckDB names the column in its conversion error
    deals = store_rows(sandbox, "select count(*) from deals")[0][0]
    assert db_rows(db, "select count(*) from deals")[0][0] == deals - 1


def test_a_bad_directory_row_is_rejected_not_fatal(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    status = store_rows(sandbox, 'select min("ID") from statuses')[0][0]
    spoil(sandbox, "statuses", status, "SORT", "ten")
    result = sync(sandbox, db)
    assert result.status == "ok"
    expected = {"id": str(status), "field": "SORT", "error": "not an integer: 'ten'"}
    assert result.rejected["stages"] == [expected]
    assert db_rows(db, "select count(*) from stages where id = ?", [status]) == [(0,)]


def test_the_writer_skips_only_the_rows_duckdb_or_arrow_refuse(tmp_path):
    """JSON may carry a lone surrogate ("\\ud800") that no UTF-8 column can hold, or invalid JSON text for a
    JSON column: that row is skipped with its error, the rest of the batch is stored."""
    from connectors.bitrix24 import store

    con, tmp = store.open_copy(tmp_path / "crm.duckdb")
    try:
        rows = [{"id": 1, "title": "fine"}, {"id": 2, "title": "bad \ud800"}, {"id": 3, "title": "also fine"}]
        failed = store.upsert_or_skip(con, "deals", rows)
        assert [(row["id"], "\n" in error) for row, error in failed] == [(2, False)]
        assert con.execute("select id from deals order by id").fetchall() == [(1,), (3,)]
        logs = [{"id": 1, "started_at": None, "rows": "{not json"}, {"id": 2, "rows": '{"deals": 1}'}]
        failed = store.upsert_or_skip(con, "sync_runs", logs)
        assert [row["id"] for row, _ in failed] == [1]
        assert con.execute("select id from sync_runs").fetchall() == [(2,)]
    finally:
        store.discard(con, tmp)
