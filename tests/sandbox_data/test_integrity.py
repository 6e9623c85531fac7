"""Referential integrity and internal consistency of a generated store."""

from __future__ import annotations

from collections import defaultdict

import pytest

from connectors.sandbox.store import connect

from .conftest import NOW


@pytest.fixture(scope="module")
def db(small_store):
    conn = connect(small_store)
    yield conn
    conn.close()


def _ids(db, sql: str) -> set[int]:
    return {r[0] for r in db.execute(sql)}


def test_every_binding_points_at_an_existing_deal_lead_contact_or_company(db):
    owners = {1: _ids(db, "select ID from leads"), 2: _ids(db, "select ID from deals"),
              3: _ids(db, "select ID from contacts"), 4: _ids(db, "select ID from companies")}
    rows = db.execute("select * from activity_bindings")
    bad = [tuple(r) for r in rows if r[2] not in owners.get(r[1], ())]
    assert bad == []


def test_every_activity_is_bound_to_its_main_owner_and_to_a_deal_unless_a_lead_or_client_owns_it(db):
    bindings = defaultdict(set)
    for act, owner_type, owner in db.execute("select * from activity_bindings"):
        bindings[act].add((owner_type, owner))
    activities = db.execute("select ID, OWNER_TYPE_ID, OWNER_ID from activities").fetchall()
    assert len(bindings) == len(activities)
    for act, owner_type, owner in activities:
        assert (owner_type, owner) in bindings[act]
        on_deal = any(t == 2 for t, _ in bindings[act])
        # the leads' and clients' own activities (generate_leads.py) are bound to their owner alone
        assert on_deal or (owner_type in (1, 3, 4) and bindings[act] == {(owner_type, owner)}), act


def test_a_small_share_of_activities_is_owned_by_a_contact_but_bound_to_a_deal(db):
    on_deals = "ID in (select ACTIVITY_ID from activity_bindings where OWNER_TYPE_ID = 2)"
    total = db.execute(f"select count(*) from activities where {on_deals}").fetchone()[0]
    by_contact = db.execute(f"select count(*) from activities where OWNER_TYPE_ID = 3 and {on_deals}")
    by_contact = by_contact.fetchone()[0]
    assert 0.01 * total < by_contact < 0.06 * total


def test_stage_history_matches_each_deal(db):
    history = defaultdict(list)
    for row in db.execute("select * from stage_history where ENTITY_TYPE_ID = 2 order by CREATED_TIME, ID"):
        history[row["OWNER_ID"]].append(row)
    deals = db.execute("select * from deals").fetchall()
    assert set(history) == {d["ID"] for d in deals}
    for d in deals:
        rows = history[d["ID"]]
        first, last = rows[0], rows[-1]
        assert first["TYPE_ID"] == 1 and first["CREATED_TIME"] == d["DATE_CREATE"]
        assert (last["STAGE_ID"], last["CATEGORY_ID"], last["STAGE_SEMANTIC_ID"]) == (
            d["STAGE_ID"],
            d["CATEGORY_ID"],
            d["STAGE_SEMANTIC_ID"],
        )
        assert last["CREATED_TIME"] == d["MOVED_TIME"]
        for prev, row in zip(rows, rows[1:], strict=False):
            expected = (
                5
                if row["CATEGORY_ID"] != prev["CATEGORY_ID"]
                else 3
                if row["STAGE_SEMANTIC_ID"] != "P"
                else 2
            )
            assert row["TYPE_ID"] == expected
        assert sum(r["TYPE_ID"] == 3 for r in rows) == (d["STAGE_SEMANTIC_ID"] != "P")


def test_deal_stages_exist_in_their_pipeline(db):
    stages = {
        (r[0], r[1])
        for r in db.execute(
            "select coalesce(CATEGORY_ID, 0), STATUS_ID from statuses where ENTITY_ID like 'DEAL_STAGE%'"
        )
    }
    semantics = {
        r[0]: r[1] or "P"
        for r in db.execute("select STATUS_ID, SEMANTICS from statuses where ENTITY_ID like 'DEAL_STAGE%'")
    }
    for d in db.execute("select CATEGORY_ID, STAGE_ID, STAGE_SEMANTIC_ID, CLOSED from deals"):
        assert (d[0], d[1]) in stages
        assert semantics[d[1]] == d[2]
        assert d[3] == ("N" if d[2] == "P" else "Y")


