"""The two ways in, over HTTP against the sandbox portal (connectors/sandbox, in-process on a free port) with
the app's sign-in routes in Starlette's test client: the portal's frame form POSTed to /b24/app (and the
first open's install call), and the OAuth code flow through the portal's authorize page. Every bad input the
issue lists that the sandbox can produce: an expired or foreign token, a wrong member_id, a replayed or
expired code, a state mismatch, a replayed ticket. Time is the sandbox's fake clock and the app's fake one."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from connectors.sandbox.limits import Timer
from connectors.sandbox.oauth import CLIENT_ID, CLIENT_SECRET, MEMBER_ID
from connectors.sandbox.portal_people import active_people
from connectors.sandbox.store import connect
from connectors.sandbox.testing import RunningSandbox, running_sandbox
from dashboard.auth import sessions
from dashboard.auth.errors import SignInRefused
from dashboard.auth.routes import SignIn
from dashboard.auth.tickets import SignedInUser, TicketBook
from dashboard.settings import SignInSettings

APP = "http://localhost:8501"
FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
ACTION = re.compile(r'<form id="b24form" method="post" action="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def portal_clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def sandbox(portal_clock: Clock) -> Iterator[RunningSandbox]:
    with running_sandbox("tiny", seed=7, app_url=f"{APP}/b24/app",
                         timer=Timer(clock=portal_clock, sleep=lambda _: None)) as running:
        yield running


@pytest.fixture(scope="module")
def people(sandbox: RunningSandbox) -> list[SignedInUser]:
    conn = connect(sandbox.store_path)
    try:
        return [SignedInUser(p.user_id, p.name) for p in active_people(conn)]
    finally:
        conn.close()


@pytest.fixture
def book() -> TicketBook:
    return TicketBook(Clock())


@pytest.fixture
def app_clock() -> Clock:
    return Clock()


@pytest.fixture
def app(sandbox: RunningSandbox, book: TicketBook, app_clock: Clock, tmp_path: Path) -> TestClient:
    settings = SignInSettings(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, portal_url=sandbox.base_url,
                              oauth_url=sandbox.base_url, member_id=MEMBER_ID, session_secret="test",
                              public_url=APP)
    signin = SignIn(settings=lambda: settings, tickets=book, clock=app_clock, check_user=lambda _: None,
                    keys=tmp_path)
    return TestClient(Starlette(routes=signin.routes()), base_url=APP, follow_redirects=False)


def frame_form(sandbox: RunningSandbox, user_id: int) -> tuple[str, dict[str, str]]:
    """What the portal page's frame POSTs for `user_id`: the action URL and the form's fields."""
    with httpx.Client(base_url=sandbox.base_url) as browser:
        assert browser.get(f"/portal/?as={user_id}").status_code == 303  # sign in to the portal
        page = browser.get("/portal/app/frame/").text
    fields = {html.unescape(k): html.unescape(v) for k, v in FIELD.findall(page)}
    return html.unescape(ACTION.search(page).group(1)), fields


def post_frame(app: TestClient, action: str, fields: dict[str, str]) -> httpx.Response:
    target = urlsplit(action)
    assert f"{target.scheme}://{target.netloc}" == APP  # the portal posts to the registered app
    return app.post(f"{target.path}?{target.query}", data=fields)


def ticket_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["b24_ticket"][0]


def test_the_first_open_installs_then_the_frame_signs_in(
        sandbox: RunningSandbox, app: TestClient, book: TicketBook, people: list[SignedInUser]) -> None:
    head, manager = people[0], people[-1]
    action, fields = frame_form(sandbox, head.user_id)
    installed = post_frame(app, action, fields)
    assert urlsplit(action).path == "/b24/install" and installed.status_code == 200, installed.text
    link = re.search(r'href="(/\?b24_ticket=[^"]+)"', installed.text).group(1)
    assert book.redeem(parse_qs(urlsplit(link).query)["b24_ticket"][0]) == head

    action, fields = frame_form(sandbox, manager.user_id)  # installed now: the handler gets the form
    assert urlsplit(action).path == "/b24/app"
    ticket = ticket_of(post_frame(app, action, fields))
    assert book.redeem(ticket) == manager
    with pytest.raises(SignInRefused):  # replayed
        book.redeem(ticket)


@pytest.fixture
def installed(sandbox: RunningSandbox, app: TestClient, people: list[SignedInUser]) -> None:
    action, fields = frame_form(sandbox, people[0].user_id)
    post_frame(app, action, fields)


@pytest.mark.parametrize(("change", "status", "line"), [
    ({"member_id": "0" * 32}, 403, "другого портала"),
    ({"AUTH_ID": "0123456789abcdef0123456789abcdef"}, 403, "не знает этот ключ"),
    ({"AUTH_ID": ""}, 400, "нет поля"),
])
def test_a_bad_frame_post_is_refused(sandbox: RunningSandbox, app: TestClient, installed, book: TicketBook,
                                     people: list[SignedInUser], caplog: pytest.LogCaptureFixture,
                                     change: dict[str, str], status: int, line: str) -> None:
    action, fields = frame_form(sandbox, people[-1].user_id)
    response = post_frame(app, action, {**fields, **change})
    assert response.status_code == status and line in response.text
    assert "b24_ticket" not in response.text
    assert fields["AUTH_ID"] not in caplog.text and fields["AUTH_ID"] not in response.text


def test_another_applications_token_is_refused(sandbox: RunningSandbox, app: TestClient, installed,
                                              book: TicketBook, people: list[SignedInUser],
                                              caplog: pytest.LogCaptureFixture) -> None:
    # another vendor's app on the same portal got a token for the user when they opened it; the token is
    # good for `profile`, so only app.info (CODE = that app's client id) tells it is not Dozhim's
    with httpx.Client(base_url=sandbox.base_url) as browser:
        assert browser.get(f"/portal/?as={people[-1].user_id}").status_code == 303
        page = browser.get("/portal/other-app/frame/").text
        theirs = {html.unescape(k): html.unescape(v) for k, v in FIELD.findall(page)}
        who = browser.post("/rest/profile.json", data={"auth": theirs["AUTH_ID"]}).json()
        what = browser.post("/rest/app.info.json", data={"auth": theirs["AUTH_ID"]}).json()
    assert int(who["result"]["ID"]) == people[-1].user_id and what["result"]["CODE"] != CLIENT_ID
    action, ours = frame_form(sandbox, people[-1].user_id)
    response = post_frame(app, action, {**ours, "AUTH_ID": theirs["AUTH_ID"]})
    assert response.status_code == 403 and "другому приложению" in response.text
    assert "b24_ticket" not in response.text and theirs["AUTH_ID"] not in caplog.text
    assert ticket_of(post_frame(app, action, ours))  # the user's own frame still signs in


def test_an_expired_frame_token_is_refused(sandbox: RunningSandbox, app: TestClient, installed,
                                           people: list[SignedInUser], portal_clock: Clock) -> None:
    action, fields = frame_form(sandbox, people[-1].user_id)
    portal_clock.now += 3600  # the access token lives an hour on the portal's clock
    try:
        response = post_frame(app, action, fields)
    finally:
        portal_clock.now -= 3600
    assert response.status_code == 403 and "истёк" in response.text


def login(app: TestClient, sandbox: RunningSandbox, user_id: int) -> str:
    """/b24/login -> the portal's authorize page -> pick the user: the callback URL the portal sends back."""
    start = app.get("/b24/login")
    assert start.status_code == 302
    authorize = start.headers["location"]
    assert authorize.startswith(f"{sandbox.base_url}/oauth/authorize/?")
    with httpx.Client() as browser:
        page = browser.get(authorize)
        assert page.status_code == 200, page.text  # the list of users to sign in as
        back = browser.get(f"{authorize}&user_id={user_id}")
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == f"{APP}/b24/callback"
    return f"{callback.path}?{callback.query}"


