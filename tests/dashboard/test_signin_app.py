"""The signed-in user in the Streamlit session (dashboard.auth.establish) through AppTest on the fixture
snapshot: mode "off" says so on every page; mode "bitrix24" without a user shows only the sign-in link; a
ticket from the frame handler signs in once; a forged or replayed ticket gets one refusal line and no data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_USER_KEY
from dashboard.auth.tickets import TICKETS, SignedInUser

BORIS = SignedInUser(2, "Boris Petrov")  # the fixture's manager 2 (tests/queries/fixture_db.py)


@pytest.fixture
def bitrix24(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("B24_CLIENT_ID", "local.app")
    monkeypatch.setenv("B24_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("B24_PORTAL_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("B24_MEMBER_ID", "a" * 32)
    monkeypatch.setenv("DOZHIM_SESSION_SECRET", "test-secret")


def _html(at: AppTest) -> str:
    return " ".join(str(el.proto.body) for el in at.get("html"))


def _shows_no_data(at: AppTest) -> None:
    assert not at.exception
    assert not at.title and not at.header and not at.dataframe and not at.metric and not at.tabs
    assert not [p for p in at.sidebar.get("caption")]  # no user name, no freshness line


def test_without_sign_in_every_page_says_localhost_only(app: Callable[..., AppTest]) -> None:
    for page in (None, "forecast", "about"):
        at = app(page)
        assert not at.exception
        assert any("только на этом компьютере (localhost)" in c.value for c in at.caption), page
        assert at.title  # and the page itself is there: the operator sees everything


def test_with_sign_in_and_nobody_signed_in_only_the_link_shows(app: Callable[..., AppTest], bitrix24) -> None:
    at = app()
    assert 'href="/b24/login"' in _html(at) and "Войти через Bitrix24" in _html(at)
    _shows_no_data(at)
    assert not at.caption and not at.markdown and not at.error


def test_a_ticket_signs_in_once_and_leaves_the_address(app: Callable[..., AppTest], bitrix24) -> None:
    ticket = TICKETS.issue(BORIS)
    at = app(b24_ticket=ticket)
    assert not at.exception and not at.error
    assert at.session_state[SESSION_USER_KEY] == 2
    assert "b24_ticket" not in at.query_params  # nothing sensitive stays in the URL
    assert any("Boris Petrov" in c.value for c in at.sidebar.caption)  # render_sign_out: name and "Выйти"
    assert 'href="/b24/logout"' in " ".join(str(el.proto.body) for el in at.sidebar.get("html"))
    assert at.title

    replay = app(b24_ticket=ticket)  # the same link again (a reload, a shared address): refused
    assert [e.value for e in replay.error] == [
        "Вход не выполнен: билет входа неизвестен или уже использован."]
    _shows_no_data(replay)
    assert SESSION_USER_KEY not in replay.session_state


def test_a_forged_ticket_is_refused_even_with_a_user_in_the_session(app: Callable[..., AppTest],
                                                                    bitrix24) -> None:
    at = app(b24_ticket="made-up")
    assert len(at.error) == 1 and "билет входа" in at.error[0].value
    _shows_no_data(at)


@pytest.mark.parametrize(("header", "user_id"), [("2", 2), (None, None), ("not-a-number", None)])
def test_behind_a_trusted_proxy_the_user_comes_from_its_header(
        app: Callable[..., AppTest], header: str | None, user_id: int | None) -> None:
    from streamlit.testing.v1.util import patch_config_options

    from tests.dashboard.conftest import APP

    headers = {"X-Bitrix24-User-Id": "bitrix24_user_id"}  # README: "Behind a trusted proxy"
    with patch_config_options({"server.trustedUserHeaders": headers}):
        at = AppTest.from_file(APP, default_timeout=30)
        at.user = {"bitrix24_user_id": header}  # what Streamlit copies from the proxy's header
        at.run()
    assert not at.exception
    if user_id is None:
        assert SESSION_USER_KEY not in at.session_state
        assert [e.value for e in at.error] == [
            "Вход не выполнен: прокси не передал id пользователя Bitrix24."]
        _shows_no_data(at)
    else:
        assert at.session_state[SESSION_USER_KEY] == user_id
        assert at.title and not at.error


def test_a_session_left_open_ends_12_hours_after_the_sign_in(app: Callable[..., AppTest], bitrix24,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard.auth

    now = [1_800_000_000.0]
    monkeypatch.setattr(dashboard.auth, "CLOCK", lambda: now[0])
    at = app(b24_ticket=TICKETS.issue(BORIS))
    assert at.session_state[SESSION_USER_KEY] == 2
    now[0] += 12 * 3600 - 1
    at.run()
    assert at.title and not at.error  # still signed in a second before
    now[0] += 1
    at.run()
    assert [e.value for e in at.error] == ["Вход не выполнен: сессия истекла."]
    _shows_no_data(at)
    assert SESSION_USER_KEY not in at.session_state


def test_without_sign_in_a_remote_browser_sees_nothing(app: Callable[..., AppTest],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # the server refuses a remote address (dashboard/server.py); this is for `streamlit run dashboard/app.py`
    import dashboard.auth

    monkeypatch.setattr(dashboard.auth, "_remote_address", lambda: "10.0.0.5")
    at = app()
    assert [e.value for e in at.error] == ["Вход не выполнен: вход не настроен, поэтому панель открывается "
                                           "только на этом компьютере (localhost)."]
    _shows_no_data(at)
