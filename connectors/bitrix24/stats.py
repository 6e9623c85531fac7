"""Thread-safe request counters, per stream label (deals, activities, meta...)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # HTTP requests sent, per stream (retries included)
        self.rows: Counter[str] = Counter()  # rows yielded by the paginators, per stream
        self.retries = 0
        self.status_503 = 0
        self.status_429 = 0
        self.redirects = 0
        self.seconds_waited = 0.0  # pacing, limits and backoff together

    def add_request(self, stream: str) -> None:
        with self._lock:
            self.requests[stream] += 1

    def add_rows(self, stream: str, count: int) -> None:
        with self._lock:
            self.rows[stream] += count

    def add(self, name: str, amount: float = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "rows": dict(self.rows),
                "retries": self.retries,
                "status_503": self.status_503,
                "status_429": self.status_429,
                "redirects": self.redirects,
                "seconds_waited": round(self.seconds_waited, 3),
            }
