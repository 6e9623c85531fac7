"""The fast keyset export and offset paging against an in-memory portal with batch references."""

import json

import httpx
import pytest

from connectors.bitrix24.errors import BackoffRequested, BatchCommandError, ConfigError, ServerError
from connectors.bitrix24.paginate import iter_fast, iter_offset

from .conftest import MockPortal, make_client, method_of, ok, php_parse


def export(portal, clock, method="crm.deal.list", params=None, **kw):
    client = make_client(portal.handler, clock)
    pages = list(iter_fast(client, method, params or {"select": ["ID", "TITLE"]}, stream="deals", **kw))
    return client, pages


def ids_of(pages, field="ID"):
    return [int(row[field]) for page in pages for row in page]


@pytest.mark.parametrize(("rows", "requests"), [
    (0, 1), (1, 1), (49, 1), (50, 2), (51, 2), (2549, 2), (2550, 3), (5000, 3), (12_345, 6),
])
def test_full_export_is_complete_and_near_the_request_minimum(clock, rows, requests):
    ids = list(range(3, 3 + rows * 3, 3))  # gaps in the IDs, as after deletions
    portal = MockPortal(ids)
    client, pages = export(portal, clock)
    assert ids_of(pages) == ids  # all of them, in order, once
    assert len(portal.requests) == requests
    assert requests <= 1 + -(-rows // 2500) + 1  # within one request of 1 + rows/2500
    assert client.stats.rows["deals"] == rows
    assert client.stats.requests["deals"] == requests


def test_batches_chain_on_the_previous_commands_last_row(clock):
    portal = MockPortal(list(range(1, 201)))
    export(portal, clock)
    first, batch = portal.requests
    assert first == {"select": ["ID", "TITLE"], "order": {"ID": "ASC"}, "filter": {">ID": 0}, "start": -1}
    assert batch["cmd"]["c0"].startswith("crm.deal.list?")
    c0 = php_parse(batch["cmd"]["c0"].split("?", 1)[1])
    c1 = php_parse(batch["cmd"]["c1"].split("?", 1)[1])
    assert c0["filter"] == {">ID": "50"} and c0["start"] == "-1" and c0["order"] == {"ID": "ASC"}
    assert c1["filter"] == {">ID": "$result[c0][49][ID]"}
    assert "$result[c0][49][ID]" in batch["cmd"]["c1"]  # sent unencoded so the portal can substitute it
    assert len(batch["cmd"]) == 50


def test_short_page_trap_drops_everything_after_it(clock):
    # 120 rows: the batch's c1 page is short (20 rows); c2..c49 then filter on a whole array, which the
    # portal turns into ">ID 0" and so answers with the first rows again. They must not come back.
    portal = MockPortal(list(range(1, 121)))
    _, pages = export(portal, clock)
    assert ids_of(pages) == list(range(1, 121))
    assert [len(p) for p in pages] == [50, 50, 20]
    assert portal.commands_run == 51  # the garbage commands ran on the portal, and were dropped


def test_callers_filter_and_lower_bound_are_kept(clock):
    portal = MockPortal(list(range(1, 301)))
    params = {"filter": {">=DATE_MODIFY": "2026-01-01T00:00:00+03:00", ">ID": 120}, "select": ["TITLE"],
              "start": 0, "order": {"DATE_MODIFY": "DESC"}}
    _, pages = export(portal, clock, params=params)
    assert ids_of(pages) == list(range(121, 301))
    first = portal.requests[0]
    assert first["filter"] == {">=DATE_MODIFY": "2026-01-01T00:00:00+03:00", ">ID": 120}
    assert first["select"] == ["ID", "TITLE"] and first["order"] == {"ID": "ASC"} and first["start"] == -1
    assert params["filter"] == {">=DATE_MODIFY": "2026-01-01T00:00:00+03:00", ">ID": 120}  # not mutated


def test_items_methods_use_the_items_wrapper(clock):
    portal = MockPortal(list(range(1, 131)), items_key="items", id_field="id")
    _, pages = export(portal, clock, method="crm.item.list", params={"entityTypeId": 31, "select": ["*"]},
                      id_field="id", items_key="items")
    assert ids_of(pages, "id") == list(range(1, 131))
    assert "$result[c0][items][49][id]" in portal.requests[1]["cmd"]["c1"]
    stage = MockPortal(list(range(1, 60)), items_key="items", id_field="ID")
    _, pages = export(stage, clock, method="crm.stagehistory.list", params={"entityTypeId": 2},
                      items_key="items")
    assert ids_of(pages) == list(range(1, 60))
    assert "$result[c0][items][49][ID]" in stage.requests[1]["cmd"]["c1"]


def test_user_get_uses_top_level_sort_and_upper_filter(clock):
    portal = MockPortal(list(range(1, 76)), filter_key="FILTER")
    _, pages = export(portal, clock, method="user.get", params={"filter": {"USER_TYPE": "employee"}},
                      order_style="sort")
    assert ids_of(pages) == list(range(1, 76))
    assert portal.requests[0] == {"sort": "ID", "order": "ASC", "FILTER": {"USER_TYPE": "employee", ">ID": 0},
                                  "start": -1}
    c1 = php_parse(portal.requests[1]["cmd"]["c1"].split("?", 1)[1])
    assert c1["sort"] == "ID" and c1["FILTER"][">ID"] == "$result[c0][49][ID]"


def test_duplicate_and_unordered_rows_are_deduped(clock):
    def handler(request):
        body = json.loads(request.content)
        if method_of(request) != "batch":
            return ok([{"ID": str(i)} for i in [2, 1, *range(3, 51)]])  # out of order
        # The portal returns a page overlapping the previous one (a row moved): 40..89, then short.
        result = {"c0": [{"ID": str(i)} for i in range(40, 90)], "c1": [{"ID": "90"}, {"ID": "90"}]}
        assert body["cmd"]["c0"].endswith("filter[%3EID]=50&start=-1")
        return httpx.Response(200, json={"result": {"result": result, "result_error": []}})

    client = make_client(handler, clock)
    ids = ids_of(iter_fast(client, "crm.deal.list", {}, stream="deals"))
    assert ids == list(range(1, 91))


def test_error_inside_a_batch_raises_with_the_key(clock):
    def handler(request):
        if method_of(request) != "batch":
            return ok([{"ID": str(i)} for i in range(1, 51)])
        return httpx.Response(200, json={"result": {
            "result": {"c0": [{"ID": str(i)} for i in range(51, 101)]},
            "result_error": {"c1": {"error": "", "error_description": "Access denied."}}}})

    client = make_client(handler, clock)
    seen = []
    with pytest.raises(BatchCommandError) as info:
        for page in iter_fast(client, "crm.deal.list", {}, stream="deals"):
            seen.extend(page)
    assert len(seen) == 100  # pages before the error were delivered
    assert info.value.key == "c1" and isinstance(info.value.cause, ConfigError) and info.value.exit_code == 78


def test_operation_limit_inside_a_batch_pauses_and_continues(clock):
    state = {"batches": 0}

    def handler(request):
        if method_of(request) != "batch":
            return ok([{"ID": str(i)} for i in range(1, 51)])
        state["batches"] += 1
        cmd = json.loads(request.content)["cmd"]
        if state["batches"] == 1:
            return httpx.Response(200, json={"result": {
                "result": {"c0": [{"ID": str(i)} for i in range(51, 101)]},
                "result_error": {"c1": {"error": "OPERATION_TIME_LIMIT", "error_description": "blocked"}},
                "result_time": {"c0": {"operating": 480.5, "operating_reset_at": 1_800_000_045}}}})
        assert "filter[%3EID]=100&" in cmd["c0"]  # resumes after the last good page
        return httpx.Response(200, json={"result": {"result": {"c0": [{"ID": "101"}]}}})

    client = make_client(handler, clock)
    ids = ids_of(iter_fast(client, "crm.deal.list", {}, stream="deals"))
    assert ids == list(range(1, 102))
    assert client.stats.status_429 == 1
    assert clock.now >= 45  # waited for the method's reset


def test_iter_offset_follows_next(clock):
    def handler(request):
        start = json.loads(request.content)["start"]
        rows = [{"ID": str(i)} for i in range(start, min(start + 50, 120))]
        extra = {"next": start + 50} if start + 50 < 120 else {}
        return ok(rows, total=120, **extra)

    client = make_client(handler, clock)
    pages = list(iter_offset(client, "department.get", {"sort": "ID"}, stream="meta"))
    assert [len(p) for p in pages] == [50, 50, 20]
    assert client.stats.requests["meta"] == 3


def test_a_method_blocked_forever_ends_in_backoff_not_a_loop(clock):
    def handler(request):
        if method_of(request) != "batch":
            return ok([{"ID": str(i)} for i in range(1, 51)])
        blocked = {"c0": {"error": "OPERATION_TIME_LIMIT", "error_description": ""}}
        return httpx.Response(200, json={"result": {"result": [], "result_error": blocked}})

    client = make_client(handler, clock, max_wait=100_000)
    with pytest.raises(BackoffRequested) as info:
        ids_of(iter_fast(client, "crm.deal.list", {}, stream="deals"))
    assert info.value.exit_code == 75
    assert client.stats.status_429 == 31 and clock.now > 600  # waited with growing pauses first


def test_a_portal_that_never_advances_is_a_server_error(clock):
    def handler(request):
        if method_of(request) != "batch":
            return ok([{"ID": str(i)} for i in range(1, 51)])
        same = [{"ID": str(i)} for i in range(1, 51)]  # the same page again and again
        return httpx.Response(200, json={"result": {"result": {"c0": same}}})

    with pytest.raises(ServerError, match="progress"):
        ids_of(iter_fast(make_client(handler, clock), "crm.deal.list", {}, stream="deals"))
