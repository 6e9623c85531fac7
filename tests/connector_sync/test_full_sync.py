"""A full sync of the `small` sandbox over HTTP, compared with the sandbox's own store row by row."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal

import pytest

from connectors.bitrix24.parse import to_date, to_datetime
from snapshot.schema import SCHEMA_VERSION
from tests.portal_moment import small_portal

from .conftest import db_rows, store_rows, sync

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synced(tmp_path_factory, small_store_cached):
    """One full sync shared by the read-only checks below (the portal is not changed here)."""
    tmp = tmp_path_factory.mktemp("full")
    store = tmp / "portal.sqlite"
    shutil.copyfile(small_store_cached, store)
    with small_portal(store) as sandbox:
        db = tmp / "crm.duckdb"
        result = sync(sandbox, db)
        yield sandbox, db, result


def test_counts_match_the_portal(synced):
    sandbox, db, result = synced
    assert result.status == "ok" and result.mode == "full"
    pairs = {
        "deals": 'select count(*) from deals',
        "activities": 'select count(distinct "ACTIVITY_ID") from activity_bindings where "OWNER_TYPE_ID" = 2',
        "activity_bindings": 'select count(*) from activity_bindings where "OWNER_TYPE_ID" = 2',
        "stage_history": 'select count(*) from stage_history where "ENTITY_TYPE_ID" = 2',
        "invoices": "select count(*) from invoices",
        "users": "select count(*) from users",
        "departments": "select count(*) from departments",
        "currencies": "select count(*) from currencies",
        "deal_user_fields": "select count(*) from deal_userfields",
        "pipelines": "select count(*) from categories",
    }
    for table, sql in pairs.items():
        expected = store_rows(sandbox, sql)[0][0]
        found = db_rows(db, f"select count(*) from {table}")[0][0]
        assert found == expected > 0, table
    stages = store_rows(sandbox, "select count(*) from statuses where \"ENTITY_ID\" like 'DEAL_STAGE%' "
                                 "or \"ENTITY_ID\" like 'SMART_INVOICE_STAGE%'")[0][0]
    assert db_rows(db, "select count(*) from stages")[0][0] == stages


def test_deals_match_value_by_value(synced):
    sandbox, db, _ = synced
    portal = store_rows(sandbox, 'select "ID", "OPPORTUNITY", "CLOSEDATE", "DATE_MODIFY", "IS_RECURRING", '
                                 '"STAGE_ID", "CATEGORY_ID", "ASSIGNED_BY_ID", "UF_CRM_LOSS_REASON" '
                                 'from deals order by "ID"')
    ours = db_rows(db, "select id, opportunity, closedate, epoch_us(date_modify), is_recurring, stage_id, "
                       "category_id, assigned_by_id, uf_crm_loss_reason from deals order by id")
    assert len(ours) == len(portal)
    for (pid, opp, close, modified, recurring, stage, cat, who, loss), row in zip(portal, ours, strict=True):
        assert row[0] == pid
        assert row[1] == (Decimal(opp).quantize(Decimal("0.01")) if opp is not None else None)
        assert row[2] == to_date(close)
        assert row[3] == int(to_datetime(modified).timestamp() * 1_000_000)
        assert row[4] is (recurring == "Y")
        assert (row[5], row[6], row[7], row[8]) == (stage, cat, who or None, loss)


def test_recurring_templates_are_kept_and_flagged(synced):
    sandbox, db, _ = synced
    templates = store_rows(sandbox, "select \"ID\" from deals where \"IS_RECURRING\" = 'Y' order by 1")
    assert templates, "the sandbox should have recurring templates"
    assert db_rows(db, "select id from deals where is_recurring order by 1") == templates


def test_activity_bindings_include_activities_owned_by_contacts(synced):
    sandbox, db, result = synced
    portal = store_rows(sandbox, 'select "ACTIVITY_ID", "OWNER_ID" from activity_bindings '
                                 'where "OWNER_TYPE_ID" = 2 order by 1, 2')
    assert db_rows(db, "select activity_id, deal_id from activity_bindings order by 1, 2") == portal
    by_contact = store_rows(sandbox, 'select count(*) from activities a join activity_bindings b '
                                     'on b."ACTIVITY_ID" = a."ID" and b."OWNER_TYPE_ID" = 2 '
                                     'where a."OWNER_TYPE_ID" != 2')[0][0]
    assert by_contact > 0
    # The 400 deals laid out 20 x 20: the activities come with their row from 20 row listings (counted as
    # the activity export), their deal from 20 ID-only column listings of a few rows each, one batch
    # request. Asking crm.activity.binding.list for each of the 85 would take ceil(85 / 50) = 2.
    assert db_rows(db, "select count(*) from deals")[0][0] == 400
    assert result.requests["activity_bindings"] == 1 < -(-by_contact // 50)


def test_activity_values_and_no_deadline(synced):
    sandbox, db, _ = synced
    no_deadline = store_rows(sandbox, "select count(*) from activities where \"DEADLINE\" like '9999%'")[0][0]
    assert no_deadline > 0
    nulls = db_rows(db, "select count(*) from activities where deadline is null")[0][0]
    empty = store_rows(sandbox, "select count(*) from activities where \"DEADLINE\" is null")[0][0]
    assert nulls == no_deadline + empty
    sample = store_rows(sandbox, 'select "ID", "COMPLETED", "IS_INCOMING_CHANNEL", "DIRECTION" '
                                 'from activities order by "ID" limit 50')
    ours = db_rows(db, "select id, completed, is_incoming_channel, direction "
                       "from activities order by id limit 50")
    assert ours == [(i, c == "Y", inc == "Y" if inc else None, d) for i, c, inc, d in sample]


def test_user_fields_typed_columns_and_options(synced):
    _, db, _ = synced
    types = dict(db_rows(db, "select column_name, data_type from information_schema.columns "
                             "where table_name = 'deals' and column_name like 'uf_%'"))
    assert types["uf_crm_loss_reason"] == "BIGINT"
    options = db_rows(db, "select len(options) from deal_user_fields "
                          "where column_name = 'uf_crm_loss_reason'")
    assert options[0][0] >= 3
    # every enumeration value maps to an option
    orphans = db_rows(db, "select count(*) from deals d where uf_crm_loss_reason is not null and not exists ("
                          "select 1 from deal_user_fields f, unnest(f.options) as o(opt) "
                          "where f.column_name = 'uf_crm_loss_reason' and opt.id = d.uf_crm_loss_reason)")
    assert orphans == [(0,)]


def test_users_dismissed_included_and_meta(synced):
    sandbox, db, result = synced
    dismissed = store_rows(sandbox, "select count(*) from users where not \"ACTIVE\"")[0][0]
    assert dismissed >= 1
    assert db_rows(db, "select count(*) from users where not active")[0][0] == dismissed
    meta = dict(db_rows(db, "select key, value from meta"))
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["portal_url"] == sandbox.base_url
    assert meta["portal_utc_offset"] == "+03:00"
    assert meta["base_currency"] == store_rows(sandbox, "select \"CURRENCY\" from currencies "
                                                        "where \"BASE\" = 'Y'")[0][0]
    assert meta["last_sync_run_id"] == str(result.run_id)
    # the webhook's owner (/rest/<user>/<code>/: the sandbox's default webhook is user 1) is an admin
    # (queries.roles); only the user id is stored, never the code
    assert meta["webhook_user_id"] == "1"
    assert sandbox.webhook_url.rstrip("/").rsplit("/", 1)[-1] not in str(meta)


def test_sync_runs_and_state(synced):
    sandbox, db, result = synced
    run = db_rows(db, "select status, mode, rows, requests, rejected, error, portal from sync_runs")
    assert len(run) == 1
    status, mode, rows, requests, rejected, error, portal = run[0]
    assert (status, mode, error, json.loads(rejected)) == ("ok", "full", None, {})
    assert json.loads(rows)["deals"] == store_rows(sandbox, "select count(*) from deals")[0][0]
    # keyset export in batches: 1 plain call + 1 batch per 2,500 rows, plus the recurring pass
    assert json.loads(requests)["deals"] == 3
    assert "/rest/" not in portal
    state = db_rows(db, "select stream, watermark is not null, last_full_sweep is not null from sync_state "
                        "order by stream")
    assert state == [("activities", True, True), ("companies", True, True), ("contacts", True, True),
                     ("deals", True, True), ("entity_activities", True, True), ("invoices", True, True),
                     ("leads", True, True), ("stage_history", False, True)]
    # the daily deal snapshots are the job's after-sync step (contract 4), not the connector's: the table
    # is there, empty
    assert db_rows(db, "select count(*) from deal_snapshots") == [(0,)]
