"""Sign-in pieces without a network: tickets, signed cookies and state with a fake clock, the key file, the
localhost guard, and the routes against a fake Bitrix24 (httpx.MockTransport) through Starlette's client."""

from __future__ import annotations

import asyncio
import logging
import stat
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from dashboard.auth import sessions, snapshot_user
from dashboard.auth.errors import SignInRefused
from dashboard.auth.guard import LocalOnly, is_loopback, start_refusal
from dashboard.auth.routes import STATE_COOKIE, SignIn
from dashboard.auth.signing import Signer, session_key
from dashboard.auth.tickets import SignedInUser, TicketBook
from dashboard.settings import SignInSettings

PORTAL = "https://portal.example"
OAUTH = "https://oauth.example"
MEMBER = "a" * 32
SECRET = "test-session-secret"
ANNA = SignedInUser(7, "Anna Ivanova")
# What the fake Bitrix24 knows: tokens -> users, codes -> (token, member_id), tokens -> their application.
TOKENS = {"tok-anna": 7, "tok-old": "expired_token", "tok-other-app": 7}
APPS = {"tok-other-app": "local.other.app"}  # every other token is this app's ("local.app")
CODES = {"code-anna": ("tok-anna", MEMBER), "code-foreign": ("tok-anna", "b" * 32)}


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fake_bitrix24(request: httpx.Request) -> httpx.Response:
    form = parse_qs(request.content.decode())
    if request.url.path == "/rest/profile.json":
        user = TOKENS.get(form.get("auth", [""])[0], "invalid_token")
        if isinstance(user, str):
            return httpx.Response(401, json={"error": user, "error_description": "no"})
        return httpx.Response(200, json={"result": {"ID": str(user), "NAME": "Anna", "LAST_NAME": "Ivanova"}})
    if request.url.path == "/rest/app.info.json":
        token = form.get("auth", [""])[0]
        if isinstance(TOKENS.get(token, "invalid_token"), str):
            return httpx.Response(401, json={"error": TOKENS.get(token, "invalid_token"),
                                             "error_description": "no"})
        return httpx.Response(200, json={"result": {"ID": "1", "CODE": APPS.get(token, "local.app")}})
    if request.url.path == "/oauth/token/":
        entry = CODES.get(form.get("code", [""])[0])
        if entry is None or form.get("client_secret") != ["s3cret"]:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "bad code"})
        return httpx.Response(200, json={"access_token": entry[0], "member_id": entry[1], "user_id": 7})
    return httpx.Response(404)


SETTINGS = SignInSettings(client_id="local.app", client_secret="s3cret", portal_url=PORTAL, oauth_url=OAUTH,
                          member_id=MEMBER, session_secret=SECRET, public_url="http://localhost:8501")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(clock: Clock) -> TicketBook:
    return TicketBook(clock)


@pytest.fixture
def admitted() -> list[int]:
    return []


@pytest.fixture
def client(clock: Clock, book: TicketBook, admitted: list[int], tmp_path: Path) -> TestClient:
    def check_user(user_id: int) -> None:
        if user_id == 99:
            raise SignInRefused("not_in_snapshot", detail="user 99 is not in the snapshot")
        admitted.append(user_id)

    signin = SignIn(settings=lambda: SETTINGS, tickets=book, clock=clock,
                    transport=httpx.MockTransport(fake_bitrix24), check_user=check_user, keys=tmp_path)
    return TestClient(Starlette(routes=signin.routes()), base_url="http://localhost:8501",
                      follow_redirects=False)


# -- tickets ------------------------------------------------------------------------------------------------
def test_a_ticket_is_redeemed_once(book: TicketBook) -> None:
    ticket = book.issue(ANNA)
    assert book.redeem(ticket) == ANNA
    with pytest.raises(SignInRefused) as replay:
        book.redeem(ticket)
    assert replay.value.code == "ticket_unknown"


