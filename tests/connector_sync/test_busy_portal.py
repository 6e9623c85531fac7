"""Issue 15.1: a portal that changes while every run exports (sweeps and full exports included) never fails
a sync; each run publishes what it got, leaves what it could not confirm to the next, and once the portal is
quiet the snapshot equals the portal."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

import pytest

from connectors.sandbox.faults import Faults
from connectors.sandbox.mutations import _Mutator

from .conftest import db_rows, fast_client, portal_now, store_rows, sync
from .test_incremental import assert_same_activities, assert_same_deals

pytestmark = pytest.mark.slow

SWEPT = "stream in ('deals', 'activities', 'invoices')"  # stage history has no ID sweep of its own


def assert_same_invoices_and_history(sandbox, db) -> None:
    assert db_rows(db, "select id, parent_id_2 from invoices order by 1") == store_rows(
        sandbox, 'select "ID", "PARENT_ID_2" from invoices order by 1')
    assert db_rows(db, "select id, owner_id, stage_id from stage_history order by 1") == store_rows(
        sandbox, 'select "ID", "OWNER_ID", "STAGE_ID" from stage_history where "ENTITY_TYPE_ID" = 2 '
                 'order by 1')


@pytest.mark.parametrize("seed", [1, 2])
def test_runs_that_overlap_changes_all_succeed_and_converge(sandbox, tmp_path, seed):
    db = tmp_path / "crm.duckdb"
    assert sync(sandbox, db).status == "ok"
    # users at work: a round of adds, edits and deletions every second list call, sweeps included
    sandbox.set_faults(Faults(seed=seed, changes_every=2, changes_count=3))
    for run in range(3):
        result = sync(sandbox, db, sweep_every=timedelta(0), full=(run == 1))
        assert result.status == "ok"
        assert result.mode == "full" or "deals_sweep" in result.requests
    assert len(sandbox.changes) > 20
    # the last busy run could not confirm its sweeps: they stay due
    due = db_rows(db, f"select count(*) from sync_state where last_full_sweep is null and {SWEPT}")
    assert due[0][0] >= 1
    assert db_rows(db, "select count(*) from sync_runs where status <> 'ok'") == [(0,)]
    sandbox.set_faults(Faults())
    quiet = sync(sandbox, db)
    assert quiet.status == "ok" and "deals_sweep" in quiet.requests
    assert_same_deals(sandbox, db)
    assert_same_activities(sandbox, db)
    assert_same_invoices_and_history(sandbox, db)
    # (its sweeps may still count as unconfirmed: a change stamped in the second the run began is
    # indistinguishable from one made during the run, so that is left to the next run, and harmless)


def _portal_edit(sandbox, edit) -> list:
    conn = sqlite3.connect(str(sandbox.store_path))
    try:
        mutator = _Mutator(conn, random.Random(5), portal_now(sandbox))
        done = edit(mutator)
        mutator.save_counters()
        conn.commit()
        return done
    finally:
        conn.close()


def test_history_of_a_deal_created_and_deleted_between_syncs_goes_without_full(sandbox, tmp_path):
    """Issue 15.9: a run fetched the new deal's stage history but not the deal (it came after the deals
    export); the deal is deleted before the next run. Its history must go with the next sweep."""
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    added = _portal_edit(sandbox, lambda m: m.add_deal())
    deal = next(c.id for c in added if c.entity == "deal")
    sync(sandbox, db, streams=frozenset({"stage_history"}))  # the history came, the deal did not
    assert db_rows(db, "select count(*) from stage_history where owner_id = ?", [deal]) == [(1,)]
    conn = sqlite3.connect(str(sandbox.store_path))
    with conn:  # deleted on the portal, as Bitrix24 does: the deal and its history
        conn.execute('delete from stage_history where "OWNER_ID" = ?', [deal])
        conn.execute('delete from activity_bindings where "OWNER_TYPE_ID" = 2 and "OWNER_ID" = ?', [deal])
        conn.execute('delete from activities where "OWNER_TYPE_ID" = 2 and "OWNER_ID" = ?', [deal])
        conn.execute('delete from deals where "ID" = ?', [deal])
    conn.close()
    _portal_edit(sandbox, lambda m: m.add_deal())  # work goes on: a newer deal
    sync(sandbox, db)  # no sweep due yet: nothing is known to be gone
    sync(sandbox, db, sweep_every=timedelta(0))
    assert db_rows(db, "select count(*) from stage_history where owner_id = ?", [deal]) == [(0,)]
    assert_same_invoices_and_history(sandbox, db)


def test_an_activity_deleted_before_its_bindings_are_asked_for_does_not_fail_the_run(sandbox):
    """crm.activity.binding.list answers NOT_FOUND for an activity deleted since its page came: that
    activity has no bindings now, the run goes on and its sweep stays due."""
    from connectors.bitrix24 import bindings

    kept, deleted = [r[0] for r in store_rows(sandbox, 'select distinct "ACTIVITY_ID" from activity_bindings '
                                                       'where "OWNER_TYPE_ID" = 2 order by 1 limit 2')]
    conn = sqlite3.connect(str(sandbox.store_path))
    with conn:
        conn.execute('delete from activities where "ID" = ?', [deleted])
        conn.execute('delete from activity_bindings where "ACTIVITY_ID" = ?', [deleted])
    conn.close()
    client = fast_client(sandbox.webhook_url)
    found = bindings.ask_each(client, [kept, deleted])
    client.close()
    expected = store_rows(sandbox, 'select "ACTIVITY_ID", "OWNER_ID" from activity_bindings '
                                   'where "ACTIVITY_ID" = ? and "OWNER_TYPE_ID" = 2 order by rowid', [kept])
    assert [(p["activity_id"], p["deal_id"]) for p in found.pairs] == expected
    assert found.gone  # a deletion was seen mid-run: the run marks itself dirty, no clean sweep this time
