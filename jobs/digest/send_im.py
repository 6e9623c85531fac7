"""Bitrix24 notifications: im.notify.system.add per recipient, sent in `batch` chunks over the notification
webhook (scope im). Each recipient's outcome is its own: one refused command does not stop the others."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from jobs.digest.settings import Settings

CHUNK = 25  # commands per batch (Bitrix24 allows 50; long messages make big bodies)
TIMEOUT = 30.0


@dataclass(frozen=True)
class Notice:
    user_id: int
    message: str
    tag: str  # a notification with the same tag replaces it: a --resend does not stack copies


def _command(notice: Notice) -> str:
    return "im.notify.system.add?" + urlencode(
        {"USER_ID": notice.user_id, "MESSAGE": notice.message, "TAG": notice.tag}
    )


def _chunk_outcomes(client: httpx.Client, settings: Settings, chunk: list[Notice]) -> dict[int, str | None]:
    """user id -> None (sent) or the one-line reason, for one batch call."""
    cmd = {f"u{n.user_id}": _command(n) for n in chunk}
    try:
        reply = client.post(settings.notify_webhook_url + "batch", json={"halt": 0, "cmd": cmd})
        body = reply.json()
    except (httpx.HTTPError, ValueError) as exc:
        reason = settings.redact(f"batch call failed: {type(exc).__name__}: {exc}")
        return {n.user_id: reason for n in chunk}
    if reply.status_code != 200 or "result" not in body:
        reason = settings.redact(
            f"batch refused: HTTP {reply.status_code} {body.get('error', '')} "
            f"{body.get('error_description', '')}"
        )
        return {n.user_id: reason for n in chunk}
    result = body["result"]
    results = result.get("result") or {}
    errors = result.get("result_error") or {}
    out: dict[int, str | None] = {}
    for n in chunk:
        key = f"u{n.user_id}"
        error = errors.get(key) if isinstance(errors, dict) else None
        value = results.get(key) if isinstance(results, dict) else None
        if error:
            out[n.user_id] = settings.redact(
                f"{error.get('error', '')}: {error.get('error_description', '')}"
            )
        elif value in (None, False):
            out[n.user_id] = "not delivered (the portal has no such active user)"
        else:
            out[n.user_id] = None
    return out


def send_notices(
    settings: Settings, notices: list[Notice], client: httpx.Client | None = None
) -> dict[int, str | None]:
    """user id -> None (sent) or the reason it failed; never raises for a recipient's failure."""
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    try:
        out: dict[int, str | None] = {}
        for start in range(0, len(notices), CHUNK):
            out.update(_chunk_outcomes(client, settings, notices[start : start + CHUNK]))
        return out
    finally:
        if own:
            client.close()