def test_a_forged_ticket_is_refused(book: TicketBook) -> None:
    book.issue(ANNA)
    with pytest.raises(SignInRefused) as forged:
        book.redeem("made-up-ticket")
    assert forged.value.code == "ticket_unknown"


def test_a_ticket_lives_60_seconds(book: TicketBook, clock: Clock) -> None:
    fresh, stale = book.issue(ANNA), book.issue(ANNA)
    clock.now += 59
    assert book.redeem(fresh) == ANNA  # 59 s after issue: still good
    clock.now += 1  # exactly 60 s: gone
    with pytest.raises(SignInRefused) as expired:
        book.redeem(stale)
    assert expired.value.code == "ticket_expired"


# -- signed values ------------------------------------------------------------------------------------------
def test_a_session_cookie_holds_the_user_for_12_hours(clock: Clock) -> None:
    sign = Signer(b"k", "session")
    value = sessions.make_session(sign, ANNA, clock())
    assert sessions.read_session(sign, value, clock.now + 12 * 3600 - 1) == ANNA
    with pytest.raises(SignInRefused) as expired:
        sessions.read_session(sign, value, clock.now + 12 * 3600)
    assert expired.value.code == "cookie_expired"


@pytest.mark.parametrize("tamper", [
    lambda v: v[:-2] + ("AA" if not v.endswith("AA") else "BB"),  # another MAC
    lambda v: v.replace(v.split(".")[0], Signer(b"k", "session").sign({"uid": 1}, 2e9).split(".")[0]),
    lambda v: v.split(".")[0],  # no MAC at all
    lambda v: "",
])
def test_a_tampered_cookie_is_refused(clock: Clock, tamper) -> None:
    sign = Signer(b"k", "session")
    value = sessions.make_session(sign, ANNA, clock())
    with pytest.raises(SignInRefused) as forged:
        sessions.read_session(sign, tamper(value), clock())
    assert forged.value.code == "cookie_forged"


def test_another_key_or_purpose_does_not_verify(clock: Clock) -> None:
    value = sessions.make_session(Signer(b"k", "session"), ANNA, clock())
    for other in (Signer(b"other key", "session"), Signer(b"k", "state")):
        with pytest.raises(SignInRefused):
            sessions.read_session(other, value, clock())


def test_the_generated_key_is_made_once_and_private(tmp_path: Path) -> None:
    first = session_key(None, tmp_path / "data")
    assert len(first) == 64
    assert session_key(None, tmp_path / "data") == first
    assert stat.S_IMODE((tmp_path / "data" / "session.key").stat().st_mode) == 0o600
    assert session_key("from-env", tmp_path / "data") == b"from-env"


def test_settings_repr_hides_the_secrets() -> None:
    assert "s3cret" not in repr(SETTINGS) and SECRET not in repr(SETTINGS)


# -- the frame handshake ------------------------------------------------------------------------------------
def _frame(client: TestClient, lang: str = "ru", **changes: str) -> httpx.Response:
    form = {"AUTH_ID": "tok-anna", "AUTH_EXPIRES": "3600", "REFRESH_ID": "r", "member_id": MEMBER,
            "status": "L", "PLACEMENT": "DEFAULT", "PLACEMENT_OPTIONS": "{}", **changes}
    return client.post(f"/b24/app?DOMAIN=evil.example&PROTOCOL=1&LANG={lang}&APP_SID=x",
                       data={k: v for k, v in form.items() if v is not None})


def test_the_frame_post_hands_over_a_ticket_for_the_profile_user(client: TestClient, book: TicketBook,
                                                                 admitted: list[int]) -> None:
    response = _frame(client)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/"
    ticket = parse_qs(location.query)["b24_ticket"][0]
    assert book.redeem(ticket) == ANNA  # asked of the configured portal, not the posted DOMAIN
    assert admitted == [7]
    assert "set-cookie" not in response.headers  # works with third-party cookies blocked
    assert "lang" not in parse_qs(location.query)  # Russian: the app's default


