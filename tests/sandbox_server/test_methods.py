"""The value forms and wrappers of each method, as the portal sends them."""

from __future__ import annotations

from .conftest import call, ids


def test_user_get_types_and_dismissed_users(client, db):
    users = call(client, "user.get")["result"]
    assert len(users) == db.execute("select count(*) from users").fetchone()[0]
    dismissed = [u for u in users if u["ACTIVE"] is False]
    assert dismissed and all(isinstance(u["ACTIVE"], bool) for u in users)
    assert all(isinstance(u["ID"], str) and isinstance(u["UF_DEPARTMENT"], list) for u in users)
    assert users[0]["TIMESTAMP_X"] == {} and isinstance(users[0]["UF_DEPARTMENT"][0], int)
    active = call(client, "user.get", {"FILTER": {"ACTIVE": True}})["result"]
    assert len(active) == len(users) - len(dismissed)
    desc = call(client, "user.get", {"sort": "ID", "order": "DESC"})["result"]
    assert ids(desc) == sorted(ids(users), reverse=True)
    dept = users[-1]["UF_DEPARTMENT"][0]
    in_dept = call(client, "user.get", {"filter": {"UF_DEPARTMENT": dept}})["result"]
    assert in_dept and all(dept in u["UF_DEPARTMENT"] for u in in_dept)
    assert ids(call(client, "user.get", {"ID": users[1]["ID"]})["result"]) == [int(users[1]["ID"])]


def test_department_get(client, db):
    rows = call(client, "department.get")["result"]
    assert len(rows) == db.execute("select count(*) from departments").fetchone()[0]
    root = [r for r in rows if "PARENT" not in r]
    assert len(root) == 1 and isinstance(rows[0]["SORT"], int) and isinstance(rows[0]["ID"], str)
    children = call(client, "department.get", {"PARENT": root[0]["ID"]})["result"]
    assert children and all(r["PARENT"] == root[0]["ID"] for r in children)


def test_category_list_for_deals_and_invoices(client, db):
    deals = call(client, "crm.category.list", {"entityTypeId": 2})
    cats = deals["result"]["categories"]
    assert (
        deals["total"]
        == len(cats)
        == db.execute("select count(*) from categories where ENTITY_TYPE_ID = 2").fetchone()[0]
    )
    assert cats[0]["id"] == 0 and cats[0]["isDefault"] == "Y" and isinstance(cats[0]["sort"], int)
    assert {c["isDefault"] for c in cats[1:]} == {"N"}
    assert "originId" not in cats[0] and cats[1]["originId"] == ""
    assert call(client, "crm.category.list", {"entityTypeId": 999}, status=400)["error"] == "NOT_FOUND"
    inv = call(client, "crm.category.list", {"entityTypeId": 31})["result"]["categories"]
    assert inv and inv[0]["entityTypeId"] == 31
    assert (
        call(client, "crm.category.list", {"entityTypeId": 1}, status=400)["error_description"]
        == "Entity type LEAD is not supported"
    )


def test_status_list_extra_only_for_deal_stages_and_lead_statuses(client, db):
    reply = call(client, "crm.status.list")
    rows = reply["result"]
    assert len(rows) == reply["total"] == db.execute("select count(*) from statuses").fetchone()[0]
    assert "next" not in reply  # no 50-row pages here
    for r in rows:
        assert ("EXTRA" in r) == (r["ENTITY_ID"].startswith("DEAL_STAGE") or r["ENTITY_ID"] == "STATUS")
        assert isinstance(r["SORT"], str)
    stages = call(
        client, "crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}, "order": {"SORT": "ASC"}}
    )
    sorts = [int(r["SORT"]) for r in stages["result"]]
    assert sorts == sorted(sorts) and all(r["CATEGORY_ID"] is None for r in stages["result"])
    assert {r["SEMANTICS"] for r in stages["result"]} == {None, "S", "F"}