def test_the_code_flow_signs_in_with_a_cookie(sandbox: RunningSandbox, app: TestClient, installed,
                                              people: list[SignedInUser], app_clock: Clock,
                                              tmp_path: Path) -> None:
    manager = people[-1]
    response = app.get(login(app, sandbox, manager.user_id))
    assert response.status_code == 303 and response.headers["location"] == "/"
    value = app.cookies.get(sessions.COOKIE)
    sign = sessions.signer(SignInSettings(client_id=CLIENT_ID, session_secret="test"), "session", tmp_path)
    assert sessions.read_session(sign, value, app_clock()) == manager
    assert app.get("/b24/logout").status_code == 303 and not app.cookies.get(sessions.COOKIE)


def test_a_replayed_code_is_refused(sandbox: RunningSandbox, app: TestClient, installed,
                                    people: list[SignedInUser]) -> None:
    callback = login(app, sandbox, people[-1].user_id)
    assert app.get(callback).status_code == 303
    code = parse_qs(urlsplit(callback).query)["code"][0]
    fresh = login(app, sandbox, people[-1].user_id)  # a new state cookie, the old code
    replay = app.get(re.sub(r"code=[^&]+", f"code={code}", fresh))
    assert replay.status_code == 403 and "отклонил код" in replay.text


def test_an_expired_code_is_refused(sandbox: RunningSandbox, app: TestClient, installed,
                                    people: list[SignedInUser], portal_clock: Clock) -> None:
    callback = login(app, sandbox, people[-1].user_id)
    portal_clock.now += 30  # a code lives 30 s
    try:
        response = app.get(callback)
    finally:
        portal_clock.now -= 30
    assert response.status_code == 403 and "отклонил код" in response.text


def test_a_state_mismatch_is_refused(sandbox: RunningSandbox, app: TestClient, installed,
                                     people: list[SignedInUser]) -> None:
    callback = login(app, sandbox, people[-1].user_id)
    response = app.get(re.sub(r"state=[^&]+", "state=forged", callback))
    assert response.status_code == 403 and "state не совпадает" in response.text
    assert not app.cookies.get(sessions.COOKIE)
    other_browser = TestClient(app.app, base_url=APP, follow_redirects=False)  # no state cookie at all
    assert other_browser.get(callback).status_code == 403


def test_a_wrong_member_id_in_the_callback_is_refused(sandbox: RunningSandbox, app: TestClient, installed,
                                                      people: list[SignedInUser]) -> None:
    callback = login(app, sandbox, people[-1].user_id)
    response = app.get(callback.replace(MEMBER_ID, "f" * 32))
    assert response.status_code == 403 and "другого портала" in response.text