def test_the_frame_asks_the_portal_both_questions_at_once(clock: Clock, book: TicketBook,
                                                          tmp_path: Path) -> None:
    # app.info and profile go out together, one round trip: the second request reaches the portal before
    # the first is answered (asked one after the other, at most one was ever in flight)
    in_flight, most = 0, 0

    async def counting(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)  # a yield, no waiting: a request sent at once arrives now
        in_flight -= 1
        return fake_bitrix24(request)

    signin = SignIn(settings=lambda: SETTINGS, tickets=book, clock=clock,
                    transport=httpx.MockTransport(counting), check_user=lambda _: None, keys=tmp_path)
    client = TestClient(Starlette(routes=signin.routes()), base_url="http://localhost:8501",
                        follow_redirects=False)
    assert _frame(client).status_code == 303
    assert most == 2


def test_an_english_portal_opens_the_app_in_english(client: TestClient) -> None:
    location = urlsplit(_frame(client, lang="en").headers["location"])
    assert parse_qs(location.query)["lang"] == ["en"]
    refused = _frame(client, lang="en", member_id="b" * 32)
    assert "another Bitrix24 portal" in refused.text and "Not signed in" in refused.text


@pytest.mark.parametrize(("changes", "status", "line"), [
    ({"member_id": "b" * 32}, 403, "другого портала"),
    ({"member_id": ""}, 400, "нет поля"),
    ({"AUTH_ID": ""}, 400, "нет поля"),
    ({"AUTH_ID": "tok-old"}, 403, "истёк"),
    ({"AUTH_ID": "tok-of-another-portal"}, 403, "не знает этот ключ"),
    ({"AUTH_ID": "tok-other-app"}, 403, "другому приложению"),  # good for profile, another app's
])
def test_a_bad_frame_post_gets_one_refusal_line(client: TestClient, caplog: pytest.LogCaptureFixture,
                                                changes: dict[str, str], status: int, line: str) -> None:
    with caplog.at_level(logging.INFO, logger="dozhim.signin"):
        response = _frame(client, **changes)
    assert response.status_code == status
    assert line in response.text and "b24_ticket" not in response.text
    assert len(caplog.records) == 1 and "refused at /b24/app" in caplog.records[0].getMessage()
    assert "tok-" not in caplog.text and "tok-" not in response.text


