"""The sandbox's OAuth 2.0 side of a Bitrix24 local application: the registered demo app, authorization
codes, access and refresh tokens, and the `/oauth/token/` exchange.

Lifetimes follow the Bitrix24 docs (settings/oauth/index.md, auto-renewal.md): a code lives 30 s and is
used once, an access token 1 h, a refresh token 180 days and is replaced by the new one at each refresh.
Time is the portal's `Timer` (real unix seconds, a fake clock in tests). Codes and tokens live in memory: a
restarted sandbox forgets them, as a portal that revoked them would. Whether the app is installed lives in
memory too, unless a portal-state file (portal_state.py, `--state`) keeps it across restarts.

The demo app's client secret is a demo value printed in the docs: the sandbox is not a place for secrets.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from connectors.sandbox.errors import ApiError, no_auth
from connectors.sandbox.portal_state import PortalState

CLIENT_ID = "local.dozhim.sandbox"
CLIENT_SECRET = "sandbox-demo-secret"  # demo only: documented, not a secret
MEMBER_ID = "5d0c1a7e9b3f4c2a8e6d1b0f7a9c3e25"  # the sandbox portal's fixed member_id (32 hex)
APP_SCOPE = "crm,user,department"
# The app's APPLICATION_TOKEN, posted with every frame and install call; for a local app it stays the same
# until the secret changes (docs: local-integrations/serverside-local-app-with-ui.md). Demo value.
APPLICATION_TOKEN = "0c4f1e8a7b2d49e6a3f5c8d1b9e07a62"
DEFAULT_APP_URL = "http://localhost:8501/b24/app"
APP_STATUS = "L"  # a local application (app.info STATUS)

CODE_SECONDS = 30
ACCESS_SECONDS = 3600
REFRESH_SECONDS = 180 * 86_400
FORGET_AFTER = 86_400  # an expired access token still answers expired_token for a day, then invalid_token

_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


def new_token() -> str:
    """32 random lower-case letters and digits, the form of the docs' examples."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32))


def looks_like_token(value: str) -> bool:
    """32 or more lower-case letters and digits (the docs' tokens are 32, newer portals' longer)."""
    return len(value) >= 32 and all(c in _TOKEN_ALPHABET for c in value)


def origin(url: str) -> str:
    """'http://localhost:8501/b24/app' -> 'http://localhost:8501'."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class App:
    """A local application registered in the portal (its card: client id, secret, addresses, scopes)."""

    client_id: str
    client_secret: str
    handler_url: str
    install_url: str
    scope: str = APP_SCOPE
    application_token: str = APPLICATION_TOKEN  # posted with every frame and install call of this app

    @property
    def origin(self) -> str:
        return origin(self.handler_url)

    @property
    def redirect_uri(self) -> str:
        """Where the authorize page sends the user back with a code, when the request names none."""
        return f"{self.origin}/b24/callback"

    def allows_redirect(self, uri: str) -> bool:
        """A redirect_uri must be on the app's own origin (the sandbox's rule: codes go nowhere else)."""
        return origin(uri) == self.origin and urlsplit(uri).scheme in ("http", "https")


def check_app_url(url: str) -> str:
    """The `--app-url` value, or ValueError with a one-line reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"--app-url must be an http(s) URL like {DEFAULT_APP_URL}, got {url!r}")
    return url


def demo_app(app_url: str = DEFAULT_APP_URL) -> App:
    """The Dozhim demo app: handler at `app_url`, install call at the same origin's /b24/install."""
    return App(CLIENT_ID, CLIENT_SECRET, app_url, f"{origin(app_url)}/b24/install")


# Another vendor's local application installed on the same portal (a portal runs many): the tokens the
# portal gives it for a user are good for `profile` too, so an app must ask `app.info` whose token it holds.
OTHER_APP = App("local.other0vendor.00000001", "other-vendor-demo-secret", "https://other-vendor.example/app",
                "https://other-vendor.example/install", application_token="9e1d" * 8)


@dataclass(frozen=True)
class Grant:
    """One access token and the refresh token issued with it, for one user of the portal."""

    user_id: int
    access_token: str
    refresh_token: str
    expires: int  # unix seconds when the access token stops working
    refresh_expires: int
    client_id: str = CLIENT_ID  # the application the portal issued the pair to (app.info's CODE)


def invalid_grant(text: str) -> ApiError:
    return ApiError(400, "invalid_grant", text)


def invalid_client() -> ApiError:
    return ApiError(401, "invalid_client", "Invalid client credentials")


def invalid_request(text: str) -> ApiError:
    return ApiError(400, "invalid_request", text)


def expired_token() -> ApiError:
    return ApiError(401, "expired_token", "The access token provided has expired.")


def invalid_token() -> ApiError:
    return ApiError(401, "invalid_token", "Unable to get application by token")


