"""HMAC-signed values with an expiry: the session cookie and the OAuth `state` cookie.

A signed value is `<base64url(json payload)>.<base64url(hmac-sha256)>`; the payload holds `exp` (unix
seconds). The key is DOZHIM_SESSION_SECRET or, when that is unset, a random key generated once into
`session.key` beside the database (data/session.key), readable by its owner only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboard.auth.errors import SignInRefused

Clock = Callable[[], float]
KEY_FILE = "session.key"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, key: bytes, purpose: str) -> None:
        # The purpose is part of the MAC, so a state cookie can never pass for a session cookie.
        self._key = hashlib.sha256(key + b"\0" + purpose.encode()).digest()

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def sign(self, payload: dict[str, Any], expires_at: float) -> str:
        body = _b64(json.dumps({**payload, "exp": int(expires_at)}, separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, value: str, now: float, forged: str, expired: str) -> dict[str, Any]:
        """The payload of a value this signer made that has not expired; SignInRefused(`forged` or
        `expired`, the reason codes) otherwise."""
        body, _, mac = value.partition(".")
        if not body or not mac or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            raise SignInRefused(forged)
        try:
            payload = json.loads(_unb64(body))
            expires_at = float(payload["exp"])
        except (ValueError, KeyError, TypeError) as exc:  # signed by us, so only a changed format gets here
            raise SignInRefused(forged) from exc
        if now >= expires_at:
            raise SignInRefused(expired)
        return payload


def session_key(configured: str | None, key_dir: Path) -> bytes:
    """DOZHIM_SESSION_SECRET, or the key in `key_dir/session.key` (made once, mode 0600)."""
    if configured:
        return configured.encode()
    path = key_dir / KEY_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    key_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_hex(32))
    return path.read_bytes().strip()
