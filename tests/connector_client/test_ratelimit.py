import threading

import pytest

from connectors.bitrix24.errors import BackoffRequested
from connectors.bitrix24.ratelimit import RateLimiter, parse_reset_at

from .conftest import WALL0


def limiter_on(clock, **kw) -> RateLimiter:
    return RateLimiter(clock=clock.clock, wall=clock.wall, sleep=clock.sleep, **kw)


@pytest.mark.parametrize(("value", "expected"), [
    (1757425271, 1757425271.0), (1757425271.5, 1757425271.5), ("1757425271", 1757425271.0),
    ("2025-09-09T16:41:11+03:00", 1757425271.0), ("2025-09-09T13:41:11Z", 1757425271.0),
    ("2025-09-09T13:41:11", 1757425271.0),  # no offset: UTC
])
def test_parse_reset_at_both_forms(value, expected):
    assert parse_reset_at(value) == expected


@pytest.mark.parametrize("value", [None, "", "soon", True, [1]])
def test_parse_reset_at_rejects_garbage(value):
    with pytest.raises((ValueError, TypeError)):
        parse_reset_at(value)


def test_burst_then_steady_rate(clock):
    limiter = limiter_on(clock, burst=5, per_second=2.0)
    for _ in range(4):  # the burst less one request of headroom for network jitter
        assert limiter.acquire(["crm.deal.list"]) == 0
    for _ in range(10):
        limiter.acquire(["crm.deal.list"])
    assert clock.now == pytest.approx(5.0)  # 10 requests beyond the burst at 2/s


def test_bucket_drains_while_idle(clock):
    limiter = limiter_on(clock, burst=4, per_second=2.0)
    for _ in range(5):
        limiter.acquire()
    clock.sleep(10)  # idle: the bucket empties
    start = clock.now
    for _ in range(3):
        limiter.acquire()
    assert clock.now == start


def test_503_fills_the_bucket(clock):
    limiter = limiter_on(clock, burst=50, per_second=2.0)
    limiter.acquire()
    limiter.overflowed()
    assert limiter.acquire() >= 0.5  # paced as if the bucket were full


def test_method_near_its_budget_is_spaced_then_paused(clock):
    limiter = limiter_on(clock, operating_budget=480, window=600)
    limiter.record("crm.activity.list", {"operating": 400.0, "processing": 2.0,
                                         "operating_reset_at": WALL0 + 200})
    limiter.acquire(["crm.activity.list"])  # above 70%: calls now at most budget/window of run time
    before = clock.now
    limiter.acquire(["crm.activity.list"])
    assert clock.now - before == pytest.approx(2.0 * 600 / 480)
    limiter.acquire(["crm.deal.list"])  # others unaffected
    limiter.record("crm.activity.list", {"operating": 460.0, "processing": 2.0,
                                         "operating_reset_at": WALL0 + clock.now + 90})
    before = clock.now
    limiter.acquire(["crm.activity.list"])  # above 92%: wait for the reset
    assert 90 <= clock.now - before <= 92


def test_blocked_method_waits_for_reset_or_a_growing_guess(clock):
    limiter = limiter_on(clock)
    assert limiter.blocked("crm.deal.list") == 5.0  # nothing known yet: a guess
    assert limiter.blocked("crm.deal.list") == 10.0  # growing
    limiter.record("crm.deal.list", {"operating": 100, "operating_reset_at": WALL0 + 40})
    assert 40 <= limiter.blocked("crm.deal.list") <= 41


def test_a_wait_beyond_max_wait_requests_backoff(clock):
    limiter = limiter_on(clock, max_wait=60)
    limiter.record("crm.deal.list", {"operating": 479, "operating_reset_at": WALL0 + 500})
    with pytest.raises(BackoffRequested) as info:
        limiter.acquire(["crm.deal.list"])
    assert info.value.exit_code == 75 and "crm.deal.list" in info.value.user_message
    assert clock.now == 0  # did not sleep


def test_threads_share_one_bucket():
    """40 requests from 4 threads on a clock that stands still: every request takes its own place in the
    one bucket, so the waits are exactly 4 free places (burst 5 less one of headroom) and then 0.01 s,
    0.02 s, ... 0.36 s (place k waits (k - 4) / 100 s at 100/s), however the threads interleave."""
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(burst=5, per_second=100.0, clock=lambda: 0.0, wall=lambda: WALL0, sleep=sleep)

    def work():
        for _ in range(10):
            limiter.acquire(["crm.deal.list"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([k / 100 for k in range(1, 37)])
