"""The moment the sync tests' `small` sandbox portal lives at. Its store is generated for NOW and its
clock starts at STARTED (running_sandbox's `now`), so what the portal holds does not depend on the day the
suite runs. A portal generated for the day it is served has, in the first days of a month, almost no deal
won or lost in that month, and the checks that the sandbox gives each rule cases to find failed then (for a
store of the day, 1-6 December and 1-6 January had fewer than 3 won or lost deals in the month)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from connectors.sandbox.store import cached_store
from connectors.sandbox.testing import running_sandbox

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=timezone(timedelta(hours=3)))  # a Wednesday mid-month, Moscow
# The portal is served from a minute after its data, as when a store is built moments before the tests: the
# generator stamps a few edits at NOW itself, and an export that began in that very second would rightly take
# them for changes under it (its sweep not clean, left due).
STARTED = NOW + timedelta(minutes=1)
CACHE = Path(__file__).resolve().parents[1] / "data" / "sandbox"


def small_store() -> Path:
    """The cached `small` store (seed 7) generated for NOW: built once, then reused on every day."""
    return cached_store("small", 7, NOW, cache_dir=CACHE)


def small_portal(store_path: Path | None = None, **options):
    """running_sandbox serving the `small` portal on its clock from STARTED: store_path (a copy of
    small_store() a test may change), else a private copy of small_store(). `options` as running_sandbox's."""
    return running_sandbox("small", 7, now=STARTED, store_path=store_path or small_store(), **options)