class OAuthState:
    """Codes and tokens the portal has issued, and whether the app is installed. Thread-safe."""

    def __init__(self, app: App, clock: Callable[[], float], installed: bool = False,
                 portal_state: PortalState | None = None) -> None:
        self.app = app
        self.apps = {a.client_id: a for a in (app, OTHER_APP)}  # every application installed on the portal
        self.clock = clock
        self.portal_state = portal_state
        self.installed = installed or (portal_state is not None and app.client_id in portal_state.installed)
        self._lock = threading.Lock()
        self._codes: dict[str, tuple[int, float]] = {}  # code -> (user id, expires)
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}

    # -- issuing ---------------------------------------------------------------------------------------
    def issue_code(self, user_id: int) -> str:
        code = new_token()
        with self._lock:
            self._prune()
            self._codes[code] = (user_id, self.clock() + CODE_SECONDS)
        return code

    def issue_grant(self, user_id: int, app: App | None = None) -> Grant:
        """A fresh token pair for a user (the frame's AUTH_ID/REFRESH_ID, or a token exchange), issued to
        `app` (default: the Dozhim app)."""
        now = int(self.clock())
        grant = Grant(user_id, new_token(), new_token(), now + ACCESS_SECONDS, now + REFRESH_SECONDS,
                      (app or self.app).client_id)
        with self._lock:
            self._prune()
            self._access[grant.access_token] = grant
            self._refresh[grant.refresh_token] = grant
        return grant

    def mark_installed(self) -> None:
        """The app is installed from now on; the portal-state file, if any, records it first, so a failed
        write leaves the app uninstalled (the frame answers 500) rather than installed until a restart."""
        with self._lock:
            if self.installed:
                return
            if self.portal_state is not None:
                self.portal_state.record_install(self.app.client_id)
            self.installed = True

    # -- the token endpoint ----------------------------------------------------------------------------
    def exchange(self, params: dict[str, Any]) -> Grant:
        """`/oauth/token/`: grant_type authorization_code or refresh_token; ApiError as the docs name them."""
        grant_type = _text(params, "grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise invalid_request('No "grant_type" parameter found' if not grant_type
                                  else "Unsupported grant_type")
        key = "code" if grant_type == "authorization_code" else "refresh_token"
        value = _text(params, key)
        if not value:
            raise invalid_request(f'No "{key}" parameter found')
        if (_text(params, "client_id") != self.app.client_id
                or not secrets.compare_digest(_text(params, "client_secret"), self.app.client_secret)):
            raise invalid_client()
        if grant_type == "authorization_code":
            return self.issue_grant(self._redeem_code(value))
        return self.issue_grant(self._redeem_refresh(value))

    def _redeem_code(self, code: str) -> int:
        with self._lock:
            entry = self._codes.pop(code, None)  # single use: gone whether it was still good or not
        if entry is None:
            raise invalid_grant("Invalid authorization code")
        user_id, expires = entry
        if self.clock() >= expires:
            raise invalid_grant("The authorization code has expired")
        return user_id

    def _redeem_refresh(self, token: str) -> int:
        with self._lock:
            grant = self._refresh.pop(token, None)  # replaced by the new one the exchange issues
        if grant is None or self.clock() >= grant.refresh_expires:
            raise invalid_grant("Invalid refresh token")
        return grant.user_id

    # -- REST calls with auth= -------------------------------------------------------------------------
    def user_for(self, access_token: str) -> int:
        return self.grant_for(access_token).user_id

    def grant_for(self, access_token: str) -> Grant:
        """The grant of a live access token (its user and application); ApiError expired_token /
        invalid_token otherwise, and NO_AUTH_FOUND for a value that is not token-shaped at all (as for a
        call with no auth)."""
        if not looks_like_token(access_token):
            raise no_auth()
        with self._lock:
            grant = self._access.get(access_token)
        if grant is None:
            raise invalid_token()
        if self.clock() >= grant.expires:
            raise expired_token()
        return grant

    def _prune(self) -> None:
        """Forget dead codes and long-expired tokens (called under the lock)."""
        now = self.clock()
        self._codes = {c: v for c, v in self._codes.items() if v[1] > now}
        self._access = {t: g for t, g in self._access.items() if g.expires + FORGET_AFTER > now}
        self._refresh = {t: g for t, g in self._refresh.items() if g.refresh_expires > now}

    # -- replies ---------------------------------------------------------------------------------------
    def token_reply(self, grant: Grant, base_url: str) -> dict[str, Any]:
        """The JSON `/oauth/token/` answers with (settings/oauth/index.md, plus `expires` and `user_id`)."""
        return {
            "access_token": grant.access_token,
            "expires": grant.expires,
            "expires_in": ACCESS_SECONDS,
            "scope": self.app.scope,
            "domain": urlsplit(base_url).netloc,  # the authorization server's domain: the sandbox itself
            "server_endpoint": f"{base_url}/rest/",
            "status": APP_STATUS,
            "client_endpoint": f"{base_url}/rest/",
            "member_id": MEMBER_ID,
            "user_id": grant.user_id,
            "refresh_token": grant.refresh_token,
        }


def _text(params: dict[str, Any], key: str) -> str:
    value = params.get(key)
    return value.strip() if isinstance(value, str) else ""
