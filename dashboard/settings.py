"""Where the app finds its inputs: the database, the rules file, the as-of moment, the freshness limit.

Every knob is an environment variable (or a key of the same name in `.streamlit/secrets.toml`), read on
each rerun so a test or a demo can change it without restarting the app.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
