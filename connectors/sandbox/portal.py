"""One sandbox portal: its store, limits, faults and counters, and how one method call is run.

`Portal.call` is the single path every call takes, alone or inside a batch: find the method (404),
check the webhook's scopes (403), check the method's operating-time budget (429), maybe apply a round of
"changes during export", run the handler, add the simulated cost, charge the budget, build the time block.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.sandbox import errors
from connectors.sandbox.faults import Faults, FaultState
from connectors.sandbox.limits import Limits, LimitState, Timer
from connectors.sandbox.listing import portal_tz
from connectors.sandbox.methods import REGISTRY, Call, Reply


def connect(path: Path | str) -> sqlite3.Connection:
    from connectors.sandbox.store import connect as store_connect

    return store_connect(path)


def normalize_method(name: str) -> str:
    """Method names are case-insensitive and may end in `.json`."""
    name = name.strip().lower()
    return name[: -len(".json")] if name.endswith(".json") else name


@dataclass
class Outcome:
    reply: Reply | None
    error: errors.ApiError | None
    time: dict[str, Any]


class Portal:
    def __init__(self, store_path: Path | str, limits: Limits | None = None, faults: Faults | None = None,
                 check_http: bool = False, rest_available: bool = True, timer: Timer | None = None,
                 start_at: datetime | None = None) -> None:
        self.store_path = Path(store_path)
        self.timer = timer or Timer()  # real time (a fake one in tests): the clock, the cost, slow replies
        self.limits = LimitState(limits or Limits(), self.timer)
        # start_at: the portal's clock starts at that moment and runs on from it (a store generated for a
        # fixed moment, served as it was then, whatever the day). Only the portal's own time moves: the
        # limits, the sleeps, operating_reset_at and OAuth expiry stay on real time, as clients measure it.
        self.shift = start_at.timestamp() - self.limits.clock.now() if start_at else 0.0
        self.faults = FaultState(faults or Faults())
        self.stats: Counter[str] = Counter()
        self.stats_lock = threading.Lock()
        self.cache: dict[str, Any] = {}
        self.check_http = check_http  # answer 400 INVALID_REQUEST "Https required" (the cloud over http)
        self.rest_available = rest_available  # False: 403 ACCESS_DENIED, REST not on this plan
        self.write_lock = threading.Lock()
        self.changes: list[Any] = []  # mutations.Change records applied by the "changes" fault
        conn = connect(self.store_path)
        try:
            self.meta = {r[0]: r[1] for r in conn.execute("select KEY, VALUE from meta")}
        finally:
            conn.close()

    # -- identity --------------------------------------------------------------------------------------
    @property
    def user_id(self) -> str:
        return str(self.meta.get("webhook_user_id", "1"))

    @property
    def token(self) -> str:
        return str(self.meta.get("webhook_token", ""))

    @property
    def offset(self) -> str:
        return self.meta.get("utc_offset", "+03:00")

    def scopes(self) -> set[str]:
        return {s.strip() for s in self.meta.get("scopes", "crm,user,department").split(",") if s.strip()}

    def count(self, name: str) -> None:
        with self.stats_lock:
            self.stats[name] += 1

    # -- the portal's clock ----------------------------------------------------------------------------
    def now(self) -> datetime:
        """The portal's current time in its offset: real time (from `start_at` on, when given), or virtual
        time when the limits run the clock `clock_factor` times faster. server.time, the time blocks'
        dates and the "changes" fault's DATE_MODIFY/LAST_UPDATED stamps all read it, so a client's
        watermark and the edits agree."""
        return self.at(self.timer.clock())

    def at(self, real: float) -> datetime:
        """The portal's time at a real unix instant."""
        return datetime.fromtimestamp(self.limits.clock.to_virtual(real) + self.shift, portal_tz(self.offset))

    # -- the time block --------------------------------------------------------------------------------
    def time_block(self, method: str, start: float, finish: float, processing: float) -> dict[str, Any]:
        operating, reset_at = self.limits.status(method)
        return {
            "start": start, "finish": finish, "duration": finish - start, "processing": processing,
            "date_start": self.at(start).replace(microsecond=0).isoformat(),
            "date_finish": self.at(finish).replace(microsecond=0).isoformat(),
            "operating_reset_at": reset_at, "operating": round(operating, 6),
        }

    # -- one call --------------------------------------------------------------------------------------
    def call(self, conn: sqlite3.Connection, name: str, params: dict[str, Any],
             scopes: set[str] | None = None) -> Outcome:
        """`scopes`: those of the webhook that called (None: the portal's own webhook's)."""
        start = self.timer.clock()
        method = normalize_method(name)
        try:
            reply = self._run(conn, method, params, self.scopes() if scopes is None else scopes)
        except errors.ApiError as err:
            finish = self.timer.clock()
            return Outcome(None, err, self.time_block(method, start, finish, finish - start))
        real = self.timer.clock() - start
        self.limits.sleep_for(reply.cost)
        processing = real + reply.cost
        self.limits.charge(method, processing)
        finish = self.timer.clock()
        return Outcome(reply, None, self.time_block(method, start, finish, processing))

    def _run(self, conn: sqlite3.Connection, method: str, params: dict[str, Any], scopes: set[str]) -> Reply:
        spec = REGISTRY.get(method)
        if spec is None:
            raise errors.method_not_found()
        if spec.scope is not None and spec.scope not in scopes:
            raise errors.insufficient_scope()
        if self.limits.method_blocked(method):
            raise errors.operation_time_limit()
        self.count(method)
        if spec.lists and self.faults.list_call_due_for_changes():
            self.apply_changes(conn)
        call = Call(conn, params if isinstance(params, dict) else {}, self.meta, self.limits.cost, self.cache,
                    self.now)
        return spec.handler(call)

    def apply_changes(self, conn: sqlite3.Connection) -> None:
        """A round of inserts, updates and deletes by "users" while the client is exporting."""
        from connectors.sandbox.mutations import apply_changes

        state = self.faults
        with self.write_lock:
            # Stamped with the portal's clock (not the store's generation time): an incremental sync that
            # filters from its last server.time watermark must find these edits.
            done = apply_changes(conn, state.change_rng, state.faults.changes_count, self.now())
            conn.commit()
            self.changes.extend(done)

    # -- switches --------------------------------------------------------------------------------------
    def set_limits(self, limits: Limits) -> None:
        self.limits.set(limits)

    def set_faults(self, faults: Faults) -> None:
        self.faults.set(faults)
