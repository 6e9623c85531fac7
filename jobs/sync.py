"""`python -m jobs sync [same flags as python -m connectors.bitrix24 sync]`: the connector's sync with the
after-sync step that stores the day (queries.history.record_day) on every good run's new snapshot.

The rules in force (queries.rules.rules_path()) are checked before anything is synced: a broken file stops
the job with its one line and exit 78 (bad configuration). Each run reads them again, so the stored day
always uses the rules the dashboard shows; if they broke in the meantime (or storing the day failed for
another reason), that run's data is still published, the connector prints one warning line, and the job
exits 1 so a scheduler sees that the day was not stored.
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
EXIT_FAILED = 1


class DayStore:
    """The after-sync step (the day's deal_snapshots, derived layer and scorecard_history) that remembers
    whether it failed: the data is published all the same, but the job must not exit 0 with the day
    missing from Trends."""

    def __init__(self) -> None:
        self.failed = False

    def __call__(self, con: duckdb.DuckDBPyConnection, as_of: datetime) -> None:
        try:
            record_day(con, as_of, load_rules())
        except Exception:
            self.failed = True
            raise  # the connector prints its one warning line and still publishes the data


def check_rules() -> str | None:
    """None when the rules in force load; else the one-line reason, naming the file."""
    try:
        path = rules_path()
    except RulesError as exc:  # an unreadable .streamlit/secrets.toml
        return str(exc)
    try:
        load_rules(path)
    except RulesError as exc:  # its one line starts with the file's path
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not {"-h", "--help"} & set(argv):  # help needs no rules
        problem = check_rules()
        if problem:
            print(f"sync not started: {problem}", file=sys.stderr)
            return EXIT_CONFIG
    store = DayStore()
    code = cli.main(argv, after_write=store, prog=PROG)
    return code or (EXIT_FAILED if store.failed else 0)
