"""The session cookie of the standalone sign-in: the user's id and name, signed, for 12 hours."""

from __future__ import annotations

from pathlib import Path

from dashboard.auth.errors import SignInRefused
from dashboard.auth.signing import Signer, session_key
from dashboard.auth.tickets import SignedInUser
from dashboard.settings import SignInSettings, load_settings

COOKIE = "dozhim_session"
SESSION_SECONDS = 12 * 3600


def key_dir() -> Path:
    """Where a generated key lives: beside the database (data/ by default)."""
    return load_settings().db_path.parent


def signer(settings: SignInSettings, purpose: str, keys: Path | None = None) -> Signer:
    return Signer(session_key(settings.session_secret, keys or key_dir()), purpose)


def make_session(sign: Signer, user: SignedInUser, now: float) -> str:
    return sign.sign({"uid": user.user_id, "name": user.name}, now + SESSION_SECONDS)


def read_session(sign: Signer, value: str, now: float) -> SignedInUser:
    return read_session_until(sign, value, now)[0]


def read_session_until(sign: Signer, value: str, now: float) -> tuple[SignedInUser, float]:
    """The cookie's user and when the session ends."""
    payload = sign.verify(value, now, forged="cookie_forged", expired="cookie_expired")
    try:
        return SignedInUser(int(payload["uid"]), str(payload.get("name") or "")), float(payload["exp"])
    except (KeyError, TypeError, ValueError):
        raise SignInRefused("cookie_forged") from None
