"""python -m queries <metric> --db PATH [--as-of ...] [--manager ID] [--viewer ID] [--rules PATH]
[--format ...]

Exit codes: 0 ok, 1 a data problem (missing or foreign database, bad rules file), 2 bad usage (an unknown
metric, manager, pipeline or department; --from after --to; a --viewer not in the snapshot or dismissed, a
filter outside the viewer's scope, csv/json for a viewer without the export right). --viewer prints exactly
what that Bitrix24 user sees on the dashboard; each csv/json under --viewer leaves an export audit row.
Errors are one line on stderr, never a traceback. Times print in the portal's time zone, as on the dashboard.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, tzinfo
from pathlib import Path

import pandas as pd

from queries.audit import record_export
from queries.cells import neutral_frame
from queries.context import zone_info
from queries.errors import ScopeError, ViewerError
from queries.roles import Viewer, viewer_for
from queries.rules import Rules, RulesError, load_rules
from queries.runner import (
    QueryError,
    check_dates,
    filter_ids,
    list_metrics,
    run_metric,
    snapshot_info,
    user_facts,
)

FILTER_FLAGS = {"manager_id": ("--manager", "user"), "pipeline_id": ("--pipeline", "deal pipeline"),
                "department_id": ("--department", "department")}


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise UsageError(message)


def _as_of(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {text!r} (e.g. 2026-11-20T18:00)") from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text if len(text) > 7 else text + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (e.g. 2026-11-01)") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m queries", description="Run a Dozhim metric against a DuckDB snapshot.")
    p.add_argument("metric", nargs="?", help="metric name (see --list)")
    p.add_argument("--list", action="store_true", help="name every metric with one line")
    p.add_argument("--db", type=Path, help="the snapshot, e.g. data/crm.duckdb")
    p.add_argument("--as-of", type=_as_of, help="the as-of moment (default now); naive = the portal's zone")
    p.add_argument("--manager", type=int, help="only this manager (user id)")
    p.add_argument("--pipeline", type=int, help="only this pipeline (category id)")
    p.add_argument("--department", type=int, help="only managers in this department (and below)")
    p.add_argument("--viewer", type=int, metavar="USER_ID",
                   help="exactly what this Bitrix24 user may see (default: everything, as the operator)")
    p.add_argument("--month", type=_date, help="period = this month (2026-11)")
    p.add_argument("--from", dest="period_start", type=_date, help="period start date")
    p.add_argument("--to", dest="period_end", type=_date, help="period end date (inclusive)")
    p.add_argument("--client-type", choices=("company", "contact"),
                   help="the client of client_card / client_history (with --client-id)")
    p.add_argument("--client-id", type=int, help="the client's id (company or contact)")
    p.add_argument("--search", help="client_search: a name fragment, a phone in any format or an e-mail")
    p.add_argument("--rules", type=Path, help="rules file (default: $DOZHIM_RULES, else DOZHIM_RULES in "
                                              ".streamlit/secrets.toml, else ./rules.toml, else built-in)")
    p.add_argument("--limit", type=_rows, metavar="N", help="only the first N rows, in the metric's order")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    return p


def _rows(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a number of rows: {text!r} (a whole number, at least 1)")
    return int(text)


def _check_args(args: argparse.Namespace) -> None:
    if args.db is None:
        raise UsageError("--db PATH is required")
    if args.metric not in {m.name for m in list_metrics()}:
        raise UsageError(f"unknown metric {args.metric!r} (python -m queries --list names them)")
    if (args.client_type is None) != (args.client_id is None):
        raise UsageError("--client-type and --client-id go together")
    if args.period_start and args.period_end and args.period_start > args.period_end:
        raise UsageError(f"--from {args.period_start} is after --to {args.period_end}")
    try:
        check_dates(**{"--as-of": args.as_of, "--month": args.month, "--from": args.period_start,
                       "--to": args.period_end})
    except QueryError as exc:
        raise UsageError(str(exc)) from None


def _check_filters(args: argparse.Namespace, rules: Rules) -> None:
    """A filter naming nobody would print an empty table that reads as "all good"."""
    wanted = {"manager_id": args.manager, "pipeline_id": args.pipeline, "department_id": args.department}
    if all(v is None for v in wanted.values()):
        return
    known = filter_ids(args.db)
    for key, value in wanted.items():
        if value is not None and value not in known[key]:
            flag, kind = FILTER_FLAGS[key]
            raise UsageError(f"{flag} {value}: no such {kind} in {args.db}")
    if args.manager is not None:
        _check_manager(args, rules)


def _check_manager(args: argparse.Namespace, rules: Rules) -> None:
    """--manager names someone who owns deals (and is in --department, when given): else every metric
    would print an empty table that reads as "nothing to do"."""
    owns_deals, departments = user_facts(args.db, rules, args.manager)
    if args.department is not None and args.department not in departments:
        raise UsageError(f"--manager {args.manager} is not in --department {args.department} (or below): "
                         "that filter selects nobody")
    if not owns_deals:
        raise UsageError(f"--manager {args.manager}: user {args.manager} owns no deals in {args.db}")


def _viewer(args: argparse.Namespace, rules: Rules) -> Viewer | None:
    """The --viewer as a Viewer; a file format (csv, json) needs the export right."""
    if args.viewer is None:
        return None
    try:
        viewer = viewer_for(args.db, args.viewer, rules)
    except ViewerError as exc:
        raise UsageError(f"--viewer {args.viewer}: {exc}") from None
    if args.format != "table" and not viewer.can_export:
        raise UsageError(f"--viewer {args.viewer} ({viewer.role}) may not export: --format {args.format} "
                         "is refused (the export right: [access] in the rules file)")
    return viewer


def _filters_text(args: argparse.Namespace) -> str:
    """The filters in force, for the audit row: "manager=7 month=2026-11"."""
    pairs = [("manager", args.manager), ("pipeline", args.pipeline), ("department", args.department),
             ("month", args.month), ("from", args.period_start), ("to", args.period_end),
             ("as_of", args.as_of)]
    return " ".join(f"{k}={v.isoformat() if hasattr(v, 'isoformat') else v}"
                    for k, v in pairs if v is not None)


def _portal_zone(rules: Rules, db: Path) -> tzinfo:
    """The zone the dashboard shows times in: the rules' calendar.timezone, else the portal's offset."""
    return zone_info(rules.timezone or snapshot_info(db).utc_offset)


def _localize(as_of: datetime | None, zone: tzinfo) -> datetime | None:
    """A naive --as-of is read in the portal's time zone."""
    if as_of is None or as_of.tzinfo is not None:
        return as_of
    return as_of.replace(tzinfo=zone)