def test_the_expected_application_code_can_be_set_and_the_log_names_the_one_refused(
        book: TicketBook, clock: Clock, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # a portal whose app.info names this app by another code than its client id: B24_APP_CODE
    settings = replace(SETTINGS, app_code="local.other.app")
    signin = SignIn(settings=lambda: settings, tickets=book, clock=clock,
                    transport=httpx.MockTransport(fake_bitrix24), check_user=lambda _: None, keys=tmp_path)
    client = TestClient(Starlette(routes=signin.routes()), base_url="http://localhost:8501",
                        follow_redirects=False)
    assert _frame(client, AUTH_ID="tok-other-app").status_code == 303
    with caplog.at_level(logging.INFO, logger="dozhim.signin"):
        refused = _frame(client)  # tok-anna: app.info says local.app
    assert refused.status_code == 403 and "другому приложению" in refused.text
    assert "app.info CODE 'local.app'" in caplog.text and "local.app" not in refused.text


def test_a_body_that_is_no_form_gets_the_refusal_not_a_traceback(client: TestClient) -> None:
    broken = client.post("/b24/app", content=b"--x\r\nContent-Disposition: form-data\r\n\r\nAUTH_ID",
                         headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert broken.status_code == 400 and "нет поля" in broken.text


def test_a_user_the_snapshot_refuses_gets_no_ticket(client: TestClient, book: TicketBook,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    TOKENS["tok-99"] = 99
    try:
        response = _frame(client, AUTH_ID="tok-99")
    finally:
        del TOKENS["tok-99"]
    assert response.status_code == 403 and "пользователя нет в данных" in response.text
    assert "user 99 is not in the snapshot" in caplog.text


def test_without_member_id_configured_no_frame_is_trusted(client: TestClient, tmp_path: Path) -> None:
    signin = SignIn(settings=lambda: SignInSettings(**{**SETTINGS.__dict__, "member_id": None}),
                    transport=httpx.MockTransport(fake_bitrix24), keys=tmp_path)
    bare = TestClient(Starlette(routes=signin.routes()), follow_redirects=False)
    assert bare.post("/b24/app", data={"AUTH_ID": "tok-anna", "member_id": MEMBER}).status_code == 500


def test_the_install_call_is_verified_and_opens_the_app(client: TestClient, book: TicketBook) -> None:
    response = client.post("/b24/install", data={"AUTH_ID": "tok-anna", "member_id": MEMBER})
    assert response.status_code == 200 and "установлено" in response.text and "installFinish" in response.text
    assert client.post("/b24/install", data={"AUTH_ID": "x", "member_id": MEMBER}).status_code == 403


# -- the OAuth code flow ------------------------------------------------------------------------------------
def _login(client: TestClient) -> str:
    response = client.get("/b24/login")
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{PORTAL}/oauth/authorize/"
    query = parse_qs(target.query)
    assert query["client_id"] == ["local.app"]
    assert query["redirect_uri"] == ["http://localhost:8501/b24/callback"]
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/b24/" in cookie
    return query["state"][0]


def test_the_code_flow_ends_in_a_signed_httponly_session_cookie(client: TestClient, clock: Clock,
                                                                tmp_path: Path) -> None:
    state = _login(client)
    response = client.get(f"/b24/callback?code=code-anna&state={state}&member_id={MEMBER}&domain=x")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("dozhim_session="))
    assert "HttpOnly" in cookie and "Max-Age=43200" in cookie and "samesite=lax" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert sessions.read_session(sessions.signer(SETTINGS, "session", tmp_path), value, clock()) == ANNA


@pytest.mark.parametrize(("query", "line"), [
    ("code=code-anna&state=someone-elses", "state не совпадает"),
    ("code=code-anna", "state не совпадает"),
    ("code=used-or-made-up&state={state}", "отклонил код"),
    ("code=code-foreign&state={state}", "другого портала"),
    ("code=code-anna&state={state}&member_id=" + "c" * 32, "другого портала"),
    ("state={state}", "нет поля"),
])
def test_a_bad_callback_gets_one_refusal_line(client: TestClient, caplog: pytest.LogCaptureFixture,
                                              query: str, line: str) -> None:
    state = _login(client)
    response = client.get("/b24/callback?" + query.format(state=state))
    assert response.status_code in (400, 403) and line in response.text
    assert not any(c.startswith("dozhim_session=") for c in response.headers.get_list("set-cookie"))
    assert "code-" not in caplog.text and "tok-" not in caplog.text and state not in caplog.text


def test_a_state_older_than_10_minutes_is_refused(client: TestClient, clock: Clock) -> None:
    state = _login(client)
    clock.now += 600
    response = client.get(f"/b24/callback?code=code-anna&state={state}")
    assert response.status_code == 403 and "слишком долго" in response.text


def test_a_state_cookie_from_another_key_is_refused(client: TestClient) -> None:
    state = _login(client)
    client.cookies.set(STATE_COOKIE, Signer(b"other", "state").sign({"state": state}, 2e9))
    assert client.get(f"/b24/callback?code=code-anna&state={state}").status_code == 403


def test_logout_clears_the_session_cookie(client: TestClient) -> None:
    response = client.get("/b24/logout")
    assert response.status_code == 303
    assert response.headers["set-cookie"].startswith('dozhim_session=""') or \
        "Max-Age=0" in response.headers["set-cookie"]


def test_sign_in_routes_are_off_without_a_client_id(tmp_path: Path) -> None:
    off = SignIn(settings=lambda: SignInSettings(client_id=None), keys=tmp_path)
    bare = TestClient(Starlette(routes=off.routes()), follow_redirects=False)
    assert bare.get("/b24/login").status_code == 404
    assert bare.post("/b24/app", data={"AUTH_ID": "x", "member_id": MEMBER}).status_code == 404


# -- without sign-in: localhost only ------------------------------------------------------------------------
@pytest.mark.parametrize(("host", "local"), [
    ("localhost", True), ("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("example.com", False), (None, False),
    ("", False),
])
def test_loopback_addresses(host: str | None, local: bool) -> None:
    assert is_loopback(host) is local


def test_without_sign_in_the_server_starts_on_localhost_only() -> None:
    assert start_refusal("off", "localhost") is None
    assert "localhost only" in (start_refusal("off", "0.0.0.0") or "")
    assert "localhost only" in (start_refusal("off", None) or "")  # unset: Streamlit would bind every address
    assert start_refusal("bitrix24", "0.0.0.0") is None
    assert start_refusal("proxy", "0.0.0.0") is None


def test_without_sign_in_a_remote_request_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("B24_CLIENT_ID", raising=False)
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("data"))],
                    middleware=[Middleware(LocalOnly)])
    remote = TestClient(app, client=("10.0.0.5", 50000)).get("/")
    assert remote.status_code == 403 and "data" not in remote.text
    assert TestClient(app, client=("127.0.0.1", 50000)).get("/").text == "data"
    monkeypatch.setenv("B24_CLIENT_ID", "local.app")  # with sign-in, the address is no limit
    assert TestClient(app, client=("10.0.0.5", 50000)).get("/").text == "data"


