"""`python -m jobs sync [same flags as python -m connectors.bitrix24 sync]`: the connector's sync with the
after-sync step that stores the day (queries.history.record_day) on every good run's new snapshot.

The rules in force (queries.rules.rules_path()) are checked before anything is synced: a broken file stops
the job with its one line and exit 78 (bad configuration). Each run reads them again, so the stored day
always uses the rules the dashboard shows; if they broke in the meantime (or storing the day failed for
another reason), that run's data is still published, the connector prints one warning line, and the job
exits 1 so a scheduler sees that the day was not stored.

After a good run (the day stored), when a digest channel is configured (DOZHIM_NOTIFY_WEBHOOK_URL, or
[digest] email with DOZHIM_SMTP_*), the morning digest runs on the published snapshot (jobs/digest): it sends
only on working days after digest.send_after, once per person per day, so every later sync of the day sends
nothing more. After a failed run it runs too, and then sends only the note that the data is stale.
`--every` is looped here rather than in the connector, so the digest follows each publish.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import duckdb

from connectors.bitrix24 import cli, store
from jobs.digest.cli import digest_once
from jobs.digest.run import Options as DigestOptions
from jobs.digest.settings import SettingsError, load_settings
from queries.history import record_day
from queries.rules import RulesError, load_rules, rules_path

PROG = "python -m jobs"
EXIT_CONFIG = 78
EXIT_FAILED = 1
STEP_MEMORY_LIMIT = "192MB"  # the after-sync step's DuckDB buffer pool (DayStore says why)
DIGEST_AFTER = {0, EXIT_FAILED, EXIT_CONFIG}  # the connector's codes after which the digest runs


class DayStore:
    """The after-sync step (the day's deal_snapshots, derived layer and scorecard_history) that remembers
    whether it failed: the data is published all the same, but the job must not exit 0 with the day
    missing from Trends."""

    def __init__(self) -> None:
        self.failed = False

    def __call__(self, con: duckdb.DuckDBPyConnection, as_of: datetime) -> None:
        # One DuckDB thread in a bounded buffer pool of its own size: each thread's sort needs blocks of its
        # own, and at 1M deals sorting the 21M activity pairs ran out of 192 MB with two threads (73 s with
        # one). The sync writes in a smaller pool (store.MEMORY_LIMIT); its streams are closed by now, so
        # this one adds nothing to the job's peak. It also leaves the other core to the dashboard.
        con.execute("set threads = 1")
        con.execute(f"set memory_limit = '{STEP_MEMORY_LIMIT}'")
        try:
            record_day(con, as_of, load_rules())
        except Exception:
            self.failed = True
            raise  # the connector prints its one warning line and still publishes the data
        finally:
            con.execute("reset threads")
            con.execute(f"set memory_limit = '{store.MEMORY_LIMIT}'")


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
    args = cli.parse_args(argv, PROG)  # bad flags: argparse's usage line and exit 2, as ever
    runs = without_every(argv)  # the digest runs after each published sync: each run is ours
    return cli.repeat(args, lambda: sync_once(runs, Path(args.db)))


def sync_once(argv: list[str], db: Path) -> int:
    """One sync with the day stored; then the morning digest (when configured): after a good sync the
    digest itself, after a failed one (recorded in sync_runs) only the stale note, once a day (the real
    digest still follows the next good sync). Not after a usage error, a held lock or an interrupt."""
    day = DayStore()
    sync_code = cli.main(argv, after_write=day, prog=PROG)
    code = sync_code or (EXIT_FAILED if day.failed else 0)
    if sync_code in DIGEST_AFTER and digest_configured():
        digest_code, _, line = digest_once(DigestOptions(db))
        print(f"digest: {line}", file=sys.stderr)
        code = code or (EXIT_FAILED if digest_code else 0)
    return code


def without_every(argv: list[str]) -> list[str]:
    """The arguments of one run: `--every` and `--wait-first` (already checked by the parser) are the job's
    own loop."""
    rest, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--every":
            skip = True
        elif not arg.startswith("--every=") and arg != "--wait-first":
            rest.append(arg)
    return rest


def digest_configured() -> bool:
    """A digest channel is set up: the notification webhook, or [digest] email with an SMTP server."""
    try:
        settings = load_settings()
        return settings.im_configured or (load_rules().digest.email and settings.email_configured)
    except (SettingsError, RulesError):
        return True  # digest_once reports the broken setting in one line
