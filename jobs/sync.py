"""`python -m jobs sync [same flags as python -m connectors.bitrix24 sync]`: the connector's sync with the
after-sync step that stores the day (queries.history.record_day) on every good run's new snapshot.

The rules in force (queries.rules.rules_path()) are checked before anything is synced: a broken file stops
the job with its one line and exit 78 (bad configuration). Each run reads them again, so the stored day
always uses the rules the dashboard shows; if they broke in the meantime, that run's data is still
published and the connector prints one warning line.
"""

from __future__ import annotations

import sys
from datetime import datetime

import duckdb

from connectors.bitrix24 import cli
from queries.history import record_day
from queries.rules import RulesError, load_rules, rules_path

PROG = "python -m jobs"
EXIT_CONFIG = 78


def store_the_day(con: duckdb.DuckDBPyConnection, as_of: datetime) -> None:
    """The after-sync step: the day's deal_snapshots, derived layer and scorecard_history."""
    record_day(con, as_of, load_rules())


def check_rules() -> str | None:
    """None when the rules in force load; else the one-line reason, naming the file."""
    try:
        path = rules_path()
    except RulesError as exc:  # an unreadable .streamlit/secrets.toml
        return str(exc)
    try:
        load_rules(path)
    except RulesError as exc:
        return str(exc) if str(path) in str(exc) else f"{exc} (rules file: {path})"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not {"-h", "--help"} & set(argv):  # help needs no rules
        problem = check_rules()
        if problem:
            print(f"sync not started: {problem}", file=sys.stderr)
            return EXIT_CONFIG
    return cli.main(argv, after_write=store_the_day, prog=PROG)
