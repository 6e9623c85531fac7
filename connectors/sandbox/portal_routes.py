"""The sandbox's sign-in routes, next to the REST server's own:

- `GET /oauth/authorize/?client_id&state[&redirect_uri]`: pick a user; `&user_id=N` issues a code and
  redirects (302) to the app with `code, state, domain, member_id, scope, server_domain`;
- `GET|POST /oauth/token/`: the code and refresh exchanges (oauth.py);
- `/rest/<method>` with `auth=`: profile, user.current, app.info under a user's token (oauth_rest.py);
- `GET /portal/` (`?as=N` signs in as user N with a cookie of the sandbox's origin, `?as=0` signs out),
  `GET /portal/app/` (the app in an iframe), `GET /portal/app/frame/` (the frame's auto-POSTed form),
  `GET /portal/other-app/frame/` (the form the portal posts to another vendor's app, oauth.OTHER_APP).

`route` returns None for every other path, which the REST server then serves as before. Nothing here logs:
the pages carry tokens.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from connectors.sandbox import portal_pages
from connectors.sandbox.errors import ApiError
from connectors.sandbox.oauth import (
    ACCESS_SECONDS,
    APP_STATUS,
    MEMBER_ID,
    OTHER_APP,
    App,
    Grant,
    OAuthState,
)
from connectors.sandbox.oauth_rest import answer, is_oauth_call
from connectors.sandbox.portal import Portal
from connectors.sandbox.portal_people import Person, active_people, active_person
from connectors.sandbox.store import connect

log = logging.getLogger("connectors.sandbox")
COOKIE = "sandbox_portal_user"
HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass
class Page:
    status: int
    body: bytes
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    command: str  # GET or POST
    parts: list[str]  # the unquoted path segments
    params: dict[str, Any]  # query and body, parsed as PHP does
    cookie: str  # the Cookie header, or ""
    base_url: str  # the sandbox's own address, "http://127.0.0.1:8899"


def route(portal: Portal, state: OAuthState, request: Request) -> Page | None:
    parts = request.parts
    if is_oauth_call(parts, request.params):
        return _with_store(portal, lambda conn: _json(*answer(portal, state, conn, parts, request.params)))
    handler = _ROUTES.get(tuple(parts))
    if handler is None:
        return None
    return _with_store(portal, lambda conn: handler(state, conn, request))


def _with_store(portal: Portal, render: Callable[[sqlite3.Connection], Page]) -> Page:
    """Run a route on its own store connection; a sandbox bug answers 500 and logs no request data."""
    try:
        conn = connect(portal.store_path)
        try:
            return render(conn)
        finally:
            conn.close()
    except Exception:
        log.exception("sandbox sign-in route failed")
        return _refuse(500, "Внутренняя ошибка песочницы.")


def _html(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Page:
    return Page(status, text.encode(), HTML, [("Cache-Control", "no-store"), *(headers or [])])


def _json(status: int, payload: dict[str, Any]) -> Page:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Page(status, body, JSON, [("Cache-Control", "no-store")])


def _redirect(location: str, status: int = 302, headers: list[tuple[str, str]] | None = None) -> Page:
    return Page(status, b"", HTML, [("Location", location), ("Cache-Control", "no-store"), *(headers or [])])


def _refuse(status: int, text: str) -> Page:
    return _html(status, portal_pages.error_page(text))


def _text(params: dict[str, Any], key: str) -> str:
    value = params.get(key)
    return value if isinstance(value, str) else ""


def _user_id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(query)}"


# -- OAuth -------------------------------------------------------------------------------------------------
def _authorize(state: OAuthState, conn: sqlite3.Connection, request: Request) -> Page:
    params, app = request.params, state.app
    if _text(params, "client_id") != app.client_id:
        return _refuse(400, "Приложение не найдено: неверный client_id.")
    if not state.installed:
        return _refuse(400, "Приложение не установлено на портале: откройте его в меню портала (/portal/).")
    redirect = _text(params, "redirect_uri") or app.redirect_uri
    if not app.allows_redirect(redirect):
        return _refuse(400, "redirect_uri не совпадает с адресом приложения.")
    choice = _text(params, "user_id")
    if not choice:
        keep = {k: _text(params, k) for k in ("client_id", "state", "redirect_uri") if _text(params, k)}
        people = [(p, _with_query("/oauth/authorize/", {**keep, "user_id": str(p.user_id)}))
                  for p in active_people(conn)]
        return _html(200, portal_pages.authorize_page(people))
    user_id = _user_id(choice)
    if user_id is None or active_person(conn, user_id) is None:
        return _refuse(400, "Нет такого активного пользователя.")
    domain = urlsplit(request.base_url).netloc
    return _redirect(_with_query(redirect, {
        "code": state.issue_code(user_id), "state": _text(params, "state"), "domain": domain,
        "member_id": MEMBER_ID, "scope": app.scope, "server_domain": domain,
    }))


def _token(state: OAuthState, conn: sqlite3.Connection, request: Request) -> Page:
    try:
        grant = state.exchange(request.params)
    except ApiError as err:
        return _json(err.status, err.body())
    return _json(200, state.token_reply(grant, request.base_url))


# -- the portal page ---------------------------------------------------------------------------------------
def _signed_in(conn: sqlite3.Connection, request: Request) -> Person | None:
    try:
        morsel = SimpleCookie(request.cookie).get(COOKIE)
    except CookieError:
        return None
    user_id = _user_id(morsel.value) if morsel is not None else None
    return active_person(conn, user_id) if user_id is not None else None


def _portal(state: OAuthState, conn: sqlite3.Connection, request: Request) -> Page:
    choice = _text(request.params, "as")
    if choice:
        user_id = _user_id(choice)
        if user_id == 0:
            return _redirect("/portal/", 303, [("Set-Cookie", f"{COOKIE}=; Path=/; Max-Age=0; SameSite=Lax")])
        if user_id is None or active_person(conn, user_id) is None:
            return _refuse(400, "Нет такого активного пользователя.")
        cookie = f"{COOKIE}={user_id}; Path=/; HttpOnly; SameSite=Lax"
        return _redirect("/portal/", 303, [("Set-Cookie", cookie)])
    people = [(p, f"/portal/?as={p.user_id}") for p in active_people(conn)]
    return _html(200, portal_pages.portal_page(people, _signed_in(conn, request)))


def _app(state: OAuthState, conn: sqlite3.Connection, request: Request) -> Page:
    person = _signed_in(conn, request)
    if person is None:
        return _redirect("/portal/", 303)
    return _html(200, portal_pages.app_page(person, "/portal/app/frame/"))


def _frame(state: OAuthState, conn: sqlite3.Connection, request: Request) -> Page:
    """The application form for the signed-in user: a fresh token pair; the install URL on the first open."""
    person = _signed_in(conn, request)
    if person is None:
        return _refuse(403, "Войдите на портал: /portal/.")
    app = state.app
    action = app.handler_url if state.installed else app.install_url
    state.mark_installed()  # the sandbox counts the install call as done once it is posted (see docs)
    return _frame_form(app, state.issue_grant(person.user_id), action, request)


def _other_frame(state: OAuthState, conn: sqlite3.Connection, request: Request) -> Page:
    """The form the portal posts to another vendor's application (OTHER_APP) for the signed-in user."""
    person = _signed_in(conn, request)
    if person is None:
        return _refuse(403, "Войдите на портал: /portal/.")
    grant = state.issue_grant(person.user_id, OTHER_APP)
    return _frame_form(OTHER_APP, grant, OTHER_APP.handler_url, request)


