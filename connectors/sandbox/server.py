"""The sandbox portal's HTTP server: `/rest/{user_id}/{token}/{method}[.json]`, as a cloud portal answers.

Standard library only (ThreadingHTTPServer, HTTP/1.1 keep-alive). Parameters come from the query string,
a JSON body, or a form body parsed as PHP does (`filter[>ID]=5`). One SQLite connection per connection
thread, left with no open statement or transaction after each request, so every request reads a fresh
snapshot. Faults are decided first (before auth: a broken nginx answers everybody), then auth, the leaky
bucket, and the method itself. `/crm/deal/details/<id>/` serves a minimal deal card (deal_page.py); the
sign-in pages, `/oauth/` and REST calls with `auth=` are portal_routes.py's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.sandbox import errors
from connectors.sandbox.batch import run_batch
from connectors.sandbox.deal_page import NOT_FOUND, deal_page
from connectors.sandbox.faults import NGINX_PAGES
from connectors.sandbox.methods.im import received, webhook_scopes
from connectors.sandbox.oauth import App, OAuthState, demo_app
from connectors.sandbox.params import parse_php_query
from connectors.sandbox.portal import Portal, normalize_method
from connectors.sandbox.portal_routes import Request, route, send_page
from connectors.sandbox.portal_state import PortalState
from connectors.sandbox.store import RequestConnection, connect_for_requests

log = logging.getLogger("connectors.sandbox")


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall

    def version_string(self) -> str:
        return "nginx"
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        self.conn: RequestConnection | None = None

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self.conn is not None:
                self.conn.close()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        # Request lines hold the webhook token: never log them.
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    # -- plumbing --------------------------------------------------------------------------------------
    def _read_params(self, query: str) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params = parse_php_query(query) if query else {}
        if not body.strip():
            return params
        ctype = (self.headers.get("Content-Type") or "").lower()
        text = body.decode("utf-8", errors="replace")
        if "json" in ctype or text.lstrip().startswith(("{", "[")):
            try:
                data = json.loads(text)
            except ValueError as err:
                raise errors.ApiError(400, "INVALID_REQUEST", "Invalid JSON body") from err
            if isinstance(data, dict):
                params.update(data)
            return params
        params.update(parse_php_query(text))
        return params

    def _send(self, status: int, payload: Any, content_type: str = "application/json; charset=utf-8") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        """Close the socket without a reply (a dropped connection)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- one request -----------------------------------------------------------------------------------
    def _handle(self) -> None:
        portal = self.server.portal
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        try:
            params = self._read_params(url.query)
        except errors.ApiError as err:
            self._send(err.status, err.body())
            return
        cookie = self.headers.get("Cookie") or ""
        request = Request(self.command, parts, params, cookie, self.server.base_url())
        page = route(portal, self.server.oauth, request)
        if page is not None:  # sign-in pages, /oauth/, REST calls with auth= (portal_routes.py)
            send_page(self, page)
            return
        if parts[:3] == ["crm", "deal", "details"]:
            self._deal_page(portal, parts)
            return
        if parts == ["sandbox", "notifications.json"]:  # what im.notify.system.add received (no auth)
            self._send(200, {"notifications": received(portal.cache)})
            return
        if not parts or parts[0] != "rest":
            self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html; charset=utf-8")
            return
        decision = portal.faults.decide()
        if decision.drop:
            self._drop()
            return
        if decision.error_status:
            self._send(decision.error_status, NGINX_PAGES[decision.error_status].encode(),
                       "text/html; charset=utf-8")
            return
        if decision.delay:
            portal.timer.sleep(decision.delay)
        try:
            status, payload = self._answer(portal, parts, params)
        except Exception:  # a sandbox bug: answer as the portal does on a crash, keep serving
            log.exception("sandbox method failed")
            status = 500
            payload = {"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}
        finally:
            if self.conn is not None:  # no snapshot outlives the request (see RequestConnection)
                self.conn.end_request()
        self._send(status, payload)

    def _deal_page(self, portal: Portal, parts: list[str]) -> None:
        """`/crm/deal/details/<id>/`: the deal's card, 404 for an unknown id."""
        html = "text/html; charset=utf-8"
        deal_id = parts[3] if len(parts) == 4 else ""
        page = None
        if deal_id.isascii() and deal_id.isdigit() and len(deal_id) < 19:
            if self.conn is None:
                self.conn = connect_for_requests(portal.store_path)
            try:
                page = deal_page(self.conn, int(deal_id))
            finally:
                self.conn.end_request()
        if page is None:
            self._send(404, NOT_FOUND.encode(), html)
        else:
            self._send(200, page.encode(), html)

    def _answer(self, portal: Portal, parts: list[str], params: dict[str, Any]) -> tuple[int, Any]:
        start = portal.timer.clock()
        method = normalize_method(parts[3] if len(parts) > 3 else parts[-1])
        try:
            # Every /rest/ path without this webhook's user and token, `/rest/<method>` (an OAuth call with
            # no `auth`) included, is 401 NO_AUTH_FOUND "Wrong authorization data" in JSON, as the portal
            # answers (docs: _includes/system-errors.md); the sandbox has no OAuth.
            scopes = webhook_scopes(portal.scopes(), portal.user_id, portal.token, *parts[1:3]) \
                if len(parts) >= 4 else None
            if scopes is None:
                raise errors.no_auth()
            if portal.check_http:
                raise errors.ApiError(400, "INVALID_REQUEST", "Https required")
            if not portal.rest_available:
                raise errors.ApiError(403, "ACCESS_DENIED", "REST is available only on commercial plans.")
            if not portal.limits.admit_request():
                raise errors.query_limit()
            if self.conn is None:
                self.conn = connect_for_requests(portal.store_path)
            if method == "batch":
                portal.count("batch")
                result = run_batch(portal, self.conn, params, scopes)
                finish = portal.timer.clock()
                block = portal.time_block("batch", start, finish, finish - start)
                return 200, {"result": result, "time": block}
            outcome = portal.call(self.conn, method, params, scopes)
        except errors.ApiError as err:
            finish = portal.timer.clock()
            block = portal.time_block(method, start, finish, finish - start)
            return err.status, {**err.body(), "time": block}
        if outcome.error is not None:
            return outcome.error.status, {**outcome.error.body(), "time": outcome.time}
        reply = outcome.reply
        payload: dict[str, Any] = {"result": reply.result}
        if reply.next is not None:
            payload["next"] = reply.next
        if reply.total is not None:
            payload["total"] = reply.total
        payload["time"] = outcome.time
        return 200, payload


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], portal: Portal, app: App | None = None,
                 app_installed: bool = False, portal_state: PortalState | None = None) -> None:
        super().__init__(address, SandboxHandler)
        self.portal = portal
        self.oauth = OAuthState(app or demo_app(), portal.timer.clock, installed=app_installed,
                                portal_state=portal_state)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that hangs up mid-request (fast_bitrix24 giving up on OPERATION_TIME_LIMIT, a closed
        browser tab) is the client's business, as on a real portal: no traceback. Anything else is ours."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def base_url(self) -> str:
        host = self.server_address[0]
        return f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{self.port}"

    def webhook_url(self) -> str:
        return f"{self.base_url()}/rest/{self.portal.user_id}/{self.portal.token}/"


def serve_in_thread(server: SandboxServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="sandbox-portal", daemon=True)
    thread.start()
    return thread
