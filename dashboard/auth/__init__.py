"""The signed-in Bitrix24 user in the Streamlit session (CONTRACT-9 §4).

`establish()` runs first in app.py on every rerun: it redeems a `?b24_ticket=` from the frame handler, or
verifies the `dozhim_session` cookie of the standalone sign-in, or reads the trusted proxy's user header, and
keeps the verified user id under SESSION_USER_KEY. Only this server code sets that key (tests may preset it in
AppTest). A bad ticket or cookie gets one refusal line and st.stop(): nobody sees data.
"""

from __future__ import annotations

import logging
import time
from html import escape

import streamlit as st

from dashboard.auth import sessions
from dashboard.auth.errors import SignInRefused
from dashboard.auth.guard import is_loopback
from dashboard.auth.mode import PROXY_USER_KEY, sign_in_mode
from dashboard.auth.routes import TICKET_PARAM
from dashboard.auth.tickets import TICKETS, SignedInUser
from dashboard.i18n import lang
from dashboard.settings import load_signin

__all__ = ["SESSION_USER_KEY", "establish", "render_sign_out", "sign_in_mode", "signed_in_user_id"]

SESSION_USER_KEY = "_dozhim_user_id"
SESSION_NAME_KEY = "_dozhim_user_name"
SESSION_EXPIRES_KEY = "_dozhim_session_expires"  # a session outlives no sign-in: 12 h, as the cookie
CLOCK = time.time  # tests replace it
log = logging.getLogger("dozhim.signin")
TEXTS = {
    "off": {"ru": "Вход не настроен: панель открыта только на этом компьютере (localhost).",
            "en": "Sign-in is off: the dashboard is open on this computer only (localhost)."},
    "sign_in": {"ru": "Войти через Bitrix24", "en": "Sign in with Bitrix24"},
    "sign_out": {"ru": "Выйти", "en": "Sign out"},
    "refused": {"ru": "Вход не выполнен: {line}.", "en": "Not signed in: {line}."},
}


def _text(key: str, **fields: str) -> str:
    entry = TEXTS[key]
    return entry.get(lang(), entry["ru"]).format(**fields)


def signed_in_user_id() -> int | None:
    value = st.session_state.get(SESSION_USER_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _link(text: str, href: str) -> None:
    # st.html keeps a link in the same tab (and, framed, in the same frame); a link button opens a new one
    st.html(f'<a href="{href}" target="_self">{escape(text)}</a>')


Verified = tuple[SignedInUser, float]  # the user and when their session ends


def _from_ticket() -> Verified | None:
    ticket = st.query_params.get(TICKET_PARAM)
    if ticket is None:
        return None
    del st.query_params[TICKET_PARAM]  # nothing sensitive stays in the address bar or a shared link
    return TICKETS.redeem(ticket), CLOCK() + sessions.SESSION_SECONDS


def _from_cookie() -> Verified | None:
    value = st.context.cookies.get(sessions.COOKIE)
    if not isinstance(value, str) or not value:  # AppTest has no request, so no cookies
        return None
    return sessions.read_session_until(sessions.signer(load_signin(), "session"), value, CLOCK())


def _check_expiry() -> None:
    """A browser tab left open keeps its Streamlit session: it too ends 12 h after the sign-in."""
    expires = st.session_state.get(SESSION_EXPIRES_KEY)
    if signed_in_user_id() is not None and expires is not None and CLOCK() >= expires:
        raise SignInRefused("cookie_expired")


def _from_proxy() -> Verified | None:
    raw = st.user.get(PROXY_USER_KEY)
    try:
        return SignedInUser(int(str(raw).strip()), ""), CLOCK() + sessions.SESSION_SECONDS
    except ValueError:
        raise SignInRefused("no_proxy_user") from None


def _verified_user(mode: str) -> Verified | None:
    verified = _from_ticket()
    if verified is None:
        _check_expiry()
    if verified is None and signed_in_user_id() is None:
        verified = _from_proxy() if mode == "proxy" else _from_cookie()
    return verified


def _refuse(refused: SignInRefused) -> None:
    log.warning("sign-in refused in the app: %s", refused)
    for key in (SESSION_USER_KEY, SESSION_NAME_KEY, SESSION_EXPIRES_KEY):
        st.session_state.pop(key, None)
    st.error(_text("refused", line=refused.line(lang())))
    if sign_in_mode() == "bitrix24":
        _link(_text("sign_in"), "/b24/login")
    st.stop()


def _remote_address() -> str | None:
    remote = st.context.ip_address  # None from this computer
    return remote if isinstance(remote, str) else None  # AppTest has no connection


def establish() -> None:
    mode = sign_in_mode()
    if mode == "off":
        remote = _remote_address()
        if remote is not None and not is_loopback(remote):  # e.g. `streamlit run dashboard/app.py` on 0.0.0.0
            _refuse(SignInRefused("not_local"))
        st.caption(_text("off"))
        return
    try:
        verified = _verified_user(mode)
    except SignInRefused as refused:
        _refuse(refused)
        return
    if verified is not None:
        user, expires_at = verified
        st.session_state[SESSION_USER_KEY] = user.user_id
        st.session_state[SESSION_NAME_KEY] = user.name
        st.session_state[SESSION_EXPIRES_KEY] = expires_at
    if signed_in_user_id() is None:
        _link(_text("sign_in"), "/b24/login")
        st.stop()


def render_sign_out() -> None:
    if sign_in_mode() == "off" or signed_in_user_id() is None:
        return
    with st.sidebar:
        st.caption(st.session_state.get(SESSION_NAME_KEY) or f"#{signed_in_user_id()}")
        if sign_in_mode() == "bitrix24":
            _link(_text("sign_out"), "/b24/logout")
