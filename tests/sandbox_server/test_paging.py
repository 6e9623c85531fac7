"""Pages of 50, start floored to a page, next only while rows remain, start=-1 without a count."""

from __future__ import annotations

from .conftest import call, ids


def visible_deal_ids(db) -> list[int]:
    return [r[0] for r in db.execute("select ID from deals where IS_RECURRING = 'N' order by ID")]


def test_offset_pages_cover_every_visible_deal_once(client, db):
    expected = visible_deal_ids(db)
    assert len(expected) > 300
    seen: list[int] = []
    start = 0
    pages = 0
    while True:
        reply = call(client, "crm.deal.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": start})
        assert reply["total"] == len(expected)
        assert len(reply["result"]) <= 50
        seen += ids(reply["result"])
        pages += 1
        if "next" not in reply:
            break
        assert reply["next"] == start + 50
        start = reply["next"]
    assert seen == expected
    assert pages == -(-len(expected) // 50)
    assert len(reply["result"]) == len(expected) - 50 * (pages - 1)


def test_start_is_floored_to_a_page(client):
    at_50 = call(client, "crm.deal.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": 50})
    at_73 = call(client, "crm.deal.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": 73})
    at_99 = call(client, "crm.deal.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": "99"})
    assert ids(at_73["result"]) == ids(at_50["result"]) == ids(at_99["result"])
    assert at_73["next"] == 100


def test_start_minus_one_has_no_count_and_no_next(client, db):
    reply = call(client, "crm.deal.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": -1})
    assert "next" not in reply and reply.get("total", 0) == 0
    assert ids(reply["result"]) == visible_deal_ids(db)[:50]


def test_keyset_export_with_start_minus_one(client, db):
    last, seen = 0, []
    while True:
        page = call(
            client,
            "crm.activity.list",
            {"order": {"ID": "ASC"}, "filter": {">ID": last}, "select": ["ID"], "start": -1},
        )["result"]
        seen += ids(page)
        if len(page) < 50:
            break
        last = int(page[-1]["ID"])
    assert seen == [r[0] for r in db.execute("select ID from activities order by ID")]


def test_last_page_has_no_next_and_beyond_the_end_is_empty(client, db):
    total = len(visible_deal_ids(db))
    last_start = (total - 1) // 50 * 50
    reply = call(client, "crm.deal.list", {"order": {"ID": "ASC"}, "select": ["ID"], "start": last_start})
    assert "next" not in reply and len(reply["result"]) == total - last_start
    beyond = call(client, "crm.deal.list", {"select": ["ID"], "start": last_start + 500})
    assert beyond["result"] == [] and beyond["total"] == total and "next" not in beyond


def test_activity_default_order_is_start_time(client, db):
    reply = call(client, "crm.activity.list", {"select": ["ID", "START_TIME"]})
    expected = [r[0] for r in db.execute("select ID from activities order by START_TIME, ID limit 50")]
    assert ids(reply["result"]) == expected


def test_order_desc_on_any_field(client, db):
    reply = call(client, "crm.deal.list", {"order": {"OPPORTUNITY": "DESC"}, "select": ["ID", "OPPORTUNITY"]})
    amounts = [float(r["OPPORTUNITY"]) for r in reply["result"]]
    assert amounts == sorted(amounts, reverse=True)
    top = db.execute("select max(cast(OPPORTUNITY as real)) from deals where IS_RECURRING = 'N'").fetchone()[
        0
    ]
    assert amounts[0] == top
