"""Incremental runs: only changed rows are fetched, deletions found by the sweep, changes during an export
caught by the next run, faults retried."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest

from connectors.sandbox.faults import Faults

from .conftest import db_rows, mutate, store_rows, sync, wal_size

pytestmark = pytest.mark.slow


def portal_deals(sandbox) -> list[tuple]:
    return store_rows(sandbox, 'select "ID", "DATE_MODIFY", "STAGE_ID", "OPPORTUNITY" from deals order by 1')


def our_deals(db) -> list[tuple]:
    rows = db_rows(db, "select id, epoch(date_modify), stage_id, opportunity from deals order by 1")
    return [(i, m, s, o) for i, m, s, o in rows]


def assert_same_deals(sandbox, db) -> None:
    from connectors.bitrix24.parse import to_datetime

    portal = [(i, to_datetime(m).timestamp(), s) for i, m, s, _ in portal_deals(sandbox)]
    ours = db_rows(db, "select id, epoch(date_modify), stage_id from deals order by 1")
    assert [(i, float(m), s) for i, m, s in ours] == portal


def assert_same_activities(sandbox, db) -> None:
    portal = store_rows(sandbox, 'select distinct "ACTIVITY_ID" from activity_bindings '
                                 'where "OWNER_TYPE_ID" = 2 order by 1')
    assert db_rows(db, "select id from activities order by 1") == portal
    pairs = store_rows(sandbox, 'select "ACTIVITY_ID", "OWNER_ID" from activity_bindings '
                                'where "OWNER_TYPE_ID" = 2 order by 1, 2')
    assert db_rows(db, "select activity_id, deal_id from activity_bindings order by 1, 2") == pairs


def test_incremental_fetches_only_changes(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    full = sync(sandbox, db)
    changes = mutate(sandbox, 12, seed=3)
    assert changes
    result = sync(sandbox, db)
    assert result.mode == "incremental"
    # one request per stream (two for deals: the recurring-template pass), no sweeps, no re-export
    assert result.requests["deals"] == 2
    assert result.requests["activities"] == 1
    assert result.requests["stage_history"] == 1
    assert result.requests["invoices"] == 1
    assert not any(key.endswith("_sweep") for key in result.requests)
    changed_deals = {c.id for c in changes if c.entity == "deal" and c.kind in ("add", "update")}
    assert result.rows["deals"] >= len(changed_deals)
    assert result.rows["deals"] < full.rows["deals"] / 4
    # inserts and updates are in; deletions wait for the sweep
    ours = {row[0]: row for row in our_deals(db)}
    for deal_id, _modified, stage, _ in portal_deals(sandbox):
        assert deal_id in ours
        assert ours[deal_id][2] == stage
    deleted = {c.id for c in changes if c.entity == "deal" and c.kind == "delete"}
    assert deleted <= set(ours)  # still there until the daily sweep


def test_sweep_removes_deleted_deals_and_their_activities(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    victim = store_rows(sandbox, 'select b."OWNER_ID" from activity_bindings b where b."OWNER_TYPE_ID" = 2 '
                                 'group by 1 order by count(*) desc limit 1')[0][0]
    conn = sqlite3.connect(str(sandbox.store_path))
    with conn:  # as Bitrix24 does: the deal, its own activities and its bindings go
        own = [r[0] for r in conn.execute('select "ID" from activities where "OWNER_TYPE_ID" = 2 '
                                          'and "OWNER_ID" = ?', [victim])]
        conn.execute('delete from deals where "ID" = ?', [victim])
        conn.executemany('delete from activities where "ID" = ?', [(a,) for a in own])
        conn.execute('delete from activity_bindings where "OWNER_TYPE_ID" = 2 and "OWNER_ID" = ?', [victim])
        conn.executemany('delete from activity_bindings where "ACTIVITY_ID" = ?', [(a,) for a in own])
    conn.close()
    assert own
    no_sweep = sync(sandbox, db)
    assert db_rows(db, "select count(*) from deals where id = ?", [victim]) == [(1,)]
    assert "deals_sweep" not in no_sweep.requests
    swept = sync(sandbox, db, sweep_every=timedelta(0))
    assert swept.requests["deals_sweep"] == 3  # 1 + 1 batch (2,500 ids each) + the recurring pass
    assert db_rows(db, "select count(*) from deals where id = ?", [victim]) == [(0,)]
    assert db_rows(db, "select count(*) from activity_bindings where deal_id = ?", [victim]) == [(0,)]
    assert db_rows(db, f"select count(*) from activities where id in ({','.join(map(str, own))})") == [(0,)]
    assert db_rows(db, "select count(*) from stage_history where owner_id = ?", [victim]) == [(0,)]
    assert_same_deals(sandbox, db)
    assert_same_activities(sandbox, db)
    state = db_rows(db, "select count(*) from sync_state where last_full_sweep is null")
    assert state == [(0,)]


def test_changes_during_the_export_are_caught_by_the_next_sync(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sandbox.set_faults(Faults(seed=5, changes_every=3, changes_count=4))
    first = sync(sandbox, db)
    assert first.status == "ok"
    sandbox.set_faults(Faults())
    # the first export overlapped inserts, updates and deletions: the data may be behind the portal now,
    # and no sweep of that run is clean (a deletion leaves no trace), so the next run sweeps them all again
    pending = db_rows(db, "select stream from sync_state where last_full_sweep is null order by 1")
    assert {("activities",), ("deals",), ("invoices",)} <= set(pending)
    second = sync(sandbox, db)
    assert "deals_sweep" in second.requests
    assert_same_deals(sandbox, db)
    assert_same_activities(sandbox, db)
    ids = db_rows(db, "select count(*), count(distinct id) from deals")[0]
    assert ids[0] == ids[1]
    third = sync(sandbox, db)  # nothing changed since: still the same
    assert third.status == "ok"
    assert_same_deals(sandbox, db)
    assert_same_activities(sandbox, db)


def test_faults_are_retried_and_the_result_is_complete(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sandbox.set_faults(Faults(seed=11, error_rate=0.3, drop_rate=0.1))
    result = sync(sandbox, db)
    assert result.status == "ok"
    assert result.stats["retries"] > 0
    assert_same_deals(sandbox, db)
    assert_same_activities(sandbox, db)
    runs = db_rows(db, "select status, requests from sync_runs")
    assert runs[0][0] == "ok" and sum(json.loads(runs[0][1]).values()) == sum(result.requests.values())


def test_a_new_user_field_adds_a_typed_column_and_refetches_deals(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    conn = sqlite3.connect(str(sandbox.store_path))
    with conn:
        conn.execute('alter table deals add column "UF_CRM_BUDGET" text')
        conn.execute('update deals set "UF_CRM_BUDGET" = \'1500.50\' where "ID" % 7 = 0')
        conn.execute('insert into deal_userfields ("ID", "ENTITY_ID", "FIELD_NAME", "USER_TYPE_ID", '
                     '"XML_ID", "SORT", "MULTIPLE", "MANDATORY", "SHOW_FILTER", "EDIT_FORM_LABEL", '
                     '"LIST_JSON") '
                     "values (990, 'CRM_DEAL', 'UF_CRM_BUDGET', 'double', 'BUDGET', 500, 'N', 'N', 'E', "
                     "'Budget', null)")
    conn.close()
    if hasattr(sandbox.portal, "cache"):  # the sandbox caches field definitions per portal
        sandbox.portal.cache.clear()
    result = sync(sandbox, db)
    assert result.rows["deals"] == store_rows(sandbox, "select count(*) from deals")[0][0]  # re-exported
    types = dict(db_rows(db, "select column_name, data_type from information_schema.columns "
                             "where table_name = 'deals' and column_name = 'uf_crm_budget'"))
    assert types == {"uf_crm_budget": "DOUBLE"}
    expected = store_rows(sandbox, 'select count(*) from deals where "ID" % 7 = 0')[0][0]
    assert db_rows(db, "select count(*) from deals where uf_crm_budget = 1500.5") == [(expected,)]


def test_the_exports_are_checkpointed_before_the_clean_up(sandbox, tmp_path, monkeypatch):
    # Until a checkpoint DuckDB keeps the exports' writes, and the indexes they touched, pinned in the sync's
    # bounded buffer pool (store.MEMORY_LIMIT): on the large sandbox the clean-up's anti-joins over every
    # activity then ran out of memory on each incremental run. Checkpointed, nothing of the exports waits in
    # the write-ahead log when the clean-up starts. (This portal writes far less than DuckDB's 16 MB
    # auto-checkpoint threshold, so without the checkpoint the WAL would hold all of it.)
    from connectors.bitrix24.sync import _Run

    finish = _Run._finish_streams
    wal_sizes = []

    def look_first(self, con, *args):
        wal_sizes.append(wal_size(con))
        return finish(self, con, *args)

    monkeypatch.setattr(_Run, "_finish_streams", look_first)
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    assert mutate(sandbox, 12, seed=3)
    assert sync(sandbox, db).mode == "incremental"
    assert wal_sizes == [0, 0]
