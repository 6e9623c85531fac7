"""Which sign-in is in force: "bitrix24" (B24_CLIENT_ID set), "proxy" (an authenticating proxy in front,
named by Streamlit's `server.trustedUserHeaders`), or "off" (nobody signs in; localhost only)."""

from __future__ import annotations

from typing import Literal

from streamlit import config

from dashboard.settings import load_signin

Mode = Literal["off", "bitrix24", "proxy"]
# The st.user key the proxy's header must be mapped to, e.g.
# server.trustedUserHeaders = {"X-Bitrix24-User-Id" = "bitrix24_user_id"}
PROXY_USER_KEY = "bitrix24_user_id"


def proxy_configured() -> bool:
    headers = config.get_option("server.trustedUserHeaders")
    return isinstance(headers, dict) and PROXY_USER_KEY in headers.values()


def sign_in_mode() -> Mode:
    if load_signin().client_id:
        return "bitrix24"
    return "proxy" if proxy_configured() else "off"