def test_stagehistory_numbers_and_strict_fields(client, db):
    reply = call(
        client,
        "crm.stagehistory.list",
        {"entityTypeId": 2, "order": {"ID": "ASC"}, "filter": {">=OWNER_ID": 10}},
    )
    items = reply["result"]["items"]
    assert (
        reply["total"]
        == db.execute(
            "select count(*) from stage_history where ENTITY_TYPE_ID = 2 and OWNER_ID >= 10"
        ).fetchone()[0]
    )
    assert isinstance(items[0]["ID"], int) and isinstance(items[0]["OWNER_ID"], int)
    assert set(items[0]) == {
        "ID",
        "TYPE_ID",
        "OWNER_ID",
        "CREATED_TIME",
        "CATEGORY_ID",
        "STAGE_SEMANTIC_ID",
        "STAGE_ID",
    }
    for bad in ({"filter": {"ASSIGNED_BY_ID": 1}}, {"order": {"TITLE": "ASC"}}, {"select": ["ID", "NOPE"]}):
        err = call(client, "crm.stagehistory.list", {"entityTypeId": 2, **bad}, status=400)
        assert err["error"] == "INVALID_ARG_VALUE"
    invoices = call(client, "crm.stagehistory.list", {"entityTypeId": 31, "start": -1})["result"]["items"]
    assert invoices and invoices[0]["STAGE_ID"].startswith("DT31_")


def test_item_list_invoices(client, db):
    reply = call(client, "crm.item.list", {"entityTypeId": 31, "order": {"id": "ASC"}})
    items = reply["result"]["items"]
    assert reply["total"] == db.execute("select count(*) from invoices").fetchone()[0] and reply["next"] == 50
    first = items[0]
    assert isinstance(first["id"], int) and isinstance(first["opportunity"], float)
    assert first["opened"] in {"Y", "N"} and "parentId2" in first and "PARENT_ID_2" not in first
    paid = call(
        client,
        "crm.item.list",
        {"entityTypeId": 31, "filter": {"@parentId2": [first["parentId2"]]}, "select": ["id", "parentId2"]},
    )["result"]["items"]
    assert (
        paid
        and all(i["parentId2"] == first["parentId2"] for i in paid)
        and set(paid[0]) == {"id", "parentId2"}
    )
    upper = call(client, "crm.item.list", {"entityTypeId": 31, "filter": {"PARENT_ID_2": first["parentId2"]}})
    assert [i["id"] for i in upper["result"]["items"]] == [i["id"] for i in paid]  # UPPER names work too
    for bad in ({"filter": {"parentId": 1}}, {"order": {"nope": "ASC"}}):
        err = call(client, "crm.item.list", {"entityTypeId": 31, **bad}, status=400)
        assert err["error"] == "INVALID_ARG_VALUE"
    assert (
        call(client, "crm.item.list", {"entityTypeId": 5}, status=400)["error"] == "ENTITY_TYPE_NOT_SUPPORTED"
    )


def test_item_fields_and_deal_items(client):
    fields = call(client, "crm.item.fields", {"entityTypeId": 31})["result"]["fields"]
    assert fields["parentId2"]["upperName"] == "PARENT_ID_2" and fields["id"]["isReadOnly"] is True
    deal = call(client, "crm.item.list", {"entityTypeId": 2, "filter": {"id": 1}})["result"]["items"][0]
    assert deal["id"] == 1 and "createdTime" in deal and "assignedById" in deal


def test_deal_fields_userfields_and_currency(client, db):
    fields = call(client, "crm.deal.fields")["result"]
    assert fields["STAGE_ID"]["statusType"] == "DEAL_STAGE" and fields["ID"]["isReadOnly"] is True
    ufs = call(client, "crm.deal.userfield.list")["result"]
    enum = [u for u in ufs if u["USER_TYPE_ID"] == "enumeration"]
    assert enum and enum[0]["LIST"] and isinstance(enum[0]["LIST"][0]["ID"], str)
    assert fields[enum[0]["FIELD_NAME"]]["items"][0]["ID"] == enum[0]["LIST"][0]["ID"]
    currencies = call(client, "crm.currency.list")["result"]
    assert [c["BASE"] for c in currencies].count("Y") == 1 and all(
        isinstance(c["AMOUNT"], str) for c in currencies
    )


