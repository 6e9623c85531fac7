"""Fault injection, reproducible by seed.

Each HTTP request gets a number n (in arrival order); whether it fails, and how, is drawn from
`random.Random(f"{seed}:{n}")`, so the same client doing the same calls sees the same faults. Kinds:
- `error_rate`: a 502 or 503 with nginx's HTML page instead of JSON (what a cloud portal's front answers
  when the backend is down);
- `drop_rate`: the socket is closed without any reply;
- `slow_rate`/`slow_seconds`: the reply comes `slow_seconds` late;
- `changes_every`/`changes_count`: every N list calls (batch commands included), `changes_count` records are
  inserted, updated or deleted through `connectors.sandbox.mutations.apply_changes`, as if users were
  working while an export is under way.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace

NGINX_PAGES = {
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
         "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    503: "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
         "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
         "</body>\r\n</html>\r\n",
}


@dataclass(frozen=True)
class Faults:
    seed: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    changes_every: int = 0  # 0 = no changes during the export
    changes_count: int = 5

    def with_(self, **changes) -> Faults:
        return replace(self, **changes)

    @classmethod
    def parse(cls, text: str) -> Faults:
        """`"error=0.05,drop=0.01,slow=0.02,slow_seconds=1,changes_every=20,changes=5,seed=3"`."""
        aliases = {"error": "error_rate", "drop": "drop_rate", "slow": "slow_rate",
                   "changes": "changes_count"}
        kwargs: dict[str, float | int] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            name = aliases.get(key.strip(), key.strip())
            if not sep or name not in cls.__dataclass_fields__:
                raise ValueError(f"unknown fault setting {part!r}")
            number = float(value)
            kwargs[name] = int(number) if name in {"seed", "changes_every", "changes_count"} else number
        return cls(**kwargs)


@dataclass(frozen=True)
class Decision:
    error_status: int | None = None
    drop: bool = False
    delay: float = 0.0


class FaultState:
    """Request counters and the random source for changes; thread-safe."""

    def __init__(self, faults: Faults) -> None:
        self.lock = threading.Lock()
        self.set(faults)

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self.requests = 0
        self.list_calls = 0
        self.change_rounds = 0
        self.change_rng = random.Random(f"{faults.seed}:changes")

    def decide(self) -> Decision:
        with self.lock:
            n = self.requests
            self.requests += 1
        f = self.faults
        rng = random.Random(f"{f.seed}:{n}")
        roll_error, roll_drop, roll_slow, pick = rng.random(), rng.random(), rng.random(), rng.random()
        if roll_error < f.error_rate:
            return Decision(error_status=502 if pick < 0.5 else 503)
        if roll_drop < f.drop_rate:
            return Decision(drop=True)
        if roll_slow < f.slow_rate:
            return Decision(delay=f.slow_seconds)
        return Decision()

    def list_call_due_for_changes(self) -> bool:
        """Counts one list call; True when this one should first apply a round of changes."""
        with self.lock:
            if self.faults.changes_every <= 0:
                return False
            self.list_calls += 1
            if self.list_calls % self.faults.changes_every:
                return False
            self.change_rounds += 1
            return True
