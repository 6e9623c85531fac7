"""Fault injection: HTML 5xx pages, dropped connections, slow replies, changes during an export."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import httpx
import pytest

from connectors.sandbox.faults import Faults
from connectors.sandbox.testing import NO_LIMITS, running_sandbox

HTTP = httpx.Client(timeout=30)  # one client: building one per call costs more than the call


def statuses(sb, n=30) -> list[int]:
    return [HTTP.post(sb.webhook_url + "server.time").status_code for _ in range(n)]


def test_html_5xx_is_reproducible_by_seed(store_path):
    with running_sandbox(store_path=store_path, faults=Faults(seed=3, error_rate=0.3)) as sb:
        first = statuses(sb)
        sb.set_faults(Faults(seed=3, error_rate=0.3))
        assert statuses(sb) == first
        sb.set_faults(Faults(seed=4, error_rate=0.3))
        assert statuses(sb) != first
        assert {502, 503} <= set(first) and 200 in first
        sb.set_faults(Faults(seed=3, error_rate=1.0))
        r = HTTP.post(sb.webhook_url + "crm.deal.list")
        assert r.status_code in {502, 503} and r.headers["content-type"].startswith("text/html")
        assert "<center>nginx</center>" in r.text


def test_dropped_connection(store_path):
    with (
        running_sandbox(store_path=store_path, faults=Faults(seed=1, drop_rate=1.0)) as sb,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        httpx.post(sb.webhook_url + "server.time")


def test_slow_replies(store_path, fake_time):
    faults = Faults(slow_rate=1.0, slow_seconds=0.3)
    with running_sandbox(store_path=store_path, faults=faults, timer=fake_time.timer) as sb:
        assert HTTP.post(sb.webhook_url + "server.time").status_code == 200
        assert fake_time.sleeps == [0.3]


def export_with_changes(store_path, seed):
    """Offset-page every deal while the portal changes every 2 list calls."""
    faults = Faults(seed=seed, changes_every=2, changes_count=6)
    with running_sandbox(store_path=store_path, faults=faults) as sb:
        totals, seen, start = [], [], 0
        while start is not None:
            reply = HTTP.post(
                sb.webhook_url + "crm.deal.list",
                json={"order": {"ID": "ASC"}, "select": ["ID"], "start": start},
            ).json()
            totals.append(reply["total"])
            seen += [int(r["ID"]) for r in reply["result"]]
            start = reply.get("next")
        return totals, seen, sb.changes, sb.portal.faults.change_rounds


def test_changes_during_export_are_applied_and_reproducible(store_path, db):
    totals, seen, changes, rounds = export_with_changes(store_path, seed=5)
    assert changes and {c.kind for c in changes} >= {"add", "update"}
    assert rounds == len(totals) // 2
    assert len(set(totals)) > 1 or len(seen) != len(set(seen))  # the export saw the portal move
    # the store the test reads is untouched: the sandbox worked on a private copy
    assert totals[0] == db.execute("select count(*) from deals where IS_RECURRING = 'N'").fetchone()[0]
    again = export_with_changes(store_path, seed=5)
    assert again == (totals, seen, changes, rounds)


@pytest.mark.parametrize("clock_factor", [1.0, 60.0])
def test_changes_are_stamped_with_the_portal_clock(store_path, clock_factor, fake_time):
    """The fault's edits carry the portal's current time, never the store's generation time, so an
    incremental sync from the watermark server.time gave before the export finds them."""
    faults = Faults(seed=3, changes_every=1, changes_count=8)
    limits = NO_LIMITS.with_(clock_factor=clock_factor)
    with running_sandbox(store_path=store_path, faults=faults, limits=limits, timer=fake_time.timer) as sb:
        before = datetime.fromisoformat(HTTP.post(sb.webhook_url + "server.time").json()["result"])
        fake_time.advance(2.0)  # two real seconds: 2 or 120 portal seconds
        HTTP.post(sb.webhook_url + "crm.deal.list", json={"select": ["ID"], "start": -1})
        after = datetime.fromisoformat(HTTP.post(sb.webhook_url + "server.time").json()["result"])
        edited = {c.id for c in sb.changes if c.kind != "delete" and c.entity == "deal"}
        assert edited
        conn = sqlite3.connect(f"file:{sb.store_path}?mode=ro", uri=True)
        marks = ", ".join("?" * len(edited))
        stamps = [datetime.fromisoformat(r[0]) for r in conn.execute(
            f"select DATE_MODIFY from deals where ID in ({marks})", sorted(edited))]
        conn.close()
    assert stamps and set(stamps) == {before + timedelta(seconds=2 * clock_factor)} and after == max(stamps)
    assert {s.utcoffset() for s in stamps} == {before.utcoffset()}