def test_activity_values_and_fields(client, db):
    row = call(client, "crm.activity.list", {"filter": {"=ID": 1}, "select": ["*"]})["result"][0]
    assert row["ID"] == "1" and row["COMPLETED"] in {"Y", "N"}
    none = db.execute("select count(*) from activities where DEADLINE like '9999-12-31%'").fetchone()[0]
    got = call(client, "crm.activity.list", {"filter": {">=DEADLINE": "9999-01-01T00:00:00+03:00"}})["total"]
    assert got == none > 0
    assert "BINDINGS" in call(client, "crm.activity.fields")["result"]


def test_profile_scope_methods(client):
    assert call(client, "profile")["result"]["ID"] == "1"
    assert call(client, "scope")["result"] == ["crm", "user", "department"]
    assert "crm.deal.list" in call(client, "methods")["result"]


def test_item_list_nested_or_filter_json_and_form(client, db):
    expected = [
        r[0] for r in db.execute("select ID from invoices where ID in (2, 7) or PARENT_ID_2 = 3 order by ID")
    ]
    filt = {"logic": "OR", "0": {"@id": [2, 7]}, "1": {"=parentId2": 3}}
    reply = call(client, "crm.item.list", {"entityTypeId": 31, "filter": filt, "select": ["id"]})
    assert [i["id"] for i in reply["result"]["items"]] == expected
    form = client.post(
        "crm.item.list",
        # keys URL-encoded as PHP's http_build_query does (an "=" in a key must be %3D)
        content="entityTypeId=31&select%5B%5D=id&filter%5Blogic%5D=OR&filter%5B0%5D%5B%40id%5D%5B%5D=2"
        "&filter%5B0%5D%5B%40id%5D%5B%5D=7&filter%5B1%5D%5B%3DparentId2%5D=3",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200, form.text[:300]
    assert [i["id"] for i in form.json()["result"]["items"]] == expected
    only_groups = client.get(
        "crm.item.list", params={"entityTypeId": 31, "select[]": "id", "filter[0][id]": 2}
    )
    assert [i["id"] for i in only_groups.json()["result"]["items"]] == [2]


def test_universal_errors_as_documented(client):
    err = call(client, "crm.item.list", {"entityTypeId": 31, "filter": {"parentId": 1}}, status=400)
    assert err == {
        **err,
        "error": "INVALID_ARG_VALUE",
        "error_description": "Invalid filter: field 'PARENT_ID' is not allowed in filter",
    }
    err = call(client, "crm.item.list", {"entityTypeId": 31, "order": {"id": "UP"}}, status=400)
    assert err["error_description"] == (
        "Invalid order: allowed sort directions are ASC, DESC. But got 'UP' for field 'ID'"
    )
    err = call(client, "crm.stagehistory.list", {"entityTypeId": 2, "order": {"TITLE": "ASC"}}, status=400)
    assert err["error_description"] == "Invalid order: field 'TITLE' is not allowed in order"
    assert call(client, "crm.item.list", {"entityTypeId": 999}, status=400)["error"] == "NOT_FOUND"
    assert call(client, "crm.stagehistory.list", {"entityTypeId": 3}, status=400)["error_description"] == (
        "Entity type CONTACT is not supported"
    )


def test_item_list_user_field_names(client, db):
    uf = db.execute("select FIELD_NAME from deal_userfields order by SORT limit 1").fetchone()[0]
    camel = call(client, "crm.item.list", {"entityTypeId": 2, "filter": {"id": 1}})["result"]["items"][0]
    original = call(
        client, "crm.item.list", {"entityTypeId": 2, "filter": {"id": 1}, "useOriginalUfNames": "Y"}
    )
    assert uf not in camel and any(k.startswith("ufCrm") for k in camel)
    assert uf in original["result"]["items"][0]


def test_uf_camel_names():
    from connectors.sandbox.methods.schemas import uf_camel

    assert uf_camel("UF_CRM_LOSS_REASON") == "ufCrmLossReason"
    assert uf_camel("UF_CRM_2_1639669411830") == "ufCrm2_1639669411830"


def test_binding_list_errors(client):
    err = call(client, "crm.activity.binding.list", {"activityId": 10**9}, status=400)
    assert (err["error"], err["error_description"]) == ("NOT_FOUND", "Element not found")
    assert call(client, "crm.activity.binding.list", {}, status=400)["error_description"] == (
        "Required fields are missing"
    )
