"""The official Python SDK (b24pysdk, a test-only dependency) reads the sandbox and gets the store's own data.

Every method the sandbox serves is driven through the SDK's public calls: plain calls, `as_list` (start/next
pages in batches), `as_list_fast` (keyset pages chained by `$result[...]` references), filters with
operators, `UF_*` in select, and batches with references. Expected values come from the store with the
docs' rules for each method (classic methods send every scalar as a string, crm.item and stagehistory send
JSON numbers), never from the sandbox's own rendering code.

The SDK builds `https://<domain>/rest/...` URLs; the in-process sandbox speaks plain http on 127.0.0.1, so
the `sdk` fixture patches only the scheme of the SDK's REST base URL, and every request the SDK sends is
checked to go to the loopback sandbox and nowhere else.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from b24pysdk import BitrixWebhook, Client
from b24pysdk.errors import BitrixAPIError

from connectors.sandbox.methods import REGISTRY
from connectors.sandbox.testing import RunningSandbox

# The methods each test below drives; test_every_sandbox_method_is_driven_through_the_sdk keeps it whole.
COVERED = {
    "crm.deal.list", "crm.deal.get", "crm.deal.fields", "crm.deal.userfield.list",
    "crm.activity.list", "crm.activity.fields", "crm.activity.binding.list",
    "crm.item.list", "crm.item.fields", "crm.category.list", "crm.status.list", "crm.stagehistory.list",
    "crm.currency.list", "user.get", "department.get", "profile", "server.time", "scope", "methods",
    "crm.lead.list", "crm.lead.fields", "crm.contact.list", "crm.contact.fields", "crm.company.list",
    "crm.company.fields",
    "im.notify.system.add",  # on the notification webhook: tests/sandbox_server/test_im_sdk.py
}


class Sdk:
    """The SDK's client and its webhook token, and the hosts its requests went to."""

    def __init__(self, client: Any, webhook: BitrixWebhook, hosts: list[str]) -> None:
        self.client = client
        self.webhook = webhook
        self.hosts = hosts


