"""One sync run: lock, copy the live file, pull directories and streams, write, validate, swap.

Deals (then stage history and invoices) and activities are exported side by side on two threads that share
the client's one rate limiter; only the main thread writes to DuckDB. Every run, failed ones included,
leaves a sync_runs row. The webhook secret never reaches the database or a message.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from connectors.bitrix24 import store, streams
from connectors.bitrix24.client import Bitrix24Client
from connectors.bitrix24.directories import Directories, read_directories
from connectors.bitrix24.exports import Cancelled, Exporter, Outcome, Plan
from connectors.bitrix24.lock import SyncLock
from connectors.bitrix24.progress import LineReporter
from connectors.bitrix24.ratelimit import RateLimiter
from connectors.bitrix24.webhook import redact

log = logging.getLogger("connectors.bitrix24.sync")

OVERLAP = timedelta(minutes=10)
SWEEP_EVERY = timedelta(hours=24)
# The caller's step after a good run: the new snapshot's writable connection and the portal's current time
# (tz-aware). Runs after validation, before the swap (contract 4).
AfterWrite = Callable[[duckdb.DuckDBPyConnection, datetime], None]

SMALL_TABLES = ("pipelines", "stages", "currencies", "lead_statuses", "sources", "deal_user_fields", "users",
                "departments")
# the streams of leads, contacts and companies, exported on the deals' thread after invoices
CLIENT_NAMES = tuple(s.name for s in streams.CLIENT_STREAMS)


@dataclass
class SyncOptions:
    db: Path
    webhook_url: str
    full: bool = False
    overlap: timedelta = OVERLAP
    sweep_every: timedelta = SWEEP_EVERY
    client_factory: Any = None  # tests and the benchmark: a callable(webhook_url) -> Bitrix24Client
    max_retries: int = 8
    rate: float = 2.0  # requests per second and burst of the client's limiter (Enterprise: 5 and 250)
    burst: int = 50
    streams: frozenset[str] | None = None  # benchmark only: export just these big streams
    reporter: Any = None
    after_write: AfterWrite | None = None


@dataclass
class RunResult:
    run_id: int
    status: str
    mode: str
    rows: dict[str, int] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, list] = field(default_factory=dict)
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


def run_sync(options: SyncOptions) -> RunResult:
    """Run one sync under the database's lock. Raises the error of a failed run after recording it.

    A symlinked --db is written through to its real file, and the lock is keyed on that file. Everything
    the run creates (the copy, DuckDB's WAL and spill files, the lock) is private to the owner (umask 077)."""
    db = store.real_path(Path(options.db))
    old_umask = os.umask(0o077)
    try:
        with SyncLock(db):
            store.clean_stale(db)
            return _Run(options, db).execute()
    finally:
        os.umask(old_umask)


class _Run:
    def __init__(self, options: SyncOptions, db: Path) -> None:
        self.options = options
        self.db = db
        self.reporter = options.reporter or LineReporter()
        self.started_at = datetime.now(UTC)
        self.mode = "full" if options.full else "incremental"
        self.rows: dict[str, int] = {}
        self.rejected: dict[str, list] = {}
        self.unstored: dict[str, list] = {}  # rows the writer could not store, per table
        self.client: Bitrix24Client | None = None
        self.portal_url: str | None = None

    # --- the run and its failure path --------------------------------------------------------------------
    def execute(self) -> RunResult:
        con = tmp = None
        try:
            if self.options.client_factory is not None:
                self.client = self.options.client_factory(self.options.webhook_url)
            else:
                limiter = RateLimiter(burst=self.options.burst, per_second=self.options.rate)
                self.client = Bitrix24Client(self.options.webhook_url, max_retries=self.options.max_retries,
                                             limiter=limiter)
            self.portal_url = self.client.portal_url
            con, tmp = store.open_copy(self.db)
            result = self._work(con)
            store.swap_in(con, tmp, self.db)
            return result
        except BaseException as error:
            store.discard(con, tmp)
            message = self._message(error)
            if not isinstance(error, store.ForeignFile):  # not ours: it is not written to, not even this
                self._record_failure(message)
            if isinstance(error, Cancelled):
                raise RuntimeError(message) from None
            raise
        finally:
            if self.client is not None:
                self.client.close()

    def _message(self, error: BaseException) -> str:
        if isinstance(error, KeyboardInterrupt):
            return "interrupted"
        text = getattr(error, "user_message", None) or f"{type(error).__name__}: {error}"
        if self.client is not None:
            text = self.client.redact(text)
        text = redact(text)
        return text.replace(self.options.webhook_url, "***") if self.options.webhook_url else text

    def _requests(self) -> dict[str, int]:
        return dict(self.client.stats.requests) if self.client else {}

    def _record_failure(self, message: str) -> None:
        """A failed run leaves the data as it was and adds a failed sync_runs row (same copy-and-swap)."""
        con = tmp = None
        try:
            con, tmp = store.open_copy(self.db)
            self._insert_run(con, "failed", message)
            store.swap_in(con, tmp, self.db)
        except Exception as exc:  # the failure itself is what the user needs to hear about
            log.warning("could not record the failed run: %s", redact(str(exc)))
            store.discard(con, tmp)

    def _insert_run(self, con: duckdb.DuckDBPyConnection, status: str, error: str | None) -> int:
        run_id = con.execute("select coalesce(max(id), 0) + 1 from sync_runs").fetchone()[0]
        con.execute(
            """
            insert into sync_runs (id, started_at, finished_at, mode, status, portal, rows, requests,
                                   rejected, error)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [run_id, self.started_at, datetime.now(UTC), self.mode, status, self.portal_url,
             json.dumps(self.rows), json.dumps(self._requests()),
             json.dumps({k: v for k, v in self.rejected.items() if v}), error],
        )
        return run_id

    # --- the work ------------------------------------------------------------------------------------------
    def _work(self, con: duckdb.DuckDBPyConnection) -> RunResult:
        dirs = read_directories(self.client)
        expected = self._write_directories(con, dirs)
        wanted = {r["column_name"]: streams.user_field_sql_type(r) for r in dirs.tables["deal_user_fields"]}
        uf_changed = store.sync_user_field_columns(con, wanted)
        plans = self._plans(con, dirs, uf_changed)
        # "full" when every stream was re-exported (first run, --full); a stream re-exported alone (new user
        # fields) still counts as incremental, as the contract knows only these two modes
        self.mode = "full" if plans and all(p.full for p in plans) else "incremental"
        outcomes = self._export(con, plans, dirs)
        # Until a checkpoint DuckDB keeps the exports' writes, and the indexes they touched, pinned in the
        # bounded buffer pool: the clean-up's anti-joins over every activity then ran out of its 128 MB in
        # each of 5 incremental runs of the large sandbox (0 of 2 checkpointed, and 0 of 1 in 96 MB).
        con.execute("checkpoint")
        self._finish_streams(con, plans, outcomes, dirs)
        store.set_meta(con, portal_url=self.portal_url, portal_utc_offset=dirs.utc_offset,
                       base_currency=dirs.base_currency, webhook_user_id=self.client.webhook.user_id)
        run_id = self._insert_run(con, "ok", None)
        store.set_meta(con, last_sync_run_id=str(run_id))
        store.validate(con, expected)
        self._after_write(con, dirs.portal_now)
        return RunResult(run_id, "ok", self.mode, dict(self.rows), self._requests(),
                         {k: v for k, v in self.rejected.items() if v}, None, self.client.stats.snapshot())

    def _after_write(self, con: duckdb.DuckDBPyConnection, portal_now: datetime) -> None:
        """The caller's post-sync step (the job stores the day); its failure does not undo the data sync.

        The sync's writes are checkpointed first: until then DuckDB keeps them, and the indexes they
        touched, pinned in the bounded buffer pool (60 MB of the 192 MB it then had, after an incremental run
        on the large sandbox), and the step's windowed statements ran out of memory whenever the machine was
        busy."""
        if self.options.after_write is None:
            return
        con.execute("checkpoint")
        try:
            self.options.after_write(con, portal_now)
        except Exception as exc:  # noqa: BLE001 (whatever it was, the snapshot itself is good)
            self.reporter.message(f"warning: after-sync step failed: {self._message(exc)}")

    def _write_directories(self, con: duckdb.DuckDBPyConnection, dirs: Directories) -> dict[str, int]:
        expected = {}
        for table in SMALL_TABLES:
            rows = dirs.tables.get(table, [])
            if table == "stages":  # one row per id, whatever the portal repeats
                rows = list({r["id"]: r for r in rows}.values())
            store.replace_all(con, table, rows)
            expected[table] = len(rows)
            self.rows[table] = len(rows)
            self.rejected[table] = dirs.rejected.get(table, [])
        self.reporter.message(f"directories: {sum(expected.values())} rows, "
                              f"{sum(self._requests().values())} requests")
        return expected

    def _state(self, con: duckdb.DuckDBPyConnection, stream: str) -> dict[str, Any] | None:
        row = con.execute(
            """
            select epoch_us(watermark), last_id, epoch_us(last_full_sweep)
            from sync_state
            where stream = ?
            """,
            [stream],
        ).fetchone()
        if row is None:
            return None
        as_time = lambda us: None if us is None else datetime.fromtimestamp(us / 1e6, UTC)  # noqa: E731
        return {"watermark": as_time(row[0]), "last_id": row[1], "last_full_sweep": as_time(row[2])}

    def _plans(self, con: duckdb.DuckDBPyConnection, dirs: Directories, uf_changed: bool) -> list[Plan]:
        deals = streams.deals_with_user_fields(dirs.tables["deal_user_fields"])
        now = dirs.portal_now.astimezone(UTC)
        plans = []
        chosen = self.options.streams
        for stream in (deals, streams.ACTIVITIES, streams.STAGE_HISTORY, streams.INVOICES,
                       *streams.CLIENT_STREAMS):
            if chosen is not None and stream.name not in chosen:
                continue
            state = self._state(con, stream.name)
            full = (self.options.full or state is None or (stream.name == "deals" and uf_changed)
                    or (stream.watermark_filter is not None and state["watermark"] is None))
            swept = stream.name in {s.name for s in streams.SWEPT}
            last_sweep = state and state["last_full_sweep"]
            sweep = swept and not full and (not last_sweep or now - last_sweep >= self.options.sweep_every)
            since = state["watermark"] - self.options.overlap if state and state["watermark"] else None
            after_id = (state["last_id"] or 0) if state else 0
            plans.append(Plan(stream, full=full, sweep=sweep, since=since, after_id=after_id,
                              portal_tz=dirs.portal_now.tzinfo))
        return plans

    def _export(self, con: duckdb.DuckDBPyConnection, plans: list[Plan],
                dirs: Directories) -> dict[str, Outcome]:
        by_name = {p.stream.name: p for p in plans}
        expected = {}
        for plan in plans:
            if plan.full or plan.sweep:
                store.start_seen(con, plan.stream.name)
            expected[plan.stream.name] = store.count(con, plan.stream.name) if plan.full else None
        messages: queue.Queue = queue.Queue(maxsize=4)  # 2,500-row chunks: bounds the memory in flight
        cancel = threading.Event()
        labels = {"deals": ("deals", "deals_sweep"), "activities": ("activities", "activities_sweep",
                                                                    "activity_bindings"),
                  "stage_history": ("stage_history",), "invoices": ("invoices", "invoices_sweep"),
                  **{name: (name, f"{name}_sweep") for name in CLIENT_NAMES}}

        def progress(name: str, rows: int) -> None:
            requests = self.client.stats.requests
            self.reporter.update(name, rows, sum(requests[label] for label in labels[name]))

        known = [row[0] for row in con.execute("select id from deals").fetchall()]
        deals_listed = threading.Event()

        def deal_ids() -> list[int]:
            """Every deal id known: the snapshot's and, once its export is done, this run's."""
            while "deals" in by_name and not deals_listed.wait(0.2):
                if cancel.is_set():
                    raise Cancelled
            return sorted(set(known).union(outcomes["deals"].ids if "deals" in outcomes else ()))

        exporter = Exporter(self.client, messages, cancel, dirs.portal_now.astimezone(UTC), progress,
                            deals=deal_ids)
        outcomes: dict[str, Outcome] = {}

        def chain(names: list[str]) -> None:
            for name in names:
                self.reporter.start(name, expected[name])
                outcomes[name] = exporter.run(by_name[name])
                if name == "deals":
                    deals_listed.set()
                requests = self.client.stats.requests
                self.reporter.done(name, outcomes[name].rows, sum(requests[lb] for lb in labels[name]),
                                   "full" if by_name[name].full else "incremental")

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="export") as pool:
            first = [n for n in ("deals", "stage_history", "invoices", *CLIENT_NAMES) if n in by_name]
            futures = [pool.submit(chain, first),
                       pool.submit(chain, [n for n in ("activities",) if n in by_name])]
            try:
                self._drain(con, messages, futures)
            except BaseException:
                cancel.set()  # the other thread stops at its next page; the pool waits for it
                raise
            for future in futures:
                future.result()
        return outcomes

    def _drain(self, con: duckdb.DuckDBPyConnection, messages: queue.Queue, futures: list[Future]) -> None:
        """The writer loop: apply messages until every producer is done and the queue is empty."""
        while True:
            try:
                message = messages.get(timeout=0.1)
            except queue.Empty:
                failed = [f for f in futures if f.done() and f.exception() is not None]
                if failed:
                    raise failed[0].exception() from None
                if all(f.done() for f in futures) and messages.empty():
                    return
                continue
            kind = message[0]
            if kind == "upsert":
                self._upsert(con, message[1], message[2])
            elif kind == "seen":
                store.add_seen(con, message[1], message[2])
            elif kind == "bindings":
                self._replace_bindings(con, message[1], message[2])
            elif kind == "multifields":
                self._replace_multifields(con, message[1], message[2], message[3])

    def _upsert(self, con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
        """A row the database refuses is rejected and reported like one that did not parse."""
        for row, error in store.upsert_or_skip(con, table, rows):
            column = re.search(r"source column (\w+)", error)  # DuckDB names it in conversion errors
            entry = {"id": None if row.get("id") is None else str(row["id"]),
                     "field": column[1].upper() if column else "*", "error": f"could not be stored: {error}"}
            self.unstored.setdefault(table, []).append(entry)
            log.warning("%s %s rejected: %s", table, entry["id"], entry["error"])

    @staticmethod
    def _replace_bindings(con: duckdb.DuckDBPyConnection, activity_ids: list[int], pairs: list[dict]) -> None:
        if activity_ids:
            store.id_table(con, "binding_ids", activity_ids)
            con.execute("delete from activity_bindings where activity_id in (select id from binding_ids)")
        store.insert(con, "activity_bindings", pairs)

    @staticmethod
    def _replace_multifields(con: duckdb.DuckDBPyConnection, entity_type_id: int, ids: list[int],
                             rows: list[dict]) -> None:
        if ids:
            store.id_table(con, "multifield_ids", ids)
            con.execute("delete from multifields where entity_type_id = ? "
                        "and entity_id in (select id from multifield_ids)", [entity_type_id])
        store.insert(con, "multifields", rows)

    # --- after the exports -------------------------------------------------------------------------------
    def _finish_streams(self, con: duckdb.DuckDBPyConnection, plans: list[Plan], outcomes: dict[str, Outcome],
                        dirs: Directories) -> None:
        now = dirs.portal_now.astimezone(UTC)
        # A portal that changed under one stream's export may have deleted rows another sweep had already
        # passed (deleting a deal leaves no trace in the rows we see), so no sweep of this run is clean.
        portal_changed = any(outcome.dirty for outcome in outcomes.values())
        for plan in plans:
            name = plan.stream.name
            outcome = outcomes[name]
            self.rejected[name] = outcome.rejected + self.unstored.get(name, [])
            self.rows[name] = outcome.rows - len(self.unstored.get(name, []))
            gone: list[int] = []
            if plan.full or plan.sweep:
                listed = con.execute(f"select count(distinct id) from seen_{name}").fetchone()[0]
                if name == "deals":
                    self._drop_orphans(con, outcome.listed_max)
                gone = store.delete_unseen(con, name)
                portal_changed |= self._unconfirmed(con, name, listed, len(self.rejected[name])) > 0
            if gone:
                self.reporter.message(f"{name}: {len(gone)} deleted on the portal, removed")
                self._cascade(con, name, gone)
        for plan in plans:
            swept_clean = (plan.full or plan.sweep) and not portal_changed
            self._save_state(con, plan, now, swept_clean)
        # bindings may point at activities an incremental pass did not touch; keep them tidy
        con.execute(
            """
            -- bindings whose activity is gone
            delete from activity_bindings
            where activity_id not in (select id from activities)
            """
        )
        self._tidy_client_tables(con)

    @staticmethod
    def _tidy_client_tables(con: duckdb.DuckDBPyConnection) -> None:
        """Phones and e-mails of deleted (or refused) records go; the entity activities' bindings are their
        main owners."""
        con.execute(
            """
            -- values whose lead, contact or company is no longer stored
            delete from multifields
            where (entity_type_id = 1 and entity_id not in (select id from leads))
                or (entity_type_id = 3 and entity_id not in (select id from contacts))
                or (entity_type_id = 4 and entity_id not in (select id from companies))
            """
        )
        con.execute("delete from entity_activity_bindings")
        con.execute(
            """
            -- each activity is bound to the lead, contact or company that owns it
            insert into entity_activity_bindings (activity_id, owner_type_id, owner_id)
            select id, owner_type_id, owner_id
            from entity_activities
            where owner_type_id in (1, 3, 4) and owner_id is not null
            """
        )

    def _unconfirmed(self, con: duckdb.DuckDBPyConnection, table: str, listed: int, rejected: int) -> int:
        """Records the sweep listed that the export did not bring: created after the export passed them.
        A busy portal does that all day; they are modified after this run's watermark, so the next run
        fetches them, and this run's sweep stays due (never a failed run for it)."""
        missing = max(0, listed - rejected - store.count(con, table))
        if missing:
            self.reporter.message(f"{table}: {missing} records appeared during the sweep; "
                                  "the next run fetches them")
        return missing

    @staticmethod
    def _drop_orphans(con: duckdb.DuckDBPyConnection, listed_max: int | None) -> None:
        """Stage history and bindings of deals we never stored (created and deleted between two runs).

        The ID listing walks up by id, and a new deal gets an id above every existing one: a deal id at or
        below the highest the listing reached that it did not list no longer exists. A higher one may be a
        deal created during the run: it stays until a later listing passes it."""
        if listed_max is None:
            return
        for table, column in (("stage_history", "owner_id"), ("activity_bindings", "deal_id")):
            con.execute(
                f"""
                -- rows of deals the portal no longer lists
                delete from {table}
                where {column} <= ?
                    and {column} not in (select id from seen_deals)
                """,
                [listed_max],
            )

    @staticmethod
    def _cascade(con: duckdb.DuckDBPyConnection, table: str, gone: list[int]) -> None:
        """Deleting a deal deletes its activities (unless bound elsewhere) and its stage history."""
        store.id_table(con, "gone_ids", gone)
        if table == "deals":
            con.execute(
                """
                -- activities bound only to deleted deals go with them
                delete from activities
                where id in (
                        select activity_id from activity_bindings where deal_id in (select id from gone_ids)
                    )
                    and id not in (
                        select activity_id
                        from activity_bindings
                        where deal_id not in (select id from gone_ids)
                    )
                """
            )
            con.execute("delete from activity_bindings where deal_id in (select id from gone_ids)")
            con.execute("delete from stage_history where owner_id in (select id from gone_ids)")
        elif table == "activities":
            con.execute("delete from activity_bindings where activity_id in (select id from gone_ids)")

    def _save_state(self, con: duckdb.DuckDBPyConnection, plan: Plan, now: datetime,
                    swept_clean: bool) -> None:
        name = plan.stream.name
        old = self._state(con, name) or {}
        last_id = con.execute(f"select max(id) from {name}").fetchone()[0]
        watermark = now if plan.stream.watermark_filter else None
        last_sweep = old.get("last_full_sweep")
        if plan.full or plan.sweep:
            # a sweep that overlapped changes may have missed deletions: leave it due for the next run
            last_sweep = now if swept_clean else None
        con.execute("insert or replace into sync_state (stream, watermark, last_id, last_full_sweep) "
                    "values (?, ?, ?, ?)", [name, watermark, last_id, last_sweep])
