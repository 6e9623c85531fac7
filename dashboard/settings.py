"""Where the app finds its inputs: the database, the rules file, the as-of moment, the freshness limit.

Every knob is an environment variable (or a key of the same name in `.streamlit/secrets.toml`), read on
each rerun so a test or a demo can change it without restarting the app.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st

from queries.rules import rules_path

DEFAULT_DB = "data/crm.duckdb"
DEFAULT_FRESH_HOURS = 2.0


@dataclass(frozen=True)
class Settings:
    db_path: Path
    rules_path: Path | None  # None: the queries package's own default rules
    as_of: datetime | None  # pinned "now" for tests and demos; None is the real now
    fresh_hours: float  # a last successful sync older than this gets a warning


def _secret(name: str) -> str | None:
    """A value from st.secrets, or None when there is no secrets file (the usual case)."""
    try:
        value = st.secrets.get(name)
    except Exception:  # no secrets.toml, or an unreadable one: the env var and default still work
        return None
    return None if value is None else str(value)


def _knob(name: str) -> str | None:
    return os.environ.get(name) or _secret(name)


def _parse_as_of(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None  # a bad pinned time falls back to the real now; the about page shows the raw value


def _parse_hours(raw: str | None) -> float:
    try:
        return float(raw) if raw else DEFAULT_FRESH_HOURS
    except ValueError:
        return DEFAULT_FRESH_HOURS


def load_settings() -> Settings:
    return Settings(
        db_path=Path(_knob("DOZHIM_DB") or DEFAULT_DB),
        rules_path=rules_path(),  # the one resolution the CLI and the scheduled job use too
        as_of=_parse_as_of(_knob("DOZHIM_AS_OF")),
        fresh_hours=_parse_hours(_knob("DOZHIM_FRESH_HOURS")),
    )


DEFAULT_OAUTH_URL = "https://oauth.bitrix.info"


@dataclass(frozen=True)
class SignInSettings:
    """Bitrix24 sign-in (README: "Sign-in"). The secrets are left out of repr, so a logged or printed
    settings object never shows them."""

    client_id: str | None  # None: sign-in is off (localhost only)
    client_secret: str | None = field(default=None, repr=False)
    portal_url: str | None = None  # where `profile` is asked; default: the webhook URL's origin
    oauth_url: str = DEFAULT_OAUTH_URL  # where a code is exchanged for a token
    member_id: str | None = None  # the portal's member_id: the frame handler refuses any other
    session_secret: str | None = field(default=None, repr=False)  # None: data/session.key
    public_url: str | None = None  # this app as users reach it; None: the address the request came to
    app_code: str | None = None  # app.info's CODE of our application; None: the client id (a local app's)

    @property
    def expected_app_code(self) -> str:
        return self.app_code or self.client_id or ""


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def load_signin() -> SignInSettings:
    return SignInSettings(
        client_id=_knob("B24_CLIENT_ID"),
        client_secret=_knob("B24_CLIENT_SECRET"),
        portal_url=(_knob("B24_PORTAL_URL") or _origin(_knob("BITRIX24_WEBHOOK_URL")) or "").rstrip("/")
        or None,
        oauth_url=(_knob("B24_OAUTH_URL") or DEFAULT_OAUTH_URL).rstrip("/"),
        member_id=_knob("B24_MEMBER_ID"),
        session_secret=_knob("DOZHIM_SESSION_SECRET"),
        public_url=(_knob("DOZHIM_PUBLIC_URL") or "").rstrip("/") or None,
        app_code=_knob("B24_APP_CODE"),
    )
