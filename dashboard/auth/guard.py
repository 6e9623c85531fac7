"""Without sign-in the dashboard is for this computer only.

Mode "off" (no B24_CLIENT_ID, no trusted proxy): the server refuses to start on an address other than a
loopback one, and a middleware refuses any request that does not come from this computer (in case the
address check is bypassed, e.g. by a wildcard bind another way). With a trusted proxy
(`server.trustedUserHeaders`) or Bitrix24 sign-in, any address is allowed.
"""

from __future__ import annotations

import ipaddress
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.auth import pages
from dashboard.auth.errors import REASONS
from dashboard.auth.mode import sign_in_mode

log = logging.getLogger("dozhim.signin")
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_refusal(mode: str, address: str | None) -> str | None:
    """The one line that stops the server, or None when it may start."""
    if mode != "off" or is_loopback(address) or (address or "").startswith("unix://"):
        return None
    where = f"address {address}" if address else "every address (server.address is not set)"
    return (f"dozhim: sign-in is off (no B24_CLIENT_ID), so the dashboard serves localhost only and will "
            f"not listen on {where}; set server.address = \"localhost\", configure Bitrix24 sign-in, or "
            f"put an authenticating proxy in front with server.trustedUserHeaders (README: Sign-in)")


class LocalOnly:
    """ASGI middleware: in mode "off", only requests from a loopback address get through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or sign_in_mode() != "off":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        if client and is_loopback(client[0]):
            await self.app(scope, receive, send)
            return
        log.warning("request from %s refused: %s", client[0] if client else "?", REASONS["not_local"][0])
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response = pages.refusal_page(REASONS["not_local"][1], "ru", 403, sign_in_link=False)
        await response(scope, receive, send)
