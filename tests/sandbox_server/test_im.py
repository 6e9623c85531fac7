"""im.notify.system.add over HTTP: the `im` webhook, what the portal keeps, its errors, inside batch."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.sandbox.methods.im import MAX_MESSAGE_CHARS
from connectors.sandbox.testing import RunningSandbox, running_sandbox

from .conftest import call


@pytest.fixture
def portal(store_path: Path) -> Iterator[RunningSandbox]:
    """A portal of its own per test: the notifications it keeps start empty."""
    with running_sandbox(store_path=store_path) as sb:
        yield sb


@pytest.fixture
def notify(portal: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal.notify_webhook_url, timeout=30) as c:
        yield c


def _users(store_path: Path) -> tuple[int, int]:
    """(an active user, a dismissed one) straight from the store."""
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        active = conn.execute('select "ID" from users where "ACTIVE" = 1 order by "ID" limit 1').fetchone()[0]
        gone = conn.execute('select "ID" from users where "ACTIVE" = 0 order by "ID" limit 1').fetchone()[0]
    finally:
        conn.close()
    return int(active), int(gone)


def test_a_notification_is_kept_as_sent_and_read_back_two_ways(portal, notify, store_path):
    user, _ = _users(store_path)
    message = "  [B]Дожим[/B][BR][URL=https://example.test/crm/deal/details/5/]Сделка 5[/URL]\n"
    reply = call(notify, "im.notify.system.add", {"USER_ID": user, "MESSAGE": message, "TAG": "DOZHIM|1",
                                                  "SUB_TAG": "DOZHIM", "MESSAGE_OUT": "plain"})
    assert isinstance(reply["result"], int) and reply["result"] > 0
    kept = portal.notifications()
    assert [(n["user_id"], n["message"], n["tag"], n["sub_tag"], n["message_out"]) for n in kept] == [
        (user, message.strip(), "DOZHIM|1", "DOZHIM", "plain")]  # trimmed at both ends, as the docs say
    served = httpx.get(f"{portal.base_url}/sandbox/notifications.json").json()["notifications"]
    assert [n["id"] for n in served] == [reply["result"]]


def test_a_second_notification_with_the_same_tag_replaces_the_first(portal, notify, store_path):
    user, _ = _users(store_path)
    call(notify, "im.notify.system.add", {"USER_ID": user, "MESSAGE": "one", "TAG": "T"})
    call(notify, "im.notify.system.add", {"USER_ID": user, "MESSAGE": "two", "TAG": "T"})
    call(notify, "im.notify.system.add", {"USER_ID": user, "MESSAGE": "three"})
    assert [n["message"] for n in portal.notifications()] == ["two", "three"]


@pytest.mark.parametrize(("params", "code"), [
    ({"MESSAGE": "x"}, "USER_ID_EMPTY"),
    ({"USER_ID": 0, "MESSAGE": "x"}, "USER_ID_EMPTY"),
    ({"USER_ID": "USER", "MESSAGE": "   "}, "MESSAGE_EMPTY"),
    ({"USER_ID": "USER", "MESSAGE": "x" * (MAX_MESSAGE_CHARS + 1)}, "MESSAGE_TOO_LONG"),
    ({"USER_ID": "USER", "MESSAGE": "x", "ATTACH": "{not json"}, "ATTACH_ERROR"),
    ({"USER_ID": "USER", "MESSAGE": "x", "ATTACH": json.dumps([{"M": "y" * 31_000}])}, "ATTACH_OVERSIZE"),
])
def test_errors_are_400_with_the_documented_codes_and_keep_nothing(portal, notify, store_path, params, code):
    user, _ = _users(store_path)
    params = {k: (user if v == "USER" else v) for k, v in params.items()}
    body = call(notify, "im.notify.system.add", params, status=400)
    assert body["error"] == code
    assert portal.notifications() == []


def test_an_unknown_or_dismissed_user_gets_false_and_nothing_is_kept(portal, notify, store_path):
    _, gone = _users(store_path)
    assert call(notify, "im.notify.system.add", {"USER_ID": 999_999, "MESSAGE": "x"})["result"] is False
    assert call(notify, "im.notify.system.add", {"USER_ID": gone, "MESSAGE": "x"})["result"] is False
    assert portal.notifications() == []


def test_scopes_the_connector_webhook_cannot_notify_and_the_im_webhook_cannot_read_crm(portal, notify):
    with httpx.Client(base_url=portal.webhook_url, timeout=30) as reader:
        body = call(reader, "im.notify.system.add", {"USER_ID": 1, "MESSAGE": "x"}, status=403)
    assert body["error"] == "insufficient_scope"
    assert call(notify, "crm.deal.list", {}, status=403)["error"] == "insufficient_scope"
    bad = httpx.post(portal.notify_webhook_url.replace("imnotify", "xxnotify") + "im.notify.system.add",
                     json={"USER_ID": 1, "MESSAGE": "x"})
    assert bad.status_code == 401 and bad.json()["error"] == "NO_AUTH_FOUND"


def test_inside_batch_each_command_answers_on_its_own(portal, notify, store_path):
    user, _ = _users(store_path)
    cmd = {
        "a": f"im.notify.system.add?USER_ID={user}&MESSAGE=%5BB%5Da%5B%2FB%5D",
        "b": "im.notify.system.add?USER_ID=0&MESSAGE=b",
        "c": f"im.notify.system.add?USER_ID={user}&MESSAGE=c",
        "d": "crm.deal.list",
    }
    reply = call(notify, "batch", {"halt": 0, "cmd": cmd})["result"]
    assert set(reply["result"]) == {"a", "c"}
    assert reply["result_error"]["b"]["error"] == "USER_ID_EMPTY"
    assert reply["result_error"]["d"]["error"] == "insufficient_scope"  # the batch keeps the caller's scopes
    assert [n["message"] for n in portal.notifications()] == ["[B]a[/B]", "c"]