def _frame_form(app: App, grant: Grant, action: str, request: Request) -> Page:
    parts = urlsplit(request.base_url)
    query = {"DOMAIN": parts.netloc, "PROTOCOL": "1" if parts.scheme == "https" else "0", "LANG": "ru",
             "APP_SID": secrets.token_hex(16)}
    fields = {
        "AUTH_ID": grant.access_token, "AUTH_EXPIRES": str(ACCESS_SECONDS),
        "REFRESH_ID": grant.refresh_token, "SERVER_ENDPOINT": f"{request.base_url}/rest/",
        "APPLICATION_TOKEN": app.application_token, "APPLICATION_SCOPE": app.scope,
        "member_id": MEMBER_ID, "status": APP_STATUS, "PLACEMENT": "DEFAULT", "PLACEMENT_OPTIONS": "{}",
    }
    return _html(200, portal_pages.frame_page(_with_query(action, query), fields))


_ROUTES = {
    ("oauth", "authorize"): _authorize,
    ("oauth", "token"): _token,
    ("portal",): _portal,
    ("portal", "app"): _app,
    ("portal", "app", "frame"): _frame,
    ("portal", "other-app", "frame"): _other_frame,
}


def send_page(handler, page: Page) -> None:
    """Write a Page through a BaseHTTPRequestHandler."""
    handler.send_response(page.status)
    handler.send_header("Content-Type", page.content_type)
    handler.send_header("Content-Length", str(len(page.body)))
    for name, value in page.headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(page.body)
