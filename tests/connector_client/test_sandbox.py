"""The client layer over real HTTP against the in-process sandbox portal (connectors/sandbox)."""

from __future__ import annotations

import logging
import sqlite3
import threading

import pytest

from connectors.bitrix24.client import Bitrix24Client
from connectors.bitrix24.errors import ConfigError, PortalUnreachable
from connectors.bitrix24.paginate import iter_fast, iter_offset
from connectors.bitrix24.ratelimit import RateLimiter
from connectors.bitrix24.retry import RetryPolicy
from connectors.sandbox.faults import Faults
from connectors.sandbox.limits import Limits
from tests.portal_moment import small_portal


@pytest.fixture(scope="module")
def small():
    with small_portal() as sandbox:
        yield sandbox


def truth(sandbox, sql: str) -> list[int]:
    conn = sqlite3.connect(str(sandbox.store_path))
    try:
        return [row[0] for row in conn.execute(sql)]
    finally:
        conn.close()


def fast_client(sandbox, **kw) -> Bitrix24Client:
    kw.setdefault("limiter", RateLimiter(burst=1000, per_second=1000))
    return Bitrix24Client(sandbox.webhook_url, retry=RetryPolicy(max_retries=8, base=0.01, cap=0.05), **kw)


def export_ids(client, method, params, field="ID", **kw) -> list[int]:
    pages = iter_fast(client, method, params, stream=method, **kw)
    return [int(row[field]) for page in pages for row in page]


def minimum_requests(rows: int) -> int:
    """Plain first page, then 2,500 rows per batch; a full last page needs one more to see the end."""
    return 1 + (max(rows - 50, -1) + 1 + 2499) // 2500 if rows >= 50 else 1


@pytest.mark.parametrize(("method", "params", "kw", "sql"), [
    ("crm.deal.list", {"select": ["ID", "TITLE", "STAGE_ID"]}, {},
     "select ID from deals where IS_RECURRING = 'N' order by ID"),
    ("crm.deal.list", {"select": ["ID"]}, {}, "select ID from deals where IS_RECURRING = 'N' order by ID"),
    ("crm.activity.list", {"select": ["*"]}, {}, "select ID from activities order by ID"),
    ("crm.stagehistory.list", {"entityTypeId": 2}, {"items_key": "items"},
     "select ID from stage_history where ENTITY_TYPE_ID = 2 order by ID"),
    ("crm.item.list", {"entityTypeId": 31, "select": ["id", "parentId2"]},
     {"items_key": "items", "field": "id"},
     "select ID from invoices order by ID"),
    ("user.get", {}, {"order_style": "sort"}, "select ID from users order by ID"),
])
def test_fast_export_is_complete_with_minimum_requests(small, method, params, kw, sql):
    expected = truth(small, sql)
    field = kw.pop("field", "ID")
    client = fast_client(small)
    got = export_ids(client, method, params, field, id_field=field, **kw)
    assert got == expected  # every row, once, in ID order
    assert client.stats.requests[method] == minimum_requests(len(expected))


def test_activities_need_three_requests_for_2743_rows(small):
    expected = truth(small, "select ID from activities order by ID")
    assert len(expected) > 2550  # the export spans two batches, the second ends in the short-page trap
    before = small.stats.get("crm.activity.list", 0)
    client = fast_client(small)
    assert export_ids(client, "crm.activity.list", {"select": ["ID"]}) == expected
    assert client.stats.requests["crm.activity.list"] == 3
    # 1 plain call + 2 batches of 50 commands ran on the portal; the garbage after the short page was dropped
    assert small.stats["crm.activity.list"] - before == 101


def test_incremental_filter_ends_in_one_request(small):
    client = fast_client(small)
    latest = truth(small, "select max(DATE_MODIFY) from deals")[0]
    got = export_ids(client, "crm.deal.list", {"filter": {">=DATE_MODIFY": latest}, "select": ["ID"]})
    assert 1 <= len(got) < 50
    assert client.stats.requests["crm.deal.list"] == 1


def test_offset_paging_of_small_lists(small):
    client = fast_client(small)
    rows = [row for page in iter_offset(client, "department.get", {}, stream="meta") for row in page]
    assert sorted(int(r["ID"]) for r in rows) == truth(small, "select ID from departments order by ID")


