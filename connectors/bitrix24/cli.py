"""`python -m connectors.bitrix24 sync [--db data/crm.duckdb] [--full] [--every 15m [--wait-first]]
[--rate 2 --burst 50]`.

The scheduled job (`python -m jobs sync`) runs this same CLI with its after-sync step (contract 4).

Exit codes a scheduler understands: 0 ok, 1 failed, 2 usage, 75 another sync holds the lock or the portal
asked to back off, 78 bad configuration. A failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.bitrix24.errors import EXIT_FAILED, Bitrix24Error, ConfigError
from connectors.bitrix24.lock import LockHeld
from connectors.bitrix24.progress import make_reporter
from connectors.bitrix24.store import StoreError
from connectors.bitrix24.webhook import HOW_TO_FIX, redact
from snapshot.secrets_file import SECRETS, SecretsFileError, read_secrets

if TYPE_CHECKING:  # the sync module (and DuckDB) load only when a sync runs: --help stays fast
    from connectors.bitrix24.sync import AfterWrite

PROG = "python -m connectors.bitrix24"
DEFAULT_RATE, DEFAULT_BURST = 2.0, 50  # a Bitrix24 cloud portal's limits (Enterprise: 5/s, burst 250)
MAX_RATE, MAX_BURST = 1000.0, 10_000
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
ENV_VAR = "BITRIX24_WEBHOOK_URL"

_EVERY = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNIT = {"": 60, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """'15m' -> 900 seconds; '30s', '2h', '1d'; a bare number means minutes."""
    match = _EVERY.match(text.strip().lower())
    if not match or int(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"--every takes a duration like 15m, 1h or 30s, not {text!r}")
    return int(match[1]) * _UNIT[match[2]]


def _count(flag: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{flag} takes a whole number from {low} to {high}, "
                                             f"not {text!r}")
        return value
    return parse


def parse_rate(text: str) -> float:
    """Requests per second: a positive number (a portal's plan allows 2, Enterprise 5)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= MAX_RATE:
        raise argparse.ArgumentTypeError(f"--rate takes requests per second above 0 and up to {MAX_RATE:g} "
                                         f"(2 for most portals, 5 for Enterprise), not {text!r}")
    return value


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Snapshot a Bitrix24 portal into DuckDB.")
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync", help="pull the portal into the DuckDB file")
    sync.add_argument("--db", default=os.environ.get("DOZHIM_DB", "data/crm.duckdb"),
                      help="the DuckDB file (default data/crm.duckdb)")
    sync.add_argument("--full", action="store_true", help="re-export everything and sweep deletions")
    sync.add_argument("--webhook", metavar="URL",
                      help=f"inbound webhook URL; NOTE: shows the token to anyone who can list processes "
                           f"(ps) - prefer ${ENV_VAR} or {ENV_VAR} in {SECRETS}, read when --webhook "
                           f"is absent")
    sync.add_argument("--every", type=parse_every, metavar="DURATION",
                      help="keep syncing, sleeping DURATION (15m, 1h) between runs")
    sync.add_argument("--wait-first", action="store_true",
                      help="with --every: sleep DURATION before the first run too (a sync just ran)")
    sync.add_argument("--rate", type=parse_rate, default=DEFAULT_RATE, metavar="PER_SECOND",
                      help=f"requests per second (default {DEFAULT_RATE:g}; Enterprise portals allow 5)")
    sync.add_argument("--burst", type=_count("--burst", 1, MAX_BURST), default=DEFAULT_BURST, metavar="N",
                      help=f"requests allowed in a burst (default {DEFAULT_BURST}; Enterprise portals allow "
                           f"250)")
    sync.add_argument("--retries", type=_count("--retries", 0, 100), default=8, metavar="N",
                      help="retries of a failed request (5xx, timeouts) before giving up (default 8)")
    sync.add_argument("--quiet", action="store_true", help="plain log lines even on a terminal")
    return parser


def parse_args(argv: list[str] | None, prog: str = PROG) -> argparse.Namespace:
    """The sync's flags, checked together: a usage line and exit 2 for what does not go together."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.wait_first and not args.every:
        parser.error("--wait-first goes with --every")
    return args


def find_webhook(given: str | None, secrets: Path = SECRETS) -> str:
    """--webhook, then $BITRIX24_WEBHOOK_URL, then .streamlit/secrets.toml."""
    if given:
        return given
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    try:
        data = read_secrets(secrets)
    except SecretsFileError as exc:
        raise ConfigError(str(exc)) from None
    value = data.get(ENV_VAR) or (data.get("bitrix24") or {}).get("webhook_url")
    if value:
        return str(value)
    raise ConfigError(f"no webhook URL: pass --webhook, set {ENV_VAR} or put {ENV_VAR} in {secrets}; "
                      f"{HOW_TO_FIX}")


def run_once(args: argparse.Namespace, after_write: AfterWrite | None = None) -> int:
    from connectors.bitrix24.sync import SyncOptions, run_sync  # lazy: keeps --help fast

    webhook = ""
    try:
        webhook = find_webhook(args.webhook)
        with make_reporter(args.quiet) as reporter:
            result = run_sync(SyncOptions(db=Path(args.db), webhook_url=webhook, full=args.full,
                                          reporter=reporter, max_retries=args.retries, rate=args.rate,
                                          burst=args.burst, after_write=after_write))
        rejected = sum(len(v) for v in result.rejected.values())
        note = f", {rejected} records rejected (skipped; listed in sync_runs.rejected)" if rejected else ""
        print(f"sync {result.run_id} ok ({result.mode}): {sum(result.requests.values())} requests{note}",
              file=sys.stderr)
        return EXIT_OK
    except (Bitrix24Error, LockHeld, StoreError) as error:
        return _fail(error.user_message, getattr(error, "exit_code", EXIT_FAILED), webhook)
    except KeyboardInterrupt:
        raise
    except OSError as error:
        return _fail(f"{error.strerror or error} ({error.filename or args.db}); check --db", EXIT_FAILED,
                     webhook)
    except Exception as error:  # anything else: still one line, and the secret scrubbed
        logging.getLogger(__name__).debug("sync failed", exc_info=True)
        return _fail(f"unexpected {type(error).__name__}: {error}", EXIT_FAILED, webhook)


def _fail(message: str, code: int, webhook: str) -> int:
    text = redact(" ".join(str(message).split()))
    if webhook:
        text = text.replace(webhook, "***")
    print(f"sync failed: {text}", file=sys.stderr)
    return code


def repeat(args: argparse.Namespace, run: Callable[[], int]) -> int:
    """One run, its exit code; with --every: run, sleep, repeat (a sleep first with --wait-first), where a
    failed run does not end the loop (its row is in sync_runs). The job (jobs/sync.py) loops through here
    too, with its own run."""
    if args.every is None:
        return run()
    if args.wait_first:
        _wait(args.every)
    while True:
        run()
        _wait(args.every)


def _wait(seconds: float) -> None:
    print(f"next sync in {seconds:.0f} s", file=sys.stderr, flush=True)
    time.sleep(seconds)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (systemd stop) ends like Ctrl-C: the live file stays as it was


def main(argv: list[str] | None = None, *, after_write: AfterWrite | None = None, prog: str = PROG) -> int:
    """The sync CLI; `after_write` runs on every good run's new snapshot before it is published."""
    args = parse_args(argv, prog)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return repeat(args, lambda: run_once(args, after_write))
    except KeyboardInterrupt:
        print("sync stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
