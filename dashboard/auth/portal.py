"""The Bitrix24 calls sign-in makes (httpx): exchange an OAuth code for a token, ask `profile` who the token
belongs to and, for a token a frame posted, `app.info` which application it was issued to. Only identity is
asked of the user's token; the data comes from the connector's webhook. Tokens travel in POST bodies, never
in URLs, so no access log or httpx log line holds one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from dashboard.auth.errors import SignInRefused
from dashboard.auth.tickets import SignedInUser

TIMEOUT = httpx.Timeout(10.0)
# Bitrix24's REST error codes for a token it will not take.
TOKEN_ERRORS = {"expired_token": "token_expired", "invalid_token": "token_invalid",
                "NO_AUTH_FOUND": "token_invalid", "invalid_grant": "token_invalid"}


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    member_id: str | None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def _ask(client: httpx.AsyncClient, portal_url: str, method: str, auth: str) -> dict[str, Any]:
    """`method`'s result under the token `auth` on the configured portal (never on an address the request
    named); SignInRefused with the reason Bitrix24 gave."""
    try:
        response = await client.post(f"{portal_url}/rest/{method}.json", data={"auth": auth}, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise SignInRefused("portal_unreachable", status=502) from exc
    body = _json(response)
    if response.status_code != 200 or "result" not in body:
        raise SignInRefused(TOKEN_ERRORS.get(str(body.get("error")), "portal_error"))
    return body["result"] if isinstance(body["result"], dict) else {}


async def fetch_profile(client: httpx.AsyncClient, portal_url: str, auth: str) -> SignedInUser:
    """Who holds `auth`."""
    result = await _ask(client, portal_url, "profile", auth)
    try:
        user_id = int(result["ID"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SignInRefused("portal_error") from exc
    name = " ".join(str(result.get(part) or "").strip() for part in ("NAME", "LAST_NAME")).strip()
    return SignedInUser(user_id, name or f"#{user_id}")


async def fetch_app_code(client: httpx.AsyncClient, portal_url: str, auth: str) -> str:
    """The code of the application `auth` was issued to (`app.info`'s CODE; a local application's is its
    client_id). Any application installed on the portal gets tokens that `profile` accepts, so a frame's
    AUTH_ID proves who the user is only once it is known to be ours."""
    result = await _ask(client, portal_url, "app.info", auth)
    return str(result.get("CODE") or "")


async def exchange_code(client: httpx.AsyncClient, oauth_url: str, client_id: str, client_secret: str,
                        code: str) -> Token:
    """The authorization code flow's second leg: POST {oauth}/oauth/token/."""
    form = {"grant_type": "authorization_code", "client_id": client_id, "client_secret": client_secret,
            "code": code}
    try:
        response = await client.post(f"{oauth_url}/oauth/token/", data=form, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise SignInRefused("portal_unreachable", status=502) from exc
    body = _json(response)
    token = body.get("access_token")
    if response.status_code != 200 or not isinstance(token, str) or not token:
        raise SignInRefused("code_refused")
    member_id = body.get("member_id")
    return Token(token, str(member_id) if member_id else None)
