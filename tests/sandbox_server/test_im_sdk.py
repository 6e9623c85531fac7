"""im.notify.system.add driven through the official Python SDK (b24pysdk) on the sandbox's notification
webhook (scope im), alone and in a batch; the sandbox keeps what the SDK sent."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from b24pysdk import BitrixWebhook, Client
from b24pysdk.errors import BitrixAPIError

from connectors.sandbox.testing import RunningSandbox, running_sandbox


@pytest.fixture
def portal(store_path) -> Iterator[RunningSandbox]:
    with running_sandbox(store_path=store_path) as sb:
        yield sb


@pytest.fixture
def im_client(portal: RunningSandbox) -> Iterator[Client]:
    caller = importlib.import_module("b24pysdk.api.callers.call_method")
    real_send = requests.Session.send

    def loopback_only(session, request, **kwargs):
        assert urlsplit(request.url).hostname == "127.0.0.1", "the SDK tried to leave the loopback sandbox"
        return real_send(session, request, **kwargs)

    with pytest.MonkeyPatch.context() as patch:  # the sandbox has no TLS: only the scheme changes
        patch.setattr(caller._MethodCaller, "_base_url", property(lambda self: f"http://{self._domain}/rest"))
        patch.setattr(requests.Session, "send", loopback_only)
        user, token = portal.notify_webhook_url.rstrip("/").split("/")[-2:]
        yield Client(BitrixWebhook(domain=urlsplit(portal.base_url).netloc, webhook_token=f"{user}/{token}"))


def test_the_sdk_sends_a_notification_and_the_sandbox_keeps_it(portal, im_client):
    result = im_client.im.notify.system.add(user_id=2, message=" [B]Дожим[/B] ", tag="DOZHIM|2",
                                            sub_tag="DOZHIM", client_id="local.dozhim").result
    assert isinstance(result, int)
    [kept] = portal.notifications()
    assert (kept["id"], kept["user_id"], kept["message"]) == (result, 2, "[B]Дожим[/B]")  # trimmed
    assert (kept["tag"], kept["sub_tag"]) == ("DOZHIM|2", "DOZHIM")


def test_the_sdk_batch_of_notifications_and_a_documented_error(portal, im_client):
    batch = im_client.call_batch({
        "a": im_client.im.notify.system.add(user_id=3, message="a"),
        "b": im_client.im.notify.system.add(user_id=4, message="b"),
    }).result
    assert set(batch.result) == {"a", "b"}
    assert [(n["user_id"], n["message"]) for n in portal.notifications()] == [(3, "a"), (4, "b")]
    with pytest.raises(BitrixAPIError) as err:
        _ = im_client.im.notify.system.add(user_id=5, message="   ").result
    assert err.value.error == "MESSAGE_EMPTY"
