"""Client-side pacing for Bitrix24's two limits, shared by every thread that talks to one portal.

1. Leaky bucket (per portal): each HTTP request adds 1, the level drains `per_second`, above `burst` the
   portal answers 503 QUERY_LIMIT_EXCEEDED. We keep our own bucket so a real portal never has to refuse us.
2. Operating time (per method): `time.operating` in every reply is the seconds this method ran over the
   last 10 minutes. Past the budget (480 s by default) the method gets 429 OPERATION_TIME_LIMIT until
   `operating_reset_at`. We slow a method that approaches its budget and pause a blocked one.

Waiting is capped by `max_wait`: a wait longer than that raises BackoffRequested (exit 75) instead.
Clocks and sleep are injectable so tests run without waiting.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.bitrix24.errors import BackoffRequested


def parse_reset_at(value: Any) -> float:
    """`operating_reset_at` as unix seconds; it comes as a number or (in one doc example) an ISO string."""
    if isinstance(value, bool) or value is None:
        raise ValueError("no reset time")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@dataclass
class MethodBudget:
    """What the last reply told us about one method."""

    operating: float = 0.0  # seconds used in the sliding window
    reset_at: float | None = None  # wall-clock unix seconds when the oldest basket drops out
    last_cost: float = 0.0  # processing time of the last call
    blocked_until: float = 0.0  # monotonic
    next_allowed: float = 0.0  # monotonic: spacing when near the budget
    blocks: int = 0  # consecutive 429s without a reset time


class RateLimiter:
    def __init__(self, burst: int = 50, per_second: float = 2.0, *, operating_budget: float = 480.0,
                 window: float = 600.0, headroom: float = 1.0, slow_at: float = 0.7, pause_at: float = 0.92,
                 max_wait: float = 900.0, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        if burst < 1 or per_second <= 0:
            raise ValueError("burst must be >= 1 and per_second > 0")
        self.burst = burst
        # One request of headroom: the portal drains by arrival times, not ours, so network jitter between
        # two requests must not push its bucket over the top. Costs one request of burst, no throughput.
        self._capacity = max(1.0, burst - headroom)
        self.per_second = per_second
        self.operating_budget = operating_budget
        self.window = window
        self.slow_at = slow_at
        self.pause_at = pause_at
        self.max_wait = max_wait
        self.clock = clock
        self.wall = wall
        self.sleep = sleep
        self._lock = threading.Lock()
        self._level = 0.0  # requests in the bucket, reservations included
        self._stamp = clock()
        self._methods: dict[str, MethodBudget] = {}

    # --- acquiring a slot -------------------------------------------------------------------------------
    def acquire(self, methods: Iterable[str] = ()) -> float:
        """Block until one request for `methods` may go; returns the seconds waited."""
        names = [m.lower() for m in methods]
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                hold = max((self._method_wait(n, now) for n in names), default=0.0)
                if hold <= 0:
                    wait = self._reserve(now)
                    for n in names:
                        self._space(n, now + wait)
                    break
            self._sleep(hold, names)
            waited += hold
        self._sleep(wait, names)
        return waited + wait

    def _reserve(self, now: float) -> float:
        """Take a place in the bucket (GCRA): the wait is how long until our place has drained enough."""
        self._drain(now)
        self._level += 1
        return max(0.0, (self._level - self._capacity) / self.per_second)

    def _drain(self, now: float) -> None:
        self._level = max(0.0, self._level - (now - self._stamp) * self.per_second)
        self._stamp = now

    def _method_wait(self, name: str, now: float) -> float:
        budget = self._methods.get(name)
        if budget is None:
            return 0.0
        return max(0.0, budget.blocked_until - now, budget.next_allowed - now)

    def _space(self, name: str, start: float) -> None:
        """Near the budget, keep the method's run time at the sustainable rate (budget per window)."""
        budget = self._methods.get(name)
        if budget is None or budget.operating < self.slow_at * self.operating_budget:
            return
        gap = budget.last_cost * self.window / self.operating_budget
        budget.next_allowed = max(budget.next_allowed, start + gap)

    def _sleep(self, seconds: float, names: list[str]) -> None:
        if seconds <= 0:
            return
        if seconds > self.max_wait:
            what = ", ".join(names) or "requests"
            raise BackoffRequested(f"Bitrix24 limits for {what} would need a {seconds:.0f} s wait (more than "
                                   f"the allowed {self.max_wait:.0f} s); run the sync again later")
        self.sleep(seconds)

    # --- what the portal told us ----------------------------------------------------------------------
    def record(self, method: str, time_block: Any, *, success: bool = True) -> None:
        """Note a reply's `time` block (for a batch: each `result_time` entry under its own method).
        Error replies carry one too (`success=False`): their reset time is fresher than the last good one."""
        if not isinstance(time_block, dict):
            return
        name = method.lower()
        with self._lock:
            budget = self._methods.setdefault(name, MethodBudget())
            if success:
                budget.blocks = 0
            operating = _number(time_block.get("operating"))
            if operating is not None:
                budget.operating = operating
            cost = _number(time_block.get("processing"))
            if cost is None:
                cost = _number(time_block.get("duration"))
            if cost is not None:
                budget.last_cost = cost
            with contextlib.suppress(ValueError, TypeError):
                budget.reset_at = parse_reset_at(time_block.get("operating_reset_at"))
            near_limit = operating is not None and operating >= self.pause_at * self.operating_budget
            if near_limit and budget.reset_at is not None:
                self._block_until_reset(budget)

    def _block_until_reset(self, budget: MethodBudget, minimum: float = 0.0) -> float:
        now = self.clock()
        delay = (budget.reset_at or 0.0) - self.wall()
        delay = max(delay + 1.0, minimum)  # one second of slack for clock skew
        budget.blocked_until = max(budget.blocked_until, now + delay)
        return delay

    def blocked(self, method: str) -> float:
        """A 429 for `method`: pause it until its reset time (or a growing guess). Returns the pause."""
        name = method.lower()
        with self._lock:
            budget = self._methods.setdefault(name, MethodBudget())
            budget.blocks += 1
            guess = min(5.0 * 2 ** (budget.blocks - 1), 120.0)
            if budget.reset_at is not None and budget.reset_at > self.wall():
                return self._block_until_reset(budget)
            budget.blocked_until = max(budget.blocked_until, self.clock() + guess)
            return guess

    def overflowed(self) -> None:
        """A 503: the portal's bucket is fuller than ours thinks (other clients share it), so fill ours."""
        with self._lock:
            self._drain(self.clock())
            self._level = max(self._level, float(self.burst))

    def operating(self, method: str) -> float:
        budget = self._methods.get(method.lower())
        return budget.operating if budget else 0.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
