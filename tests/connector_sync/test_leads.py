"""Leads, contacts, companies and the activities they own, over HTTP against the small sandbox: a full sync
brings exactly the store's records (phones and e-mails typed into `multifields`), an incremental one only
what changed, a sweep the deletions; every stream at the keyset minimum; a bad record costs only itself."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest

from .conftest import db_rows, portal_now, store_rows, sync

pytestmark = pytest.mark.slow

TABLES = {"leads": "leads", "contacts": "contacts", "companies": "companies"}
TYPE_OF = {"leads": 1, "contacts": 3, "companies": 4}


def minimum(rows: int) -> int:
    """Requests of one keyset pass (paginate.iter_fast): one plain call of 50 rows, and when that page is
    full, batches of 50 chained pages (2,500 rows) until a short page, so 1 + rows/2,500 rounded up."""
    return 1 if rows < 50 else 2 + (rows - 50) // 2500


def store_multifields(sandbox) -> set[tuple]:
    """Every PHONE / EMAIL value of the store, read from its JSON text directly."""
    out = set()
    for table, type_id in TYPE_OF.items():
        for entity_id, phones, emails in store_rows(sandbox, f'select "ID", "PHONE", "EMAIL" from {table}'):
            for stored in (phones, emails):
                for item in json.loads(stored) if stored else []:
                    out.add(
                        (
                            type_id,
                            entity_id,
                            int(item["ID"]),
                            item["TYPE_ID"],
                            item["VALUE_TYPE"],
                            item["VALUE"],
                        )
                    )
    return out


def our_multifields(db) -> set[tuple]:
    return set(
        db_rows(db, "select entity_type_id, entity_id, id, type_id, value_type, value from multifields")
    )


def test_full_sync_brings_every_lead_contact_company_and_their_activities(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    result = sync(sandbox, db)
    assert result.status == "ok" and result.mode == "full"
    for table in TABLES:
        portal = [r[0] for r in store_rows(sandbox, f'select "ID" from {table} order by 1')]
        assert [r[0] for r in db_rows(db, f"select id from {table} order by 1")] == portal, table
        assert result.rows[table] == len(portal)
        assert result.requests[table] == minimum(len(portal)), table
    # the phones and e-mails, as written on the portal (`+7 (912) 345-67-89`, `Ivan@Mail.RU `)
    assert our_multifields(db) == store_multifields(sandbox)
    assert db_rows(db, "select count(*) from multifields where value <> trim(value)")[0][0] > 0
    # activities a lead, a contact or a company owns: one keyset pass (`@OWNER_TYPE_ID`), at its minimum
    per_type = dict(
        store_rows(
            sandbox,
            'select "OWNER_TYPE_ID", count(*) from activities where "OWNER_TYPE_ID" in (1, 3, 4) group by 1',
        )
    )
    assert set(per_type) == {1, 3, 4}
    assert result.requests["entity_activities"] == minimum(sum(per_type.values()))
    owned = store_rows(
        sandbox,
        'select "ID", "OWNER_TYPE_ID", "OWNER_ID" from activities '
        'where "OWNER_TYPE_ID" in (1, 3, 4) order by 1',
    )
    assert db_rows(db, "select id, owner_type_id, owner_id from entity_activities order by 1") == owned
    assert (
        db_rows(db, "select activity_id, owner_type_id, owner_id from entity_activity_bindings order by 1")
        == owned
    )
    # typed: a converted lead's close time and amount, the contact's company
    lead_id, closed, amount = store_rows(
        sandbox,
        """select "ID", "DATE_CLOSED", "OPPORTUNITY" from leads
                                                   where "STATUS_ID" = 'CONVERTED' and "OPPORTUNITY" <> '0.00'
                                                   order by 1 limit 1""",
    )[0]
    from connectors.bitrix24.parse import to_datetime

    ours = db_rows(
        db, "select status_semantic_id, date_closed, opportunity from leads where id = ?", [lead_id]
    )
    assert ours == [("S", to_datetime(closed), Decimal(amount))]
    assert db_rows(db, "select count(*) from leads where company_id = 0")[0][0] == 0  # "0" is no company
    # the directories ride in the first batch: no request of their own
    assert db_rows(db, "select status_id, semantics from lead_statuses order by sort") == [
        ("NEW", "P"),
        ("IN_PROCESS", "P"),
        ("PROCESSED", "P"),
        ("CONVERTED", "S"),
        ("JUNK", "F"),
    ]
    assert {r[0] for r in db_rows(db, "select status_id from sources")} >= {"CALL", "EMAIL", "WEB", "PARTNER"}
    assert result.requests["meta"] == 3  # as before: the batch, the stage batch, the user-field list


def change(sandbox, sql: str, args=()) -> None:
    conn = sqlite3.connect(str(sandbox.store_path))
    with conn:
        conn.execute(sql, args)
    conn.close()


def test_incremental_brings_changes_and_the_sweep_deletions(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    watermarks = dict(db_rows(db, "select stream, watermark from sync_state"))
    stamp = portal_now(sandbox).isoformat()
    lead = store_rows(sandbox, """select "ID" from leads where "STATUS_ID" = 'NEW' order by 1 limit 1""")[0][
        0
    ]
    phones = json.dumps(
        [{"ID": "99001", "VALUE_TYPE": "MOBILE", "VALUE": "8 912 345 6789", "TYPE_ID": "PHONE"}]
    )
    change(
        sandbox,
        """update leads set "STATUS_ID" = 'JUNK', "STATUS_SEMANTIC_ID" = 'F', "DATE_MODIFY" = ?,
                       "PHONE" = ?, "EMAIL" = null where "ID" = ?""",
        [stamp, phones, lead],
    )
    gone = store_rows(sandbox, 'select "ID" from contacts where "PHONE" is not null order by 1 desc limit 1')[
        0
    ][0]
    change(sandbox, 'delete from contacts where "ID" = ?', [gone])
    result = sync(sandbox, db)
    assert result.mode == "incremental"
    # one pass each over the rows changed since the watermark (less the overlap): one request for fewer
    # than 50 (a store built minutes ago has more activities than that in the last ten minutes), no sweep
    # yet (the last clean one is fresh)
    for stream in ("leads", "contacts", "companies", "entity_activities"):
        assert result.requests[stream] == minimum(result.rows[stream]), stream
    assert result.requests["leads"] == result.requests["contacts"] == result.requests["companies"] == 1
    assert not any(k.endswith("_sweep") for k in result.requests)
    assert result.rows["leads"] >= 1
    assert db_rows(db, "select status_id, status_semantic_id from leads where id = ?", [lead]) == [
        ("JUNK", "F")
    ]
    assert db_rows(
        db,
        "select id, type_id, value_type, value from multifields where entity_type_id = 1 and entity_id = ?",
        [lead],
    ) == [(99001, "PHONE", "MOBILE", "8 912 345 6789")]  # the old phone and the e-mail went with the update
    later = dict(db_rows(db, "select stream, watermark from sync_state"))
    assert all(later[s] > watermarks[s] for s in ("leads", "contacts", "companies", "entity_activities"))
    assert db_rows(db, "select count(*) from contacts where id = ?", [gone]) == [(1,)]
    # the sweep: one ID-only pass per stream
    swept = sync(sandbox, db, sweep_every=timedelta(0))
    contacts = store_rows(sandbox, "select count(*) from contacts")[0][0]
    assert swept.requests["contacts_sweep"] == minimum(contacts)
    per_type = dict(
        store_rows(
            sandbox,
            'select "OWNER_TYPE_ID", count(*) from activities where "OWNER_TYPE_ID" in (1, 3, 4) group by 1',
        )
    )
    assert swept.requests["entity_activities_sweep"] == minimum(sum(per_type.values()))
    assert db_rows(db, "select count(*) from contacts where id = ?", [gone]) == [(0,)]
    assert db_rows(
        db, "select count(*) from multifields where entity_type_id = 3 and entity_id = ?", [gone]
    ) == [(0,)]
    assert our_multifields(db) == store_multifields(sandbox)


def test_a_deleted_leads_activity_goes_with_the_sweep(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    activity = store_rows(sandbox, 'select min("ID") from activities where "OWNER_TYPE_ID" = 1')[0][0]
    change(sandbox, 'delete from activities where "ID" = ?', [activity])
    change(sandbox, 'delete from activity_bindings where "ACTIVITY_ID" = ?', [activity])
    sync(sandbox, db, sweep_every=timedelta(0))
    assert db_rows(db, "select count(*) from entity_activities where id = ?", [activity]) == [(0,)]
    assert db_rows(db, "select count(*) from entity_activity_bindings where activity_id = ?", [activity]) == [
        (0,)
    ]


def test_a_bad_lead_is_rejected_alone(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    first, second = (r[0] for r in store_rows(sandbox, 'select "ID" from leads order by 1 limit 2'))
    change(sandbox, 'update leads set "DATE_CREATE" = ? where "ID" = ?', ["0001-01-01T00:00:00+03:00", first])
    change(sandbox, 'update leads set "PHONE" = ? where "ID" = ?', ['"+7 912 000 00 00"', second])
    result = sync(sandbox, db)
    assert result.status == "ok"
    rejected = {entry["id"]: entry for entry in result.rejected["leads"]}
    assert rejected[str(first)]["field"] == "DATE_CREATE"
    assert rejected[str(first)]["error"].startswith("date out of range")
    assert rejected[str(second)] == {
        "id": str(second),
        "field": "PHONE",
        "error": "not a list of multi-field values: '+7 912 000 00 00'",
    }
    total = store_rows(sandbox, "select count(*) from leads")[0][0]
    assert db_rows(db, "select count(*) from leads")[0][0] == total - 2
    assert db_rows(
        db,
        "select count(*) from multifields where entity_type_id = 1 and entity_id in (?, ?)",
        [first, second],
    ) == [(0,)]
