"""The official Python SDK (b24pysdk) as a Bitrix24 app against the sandbox: it reads the frame's POST, trades
a code for tokens, calls methods with `auth`, and on `expired_token` refreshes and repeats the call by
itself. If the sandbox's replies were not shaped as Bitrix24's, the SDK's own parsing would refuse them."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from b24pysdk import BitrixAppLocal, BitrixToken
from b24pysdk.credentials.oauth_placement_data import OAuthPlacementData

from connectors.sandbox.oauth import CLIENT_ID, CLIENT_SECRET, MEMBER_ID
from connectors.sandbox.testing import RunningSandbox, running_sandbox

from .conftest import T0, FakeTime


@pytest.fixture
def portal(store_path, fake_time: FakeTime) -> Iterator[RunningSandbox]:
    with running_sandbox(store_path=store_path, copy_store=False, timer=fake_time.timer,
                         app_installed=True) as sb:
        yield sb


@pytest.fixture
def app(portal: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> BitrixAppLocal:
    """The demo app as the SDK knows it, its portal and authorization server both the sandbox (over http:
    the SDK hard-codes https:// and oauth.bitrix24.tech, the only two things patched)."""
    caller = importlib.import_module("b24pysdk.api.callers.call_method")
    requester = importlib.import_module("b24pysdk.api.requesters.bitrix_oauth_requester")
    monkeypatch.setattr(caller._MethodCaller, "_base_url", property(lambda self: f"http://{self._domain}/rest"))
    monkeypatch.setattr(requester.BitrixOAuthRequester, "_OAUTH_TOKEN_URL", f"{portal.base_url}/oauth/token/")
    return BitrixAppLocal(domain=urlsplit(portal.base_url).netloc, client_id=CLIENT_ID,
                          client_secret=CLIENT_SECRET)


def code_for(portal: RunningSandbox, user_id: int) -> str:
    r = httpx.get(f"{portal.base_url}/oauth/authorize/",
                  params={"client_id": CLIENT_ID, "state": "s", "user_id": str(user_id)})
    return parse_qs(urlsplit(r.headers["location"]).query)["code"][0]


def test_the_sdk_trades_a_code_for_the_tokens_user(portal, app):
    renewed = app.get_oauth_token(code_for(portal, 3))
    assert (renewed.user_id, renewed.member_id, renewed.status) == (3, MEMBER_ID, "L")
    assert renewed.scope == ["crm", "user", "department"]
    assert renewed.client_endpoint == f"{portal.base_url}/rest/"
    assert renewed.oauth_token.expires.timestamp() == T0 + 3600 and renewed.oauth_token.expires_in == 3600


def test_the_sdk_refreshes_an_expired_token_and_repeats_the_call(portal, app, fake_time):
    renewed = app.get_oauth_token(code_for(portal, 4))
    first = renewed.oauth_token
    # No `expires`: the SDK cannot see the expiry coming (its clock is not the fake one), so it must react
    # to the sandbox's 401 expired_token.
    token = BitrixToken(domain=app.domain, auth_token=first.access_token, refresh_token=first.refresh_token,
                        bitrix_app=app)
    assert token.call_method("profile")["result"]["ID"] == "4"
    fake_time.advance(3600)
    assert token.call_method("user.current")["result"]["ID"] == "4"
    assert token.auth_token != first.access_token and token.refresh_token != first.refresh_token
    r = httpx.get(f"{portal.base_url}/rest/profile", params={"auth": first.access_token})
    assert (r.status_code, r.json()["error"]) == (401, "expired_token")


def test_the_sdk_reads_the_frames_post(portal):
    with httpx.Client(base_url=portal.base_url, timeout=30) as web:
        web.get("/portal/", params={"as": "5"})
        page = web.get("/portal/app/frame/").text

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.action, self.fields = "", {}

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "form":
                self.action = a["action"] or ""
            if tag == "input":
                self.fields[a["name"]] = a["value"]

    form = Form()
    form.feed(page)
    query = {k: v[0] for k, v in parse_qs(urlsplit(form.action).query).items()}
    data = OAuthPlacementData.from_dict({**query, **form.fields})  # $_REQUEST: the query and the body
    assert (data.domain, data.member_id, data.status, data.lang) == (
        urlsplit(portal.base_url).netloc, MEMBER_ID, "L", "ru")
    assert int(data.protocol) == 0 and data.placement == "DEFAULT" and data.placement_options == {}
    assert re.fullmatch(r"[0-9a-f]{32}", data.app_sid)
    assert data.oauth_token.expires_in == 3600 and data.oauth_token.refresh_token == form.fields["REFRESH_ID"]
    assert data.oauth_token.expires > datetime.now(UTC)
