"""The two cloud limits and the simulated server cost, on a clock that can run faster than real time.

- Leaky bucket, per portal: every HTTP request (a batch counts once) adds 1; above `burst` the request is
  refused with 503 QUERY_LIMIT_EXCEEDED; the level drains by `drain` per (virtual) second.
- Operating time, per method: summed execution time over ten one-minute baskets; once the sum reaches
  `operating_limit` the method answers 429 OPERATION_TIME_LIMIT until the oldest basket drops out.
- Simulated cost: `base_cost + count_cost_per_row * rows counted + offset_cost_per_row * rows skipped`.
  Counting (start >= 0) scans the whole match, so offset paging of a big table is slow and start=-1 keyset
  pages are cheap. The cost is added to `processing`/`operating`, and slept for `cost / clock_factor` real
  seconds when `sleep_cost` is on.
- `clock_factor`: virtual seconds per real second. With 60, the bucket drains 60x faster and a 10-minute
  window passes in 10 s. `operating_reset_at` is sent in real unix time, when the reset really happens.

"Real" time is a `Timer` (`clock()` and `sleep()`): the wall clock by default, a fake one in tests, so they
check the limits without waiting and without wall-clock bounds.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

WINDOW_MINUTES = 10


@dataclass(frozen=True)
class Limits:
    enabled: bool = True  # False: neither limit refuses anything (time blocks still carry the figures)
    burst: float = 50
    drain: float = 2.0
    operating_limit: float = 480.0  # seconds of execution per method per 10 minutes
    clock_factor: float = 1.0
    base_cost: float = 0.002
    count_cost_per_row: float = 0.5e-6
    offset_cost_per_row: float = 0.2e-6
    sleep_cost: bool = True

    def with_(self, **changes) -> Limits:
        return replace(self, **changes)


@dataclass(frozen=True)
class Timer:
    """The sandbox's source of real time: unix seconds, and a sleep."""

    clock: Callable[[], float] = field(default=time.time)
    sleep: Callable[[float], None] = field(default=time.sleep)


class VirtualClock:
    """Virtual seconds run `factor` times faster than real ones, from the moment the clock was made."""

    def __init__(self, factor: float, real: Callable[[], float] = time.time) -> None:
        self.factor = max(factor, 1e-9)
        self.real = real
        self.origin = real()

    def now(self) -> float:
        return self.to_virtual(self.real())

    def to_virtual(self, real: float) -> float:
        return self.origin + (real - self.origin) * self.factor

    def to_real(self, virtual: float) -> float:
        return self.origin + (virtual - self.origin) / self.factor


class LeakyBucket:
    def __init__(self) -> None:
        self.level = 0.0
        self.stamp: float | None = None

    def admit(self, limits: Limits, now: float) -> bool:
        if self.stamp is not None:
            self.level = max(0.0, self.level - (now - self.stamp) * limits.drain)
        self.stamp = now
        if limits.enabled and self.level + 1 > limits.burst:
            return False
        self.level += 1
        return True


class OperatingBudget:
    """Per-method execution time in one-minute baskets (virtual minutes)."""

    def __init__(self) -> None:
        self.baskets: dict[str, dict[int, float]] = {}

    def _live(self, method: str, now: float) -> dict[int, float]:
        minute = int(now // 60)
        if method not in self.baskets:  # asking about a method never charged must not create it
            return {}
        baskets = self.baskets[method]
        for old in [m for m in baskets if m <= minute - WINDOW_MINUTES]:
            del baskets[old]
        return baskets

    def used(self, method: str, now: float) -> float:
        return sum(self._live(method, now).values())

    def reset_at(self, method: str, now: float) -> float:
        """Virtual time when the oldest basket leaves the window (now + 10 min when nothing is used)."""
        baskets = self._live(method, now)
        oldest = min(baskets) if baskets else int(now // 60)
        return (oldest + WINDOW_MINUTES) * 60.0

    def add(self, method: str, now: float, seconds: float) -> None:
        self.baskets.setdefault(method, {})
        baskets = self._live(method, now)
        minute = int(now // 60)
        baskets[minute] = baskets.get(minute, 0.0) + seconds


class LimitState:
    """Everything the limits remember for one portal; thread-safe."""

    def __init__(self, limits: Limits, timer: Timer | None = None) -> None:
        self.lock = threading.Lock()
        self.timer = timer or Timer()
        self.set(limits)

    def set(self, limits: Limits) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.limits = limits
            self.clock = VirtualClock(limits.clock_factor, self.timer.clock)
            self.bucket = LeakyBucket()
            self.budget = OperatingBudget()

    def admit_request(self) -> bool:
        with self.lock:
            return self.bucket.admit(self.limits, self.clock.now())

    def method_blocked(self, method: str) -> bool:
        with self.lock:
            used = self.budget.used(method, self.clock.now())
            return self.limits.enabled and used >= self.limits.operating_limit

    def charge(self, method: str, seconds: float) -> tuple[float, int]:
        """Add execution time to a method; returns (operating, operating_reset_at in real unix seconds)."""
        with self.lock:
            now = self.clock.now()
            self.budget.add(method, now, seconds)
            return self.budget.used(method, now), self._reset_at(method, now)

    def _reset_at(self, method: str, now: float) -> int:
        # Rounded up: a client that waits until this second finds the method free again.
        return math.ceil(self.clock.to_real(self.budget.reset_at(method, now)))

    def status(self, method: str) -> tuple[float, int]:
        with self.lock:
            now = self.clock.now()
            return self.budget.used(method, now), self._reset_at(method, now)

    def cost(self, counted: int, skipped: int) -> float:
        lim = self.limits
        return lim.base_cost + lim.count_cost_per_row * counted + lim.offset_cost_per_row * skipped

    def sleep_for(self, cost: float) -> None:
        if self.limits.sleep_cost and cost > 0:
            self.timer.sleep(cost / self.limits.clock_factor)