def test_some_deals_changed_pipeline(db):
    assert db.execute("select count(*) from stage_history where TYPE_ID = 5").fetchone()[0] > 0
    assert db.execute("select count(distinct CATEGORY_ID) from deals").fetchone()[0] == 3
    # a two-digit pipeline's default stage id is cut at 21 characters, as on a portal
    assert db.execute("select count(*) from deals where STAGE_ID = 'C12:PREPAYMENT_INVOIC'").fetchone()[0] > 0


def test_invoices_point_at_deals_and_their_history_matches(db):
    deals = _ids(db, "select ID from deals")
    last = {}
    for row in db.execute(
        "select OWNER_ID, STAGE_ID from stage_history where ENTITY_TYPE_ID = 31 order by CREATED_TIME, ID"
    ):
        last[row[0]] = row[1]
    for inv in db.execute("select ID, PARENT_ID_2, STAGE_ID, CATEGORY_ID from invoices"):
        assert inv[1] in deals
        assert last[inv[0]] == inv[2]
        assert inv[2].startswith(f"DT31_{inv[3]}:")


def test_deal_timestamps_agree_with_activities(db):
    now = NOW.isoformat()
    latest = defaultdict(str)
    for deal, created, updated, completed in db.execute(
        "select b.OWNER_ID, a.CREATED, a.LAST_UPDATED, a.COMPLETED from activities a "
        "join activity_bindings b on b.ACTIVITY_ID = a.ID and b.OWNER_TYPE_ID = 2"
    ):
        seen = updated if completed == "Y" else created
        if seen <= now:
            latest[deal] = max(latest[deal], seen)
    for d in db.execute("select * from deals where IS_RECURRING = 'N'"):
        assert d["DATE_CREATE"] <= d["MOVED_TIME"] <= d["DATE_MODIFY"] <= now
        assert d["LAST_ACTIVITY_TIME"] == (latest.get(d["ID"]) or d["DATE_CREATE"])


def test_nothing_completed_or_created_after_now(db):
    now = NOW.isoformat()
    rows = db.execute(
        "select count(*) from activities where CREATED > ? or LAST_UPDATED > ? "
        "or (COMPLETED = 'Y' and END_TIME > ?)",
        (now, now, now),
    ).fetchone()[0]
    assert rows == 0
    assert db.execute("select count(*) from activities where CREATED > LAST_UPDATED").fetchone()[0] == 0
    assert db.execute("select count(*) from stage_history where CREATED_TIME > ?", (now,)).fetchone()[0] == 0


def test_directories(db):
    for entity in ("DEAL_STAGE", "DEAL_STAGE_3", "DEAL_STAGE_12"):
        sems = [r[0] for r in db.execute("select SEMANTICS from statuses where ENTITY_ID = ?", (entity,))]
        assert sems.count("S") == 1 and sems.count("F") >= 2
        codes = [r[0] for r in db.execute("select STATUS_ID from statuses where ENTITY_ID = ?", (entity,))]
        assert any("UC_" in c for c in codes)
    assert (
        db.execute("select count(*) from statuses where ENTITY_ID = 'SMART_INVOICE_STAGE_1'").fetchone()[0]
        == 4
    )
    assert (
        db.execute("select count(*) from statuses where ENTITY_ID in ('DEAL_TYPE', 'SOURCE')").fetchone()[0]
        > 5
    )
    cats = {(r[0], r[1]) for r in db.execute("select ENTITY_TYPE_ID, ID from categories")}
    assert cats == {(2, 0), (2, 3), (2, 12), (31, 1)}
    assert db.execute("select CATEGORY_ID from statuses where ENTITY_ID = 'DEAL_STAGE'").fetchone()[0] is None


def test_people(db):
    owners = _ids(db, "select distinct ASSIGNED_BY_ID from deals")
    users = _ids(db, "select ID from users")
    assert owners <= users and len(owners) >= 10
    dismissed = _ids(db, "select ID from users where ACTIVE = 0")
    assert len(dismissed) == 1
    open_of_dismissed = db.execute(
        "select count(*) from deals where STAGE_SEMANTIC_ID = 'P' and ASSIGNED_BY_ID = ?", (dismissed.pop(),)
    ).fetchone()[0]
    assert open_of_dismissed > 0
    depts = db.execute("select ID, PARENT, UF_HEAD from departments").fetchall()
    assert len(depts) >= 4 and all(d[2] in users for d in depts)
    assert sum(d[1] is None for d in depts) == 1
