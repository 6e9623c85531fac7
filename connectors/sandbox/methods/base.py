"""What every method handler gets (`Call`) and returns (`Reply`), and the method registry."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.sandbox.listing import Page


@dataclass
class Reply:
    result: Any
    total: int | None = None
    next: int | None = None
    cost: float = 0.0  # simulated server seconds on top of the real execution time


@dataclass
class Call:
    conn: sqlite3.Connection
    params: dict[str, Any]
    meta: dict[str, str]
    cost_of: Callable[[int, int], float]  # (rows counted, rows skipped) -> simulated seconds
    cache: dict[str, Any] = field(default_factory=dict)  # per-portal cache (schemas), shared
    clock: Callable[[], datetime] | None = None  # the portal's current time (Portal.now)

    @property
    def offset(self) -> str:
        return self.meta.get("utc_offset", "+03:00")

    def page_reply(self, rows: list[Any], page: Page, **extra: Any) -> Reply:
        return Reply(rows, page.total, page.next, self.cost_of(page.counted, page.skipped), **extra)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Method:
    name: str
    scope: str | None  # None: allowed for every webhook
    handler: Handler
    lists: bool = False  # a list method (counts for "changes during export")


REGISTRY: dict[str, Method] = {}


def method(name: str, scope: str | None, *, lists: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        REGISTRY[name.lower()] = Method(name, scope, fn, lists)
        return fn
    return register