def test_wrong_token_is_a_config_error_without_the_secret(small, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = small.webhook_url.rstrip("/").rsplit("/", 1)[0] + "/wrongtoken123/"
    client = fast_client(small)
    with Bitrix24Client(wrong) as bad, pytest.raises(ConfigError) as info:
        bad.call("crm.deal.list")
    assert info.value.exit_code == 78
    assert "wrongtoken123" not in str(info.value) and "wrongtoken123" not in caplog.text
    assert client.webhook.code not in caplog.text


def test_small_burst_is_paced_without_503s():
    limits = Limits(burst=5, drain=5.0, sleep_cost=False)
    with small_portal(limits=limits) as sandbox:
        client = Bitrix24Client(sandbox.webhook_url, limiter=RateLimiter(burst=5, per_second=5.0))
        for _ in range(12):
            assert client.call("user.get", {}, stream="meta")["result"]
        ids = export_ids(client, "crm.activity.list", {"select": ["ID"]})
        assert ids == truth(sandbox, "select ID from activities order by ID")
        assert client.stats.status_503 == 0
        assert client.stats.seconds_waited >= 1.5  # 15 requests, 4 free, 11 at 5/s: the client paced itself


def test_a_client_faster_than_the_portal_gets_503s_and_still_finishes():
    limits = Limits(burst=3, drain=5.0, sleep_cost=False)
    with small_portal(limits=limits) as sandbox:
        client = fast_client(sandbox)  # paces at 1000/s: the portal refuses
        for _ in range(8):
            client.call("user.get", {}, stream="meta")
        ids = export_ids(client, "crm.activity.list", {"select": ["ID"]})
        assert ids == truth(sandbox, "select ID from activities order by ID")
        assert client.stats.status_503 > 0
        assert client.stats.retries == 0  # limits are waited out, not counted as faults


@pytest.mark.slow
def test_operating_time_limit_pauses_the_method_and_resumes():
    # A 10-minute window passes in 10 s (clock_factor 60); each command costs 0.01 s of a 0.2 s budget.
    limits = Limits(burst=1000, drain=1000, operating_limit=0.2, base_cost=0.01, count_cost_per_row=0,
                    offset_cost_per_row=0, clock_factor=60, sleep_cost=False)
    with small_portal(limits=limits) as sandbox:
        client = fast_client(sandbox, limiter=RateLimiter(burst=1000, per_second=1000, max_wait=60))
        ids = export_ids(client, "crm.deal.list", {"select": ["ID"]})
        assert ids == truth(sandbox, "select ID from deals where IS_RECURRING = 'N' order by ID")
        assert client.stats.status_429 >= 1
        assert client.call("user.get", {})["result"]  # other methods were never blocked


def test_faults_html_5xx_and_dropped_connections_are_survived():
    faults = Faults(seed=11, error_rate=0.3, drop_rate=0.15)
    with small_portal(faults=faults) as sandbox:
        client = fast_client(sandbox)
        for _ in range(10):
            assert client.call("user.get", {}, stream="meta")["result"]
        ids = export_ids(client, "crm.activity.list", {"select": ["ID"]})
        assert ids == truth(sandbox, "select ID from activities order by ID")
        assert client.stats.retries >= 3
        assert sandbox.portal.faults.requests == client.stats.total_requests


def test_two_threads_share_one_client_and_limiter(small):
    client = Bitrix24Client(small.webhook_url, limiter=RateLimiter(burst=10, per_second=50.0))
    results: dict[str, list[int]] = {}

    def run(method: str) -> None:
        results[method] = export_ids(client, method, {"select": ["ID"]})

    threads = [threading.Thread(target=run, args=(m,)) for m in ("crm.deal.list", "crm.activity.list")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deals = truth(small, "select ID from deals where IS_RECURRING = 'N' order by ID")
    assert results["crm.deal.list"] == deals
    assert results["crm.activity.list"] == truth(small, "select ID from activities order by ID")
    assert client.stats.requests == {"crm.deal.list": 2, "crm.activity.list": 3}


def test_default_burst_and_drain_never_meet_a_503():
    # The cloud's 50 burst / 2 per s, with time running 5x faster on both sides: 50 / 10 per real second.
    limits = Limits(burst=50, drain=10.0, sleep_cost=False)
    with small_portal(limits=limits) as sandbox:
        client = Bitrix24Client(sandbox.webhook_url, limiter=RateLimiter(burst=50, per_second=10.0))

        def hammer():
            for _ in range(40):
                client.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}}, stream="meta")

        threads = [threading.Thread(target=hammer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert client.stats.requests["meta"] == 80  # no request was refused and repeated
        assert client.stats.status_503 == 0
        assert client.stats.seconds_waited > 2.0  # 31 requests past the burst, paced at 10/s


def test_closed_port_is_portal_unreachable_without_the_secret(caplog):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{port}/rest/1/closedportsecret/"
    client = Bitrix24Client(url, retry=RetryPolicy(max_retries=2, base=0.01, cap=0.02))
    with pytest.raises(PortalUnreachable) as info:
        client.call("crm.deal.list")
    assert info.value.exit_code == 1 and client.stats.requests["meta"] == 3
    assert "closedportsecret" not in str(info.value) and "closedportsecret" not in caplog.text
