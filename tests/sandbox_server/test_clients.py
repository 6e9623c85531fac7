"""Clients written for real portals work against the sandbox unchanged."""

from __future__ import annotations

import warnings

from fast_bitrix24 import Bitrix


def test_fast_bitrix24_get_all_deals_and_activities(sandbox, db):
    bx = Bitrix(sandbox.webhook_url, verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # fb24 warns when total and rows disagree
        deals = bx.get_all("crm.deal.list", {"select": ["ID", "TITLE", "STAGE_ID"]})
        activities = bx.get_all("crm.activity.list", {"select": ["ID"], "filter": {"OWNER_TYPE_ID": 2}})
    expected = [r[0] for r in db.execute("select ID from deals where IS_RECURRING = 'N' order by ID")]
    assert sorted(int(d["ID"]) for d in deals) == expected
    assert sorted(int(a["ID"]) for a in activities) == [
        r[0] for r in db.execute("select ID from activities where OWNER_TYPE_ID = 2 order by ID")
    ]


def test_fast_bitrix24_call_and_batch(sandbox, db):
    bx = Bitrix(sandbox.webhook_url, verbose=False)
    deal = bx.call("crm.deal.get", {"id": 5})  # fb24 sends it as a one-command batch
    deal = deal.get("order0000000000", deal)  # fb24 1.8 keeps its own batch key on single dict results
    assert deal["ID"] == "5"
    raw = bx.call("crm.deal.get", {"id": 5}, raw=True)  # a plain POST, reply returned as is
    assert raw["result"]["ID"] == "5" and "operating" in raw["time"]
    users = bx.get_all("user.get")
    assert len(users) == db.execute("select count(*) from users").fetchone()[0]
    stages = bx.get_all("crm.stagehistory.list", {"entityTypeId": 2, "filter": {"OWNER_ID": 5}})
    assert [s["ID"] for s in stages] == [
        r[0]
        for r in db.execute(
            "select ID from stage_history where ENTITY_TYPE_ID = 2 and OWNER_ID = 5 order by ID"
        )
    ]


def test_fast_bitrix24_get_all_smart_invoices(sandbox, db):
    bx = Bitrix(sandbox.webhook_url, verbose=False)
    items = bx.get_all("crm.item.list", {"entityTypeId": 31, "select": ["id", "parentId2"]})
    assert sorted(i["id"] for i in items) == [r[0] for r in db.execute("select ID from invoices order by ID")]
