"""Every documented filter operator, typed comparisons, select masks, and the classic silent-drop trap."""

from __future__ import annotations

from datetime import UTC

import pytest

from .conftest import call, ids


def deal_ids(client, filt: dict, **extra) -> list[int]:
    """All matching deal ids (offset paging, following `next`)."""
    out, start = [], 0
    while start is not None:
        params = {"filter": filt, "order": {"ID": "ASC"}, "select": ["ID"], "start": start, **extra}
        reply = call(client, "crm.deal.list", params)
        out += ids(reply["result"])
        start = reply.get("next")
    return out


def sql_ids(db, where: str, args: tuple = ()) -> list[int]:
    return [
        r[0]
        for r in db.execute(f"select ID from deals where IS_RECURRING = 'N' and ({where}) order by ID", args)
    ]


@pytest.mark.parametrize(
    ("key", "value", "where", "args"),
    [
        (">=ID", 120, "ID >= 120", ()),
        (">ID", "99", "ID > 99", ()),  # numeric: "99" is not compared as text
        ("<=ID", 10, "ID <= 10", ()),
        ("<ID", "9", "ID < 9", ()),
        ("@ID", [3, 5, 150], "ID in (3, 5, 150)", ()),
        ("!@ID", list(range(1, 390)), "ID not in (" + ", ".join(map(str, range(1, 390))) + ")", ()),
        ("=ASSIGNED_BY_ID", 5, "ASSIGNED_BY_ID = 5", ()),
        ("ASSIGNED_BY_ID", "5", "ASSIGNED_BY_ID = 5", ()),
        ("!=ASSIGNED_BY_ID", 5, "ASSIGNED_BY_ID <> 5", ()),
        ("!ASSIGNED_BY_ID", 5, "ASSIGNED_BY_ID <> 5", ()),
        ("%TITLE", "вентиляц", "TITLE like '%вентиляц%'", ()),
        ("=%TITLE", "Монтаж%", "TITLE like 'Монтаж%'", ()),
        ("%=TITLE", "%лицо", "TITLE like '%лицо'", ()),
        (">OPPORTUNITY", "50000", "cast(OPPORTUNITY as real) > 50000", ()),
        ("STAGE_SEMANTIC_ID", "S", "STAGE_SEMANTIC_ID = 'S'", ()),
    ],
)
def test_operator(client, db, key, value, where, args):
    expected = sql_ids(db, where, args)
    assert expected, "the fixture must have rows for this case"
    assert deal_ids(client, {key: value}) == expected


def test_datetime_filter_compares_instants_whatever_the_offset(client, db):
    moment = db.execute("select DATE_MODIFY from deals order by DATE_MODIFY limit 1 offset 150").fetchone()[0]
    expected = sql_ids(db, "DATE_MODIFY >= ?", (moment,))
    # the same instant written in UTC and in +05:00
    from datetime import datetime, timedelta, timezone

    instant = datetime.fromisoformat(moment)
    for tz in (UTC, timezone(timedelta(hours=5))):
        assert deal_ids(client, {">=DATE_MODIFY": instant.astimezone(tz).isoformat()}) == expected
    assert 0 < len(expected) < 398


def test_date_field_filter_and_rendering(client, db):
    day = db.execute("select CLOSEDATE from deals where CLOSEDATE is not null limit 1 offset 40").fetchone()[
        0
    ]
    expected = sql_ids(db, "CLOSEDATE <= ?", (day,))
    assert deal_ids(client, {"<=CLOSEDATE": f"{day}T00:00:00+03:00"}) == expected
    row = call(client, "crm.deal.list", {"filter": {"=ID": expected[0]}, "select": ["CLOSEDATE"]})["result"][
        0
    ]
    stored = db.execute("select CLOSEDATE from deals where ID = ?", (expected[0],)).fetchone()[0]
    assert row["CLOSEDATE"] == f"{stored}T00:00:00+03:00"


def test_like_on_a_status_field_becomes_exact_match(client, db):
    assert deal_ids(client, {"%STAGE_ID": "WO"}) == []  # would match C3:WON / WON as a substring
    assert deal_ids(client, {"%STAGE_ID": "WON"}) == sql_ids(db, "STAGE_ID = 'WON'")


def test_unknown_filter_key_is_dropped_silently(client, db):
    everything = sql_ids(db, "1")
    assert deal_ids(client, {"ASSIGNED_BY": 5}) == everything  # typo for ASSIGNED_BY_ID


def test_lower_case_parameter_names_and_filter_keys(client, db):
    reply = call(
        client, "crm.deal.list", {"FILTER": {"=assigned_by_id": 5}, "SELECT": ["ID"], "ORDER": {"id": "desc"}}
    )
    assert ids(reply["result"]) == sorted(sql_ids(db, "ASSIGNED_BY_ID = 5"), reverse=True)[:50]


def test_empty_value_means_null(client, db):
    assert deal_ids(client, {"=LEAD_ID": ""}) == sql_ids(db, "LEAD_ID is null")
    assert deal_ids(client, {"!CLOSEDATE": ""}) == sql_ids(db, "CLOSEDATE is not null")


def test_select_masks(client, db):
    uf_names = [r[0] for r in db.execute("select FIELD_NAME from deal_userfields order by SORT")]
    star = call(client, "crm.deal.list", {"select": ["*"], "start": -1})["result"][0]
    assert "TITLE" in star and not any(k.startswith("UF_") for k in star)
    uf = call(client, "crm.deal.list", {"select": ["UF_*"], "start": -1})["result"][0]
    assert sorted(uf) == sorted(uf_names)
    default = call(client, "crm.deal.list", {"start": -1})["result"][0]
    assert set(default) == set(star) | set(uf)
    named = call(client, "crm.deal.list", {"select": ["ID", "TITLE", "NO_SUCH_FIELD"], "start": -1})[
        "result"
    ][0]
    assert list(named) == ["ID", "TITLE"]