# -- the snapshot's word on the user (the scope part's queries.viewer_for) ----------------------------------
@pytest.mark.parametrize(("user_id", "code"), [(99, "not_in_snapshot"), (3, "dismissed")])
def test_a_user_the_snapshot_does_not_let_in_is_refused(fixture_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                         user_id: int, code: str) -> None:
    # the fixture (tests/queries/fixture_db.py): nobody has id 99; 3 Viktor Sidorov is dismissed
    monkeypatch.setenv("DOZHIM_DB", str(fixture_db))
    monkeypatch.delenv("DOZHIM_RULES", raising=False)
    with pytest.raises(SignInRefused) as refused:
        snapshot_user.check_user(user_id)
    assert refused.value.code == code
    snapshot_user.check_user(2)  # Boris Petrov, active: let in


def test_on_https_the_cookies_are_secure(clock: Clock, book: TicketBook, tmp_path: Path) -> None:
    https = SignInSettings(**{**SETTINGS.__dict__, "public_url": "https://dozhim.example.com"})
    signin = SignIn(settings=lambda: https, tickets=book, clock=clock, check_user=lambda _: None,
                    transport=httpx.MockTransport(fake_bitrix24), keys=tmp_path)
    client = TestClient(Starlette(routes=signin.routes()), base_url="https://dozhim.example.com",
                        follow_redirects=False)
    start = client.get("/b24/login")
    assert "Secure" in start.headers["set-cookie"]
    assert "redirect_uri=https%3A%2F%2Fdozhim.example.com%2Fb24%2Fcallback" in start.headers["location"]
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    done = client.get(f"/b24/callback?code=code-anna&state={state}")
    session = next(c for c in done.headers.get_list("set-cookie") if c.startswith("dozhim_session="))
    assert "Secure" in session


def test_the_expected_application_code_is_the_client_id_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.settings import load_signin

    monkeypatch.setenv("B24_CLIENT_ID", "local.5601702.98523769")
    monkeypatch.delenv("B24_APP_CODE", raising=False)
    assert load_signin().expected_app_code == "local.5601702.98523769"
    monkeypatch.setenv("B24_APP_CODE", "vendor.dozhim")
    assert load_signin().expected_app_code == "vendor.dozhim"
