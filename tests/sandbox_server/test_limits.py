"""The leaky bucket (503), the per-method operating budget (429) and the simulated cost of counting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from connectors.sandbox.limits import Limits
from connectors.sandbox.testing import running_sandbox

from .conftest import T0

QUIET = Limits(sleep_cost=False, base_cost=0.0, count_cost_per_row=0.0, offset_cost_per_row=0.0)


HTTP = httpx.Client(timeout=30)  # one client: building one per call costs more than the call


def post(sb, method, params=None) -> httpx.Response:
    return HTTP.post(sb.webhook_url + method, json=params or {})


def test_bucket_refuses_after_the_burst_and_drains(store_path, fake_time):
    limits = QUIET.with_(burst=5, drain=2)
    with running_sandbox(store_path=store_path, limits=limits, timer=fake_time.timer) as sb:
        codes = [post(sb, "server.time").status_code for _ in range(7)]
        assert codes == [200] * 5 + [503, 503]
        body = post(sb, "crm.deal.list").json()
        assert body["error"] == "QUERY_LIMIT_EXCEEDED" and body["error_description"] == "Too many requests"
        fake_time.advance(1.0)  # 2 requests drained
        assert [post(sb, "server.time").status_code for _ in range(3)] == [200, 200, 503]
        # a clock 500x faster: 0.05 real seconds are 25 virtual ones, 50 requests drained
        sb.set_limits(limits.with_(clock_factor=500))
        assert [post(sb, "server.time").status_code for _ in range(6)] == [200] * 5 + [503]
        fake_time.advance(0.05)
        assert [post(sb, "server.time").status_code for _ in range(5)] == [200] * 5


def test_a_batch_counts_as_one_request(store_path):
    with running_sandbox(store_path=store_path, limits=QUIET.with_(burst=2, drain=0.001)) as sb:
        cmd = {f"c{i}": "crm.deal.list?start=-1&select[]=ID" for i in range(40)}
        assert post(sb, "batch", {"cmd": cmd}).status_code == 200
        assert post(sb, "server.time").status_code == 200
        assert post(sb, "server.time").status_code == 503


def test_operating_limit_blocks_one_method_only(store_path, fake_time):
    limits = QUIET.with_(operating_limit=0.1, base_cost=0.04)
    with running_sandbox(store_path=store_path, limits=limits, timer=fake_time.timer) as sb:
        first = post(sb, "crm.deal.list", {"start": -1}).json()["time"]
        assert first["operating"] == 0.04  # the cost alone: the fake clock did not move
        assert first["operating_reset_at"] == T0 + 600  # the basket of minute T0 leaves the window
        for _ in range(2):
            post(sb, "crm.deal.list", {"start": -1})
        blocked = post(sb, "crm.deal.list", {"start": -1})
        assert blocked.status_code == 429
        assert blocked.json()["error"] == "OPERATION_TIME_LIMIT"
        assert post(sb, "crm.activity.list", {"start": -1}).status_code == 200
        batch = post(sb, "batch", {"cmd": {"d": "crm.deal.list?start=-1", "a": "crm.activity.list?start=-1"}})
        assert batch.status_code == 200
        result = batch.json()["result"]
        assert result["result_error"]["d"]["error"] == "OPERATION_TIME_LIMIT"
        assert list(result["result"]) == ["a"]
        assert result["result_time"]["a"]["operating"] >= 0.08  # commands count against their own method


def test_operating_window_passes_on_a_fast_clock(store_path, fake_time):
    # 600x: a virtual minute is 0.1 s, the ten-minute window 1 s
    limits = QUIET.with_(operating_limit=0.05, base_cost=0.06, clock_factor=600)
    with running_sandbox(store_path=store_path, limits=limits, timer=fake_time.timer) as sb:
        reset_at = post(sb, "crm.deal.list", {"start": -1}).json()["time"]["operating_reset_at"]
        assert reset_at == T0 + 1  # ten virtual minutes are one real second
        assert post(sb, "crm.deal.list", {"start": -1}).status_code == 429
        fake_time.advance(0.99)
        assert post(sb, "crm.deal.list", {"start": -1}).status_code == 429
        fake_time.advance(0.01)
        assert post(sb, "crm.deal.list", {"start": -1}).status_code == 200


def test_counting_costs_grow_with_the_table_and_keyset_pages_stay_cheap(store_path, db):
    limits = QUIET.with_(base_cost=0.002, count_cost_per_row=1e-4)
    n_deals = db.execute("select count(*) from deals where IS_RECURRING = 'N'").fetchone()[0]
    n_acts = db.execute("select count(*) from activities").fetchone()[0]
    with running_sandbox(store_path=store_path, limits=limits) as sb:

        def processing(method, start):
            return post(sb, method, {"start": start, "select": ["ID"]}).json()["time"]["processing"]

        deals, acts = processing("crm.deal.list", 0), processing("crm.activity.list", 0)
        keyset = processing("crm.activity.list", -1)
        assert abs(deals - (0.002 + n_deals * 1e-4)) < 0.02
        assert abs(acts - (0.002 + n_acts * 1e-4)) < 0.02
        assert acts > 5 * deals and keyset < 0.02


def test_cost_is_slept_scaled_by_the_clock_factor(store_path, fake_time):
    limits = QUIET.with_(sleep_cost=True, base_cost=0.3)
    with running_sandbox(store_path=store_path, limits=limits, timer=fake_time.timer) as sb:
        reply = post(sb, "crm.deal.list", {"start": -1}).json()
        assert fake_time.sleeps == [0.3]
        assert reply["time"]["duration"] == pytest.approx(0.3) and reply["time"]["processing"] == 0.3
        sb.set_limits(limits.with_(clock_factor=10))
        post(sb, "crm.deal.list", {"start": -1})
        assert fake_time.sleeps == [0.3, pytest.approx(0.03)]  # 0.3 s of cost, slept 10x faster


def test_the_same_counted_page_costs_more_on_a_bigger_portal(store_path, tmp_path):
    from connectors.sandbox.store import cached_store

    from .conftest import NOW

    tiny = cached_store("tiny", 7, NOW, cache_dir=tmp_path)
    limits = QUIET.with_(base_cost=0.002, count_cost_per_row=1e-4)
    costs = {}
    for name, path in (("tiny", tiny), ("small", store_path)):
        with running_sandbox(store_path=path, limits=limits) as sb:
            reply = post(sb, "crm.activity.list", {"start": 0, "select": ["ID"]}).json()
            keyset = post(sb, "crm.activity.list", {"start": -1, "select": ["ID"]}).json()
            costs[name] = (reply["total"], reply["time"]["processing"], keyset["time"]["processing"])
    (n_tiny, tiny_cost, tiny_keyset), (n_small, small_cost, small_keyset) = costs["tiny"], costs["small"]
    assert n_small > 4 * n_tiny
    assert small_cost - tiny_cost > (n_small - n_tiny) * 1e-4 * 0.8
    assert abs(small_keyset - tiny_keyset) < 0.01  # keyset pages do not care how big the table is


def test_a_portal_started_at_a_moment_tells_its_time_from_it(store_path, fake_time):
    """`now`: server.time and the time block's dates start at the moment and run on with real time; the
    limits' own figures (operating_reset_at, in real unix seconds, as a client sleeps on it) do not move."""
    moment = datetime(2026, 11, 18, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    limits = QUIET.with_(base_cost=0.04)
    with running_sandbox(store_path=store_path, limits=limits, timer=fake_time.timer, now=moment) as sb:
        assert post(sb, "server.time").json()["result"] == "2026-11-18T12:00:00+03:00"
        fake_time.advance(90.0)
        reply = post(sb, "crm.deal.list", {"start": -1}).json()
        assert reply["time"]["date_start"] == "2026-11-18T12:01:30+03:00"
        # the call's basket is the real minute T0 + 60 (T0 + 90 s falls in it); it leaves the window 600 s on
        assert reply["time"]["operating_reset_at"] == T0 + 60 + 600
        assert post(sb, "server.time").json()["result"] == "2026-11-18T12:01:30+03:00"
