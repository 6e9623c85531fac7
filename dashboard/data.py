"""Cached, read-only access to the snapshot through `queries/` (the app itself holds no SQL).

Each metric call runs on a kept read-only session of the snapshot (`queries.run_metric(..., keep=True)`:
the file attached in a DuckDB instance of its own, its set-up reused by the next call; one call at a time
per session, so no connection is ever shared between threads; the app never writes the snapshot, which
keeping requires). Its result is cached with the snapshot's identity in the key: the file's inode and mtime
(the connector `os.replace`s a new file over the old one, which changes both) and the last `sync_runs` id.
A finished sync therefore shows up on the next rerun without clearing caches or restarting, and the
sessions on the old file are closed as they come back.

Who is looking is part of every call: the signed-in user (dashboard.auth) becomes a queries.Viewer once per
run (Context.viewer; None = the operator, no sign-in) and goes to every metric and into every cache key, so
one user's cached rows are never another's.

Metric frames are cached as shared objects (st.cache_resource: no pickling, no copy per hit; a 400k-row list
was pickled on every miss and unpickled on every hit) and handed out as shallow copies: with pandas'
copy-on-write a caller's change makes its own copy and never reaches the cached frame. A long list is asked
for with `limit` (its head, in the metric's order, attrs["cut"] saying whether more exist); its whole list
is built only for a download (`whole`), straight from SQL and not cached.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from dashboard import auth, formatting
from dashboard.settings import Settings, load_settings
from queries import (
    QueryError,
    Rules,
    RulesError,
    ScopeError,
    Viewer,
    ViewerError,
    load_rules,
    run_metric,
    snapshot_info,
    viewer_for,
    visible_manager_ids,
)
from queries.audit import list_exports, record_export
from queries.digest_log import list_digests

NOW_BUCKET_SECONDS = 300  # with the real "now", cached numbers are recomputed at most every 5 minutes
RESULT_ENTRIES = 256  # metric frames kept (lists are limited heads; team frames are per-manager aggregates)
RESULT_TTL = timedelta(seconds=3 * NOW_BUCKET_SECONDS)  # an old now-bucket's frames go soon after it ends
PREFETCH_WORKERS = 4
CTX_KEY = "_dozhim_ctx"
PROBLEM_KEY = "_dozhim_problem"  # the QueryError / RulesError app.py met, for the problem page


class NoDatabase(Exception):
    """The database file does not exist yet (before the first sync)."""


@dataclass(frozen=True)
class Context:
    """Everything a page needs to ask for data, fixed for one script run."""

    settings: Settings
    stamp: str  # the file's identity: inode-mtime; part of every cache key
    info: Any  # queries.SnapshotInfo
    rules: Rules
    tz: tzinfo  # the portal's time zone (fixed offset)
    now: datetime  # T: the pinned as-of moment, or the real now
    viewer: Viewer | None = None  # the signed-in user's scope; None = the operator (sees everything)

    @property
    def db(self) -> str:
        return str(self.settings.db_path)

    @property
    def version(self) -> Any:
        return getattr(self.info, "version", None)

    @property
    def base_currency(self) -> str:
        return getattr(self.info, "base_currency", None) or "RUB"

    @property
    def portal_url(self) -> str | None:
        return getattr(self.info, "portal_url", None)

    @property
    def role(self) -> str:
        """admin | head | manager | operator"""
        return self.viewer.role if self.viewer is not None else "operator"

    @property
    def can_export(self) -> bool:
        return self.viewer is None or self.viewer.can_export

    @property
    def sees_everything(self) -> bool:
        """The operator or an admin: the admin parts of About, the export audit."""
        return self.viewer is None or self.viewer.sees_everything


def _file_stamp(path: Path) -> str:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise NoDatabase(str(path)) from None
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_data(show_spinner=False, max_entries=32)
def _snapshot_info(db_path: str, stamp: str) -> Any:
    return snapshot_info(db_path)


@st.cache_data(show_spinner=False, max_entries=8)
def _rules(rules_path: str | None, stamp: str) -> Rules:
    return load_rules(rules_path)


def _rules_stamp(path: Path | None) -> str:
    if path is None:
        return "defaults"
    try:
        return str(path.stat().st_mtime_ns)
    except OSError:
        return "missing"  # load_rules then names the missing file


@st.cache_data(show_spinner=False, max_entries=256)
def _viewer(db_path: str, stamp: str, user_id: int, rules: Rules) -> Viewer:
    return viewer_for(db_path, user_id, rules)


@st.cache_data(show_spinner=False, max_entries=256)
def _visible(db_path: str, stamp: str, viewer: Viewer) -> frozenset[int] | None:
    return visible_manager_ids(db_path, viewer)


def build_context() -> Context:
    """Resolve settings, the snapshot, the rules and the viewer. Raises NoDatabase, QueryError (ViewerError
    for a signed-in user who is not in the snapshot or dismissed) or RulesError."""
    settings = load_settings()
    stamp = _file_stamp(settings.db_path)
    rules_path = str(settings.rules_path) if settings.rules_path else None
    rules = _rules(rules_path, _rules_stamp(settings.rules_path))
    info = _snapshot_info(str(settings.db_path), stamp)
    tz_name = rules.timezone or getattr(info, "utc_offset", None)
    now = settings.as_of or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=formatting.portal_tz(tz_name))
    user_id = auth.signed_in_user_id()
    viewer = _viewer(str(settings.db_path), stamp, user_id, rules) if user_id is not None else None
    ctx = Context(settings=settings, stamp=stamp, info=info, rules=rules, tz=formatting.portal_tz(tz_name),
                  now=now, viewer=viewer)
    st.session_state[CTX_KEY] = ctx
    return ctx


def context() -> Context:
    """The context app.py built for this run (pages call this)."""
    ctx = st.session_state.get(CTX_KEY)
    return ctx if isinstance(ctx, Context) else build_context()


def _compute(name: str, db_path: str, stamp: str, version: Any, as_of: str | None, now_bucket: int,
             rules_path: str | None, rules_stamp: str, params: tuple[tuple[str, Any], ...],
             viewer: Viewer | None) -> pd.DataFrame:
    rules = _rules(rules_path, rules_stamp)  # parsed once per file version, not per call (~3 ms)
    as_of_value = datetime.fromisoformat(as_of) if as_of else None
    return run_metric(name, db_path, as_of=as_of_value, rules=rules, viewer=viewer, keep=True, **dict(params))


_run = st.cache_resource(show_spinner=False, max_entries=RESULT_ENTRIES, ttl=RESULT_TTL)(_compute)


# Metrics whose every row belongs to one manager (named in the column given): a manager filter on them is the
# same as keeping that manager's rows of the team result, so the app asks queries once per snapshot for the
# team and switching managers is instant. Team-level aggregates (`forecast`) still get the parameter, and so
# does `backlog`: My backlog shows one person, and the whole team's backlog is the longest list there is
# (479k rows at 1M deals: 1.1 s and a large frame, against 0.1-0.2 s for one manager).
ROW_PER_MANAGER: dict[str, str] = {
    **dict.fromkeys((
        "scorecard", "overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
        "unprocessed_incoming", "invoice_stuck", "missed_followups", "attention", "conversion",
        "conversion_by_month", "forecast_by_manager", "close_date_pushes", "loss_reasons",
        "lost_stage", "trend", "won_pace", "planned_deals"), "manager_id"),
    # a lead's manager is its responsible
    **dict.fromkeys(("lead_scorecard", "lead_funnel_by_manager"), "responsible_id"),
}


def prefetch(*calls: tuple[str, dict[str, Any]]) -> None:
    """Compute a page's metrics side by side (each on its own read-only connection) so the page waits for
    the slowest one instead of their sum; the results land in the cache the page then reads."""
    if len(calls) < 2:
        return
    ctx = context()
    script_ctx = get_script_run_ctx()

    def one(call: tuple[str, dict[str, Any]]) -> None:
        add_script_run_ctx(threading.current_thread(), script_ctx)  # the cache reads the session's context
        with contextlib.suppress(QueryError):  # the page's own call reports it
            metric(call[0], _ctx=ctx, **call[1])

    with ThreadPoolExecutor(max_workers=PREFETCH_WORKERS) as pool:
        list(pool.map(one, calls))


def metric(name: str, limit: int | None = None, **params: Any) -> pd.DataFrame:
    """One metric for the current snapshot; params with value None are left out; `limit`: only its first
    rows (attrs["cut"] True when it has more). A shallow copy of the cached frame. Raises QueryError."""
    ctx = params.pop("_ctx", None) or context()
    _check_scope(ctx, params.get("manager_id"))
    manager_id = params.get("manager_id")
    owner = ROW_PER_MANAGER.get(name)
    if manager_id is not None and owner is not None and limit is None:
        team = _metric(ctx, {**params, "manager_id": None}, name, cached=True)
        return team[team[owner] == manager_id].reset_index(drop=True)
    return _metric(ctx, {**params, "limit": limit}, name, cached=True).copy(deep=False)


def whole(name: str, **params: Any) -> Callable[[], pd.DataFrame]:
    """The builder of a long list's every row, for a download: run after the click (outside the page's
    run, so the context is taken now), straight from SQL with the manager filter, and not cached (a
    1M-row frame kept for one download would stay in memory)."""
    ctx = context()
    _check_scope(ctx, params.get("manager_id"))
    return lambda: _metric(ctx, params, name, cached=False)


def _check_scope(ctx: Context, manager_id: int | None) -> None:
    if manager_id is not None and not may_see_manager(ctx, manager_id):  # before the team's rows are cut
        raise ScopeError(f"user {ctx.viewer.user_id} may not see manager {manager_id}")


def _metric(ctx: Context, params: dict[str, Any], name: str, *, cached: bool) -> pd.DataFrame:
    settings = ctx.settings
    as_of = settings.as_of.isoformat() if settings.as_of else None
    bucket = 0 if as_of else int(time.time() // NOW_BUCKET_SECONDS)
    clean = tuple(sorted((k, v) for k, v in params.items() if v is not None))
    rules_path = str(settings.rules_path) if settings.rules_path else None
    run = _run if cached else _compute
    return run(name, ctx.db, ctx.stamp, ctx.version, as_of, bucket, rules_path,
               _rules_stamp(settings.rules_path), clean, ctx.viewer)


def may_see_manager(ctx: Context, manager_id: int) -> bool:
    if ctx.viewer is None:
        return True
    visible = _visible(ctx.db, ctx.stamp, ctx.viewer)
    return visible is None or manager_id in visible


def record_download(ctx: Context, what: str, fmt: str, rows: int, filters: str = "") -> None:
    """The export audit row of one download (queries.audit); called when the file is built, after a click."""
    record_export(ctx.db, ctx.viewer, what, fmt, rows, filters)


URL_FILTERS = ("pipeline", "dept", "manager", "month")


def audited(ctx: Context, what: str, fmt: str,
            build: Callable[[], tuple[bytes, int]]) -> Callable[[], bytes]:
    """A download's file builder that writes the audit row when the file is built (after the click, before
    it is served), with the row count of the file built. The filters are read now, in the page's run: the
    builder runs outside it."""
    filters = " ".join(f"{k}={st.query_params[k]}" for k in URL_FILTERS if k in st.query_params)

    def file() -> bytes:
        content, rows = build()
        record_download(ctx, what, fmt, rows, filters)
        return content

    return file


def exports_audit(ctx: Context) -> pd.DataFrame:
    """The newest exports (admins and the operator; ScopeError for anyone else). Not cached: it is a log."""
    return list_exports(ctx.db, ctx.viewer)


def digest_log(ctx: Context) -> pd.DataFrame:
    """The newest digests sent (admins and the operator; ScopeError for anyone else). Not cached: a log."""
    return list_digests(ctx.db, ctx.viewer)


def sync_age(ctx: Context) -> timedelta | None:
    last = getattr(ctx.info, "last_ok_sync_at", None)
    if last is None:
        return None
    moment = formatting.to_portal(last, ctx.tz)
    return ctx.now - moment if moment else None


def db_missing_path() -> str:
    return str(load_settings().db_path)


__all__ = ["Context", "NoDatabase", "QueryError", "RulesError", "ScopeError", "ViewerError", "build_context",
           "context", "db_missing_path", "exports_audit", "may_see_manager", "metric", "record_download",
           "sync_age", "whole"]

