"""STUB of the signin part's package (CONTRACT-9 §4), only so the scope part runs before it lands: the lead
keeps the signin branch's dashboard/auth/ at merge. Mode "off": nobody signs in; tests may preset
st.session_state[SESSION_USER_KEY] in AppTest to act as a user."""

from __future__ import annotations

from typing import Literal

import streamlit as st

SESSION_USER_KEY = "_dozhim_user_id"


def establish() -> None:
    """The signin part redeems a ticket, a cookie or a proxy header here."""


def signed_in_user_id() -> int | None:
    value = st.session_state.get(SESSION_USER_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def sign_in_mode() -> Literal["off", "bitrix24", "proxy"]:
    return "off"


def render_sign_out() -> None:
    """The signin part draws the user's name and "Выйти" in the sidebar."""