def _in_zone(df: pd.DataFrame, zone: tzinfo) -> pd.DataFrame:
    """Instants (timestamptz columns) as ISO text in the portal's zone: 2026-11-19T23:59:00+03:00."""
    out = df.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = [None if pd.isna(v) else v.isoformat() for v in out[column].dt.tz_convert(zone)]
    return out


def _print(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":  # a file for a spreadsheet: no CRM title may run as a formula there
        neutral_frame(df).to_csv(sys.stdout, index=False)
    elif fmt == "json":
        sys.stdout.write(df.to_json(orient="records", date_format="iso", force_ascii=False) + "\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                               "display.max_colwidth", 60):
            shown = df.astype(object).where(df.notna(), "—")  # an empty value reads as a dash, not None/NaN
            sys.stdout.write((shown.to_string(index=False) if len(df) else "(no rows)") + "\n")


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.list:
            for m in list_metrics():
                print(f"{m.name:<24} {m.title}")
            return 0
        if not args.metric:
            raise UsageError("name a metric (python -m queries --list) or pass --list")
        _check_args(args)
        rules = load_rules(args.rules)
        _check_filters(args, rules)
        viewer = _viewer(args, rules)
        zone = _portal_zone(rules, args.db)
        df = run_metric(args.metric, args.db, as_of=_localize(args.as_of, zone), rules=rules,
                        manager_id=args.manager, pipeline_id=args.pipeline, department_id=args.department,
                        period_start=args.period_start, period_end=args.period_end, month=args.month,
                        client_type=args.client_type, client_id=args.client_id, search=args.search,
                        viewer=viewer, limit=args.limit)
        if df.attrs.get("cut"):
            print(f"(the first {args.limit} of {df.attrs['rows']} rows)", file=sys.stderr)
        if viewer is not None and args.format != "table":  # written before the rows are handed out
            record_export(args.db, viewer, args.metric, args.format, len(df), _filters_text(args))
        _print(_in_zone(df, zone), args.format)
        return 0
    except (UsageError, ScopeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (QueryError, RulesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
