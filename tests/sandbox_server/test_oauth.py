"""The sandbox as a Bitrix24 local app's OAuth server, over HTTP: the authorize page, `/oauth/token/` (code
and refresh), REST calls with `auth=`, and every refusal the docs name. Time is a fake clock: a code lives
30 s and an access token 3600 s (Bitrix24 docs: settings/oauth/index.md, auto-renewal.md)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sandbox.oauth import CLIENT_ID, CLIENT_SECRET, MEMBER_ID
from connectors.sandbox.testing import RunningSandbox, running_sandbox

from .conftest import T0, FakeTime

STATE = "st-8f3a"


@pytest.fixture
def portal(store_path, fake_time: FakeTime) -> Iterator[RunningSandbox]:
    """A portal with the demo app installed (the standalone sign-in needs an installed app)."""
    with running_sandbox(store_path=store_path, copy_store=False, timer=fake_time.timer,
                         app_installed=True) as sb:
        yield sb


@pytest.fixture
def web(portal: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal.base_url, timeout=30) as c:
        yield c


def authorize(web: httpx.Client, user_id: int, **extra: str) -> httpx.Response:
    params = {"client_id": CLIENT_ID, "state": STATE, **extra, "user_id": str(user_id)}
    return web.get("/oauth/authorize/", params=params)


def code_for(web: httpx.Client, user_id: int) -> str:
    r = authorize(web, user_id)
    assert r.status_code == 302, r.text
    return parse_qs(urlsplit(r.headers["location"]).query)["code"][0]


def exchange(web: httpx.Client, code: str, secret: str = CLIENT_SECRET, client_id: str = CLIENT_ID
             ) -> httpx.Response:
    return web.post("/oauth/token/", data={"grant_type": "authorization_code", "client_id": client_id,
                                           "client_secret": secret, "code": code})


def refresh(web: httpx.Client, token: str) -> httpx.Response:
    return web.get("/oauth/token/", params={"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                            "client_secret": CLIENT_SECRET, "refresh_token": token})


def tokens_for(web: httpx.Client, user_id: int) -> dict:
    r = exchange(web, code_for(web, user_id))
    assert r.status_code == 200, r.text
    return r.json()


def error_of(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]


def user_row(db: sqlite3.Connection, user_id: int) -> sqlite3.Row:
    return db.execute('select * from users where "ID" = ?', [user_id]).fetchone()


# -- the authorize page ----------------------------------------------------------------------------------
def test_authorize_page_lists_the_active_users_to_sign_in_as(web, db):
    r = web.get("/oauth/authorize/", params={"client_id": CLIENT_ID, "state": STATE})
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    active = [row["ID"] for row in db.execute('select "ID" from users where "ACTIVE" = 1 order by "ID"')]
    dismissed = [row["ID"] for row in db.execute('select "ID" from users where "ACTIVE" = 0')]
    assert dismissed, "the small portal has a dismissed manager"
    for user_id in active:
        assert f"state={STATE}&amp;user_id={user_id}\"" in r.text
    for user_id in dismissed:
        assert f"user_id={user_id}\"" not in r.text
        assert authorize(web, user_id).status_code == 400  # nor can one be picked by hand


def test_choosing_a_user_redirects_to_the_app_with_a_code(web, portal):
    r = authorize(web, 3)
    assert r.status_code == 302
    location = urlsplit(r.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "localhost:8501", "/b24/callback")
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    host = urlsplit(portal.base_url).netloc
    assert query.pop("code")
    assert query == {"state": STATE, "domain": host, "member_id": MEMBER_ID, "scope": "crm,user,department",
                     "server_domain": host}


def test_a_redirect_uri_on_the_apps_origin_is_honoured_and_any_other_refused(web):
    r = authorize(web, 3, redirect_uri="http://localhost:8501/b24/callback?next=%2Fdeals")
    assert r.status_code == 302
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["next"] == ["/deals"] and query["state"] == [STATE] and query["code"]
    for foreign in ("http://evil.test/b24/callback", "http://localhost:8502/b24/callback",
                    "javascript:alert(1)"):
        r = authorize(web, 3, redirect_uri=foreign)
        assert r.status_code == 400 and "location" not in r.headers


def test_an_unknown_client_or_an_uninstalled_app_gets_an_error_page(web, store_path, fake_time):
    r = web.get("/oauth/authorize/", params={"client_id": "local.other", "state": STATE, "user_id": "3"})
    assert r.status_code == 400 and "location" not in r.headers and "client_id" in r.text
    with running_sandbox(store_path=store_path, copy_store=False, timer=fake_time.timer) as fresh:
        r = httpx.get(fresh.base_url + "/oauth/authorize/", params={"client_id": CLIENT_ID, "user_id": "3"})
    assert r.status_code == 400 and "не установлено" in r.text


# -- /oauth/token/ ---------------------------------------------------------------------------------------
def test_the_code_exchange_answers_the_documented_fields(web, portal):
    r = exchange(web, code_for(web, 3))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
    body = r.json()
    base = portal.base_url
    assert len(body.pop("access_token")) == 32 and len(body.pop("refresh_token")) == 32
    assert body == {"expires": int(T0) + 3600, "expires_in": 3600, "scope": "crm,user,department",
                    "domain": urlsplit(base).netloc, "server_endpoint": f"{base}/rest/", "status": "L",
                    "client_endpoint": f"{base}/rest/", "member_id": MEMBER_ID, "user_id": 3}


def test_a_code_is_single_use(web):
    code = code_for(web, 3)
    assert exchange(web, code).status_code == 200
    assert error_of(exchange(web, code)) == (400, "invalid_grant")


def test_a_code_lives_30_seconds(web, fake_time):
    late, in_time = code_for(web, 3), code_for(web, 4)
    fake_time.advance(29)
    assert exchange(web, in_time).json()["user_id"] == 4
    fake_time.advance(1)
    assert error_of(exchange(web, late)) == (400, "invalid_grant")


def test_a_wrong_client_secret_or_id_is_invalid_client_and_leaves_the_code_usable(web):
    code = code_for(web, 3)
    assert error_of(exchange(web, code, secret="guess")) == (401, "invalid_client")
    assert error_of(exchange(web, code, client_id="local.other")) == (401, "invalid_client")
    assert exchange(web, code).json()["user_id"] == 3


def test_malformed_token_requests_are_invalid_request(web):
    bad = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": "x"},
           {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
           {"grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
           {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}]
    for data in bad:
        assert error_of(web.post("/oauth/token/", data=data)) == (400, "invalid_request"), data
    assert error_of(exchange(web, "never-issued")) == (400, "invalid_grant")


def test_refresh_gives_a_new_pair_and_retires_the_old_refresh_token(web, fake_time):
    first = tokens_for(web, 5)
    fake_time.advance(600)
    r = refresh(web, first["refresh_token"])
    assert r.status_code == 200
    second = r.json()
    assert second["user_id"] == 5 and second["expires"] == int(T0) + 600 + 3600
    assert {second["access_token"], second["refresh_token"]}.isdisjoint(
        {first["access_token"], first["refresh_token"]})
    assert error_of(refresh(web, first["refresh_token"])) == (400, "invalid_grant")
    assert web.get("/rest/profile", params={"auth": second["access_token"]}).json()["result"]["ID"] == "5"


def test_a_refresh_token_works_after_its_access_token_expired_but_not_after_180_days(web, fake_time):
    tokens = tokens_for(web, 5)
    fake_time.advance(3600)
    r = refresh(web, tokens["refresh_token"])
    assert r.status_code == 200
    fake_time.advance(180 * 86_400)
    assert error_of(refresh(web, r.json()["refresh_token"])) == (400, "invalid_grant")


# -- REST with auth= -------------------------------------------------------------------------------------
def test_profile_and_user_current_answer_for_the_tokens_user(web, db):
    token = tokens_for(web, 3)["access_token"]
    row = user_row(db, 3)
    profile = web.get("/rest/profile.json", params={"auth": token})  # query, `.json` suffix
    assert profile.status_code == 200
    assert profile.json()["result"] == {"ID": "3", "ADMIN": False, "NAME": row["NAME"],
                                        "LAST_NAME": row["LAST_NAME"],
                                        "PERSONAL_GENDER": row["PERSONAL_GENDER"], "TIME_ZONE": ""}
    assert "time" in profile.json()
    current = web.post("/rest/user.current", data={"auth": token}).json()["result"]  # form body
    assert (current["ID"], current["NAME"], current["EMAIL"], current["ACTIVE"]) == (
        "3", row["NAME"], row["EMAIL"], True)
    assert current["UF_DEPARTMENT"] == [int(d) for d in row["UF_DEPARTMENT"].strip("[]").split(",")]
    by_json = web.post("/rest/user.current.json", json={"auth": token}).json()["result"]  # JSON body
    assert by_json == current


def test_the_portal_admin_is_admin_in_profile(web, portal):
    token = tokens_for(web, int(portal.portal.user_id))["access_token"]
    assert web.post("/rest/profile", data={"auth": token}).json()["result"]["ADMIN"] is True


def test_app_info_under_a_token(web):
    token = tokens_for(web, 3)["access_token"]
    info = web.get("/rest/app.info", params={"auth": token}).json()["result"]
    assert (info["CODE"], info["STATUS"], info["INSTALLED"]) == (CLIENT_ID, "L", True)


def test_an_access_token_expires_after_an_hour(web, fake_time):
    token = tokens_for(web, 3)["access_token"]
    fake_time.advance(3599)
    assert web.get("/rest/profile", params={"auth": token}).status_code == 200
    fake_time.advance(1)
    r = web.get("/rest/profile", params={"auth": token})
    assert error_of(r) == (401, "expired_token")
    assert r.json()["error_description"] == "The access token provided has expired."


def test_an_unknown_token_is_invalid_token_and_a_malformed_one_no_auth_found(web):
    for token in ("0" * 32, "a1b2c3d4e5f60718293a4b5c6d7e8f90" * 2):  # token-shaped, never issued
        r = web.get("/rest/user.current", params={"auth": token})
        assert error_of(r) == (401, "invalid_token")
        assert r.json()["error_description"] == "Unable to get application by token"
    for token in ("never-issued", "", "A" * 32):
        assert error_of(web.get("/rest/user.current", params={"auth": token})) == (401, "NO_AUTH_FOUND")
    assert error_of(web.post("/rest/user.current")) == (401, "NO_AUTH_FOUND")


def test_data_methods_stay_on_the_webhook(web):
    token = tokens_for(web, 3)["access_token"]
    assert error_of(web.get("/rest/crm.deal.list", params={"auth": token})) == (403, "ACCESS_DENIED")
