"""Every request reads a fresh snapshot: writes made to the store from outside show up at once, even on a
kept-alive connection whose server thread has already read the same rows."""

from __future__ import annotations

import httpx

from connectors.sandbox.methods.base import REGISTRY, Call, Method, Reply
from connectors.sandbox.store import connect
from connectors.sandbox.testing import running_sandbox


def title_of(client: httpx.Client, url: str, deal_id: int) -> str:
    reply = client.post(url + "crm.deal.list", json={"filter": {"ID": deal_id}, "select": ["ID", "TITLE"]})
    assert reply.status_code == 200, reply.text[:300]
    return reply.json()["result"][0]["TITLE"]


def test_outside_write_is_seen_by_the_next_request(store_path):
    with running_sandbox(store_path=store_path) as sb, httpx.Client(timeout=30) as client:
        # Several kinds of read first, so that any cursor a handler leaves half-read is left open.
        client.post(sb.webhook_url + "crm.deal.list", json={"select": ["ID"]})
        client.post(sb.webhook_url + "crm.activity.list", json={"select": ["ID"], "start": -1})
        client.post(sb.webhook_url + "batch", json={"cmd": {"a": "crm.deal.list?select[]=ID",
                                                           "b": "crm.status.list"}})
        deal_id = int(client.post(sb.webhook_url + "crm.deal.list",
                                  json={"select": ["ID"], "start": -1}).json()["result"][0]["ID"])
        old = title_of(client, sb.webhook_url, deal_id)
        for round_ in range(3):
            new = f"{old} (edited outside, {round_})"
            conn = connect(sb.store_path)
            conn.execute("update deals set TITLE = ? where ID = ?", [new, deal_id])
            conn.commit()
            conn.close()
            assert title_of(client, sb.webhook_url, deal_id) == new


def test_a_half_read_cursor_does_not_pin_the_snapshot(store_path, monkeypatch):
    """A handler that leaves a statement half-read (here on purpose) must not freeze what the thread sees."""
    leaked = []

    def leaky(call: Call) -> Reply:
        cur = call.conn.execute("select ID from deals order by ID")
        cur.fetchone()
        leaked.append(cur)  # still referenced: without the server's cleanup its snapshot stays open
        return Reply(True)

    monkeypatch.setitem(REGISTRY, "sandbox.test.leak", Method("sandbox.test.leak", None, leaky))
    with running_sandbox(store_path=store_path) as sb, httpx.Client(timeout=30) as client:
        deal_id = int(client.post(sb.webhook_url + "crm.deal.list",
                                  json={"select": ["ID"], "start": -1}).json()["result"][0]["ID"])
        assert client.post(sb.webhook_url + "sandbox.test.leak").json()["result"] is True
        old = title_of(client, sb.webhook_url, deal_id)
        conn = connect(sb.store_path)
        conn.execute("update deals set TITLE = ? where ID = ?", [old + " (edited outside)", deal_id])
        conn.commit()
        conn.close()
        assert title_of(client, sb.webhook_url, deal_id) == old + " (edited outside)"
    assert leaked
