"""Shared fixtures: a fake clock (nothing really sleeps) and a small in-memory portal over MockTransport."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

import httpx
import pytest

from connectors.bitrix24.client import Bitrix24Client
from connectors.bitrix24.ratelimit import RateLimiter
from connectors.bitrix24.retry import RetryPolicy

SECRET = "s3cr3tc0de42xyz"
WEBHOOK = f"https://acme.bitrix24.com/rest/7/{SECRET}/"
WALL0 = 1_800_000_000.0


class FakeClock:
    """Monotonic and wall time that only move when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return WALL0 + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock, *,
                url: str = WEBHOOK, burst: int = 50, per_second: float = 2.0, max_wait: float = 900.0,
                max_retries: int = 3) -> Bitrix24Client:
    limiter = RateLimiter(burst, per_second, max_wait=max_wait, clock=clock.clock, wall=clock.wall,
                          sleep=clock.sleep)
    return Bitrix24Client(url, transport=httpx.MockTransport(handler), limiter=limiter,
                          retry=RetryPolicy(max_retries=max_retries, base=0.5, cap=8.0))


def ok(result, **extra) -> httpx.Response:
    body = {"result": result, "time": {"start": 1.0, "finish": 1.1, "duration": 0.1, "processing": 0.05,
                                       "operating": 0.05, "operating_reset_at": int(WALL0 + 600)}}
    body.update(extra)
    return httpx.Response(200, json=body)


def method_of(request: httpx.Request) -> str:
    return request.url.path.rsplit("/", 1)[1]


def php_parse(query: str) -> dict:
    """Enough of PHP's parse_str for the tests: `a[b]=v`, `a[]=v`."""
    out: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        parts = [key.split("[", 1)[0], *re.findall(r"\[([^\]]*)\]", key)]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        last = parts[-1] or str(len(node))
        node[last] = value
    return out


class MockPortal:
    """A keyset-listable table with batch support, `$result[...]` references and the short-page trap."""

    def __init__(self, ids: list[int], *, items_key: str | None = None, id_field: str = "ID",
                 filter_key: str = "filter") -> None:
        self.ids = sorted(ids)
        self.items_key = items_key
        self.id_field = id_field
        self.filter_key = filter_key
        self.requests: list[dict] = []
        self.commands_run = 0

    def page(self, params: dict) -> list[dict]:
        flt = params.get(self.filter_key) or {}
        after = flt.get(f">{self.id_field}", 0)
        try:
            after = int(after)
        except (TypeError, ValueError):
            after = 0  # PHP: intval("Array") == 0 -> the garbage page starts from the top
        rows = [i for i in self.ids if i > after]
        return [{self.id_field: str(i) if self.id_field == "ID" else i} for i in rows[:50]]

    def wrap(self, rows: list[dict]):
        return {self.items_key: rows} if self.items_key else rows

    def resolve(self, value: str, results: dict):
        """`$result[c0][49][ID]`: walk the path; stop at the last key found (the trap)."""
        path = re.findall(r"\[([^\]]*)\]", value)
        node = results
        for part in path:
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                break
        return node

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if method_of(request) != "batch":
            self.commands_run += 1
            return ok(self.wrap(self.page(body)))
        results: dict = {}
        for key, cmd in body["cmd"].items():
            _, _, query = cmd.partition("?")
            params = php_parse(query)
            flt = params.get(self.filter_key, {})
            for name, value in list(flt.items()):
                if isinstance(value, str) and value.startswith("$result["):
                    flt[name] = self.resolve(value, results)
            self.commands_run += 1
            results[key] = self.wrap(self.page(params))
        return httpx.Response(200, json={"result": {"result": results, "result_error": [], "result_total": [],
                                                    "result_next": [], "result_time": []},
                                         "time": {"operating": 0}})
