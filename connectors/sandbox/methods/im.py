"""im.notify.system.add: a system notification to one user, kept so tests and the demo can read it back.

As the Bitrix24 docs describe it (api-reference/chats/notifications/im-notify-system-add.md, scope `im`):
`USER_ID` (required, > 0 else 400 USER_ID_EMPTY), `MESSAGE` (required, trimmed at both ends; empty ->
400 MESSAGE_EMPTY; BB-code such as [B], [URL=...]...[/URL], [BR] is kept as sent), `MESSAGE_OUT` (the
text for external channels), `TAG` (unique: a new notification with an existing tag removes the others),
`SUB_TAG`, `ATTACH` (an object or a JSON string; over 30 KB -> 400 ATTACH_OVERSIZE, not an object ->
400 ATTACH_ERROR). The result is the new notification's id, or `false` when it was not created (the docs:
"it may return false"): the sandbox answers false for a user the portal does not have or who is dismissed.

Not in the docs, so the sandbox's own assumption: a MESSAGE longer than MAX_MESSAGE_CHARS characters is
refused with 400 MESSAGE_TOO_LONG (the docs state no size limit for the text; senders keep well under it).

The method needs the `im` scope, which the connector's read-only webhook does not have: the sandbox serves a
second inbound webhook, `/rest/<user>/<NOTIFY_TOKEN>/`, with only that scope (webhook_scopes()).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

from connectors.sandbox.errors import ApiError
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.params import php_int, php_str

# The notification webhook's code; a sandbox value, not a secret (the demo passes it in the clear).
NOTIFY_TOKEN = "imnotifysandbox1"
NOTIFY_SCOPES = frozenset({"im"})
MAX_MESSAGE_CHARS = 20_000  # unconfirmed: the sandbox's assumption, see the module docstring
MAX_ATTACH_BYTES = 30 * 1024  # documented: ATTACH_OVERSIZE above 30 KB
_STORE_KEY = "im:notifications"
_LOCK_KEY = "im:lock"


def webhook_scopes(portal_scopes: set[str], user_id: str, token: str, path_user: str,
                   path_token: str) -> set[str] | None:
    """The scopes of the webhook a /rest/<user>/<code>/ path names: the portal's own webhook, the
    notification webhook (scope `im` only), or None (no such webhook: 401)."""
    if path_user != user_id:
        return None
    if path_token == token:
        return portal_scopes
    if path_token == NOTIFY_TOKEN:
        return set(NOTIFY_SCOPES)
    return None


def received(cache: dict[str, Any]) -> list[dict[str, Any]]:
    """Every notification the portal holds, oldest first (copies)."""
    lock = cache.setdefault(_LOCK_KEY, threading.Lock())
    with lock:
        return [dict(n) for n in cache.get(_STORE_KEY, [])]


def _param(params: dict[str, Any], name: str) -> Any:
    for key, value in params.items():
        if str(key).upper() == name:
            return value
    return None


def _attach(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if len(value.encode()) > MAX_ATTACH_BYTES:
            raise ApiError(400, "ATTACH_OVERSIZE", "You have exceeded the maximum allowable size of attach")
        try:
            value = json.loads(value)
        except ValueError:
            raise ApiError(400, "ATTACH_ERROR", "Incorrect attach params") from None
    if not isinstance(value, (dict, list)):
        raise ApiError(400, "ATTACH_ERROR", "Incorrect attach params")
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_ATTACH_BYTES:
        raise ApiError(400, "ATTACH_OVERSIZE", "You have exceeded the maximum allowable size of attach")
    return value


def _user_can_receive(call: Call, user_id: int) -> bool:
    row = call.conn.execute('select "ACTIVE" from users where "ID" = ?', (user_id,)).fetchone()
    return row is not None and str(row[0]).upper() not in ("0", "N", "FALSE", "")


@method("im.notify.system.add", "im")
def notify_system_add(call: Call) -> Reply:
    user_id = php_int(_param(call.params, "USER_ID"))
    if user_id <= 0:
        raise ApiError(400, "USER_ID_EMPTY", "User ID can't be empty")
    message = php_str(_param(call.params, "MESSAGE") or "").strip()
    if not message:
        raise ApiError(400, "MESSAGE_EMPTY", "Message can't be empty")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ApiError(400, "MESSAGE_TOO_LONG", f"Message is longer than {MAX_MESSAGE_CHARS} characters")
    attach = _attach(_param(call.params, "ATTACH"))
    if not _user_can_receive(call, user_id):
        return Reply(False)
    tag = php_str(_param(call.params, "TAG") or "") or None
    lock = call.cache.setdefault(_LOCK_KEY, threading.Lock())
    with lock:
        store: list[dict[str, Any]] = call.cache.setdefault(_STORE_KEY, [])
        if tag is not None:
            store[:] = [n for n in store if n["tag"] != tag]
        call.cache["im:last_id"] = notice_id = call.cache.get("im:last_id", 0) + 1
        store.append({
            "id": notice_id,
            "user_id": user_id,
            "message": message,
            "message_out": php_str(_param(call.params, "MESSAGE_OUT") or "") or None,
            "tag": tag,
            "sub_tag": php_str(_param(call.params, "SUB_TAG") or "") or None,
            "attach": attach,
            "at": (call.clock() if call.clock else datetime.now()).isoformat(),
        })
    return Reply(notice_id)
