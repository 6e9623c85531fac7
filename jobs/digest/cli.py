"""`python -m jobs digest [--db] [--as-of] [--dry-run DIR] [--resend] [--only USER_ID]`.

Exit codes: 0 done (also "nothing to send today"), 1 a recipient failed (each is in the digest log), 2 usage,
78 bad configuration (the rules file, no channel, a bad setting). Every error is one line without secrets.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from jobs.digest.run import DigestConfigError, Options, Outcome, run_digest
from jobs.digest.settings import SettingsError, load_settings
from queries import QueryError, RulesError, load_rules

PROG = "python -m jobs digest"
EXIT_FAILED, EXIT_USAGE, EXIT_CONFIG = 1, 2, 78


def _as_of(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--as-of takes an ISO moment such as 2026-11-20T09:00+03:00, not {text!r}"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Send the morning digest (Bitrix24 and e-mail).")
    p.add_argument("--db", type=Path, default=Path(os.environ.get("DOZHIM_DB", "data/crm.duckdb")),
                   help="the snapshot (default $DOZHIM_DB, else data/crm.duckdb)")
    p.add_argument("--as-of", type=_as_of, help="the moment to compose for (default now; a naive one is UTC)")
    p.add_argument(
        "--dry-run", type=Path, metavar="DIR", help="write what would be sent to DIR, send nothing"
    )
    p.add_argument("--resend", action="store_true", help="send again to people already sent today's digest")
    p.add_argument("--only", type=int, metavar="USER_ID", help="only this Bitrix24 user")
    return p


def digest_once(opts: Options) -> tuple[int, Outcome | None, str]:
    """(exit code, outcome, one line) for one run; shared by the command and the sync job's hook."""
    try:
        rules = load_rules()
        settings = load_settings()
    except (RulesError, SettingsError) as exc:
        return EXIT_CONFIG, None, str(exc)
    try:
        outcome = run_digest(opts, rules, settings)
    except DigestConfigError as exc:
        return EXIT_CONFIG, None, str(exc)
    except QueryError as exc:
        return EXIT_FAILED, None, settings.redact(str(exc))
    return (EXIT_FAILED if outcome.failed else 0), outcome, outcome.note


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.as_of is not None and args.as_of.tzinfo is None:
        from datetime import UTC

        args.as_of = args.as_of.replace(tzinfo=UTC)
    code, outcome, line = digest_once(Options(args.db, args.as_of, args.dry_run, args.resend, args.only))
    for entry in outcome.entries if outcome else []:
        if entry.status == "failed":
            print(f"digest to {entry.recipient_id} ({entry.channel}) failed: {entry.error}", file=sys.stderr)
    print(f"digest: {line}", file=sys.stderr)
    return code
