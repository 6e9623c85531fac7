"""Answers the official REST docs (GitHub bitrix24/b24restdocs) spell out, where the sandbox once differed."""

from __future__ import annotations

import httpx
from fast_bitrix24 import Bitrix

from .conftest import call, ids


def _departments(db, order: str = "ID") -> list[int]:
    return [r[0] for r in db.execute(f'select "ID" from departments order by "{order}", "ID"')]


# -- department.get: api-reference/departments/department-get.md -------------------------------------------
# "sort: the field by which the results are sorted; order: ASC/DESC; ID, NAME, PARENT, UF_HEAD: filter by".
# intranet's rest.php reads the sort in any case but keeps only the exact upper-case filter names, SORT among
# them (prepareDeptData, intval'ed), so a lower-case `sort` is a sort and an upper-case `SORT` also a filter.

def test_department_lowercase_sort_and_order_sort_all_departments(client, db):
    assert ids(call(client, "department.get", {"sort": "ID", "order": "ASC"})["result"]) == _departments(db)
    desc = call(client, "department.get", {"sort": "NAME", "order": "desc"})["result"]
    names = [r[0] for r in db.execute('select "NAME" from departments order by "NAME" desc, "ID"')]
    assert [r["NAME"] for r in desc] == names


def test_department_fast_bitrix24_get_all_with_sort(sandbox, db):
    departments = Bitrix(sandbox.webhook_url, verbose=False).get_all("department.get", {"sort": "ID"})
    assert sorted(int(d["ID"]) for d in departments) == _departments(db)


def test_department_uppercase_sort_is_also_a_filter(client, db):
    # the store's departments have SORT 100, 200, 300, 310, ...: SORT = 200 is the commercial department
    sort_200 = [r[0] for r in db.execute('select "ID" from departments where "SORT" = 200')]
    assert len(sort_200) == 1
    assert ids(call(client, "department.get", {"SORT": 200})["result"]) == sort_200
    # intval("ID") = 0 and no department has SORT 0: nothing, sorted by ID or not
    assert call(client, "department.get", {"SORT": "ID", "ORDER": "ASC"})["result"] == []


def test_department_filters_are_upper_case_only(client, db):
    root = db.execute('select "ID" from departments where "PARENT" is null').fetchone()[0]
    children = [r[0] for r in db.execute('select "ID" from departments where "PARENT" = ? order by "ID"',
                                         [root])]
    assert ids(call(client, "department.get", {"PARENT": root, "sort": "ID"})["result"]) == children
    # `parent` is no filter name: every department comes back
    assert len(call(client, "department.get", {"parent": root})["result"]) == len(_departments(db))


# -- crm.stagehistory.list: api-reference/crm/crm-stage-history-list.md -------------------------------------
# "for leads and old invoices: STATUS_SEMANTIC_ID, STATUS_ID"; "for deals, new invoices and SPAs: CATEGORY_ID,
# STAGE_SEMANTIC_ID, STAGE_ID". The sandbox holds no leads, so lead history is empty until leads exist.

def test_stagehistory_of_leads_selects_status_fields(client):
    for type_id in (1, 5):
        reply = call(client, "crm.stagehistory.list", {
            "entityTypeId": type_id, "select": ["ID", "STATUS_ID", "STATUS_SEMANTIC_ID"],
            "filter": {"STATUS_SEMANTIC_ID": "S"}, "order": {"ID": "ASC"}})
        assert reply["result"] == {"items": []} and reply["total"] == 0


def test_stagehistory_of_leads_refuses_stage_fields(client):
    wrong = ({"select": ["ID", "STAGE_ID"]}, {"select": ["CATEGORY_ID"]}, {"filter": {"STAGE_ID": "NEW"}},
             {"order": {"STAGE_ID": "ASC"}})
    for params in wrong:
        reply = call(client, "crm.stagehistory.list", {"entityTypeId": 1, **params}, status=400)
        assert reply["error"] == "INVALID_ARG_VALUE"
    reply = call(client, "crm.stagehistory.list", {"entityTypeId": 2, "select": ["STATUS_ID"]}, status=400)
    assert reply["error_description"] == "Invalid select: field 'STATUS_ID' is not allowed in select"


def test_stagehistory_of_deals_keeps_stage_fields(client, db):
    items = call(client, "crm.stagehistory.list", {
        "entityTypeId": 2, "select": ["ID", "CATEGORY_ID", "STAGE_ID", "STAGE_SEMANTIC_ID"],
        "filter": {"OWNER_ID": 5}, "order": {"ID": "ASC"}})["result"]["items"]
    expected = db.execute('select "ID", "STAGE_ID" from stage_history where "ENTITY_TYPE_ID" = 2 and '
                          '"OWNER_ID" = 5 order by "ID"').fetchall()
    assert [(i["ID"], i["STAGE_ID"]) for i in items] == [tuple(r) for r in expected] and items


# -- crm.deal.fields: api-reference/crm/deals/crm-deal-fields.md (the response example) ---------------------

def test_deal_fields_has_contact_ids(client):
    fields = call(client, "crm.deal.fields")["result"]
    assert fields["CONTACT_IDS"] == {"type": "crm_contact", "isRequired": False, "isReadOnly": False,
                                     "isImmutable": False, "isMultiple": True, "isDynamic": False,
                                     "title": "Contacts"}
    assert fields["CONTACT_ID"]["isDeprecated"] is True
    names = list(fields)
    assert names.index("CONTACT_IDS") == names.index("CONTACT_ID") + 1
    # "CONTACT_IDS is not available in crm.deal.get and crm.deal.list" (the same page)
    deal = call(client, "crm.deal.get", {"id": 5})["result"]
    assert "CONTACT_IDS" not in deal
    rows = call(client, "crm.deal.list", {"select": ["ID", "CONTACT_IDS"], "start": -1})["result"]
    assert rows and all(list(r) == ["ID"] for r in rows)


# -- no webhook in the URL: _includes/system-errors.md, "401 NO_AUTH_FOUND Wrong authorization data" --------

def test_rest_call_without_auth_is_401_json(sandbox):
    for url in (f"{sandbox.base_url}/rest/crm.item.delete", f"{sandbox.base_url}/rest/crm.deal.list.json",
                f"{sandbox.base_url}/rest/crm.deal.list.json?auth=not-a-token", f"{sandbox.base_url}/rest/"):
        r = httpx.post(url, json={"entityTypeId": 2, "id": 1})
        assert r.status_code == 401, url
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        body = r.json()
        assert (body["error"], body["error_description"]) == ("NO_AUTH_FOUND", "Wrong authorization data")