@pytest.fixture(scope="module")
def sdk(sandbox: RunningSandbox) -> Iterator[Sdk]:
    hosts: list[str] = []
    real_send = requests.Session.send

    def loopback_only(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        host = urlsplit(request.url).hostname or ""
        hosts.append(host)
        if host != "127.0.0.1":
            raise AssertionError(f"the SDK tried to reach {host}")
        return real_send(session, request, **kwargs)

    caller = importlib.import_module("b24pysdk.api.callers.call_method")
    with pytest.MonkeyPatch.context() as patch:
        # Only the scheme: the sandbox has no TLS (the SDK hard-codes https:// in _MethodCaller._base_url).
        patch.setattr(caller._MethodCaller, "_base_url", property(lambda self: f"http://{self._domain}/rest"))
        patch.setattr(requests.Session, "send", loopback_only)
        domain = urlsplit(sandbox.base_url).netloc  # 127.0.0.1:<port>
        user, token = sandbox.webhook_url.rstrip("/").split("/")[-2:]
        webhook = BitrixWebhook(domain=domain, webhook_token=f"{user}/{token}")
        yield Sdk(Client(webhook), webhook, hosts)
    assert hosts and set(hosts) == {"127.0.0.1"}


def text(value: Any) -> str | None:
    """Classic methods send every scalar as a string and null as null (docs: api-reference/data-types.md)."""
    return None if value is None else str(value)


def test_every_sandbox_method_is_driven_through_the_sdk():
    # A method added to the sandbox (leads, sign-in, ...) needs its SDK case here first.
    assert set(REGISTRY) == COVERED


# -- deals -------------------------------------------------------------------------------------------------

DEAL_FILTER = {">=OPPORTUNITY": 50000, "!STAGE_ID": "WON", "@ASSIGNED_BY_ID": [3, 4, 5, 6, 7]}
DEAL_SQL = """
    select "ID", "TITLE", "STAGE_ID", "OPPORTUNITY", "ASSIGNED_BY_ID", "UF_CRM_LOSS_REASON", "UF_CRM_CITY"
    from deals
    where cast("OPPORTUNITY" as real) >= 50000 and "STAGE_ID" <> 'WON' and "ASSIGNED_BY_ID" in (3, 4, 5, 6, 7)
      and "IS_RECURRING" = 'N'  -- templates stay hidden unless the filter names them
    order by "ID"
"""


def _deal_rows(db) -> list[dict[str, Any]]:
    return [{k: text(r[k]) for k in r.keys()} for r in db.execute(DEAL_SQL)]  # noqa: SIM118 - sqlite3.Row


def test_deal_list_as_list_with_operators_and_user_fields(sdk, db):
    select = ["ID", "TITLE", "STAGE_ID", "OPPORTUNITY", "ASSIGNED_BY_ID", "UF_*"]
    rows = sdk.client.crm.deal.list(select=select, filter=DEAL_FILTER, order={"ID": "ASC"}).as_list().result
    expected = _deal_rows(db)
    assert len(expected) > 50  # more than one page: the SDK follows `next`
    assert rows == expected


def test_deal_list_as_list_fast_both_ways(sdk, db):
    expected = [row["ID"] for row in _deal_rows(db)]
    fast = sdk.client.crm.deal.list(select=["ID"], filter=DEAL_FILTER).as_list_fast().result
    assert [row["ID"] for row in fast] == expected
    back = sdk.client.crm.deal.list(select=["ID"], filter=DEAL_FILTER).as_list_fast(descending=True).result
    assert [row["ID"] for row in back] == expected[::-1]


def test_deal_get_and_fields(sdk, db):
    deal = sdk.client.crm.deal.get(5).result
    row = db.execute('select * from deals where "ID" = 5').fetchone()
    for key in ("ID", "TITLE", "STAGE_ID", "CATEGORY_ID", "OPPORTUNITY", "ASSIGNED_BY_ID", "DATE_MODIFY",
                "UF_CRM_LOSS_REASON", "UF_CRM_CITY"):
        assert deal[key] == text(row[key]), key
    fields = sdk.client.crm.deal.fields().result
    columns = {r[1] for r in db.execute("pragma table_info(deals)")}
    assert set(fields) == columns | {"CONTACT_IDS"}
    assert fields["CONTACT_IDS"]["isMultiple"] is True and fields["UF_CRM_LOSS_REASON"]["isDynamic"] is True


def test_deal_userfield_list(sdk, db):
    rows = sdk.client.crm.deal.userfield.list(filter={"LANG": "ru"}).as_list().result
    expected = db.execute('select "FIELD_NAME", "USER_TYPE_ID", "EDIT_FORM_LABEL" from deal_userfields '
                          'order by "SORT", "ID"').fetchall()
    assert [(r["FIELD_NAME"], r["USER_TYPE_ID"], r["EDIT_FORM_LABEL"]) for r in rows] == [
        tuple(e) for e in expected]


# -- activities --------------------------------------------------------------------------------------------

ACTIVITY_SQL = """
    select "ID", "OWNER_ID", "DEADLINE", "COMPLETED"
    from activities
    where "OWNER_TYPE_ID" = 2 and "COMPLETED" = 'N' and "DEADLINE" < '2026-11-20T00:00:00+03:00'
    order by "ID"
"""
ACTIVITY_FILTER = {"OWNER_TYPE_ID": 2, "COMPLETED": "N", "<DEADLINE": "2026-11-20T00:00:00+03:00"}


def test_activity_list_as_list_and_fast(sdk, db):
    expected = [{k: text(r[k]) for k in r.keys()} for r in db.execute(ACTIVITY_SQL)]  # noqa: SIM118
    assert expected
    select = ["ID", "OWNER_ID", "DEADLINE", "COMPLETED"]
    rows = sdk.client.crm.activity.list(select=select, filter=ACTIVITY_FILTER, order={"ID": "ASC"})
    assert rows.as_list().result == expected
    fast = sdk.client.crm.activity.list(select=select, filter=ACTIVITY_FILTER).as_list_fast().result
    assert list(fast) == expected


def test_activity_fields_and_bindings(sdk, db):
    fields = sdk.client.crm.activity.fields().result
    assert set(fields) == {r[1] for r in db.execute("pragma table_info(activities)")} | {"BINDINGS"}
    activity_id = db.execute('select "ACTIVITY_ID" from activity_bindings group by 1 having count(*) > 1 '
                             'order by 1 limit 1').fetchone()[0]
    bindings = sdk.client.crm.activity.binding.list(activity_id).result
    expected = db.execute('select "OWNER_TYPE_ID", "OWNER_ID" from activity_bindings where "ACTIVITY_ID" = ? '
                          'order by rowid', [activity_id]).fetchall()
    assert bindings == [{"entityTypeId": t, "entityId": i} for t, i in expected]


# -- crm.item: smart invoices and deals in camelCase, JSON numbers ------------------------------------------

def test_item_list_smart_invoices(sdk, db):
    found = db.execute("""
        select "ID", "PARENT_ID_2", "OPPORTUNITY", "STAGE_ID"
        from invoices
        where cast("OPPORTUNITY" as real) > 20000 and "STAGE_ID" <> 'DT31_1:D'
        order by "ID"
    """)
    # crm.item sends numbers as JSON numbers, money included
    expected = [{"id": r[0], "parentId2": r[1], "opportunity": float(r[2]), "stageId": r[3]} for r in found]
    assert len(expected) > 50
    select = ["id", "parentId2", "opportunity", "stageId"]
    filt = {">opportunity": 20000, "!=stageId": "DT31_1:D"}
    rows = sdk.client.crm.item.list(31, select=select, filter=filt, order={"id": "ASC"}).as_list().result
    assert rows == expected
    fast = sdk.client.crm.item.list(31, select=select, filter=filt).as_list_fast().result
    assert list(fast) == expected


def test_item_list_deals_with_user_fields(sdk, db):
    rows = sdk.client.crm.item.list(2, select=["id", "ufCrmCity"], filter={"%ufCrmCity": "Москва"},
                                    order={"id": "ASC"}).as_list().result
    expected = db.execute("""select "ID", "UF_CRM_CITY" from deals
                             where "UF_CRM_CITY" like '%Москва%' and "IS_RECURRING" = 'N' order by "ID" """)
    assert rows == [{"id": r[0], "ufCrmCity": r[1]} for r in expected] and rows
    original = sdk.client.crm.item.list(2, select=["id", "UF_CRM_CITY"], filter={"id": rows[0]["id"]},
                                        use_original_uf_names=True).result
    assert original["items"] == [{"id": rows[0]["id"], "UF_CRM_CITY": rows[0]["ufCrmCity"]}]


def test_item_fields(sdk):
    fields = sdk.client.crm.item.fields(31).result["fields"]
    assert {"id", "parentId2", "opportunity", "stageId"} <= set(fields)
    assert fields["parentId2"]["upperName"] == "PARENT_ID_2"


# -- directories -------------------------------------------------------------------------------------------

def test_category_status_currency(sdk, db):
    categories = sdk.client.crm.category.list(2).result["categories"]
    expected = db.execute('select "ID", "NAME" from categories where "ENTITY_TYPE_ID" = 2 '
                          'order by "SORT", "ID"')
    assert [(c["id"], c["name"]) for c in categories] == [tuple(r) for r in expected]
    stages = sdk.client.crm.status.list(filter={"ENTITY_ID": "DEAL_STAGE"}, order={"SORT": "ASC"}).result
    expected = db.execute("""select "STATUS_ID", "SORT" from statuses where "ENTITY_ID" = 'DEAL_STAGE'
                             order by "SORT", "ID" """)
    assert [(s["STATUS_ID"], s["SORT"]) for s in stages] == [(r[0], str(r[1])) for r in expected] and stages
    currencies = sdk.client.crm.currency.list().result
    expected = db.execute('select "CURRENCY", "AMOUNT", "BASE" from currencies order by "SORT"')
    assert [(c["CURRENCY"], c["AMOUNT"], c["BASE"]) for c in currencies] == [tuple(r) for r in expected]


# -- stage history -----------------------------------------------------------------------------------------

def test_stagehistory_as_list_and_fast(sdk, db):
    expected = [{"ID": r[0], "OWNER_ID": r[1], "STAGE_ID": r[2], "CREATED_TIME": r[3]} for r in db.execute(
        'select "ID", "OWNER_ID", "STAGE_ID", "CREATED_TIME" from stage_history '
        "where \"ENTITY_TYPE_ID\" = 2 and \"STAGE_SEMANTIC_ID\" in ('S', 'F') order by \"ID\"")]
    assert len(expected) > 50
    select = ["ID", "OWNER_ID", "STAGE_ID", "CREATED_TIME"]
    filt = {"@STAGE_SEMANTIC_ID": ["S", "F"]}
    rows = sdk.client.crm.stagehistory.list(2, select=select, filter=filt, order={"ID": "ASC"}).as_list()
    assert rows.result == expected
    fast = sdk.client.crm.stagehistory.list(2, select=select, filter=filt).as_list_fast().result
    assert list(fast) == expected


def test_stagehistory_of_leads_is_empty_until_leads_exist(sdk):
    # The sandbox keeps no lead history yet; the answer has the documented shape for leads (STATUS_* fields).
    rows = sdk.client.crm.stagehistory.list(1, select=["ID", "STATUS_ID", "STATUS_SEMANTIC_ID"]).as_list()
    assert rows.result == []


# -- leads, contacts, companies ----------------------------------------------------------------------------

def multi(stored: str | None) -> list[dict[str, str]] | None:
    """A stored PHONE / EMAIL list as the portal sends it: each item's ID, VALUE_TYPE, VALUE and TYPE_ID as
    strings [docs: api-reference/crm/data-types.md#crm_multifield]; no key at all when there is none."""
    import json

    return json.loads(stored) if stored else None


def test_lead_list_as_list_with_multifields_named(sdk, db):
    # leads in progress of three managers, with their phones and e-mails (named: "*" leaves them out)
    found = db.execute("""
        select "ID", "STATUS_ID", "SOURCE_ID", "ASSIGNED_BY_ID", "DATE_CREATE", "PHONE", "EMAIL"
        from leads
        where "STATUS_SEMANTIC_ID" = 'P' and "ASSIGNED_BY_ID" in (3, 4, 5, 6, 7, 8)
        order by "ID"
    """)
    expected = []
    for r in found:
        row = {"ID": str(r[0]), "STATUS_ID": r[1], "SOURCE_ID": r[2], "ASSIGNED_BY_ID": str(r[3]),
               "DATE_CREATE": r[4]}
        row.update({k: multi(v) for k, v in (("PHONE", r[5]), ("EMAIL", r[6])) if v})
        expected.append(row)
    assert len(expected) > 50 and any("PHONE" in e for e in expected)
    assert any("EMAIL" not in e for e in expected)  # no e-mail: no key
    select = ["ID", "STATUS_ID", "SOURCE_ID", "ASSIGNED_BY_ID", "DATE_CREATE", "PHONE", "EMAIL"]
    filt = {"STATUS_SEMANTIC_ID": "P", "@ASSIGNED_BY_ID": [3, 4, 5, 6, 7, 8]}
    rows = sdk.client.crm.lead.list(select=select, filter=filt, order={"ID": "ASC"}).as_list().result
    assert rows == expected
    star = sdk.client.crm.lead.list(select=["*"], filter={"ID": expected[0]["ID"]}).result
    assert star[0]["ID"] == expected[0]["ID"] and "PHONE" not in star[0] and "EMAIL" not in star[0]


def test_contact_list_fast_and_a_phone_filter(sdk, db):
    found = db.execute('select "ID", "ASSIGNED_BY_ID", "COMPANY_ID" from contacts '
                       'where "COMPANY_ID" is not null order by "ID"')
    expected = [{"ID": str(r[0]), "ASSIGNED_BY_ID": str(r[1]), "COMPANY_ID": text(r[2])} for r in found]
    assert len(expected) > 50
    select = ["ID", "ASSIGNED_BY_ID", "COMPANY_ID"]
    fast = sdk.client.crm.contact.list(select=select, filter={">COMPANY_ID": 0}).as_list_fast().result
    assert list(fast) == expected
    # a multi-field filter matches one value exactly, as written
    contact_id, phones = db.execute('select "ID", "PHONE" from contacts where "PHONE" is not null '
                                    'order by "ID" limit 1').fetchone()
    written = multi(phones)[0]["VALUE"]
    found = sdk.client.crm.contact.list(select=["ID"], filter={"PHONE": written}).result
    assert str(contact_id) in [r["ID"] for r in found]


def test_company_list_and_the_three_fields_methods(sdk, db):
    expected = [{"ID": str(r[0]), "TITLE": r[1], "EMAIL": multi(r[2])} for r in db.execute(
        'select "ID", "TITLE", "EMAIL" from companies order by "ID"')]
    expected = [{k: v for k, v in row.items() if v is not None} for row in expected]
    rows = sdk.client.crm.company.list(select=["ID", "TITLE", "EMAIL"], order={"ID": "ASC"}).as_list().result
    assert rows == expected and len(rows) > 20
    for entity, table in (("lead", "leads"), ("contact", "contacts"), ("company", "companies")):
        fields = getattr(sdk.client.crm, entity).fields().result
        assert set(fields) == {r[1] for r in db.execute(f"pragma table_info({table})")}, entity
        assert fields["PHONE"]["isMultiple"] is True and fields["PHONE"]["type"] == "crm_multifield"


def test_lead_statuses_and_sources(sdk, db):
    statuses = sdk.client.crm.status.list(filter={"ENTITY_ID": "STATUS"}, order={"SORT": "ASC"}).result
    assert [(s["STATUS_ID"], s["SEMANTICS"]) for s in statuses] == [
        ("NEW", None), ("IN_PROCESS", None), ("PROCESSED", None), ("CONVERTED", "S"), ("JUNK", "F")]
    sources = sdk.client.crm.status.list(filter={"ENTITY_ID": "SOURCE"}).result
    used = {r[0] for r in db.execute('select distinct "SOURCE_ID" from leads')}
    assert used <= {s["STATUS_ID"] for s in sources} and len(used) >= 5


# -- users and departments ---------------------------------------------------------------------------------

def test_user_get_as_list_and_fast(sdk, db):
    active = [r[0] for r in db.execute('select "ID" from users where "ACTIVE" = 1 order by "ID"')]
    rows = sdk.client.user.get(filter={"ACTIVE": True}, sort="ID", order="ASC").as_list().result
    assert [int(u["ID"]) for u in rows] == active
    every = [r[0] for r in db.execute('select "ID" from users order by "ID"')]
    fast = sdk.client.user.get().as_list_fast().result  # the SDK sends top-level SORT/ORDER here
    assert [int(u["ID"]) for u in fast] == every


def test_department_get(sdk, db):
    # ID, PARENT, UF_HEAD as strings, SORT a number, no PARENT key on the root (docs' example)
    found = db.execute('select "ID", "NAME", "SORT", "PARENT", "UF_HEAD" from departments order by "ID"')
    expected = [{"ID": str(r[0]), "NAME": r[1], "SORT": r[2], "PARENT": text(r[3]), "UF_HEAD": text(r[4])}
                for r in found]
    expected = [{k: v for k, v in row.items() if v is not None} for row in expected]
    rows = sdk.client.department.get(sort="ID", order="ASC").as_list().result
    assert rows == expected
    # as_list_fast sends upper-case SORT = "ID": department.get reads that as the sort AND, being one of the
    # exact filter names, as the filter SORT = intval("ID") = 0 (intranet rest.php prepareDeptData; docs:
    # api-reference/departments/department-get.md). No department has SORT 0, so nothing comes back, as on
    # a portal. Use as_list (or lower-case sort/order) for departments.
    assert list(sdk.client.department.get().as_list_fast().result) == []


# -- the portal itself -------------------------------------------------------------------------------------

def test_profile_scope_methods_server_time(sdk, db):
    profile = sdk.client.profile().result
    ceo = db.execute('select "NAME", "LAST_NAME" from users where "ID" = 1').fetchone()
    assert (profile["ID"], profile["NAME"], profile["LAST_NAME"]) == ("1", ceo[0], ceo[1])
    assert sdk.client.scope().result == ["crm", "user", "department"]
    methods = sdk.webhook.call_method("methods")["result"]  # no SDK wrapper for the old `methods`
    assert set(methods) == COVERED - {"im.notify.system.add"} | {"batch"}  # scope im: not this webhook
    offset = db.execute("select VALUE from meta where KEY = 'utc_offset'").fetchone()[0]
    assert sdk.client.server.time().result.endswith(offset)  # the portal's own time, in its offset


# -- batches with references, errors -----------------------------------------------------------------------

def test_batch_with_references(sdk, db):
    client = sdk.client
    batch = client.call_batch({
        "deal": client.crm.deal.get(5),
        "owner": client.user.get(filter={"ID": "$result[deal][ASSIGNED_BY_ID]"}),
        "acts": client.crm.activity.list(select=["ID"], order={"ID": "ASC"},
                                         filter={"OWNER_TYPE_ID": 2, "OWNER_ID": "$result[deal][ID]"}),
        "missing": client.crm.deal.get(999999),
    }).result
    owner_id = db.execute('select "ASSIGNED_BY_ID" from deals where "ID" = 5').fetchone()[0]
    assert batch.result["deal"]["ID"] == "5"
    assert [u["ID"] for u in batch.result["owner"]] == [str(owner_id)]
    acts = [str(r[0]) for r in db.execute(
        'select "ID" from activities where "OWNER_TYPE_ID" = 2 and "OWNER_ID" = 5 order by "ID"')]
    assert [a["ID"] for a in batch.result["acts"]] == acts and acts
    assert "missing" in batch.result_error and "missing" not in batch.result


def test_call_batches_over_fifty_commands(sdk, db):
    found = db.execute("""select "ID" from deals where "IS_RECURRING" = 'N' order by "ID" limit 60""")
    ids = [r[0] for r in found]
    requests_ = {f"d{i}": sdk.client.crm.deal.get(i) for i in ids}
    result = sdk.client.call_batches(requests_).result.result
    assert {key: deal["ID"] for key, deal in result.items()} == {f"d{i}": str(i) for i in ids}


def test_errors_reach_the_sdk_as_its_exceptions(sdk, sandbox):
    with pytest.raises(BitrixAPIError) as caught:
        sdk.webhook.call_method("crm.deal.lst")
    assert caught.value.error == "ERROR_METHOD_NOT_FOUND" and caught.value.status_code == 404
    domain = urlsplit(sandbox.base_url).netloc
    stranger = Client(BitrixWebhook(domain=domain, webhook_token="1/not-the-token"))
    with pytest.raises(BitrixAPIError) as caught:
        stranger.crm.deal.list(select=["ID"]).call()
    assert caught.value.error == "NO_AUTH_FOUND" and caught.value.status_code == 401
