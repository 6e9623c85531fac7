"""REST calls signed with an application's access token: `/rest/<method>[.json]` with `auth=<token>` in the
query, a form or a JSON body, as the docs' "cURL (OAuth)" examples call them.

The sandbox answers the identity methods an app needs under a user's token: `profile`, `user.current` and
`app.info`. The data methods stay on the webhook (the sandbox does not model per-user permissions, which
is what a user's token would change), and answer 403 ACCESS_DENIED under a token.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from connectors.sandbox.errors import ApiError
from connectors.sandbox.methods.users import profile_of, user_as_api
from connectors.sandbox.oauth import APP_STATUS, Grant, OAuthState
from connectors.sandbox.portal import Portal, normalize_method

IDENTITY_METHODS = ("profile", "user.current", "app.info")


def is_oauth_call(parts: list[str], params: dict[str, Any]) -> bool:
    """`/rest/<method>` (no webhook user and code in the path) with an `auth` parameter."""
    return len(parts) == 2 and parts[0] == "rest" and "auth" in params


def answer(portal: Portal, state: OAuthState, conn: sqlite3.Connection, parts: list[str],
           params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for one call; errors in Bitrix24's shape with the time block."""
    start = portal.timer.clock()
    method = normalize_method(parts[1])
    try:
        token = params.get("auth")
        grant = state.grant_for(token if isinstance(token, str) else "")
        result = _result(portal, state, conn, method, grant)
    except ApiError as err:
        finish = portal.timer.clock()
        return err.status, {**err.body(), "time": portal.time_block(method, start, finish, finish - start)}
    finish = portal.timer.clock()
    return 200, {"result": result, "time": portal.time_block(method, start, finish, finish - start)}


def _result(portal: Portal, state: OAuthState, conn: sqlite3.Connection, method: str, grant: Grant) -> Any:
    user_id = grant.user_id
    if method == "profile":
        return profile_of(conn, user_id, admin=str(user_id) == portal.user_id)
    if method == "user.current":
        row = conn.execute('select * from users where "ID" = ?', [user_id]).fetchone()
        if row is None:  # the user was deleted from the store after the token was issued
            raise ApiError(401, "invalid_token", "Unable to get application by token")
        return user_as_api(row)
    if method == "app.info":
        # the application the token was issued to (docs: api-reference/common/system/app-info.md)
        ours = grant.client_id == state.app.client_id
        return {"ID": list(state.apps).index(grant.client_id) + 1, "CODE": grant.client_id, "VERSION": 1,
                "STATUS": APP_STATUS, "INSTALLED": state.installed or not ours, "PAYMENT_EXPIRED": "N",
                "DAYS": None, "LANGUAGE_ID": "ru", "LICENSE": "ru_ent", "LICENSE_TYPE": "ent",
                "LICENSE_FAMILY": "ent"}
    raise ApiError(403, "ACCESS_DENIED",
                   "The sandbox serves only profile, user.current and app.info under an access token; "
                   "use the webhook for data")