def test_classic_values_are_strings_null_and_flags(client, db):
    row = call(client, "crm.deal.list", {"filter": {"=ID": 1}})["result"][0]
    stored = dict(db.execute("select * from deals where ID = 1").fetchone())
    assert row["ID"] == "1" and row["CATEGORY_ID"] == str(stored["CATEGORY_ID"])
    assert row["OPPORTUNITY"] == stored["OPPORTUNITY"] and "." in row["OPPORTUNITY"]
    assert row["IS_RECURRING"] in {"Y", "N"} and row["DATE_CREATE"].endswith("+03:00")
    for name, value in stored.items():
        if value is None and name in row:
            assert row[name] is None


def test_recurring_templates_hidden_unless_asked(client, db):
    templates = [r[0] for r in db.execute("select ID from deals where IS_RECURRING = 'Y' order by ID")]
    assert templates
    assert not set(templates) & set(deal_ids(client, {}))
    assert deal_ids(client, {"IS_RECURRING": "Y"}) == templates
    assert ids(call(client, "crm.deal.list", {"filter": {"@ID": templates}})["result"]) == templates
    assert ids(call(client, "crm.deal.list", {"filter": {"ID": templates[0]}})["result"]) == templates[:1]
    assert (
        call(client, "crm.deal.list", {"filter": {">=ID": templates[0], "<=ID": templates[0]}})["result"]
        == []
    )
    assert call(client, "crm.deal.get", {"id": templates[0]})["result"]["IS_RECURRING"] == "Y"


def test_bindings_filter_matches_activity_bindings(client, db):
    # a deal with an activity bound to it whose main owner is something else (a contact)
    deal_id = db.execute("""select a.OWNER_ID
                            from activity_bindings a join activities t on t.ID = a.ACTIVITY_ID
                            where a.OWNER_TYPE_ID = 2 and t.OWNER_TYPE_ID <> 2 limit 1""").fetchone()[0]
    expected = sorted(
        r[0]
        for r in db.execute(
            "select ACTIVITY_ID from activity_bindings where OWNER_TYPE_ID = 2 and OWNER_ID = ?", (deal_id,)
        )
    )
    reply = call(
        client,
        "crm.activity.list",
        {
            "filter": {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": deal_id}]},
            "order": {"ID": "ASC"},
            "select": ["ID", "OWNER_ID"],
        },
    )
    assert ids(reply["result"]) == expected
    by_owner = call(
        client, "crm.activity.list", {"filter": {"OWNER_TYPE_ID": 2, "OWNER_ID": deal_id}, "select": ["ID"]}
    )
    assert set(ids(by_owner["result"])) < set(expected)  # OWNER_ID alone misses the bound activity


def test_bindings_filter_with_many_pairs_and_not_owned_by_a_deal(client, db):
    """What the connector's deal square relies on (connectors/bitrix24/bindings.py): many pairs OR-ed, one
    row per matching binding (the docs' example: bound to the deal and the contact named, listed twice), and
    `!OWNER_TYPE_ID` leaving out the activities a deal owns."""
    activity, deal, contact = db.execute("""select t.ID, a.OWNER_ID, t.OWNER_ID
                                           from activity_bindings a join activities t on t.ID = a.ACTIVITY_ID
                                           where a.OWNER_TYPE_ID = 2 and t.OWNER_TYPE_ID = 3
                                           order by t.ID limit 1""").fetchone()
    deals = [deal] + [r[0] for r in db.execute("select ID from deals where ID != ? order by ID limit 29",
                                               (deal,))]
    expected = [r[0] for r in db.execute(
        f"""
        -- one row per binding to the deals or the contact named, of activities a deal does not own
        select b.ACTIVITY_ID
        from activity_bindings b
        join activities t on t.ID = b.ACTIVITY_ID
        where ((b.OWNER_TYPE_ID = 2 and b.OWNER_ID in ({", ".join("?" * len(deals))}))
               or (b.OWNER_TYPE_ID = 3 and b.OWNER_ID = ?))
          and t.OWNER_TYPE_ID != 2
        order by b.ACTIVITY_ID
        """, (*deals, contact))]
    pairs = [{"OWNER_TYPE_ID": 2, "OWNER_ID": d} for d in deals] + [{"OWNER_TYPE_ID": 3, "OWNER_ID": contact}]
    reply = call(client, "crm.activity.list", {"filter": {"BINDINGS": pairs, "!OWNER_TYPE_ID": 2},
                                               "order": {"ID": "ASC"}, "select": ["ID"], "start": -1})
    assert ids(reply["result"]) == expected
    assert expected.count(activity) == 2 and len(expected) < 50


def test_binding_list_returns_pairs(client, db):
    act_id = db.execute(
        "select ACTIVITY_ID from activity_bindings group by 1 having count(*) > 1"
    ).fetchone()[0]
    expected = [
        {"entityTypeId": r[0], "entityId": r[1]}
        for r in db.execute(
            "select OWNER_TYPE_ID, OWNER_ID from activity_bindings where ACTIVITY_ID = ? order by rowid",
            (act_id,),
        )
    ]
    assert len(expected) > 1
    assert call(client, "crm.activity.binding.list", {"activityId": act_id})["result"] == expected
