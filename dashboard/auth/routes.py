"""The sign-in routes served beside Streamlit (st.App routes, dashboard/server.py).

- POST /b24/app      Bitrix24 opens the app in its frame: member_id checked, `app.info` asked on the
                     configured portal with AUTH_ID (the token must be this app's, not another installed
                     app's), then `profile`, then 303 -> /?b24_ticket=<single use, 60 s>. No cookie,
                     so it works in a cross-site frame with third-party cookies blocked.
- POST /b24/install  the install call, verified the same way: "installed" and a link into the app.
- GET  /b24/login    302 to the portal's authorize page, `state` in a signed 10-minute cookie.
- GET  /b24/callback state checked, code exchanged, `profile` asked: signed HttpOnly session cookie, 303 /.
- GET  /b24/logout   clears the session cookie.
Every refusal is one page with one line (403/400) and one log line; no token, code or ticket in either.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dashboard.auth import pages, portal, sessions, snapshot_user
from dashboard.auth.errors import SignInRefused
from dashboard.auth.signing import Clock
from dashboard.auth.tickets import TICKETS, SignedInUser, TicketBook
from dashboard.settings import SignInSettings, load_signin

log = logging.getLogger("dozhim.signin")
STATE_COOKIE = "dozhim_state"
STATE_SECONDS = 600
TICKET_PARAM = "b24_ticket"


def _lang(request: Request) -> str:
    return "en" if str(request.query_params.get("LANG", "")).lower() == "en" else "ru"


def _app_address(request: Request, ticket: str) -> str:
    """The app's home with the ticket, in the portal's language when that is English (the app's `?lang=`)."""
    query = {TICKET_PARAM: ticket, **({"lang": "en"} if _lang(request) == "en" else {})}
    return f"/?{urlencode(query)}"


def _secure(request: Request, settings: SignInSettings) -> bool:
    return (settings.public_url or str(request.base_url)).startswith("https://")


@dataclass
class SignIn:
    """The handlers with what they depend on, so a test can give a fake clock, a mock transport, a key
    directory and a user check."""

    settings: Callable[[], SignInSettings] = load_signin
    tickets: TicketBook = TICKETS
    clock: Clock = time.time
    transport: httpx.AsyncBaseTransport | None = None
    check_user: Callable[[int], None] = snapshot_user.check_user
    keys: Path | None = None  # None: beside the database

    def routes(self) -> list[Route]:
        return [
            Route("/b24/app", self.guarded(self.frame), methods=["POST"]),
            Route("/b24/install", self.guarded(self.install), methods=["POST"]),
            Route("/b24/login", self.guarded(self.login), methods=["GET"]),
            Route("/b24/callback", self.guarded(self.callback), methods=["GET"]),
            Route("/b24/logout", self.logout, methods=["GET"]),
        ]

    def guarded(self, handler: Callable) -> Callable:
        """Turn a SignInRefused into the refusal page and its log line."""

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRefused as refused:
                client = request.client.host if request.client else "?"
                log.warning("sign-in refused at %s from %s: %s", request.url.path, client, refused)
                return pages.refusal_page(refused.line(_lang(request)), _lang(request), refused.status,
                                          sign_in_link=refused.code not in ("not_configured", "no_member_id"))

        return run

    def _configured(self) -> SignInSettings:
        settings = self.settings()
        if not (settings.client_id and settings.portal_url):
            raise SignInRefused("not_configured", status=404)
        return settings

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport)

    async def _admit(self, user: SignedInUser) -> SignedInUser:
        await run_in_threadpool(self.check_user, user.user_id)  # DuckDB: off the event loop
        return user

    async def _framed_user(self, request: Request) -> SignedInUser:
        """The user Bitrix24 opened the app for: the posted AUTH_ID asked of the configured portal."""
        settings = self._configured()
        if not settings.member_id:
            raise SignInRefused("no_member_id", status=500)
        try:
            form = await request.form()
        except (HTTPException, ValueError):  # a body that is no form (a broken multipart, say)
            raise SignInRefused("missing_field", status=400) from None
        member_id, auth = str(form.get("member_id") or ""), str(form.get("AUTH_ID") or "")
        if not member_id or not auth:
            raise SignInRefused("missing_field", status=400)
        if not hmac.compare_digest(member_id.encode(), settings.member_id.encode()):
            raise SignInRefused("wrong_member_id")
        async with self._client() as client:
            # both questions at once (one round trip to the portal); the answers are read in the old order
            code, user = await asyncio.gather(portal.fetch_app_code(client, settings.portal_url or "", auth),
                                              portal.fetch_profile(client, settings.portal_url or "", auth),
                                              return_exceptions=True)
        if isinstance(code, BaseException):
            raise code
        # a token another application on this portal was given for the user passes `profile` too
        if not hmac.compare_digest(code.encode(), settings.expected_app_code.encode()):
            # an application's code is no secret: the log names it, so an admin whose portal reports another
            # code for this app can set B24_APP_CODE
            raise SignInRefused("foreign_app", detail=f"app.info CODE {code[:80]!r}")
        if isinstance(user, BaseException):
            raise user
        return await self._admit(user)

    async def frame(self, request: Request) -> Response:
        user = await self._framed_user(request)
        ticket = self.tickets.issue(user)
        log.info("user %s signed in through the Bitrix24 frame", user.user_id)
        return RedirectResponse(_app_address(request, ticket), status_code=303)

    async def install(self, request: Request) -> Response:
        user = await self._framed_user(request)
        ticket = self.tickets.issue(user)
        log.info("user %s installed the Bitrix24 application", user.user_id)
        return pages.installed_page(_lang(request), _app_address(request, ticket))

    def _redirect_uri(self, request: Request, settings: SignInSettings) -> str:
        return f"{settings.public_url or str(request.base_url).rstrip('/')}/b24/callback"

    async def login(self, request: Request) -> Response:
        settings = self._configured()
        state = secrets.token_urlsafe(24)
        sign = sessions.signer(settings, "state", self.keys)
        query = urlencode({"client_id": settings.client_id, "state": state,
                           "redirect_uri": self._redirect_uri(request, settings)})
        response = RedirectResponse(f"{settings.portal_url}/oauth/authorize/?{query}", status_code=302)
        response.set_cookie(STATE_COOKIE, sign.sign({"state": state}, self.clock() + STATE_SECONDS),
                            max_age=STATE_SECONDS, path="/b24/", httponly=True, samesite="lax",
                            secure=_secure(request, settings))
        return response

    def _check_state(self, request: Request, settings: SignInSettings) -> None:
        cookie, state = request.cookies.get(STATE_COOKIE), request.query_params.get("state")
        if not cookie or not state:
            raise SignInRefused("state_mismatch")
        sign = sessions.signer(settings, "state", self.keys)
        payload = sign.verify(cookie, self.clock(), forged="state_mismatch", expired="state_expired")
        if not hmac.compare_digest(str(payload.get("state", "")).encode(), state.encode()):
            raise SignInRefused("state_mismatch")

    async def callback(self, request: Request) -> Response:
        settings = self._configured()
        self._check_state(request, settings)
        code = request.query_params.get("code")
        if not code:
            raise SignInRefused("missing_field", status=400)
        if settings.member_id and request.query_params.get("member_id") not in (None, settings.member_id):
            raise SignInRefused("wrong_member_id")
        async with self._client() as client:
            token = await portal.exchange_code(client, settings.oauth_url, settings.client_id or "",
                                               settings.client_secret or "", code)
            if settings.member_id and token.member_id != settings.member_id:
                raise SignInRefused("wrong_member_id")
            user = await self._admit(await portal.fetch_profile(client, settings.portal_url or "",
                                                                token.access_token))
        sign = sessions.signer(settings, "session", self.keys)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(sessions.COOKIE, sessions.make_session(sign, user, self.clock()),
                            max_age=sessions.SESSION_SECONDS, path="/", httponly=True, samesite="lax",
                            secure=_secure(request, settings))
        response.delete_cookie(STATE_COOKIE, path="/b24/")
        log.info("user %s signed in through Bitrix24 OAuth", user.user_id)
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(sessions.COOKIE, path="/")
        return response
