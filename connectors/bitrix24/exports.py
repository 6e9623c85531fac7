"""Producers of the big streams: each runs on its own thread, fetches pages with the keyset paginator,
parses them and hands typed rows to the writer (the main thread, the only one touching DuckDB).

Messages put on the queue:
  ("upsert", table, rows)              rows replace those with the same id
  ("seen", table, ids)                 ids the portal lists (for the deletion sweep)
  ("bindings", activity_ids, pairs)    the deal bindings of these activities, replacing the old ones
                                       (activities a deal does not own: none yet, see Outcome.unbound)
  ("multifields", type, ids, rows)     the PHONE / EMAIL values of these leads, contacts or companies,
                                       replacing the old ones
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from connectors.bitrix24 import bindings, parse, streams
from connectors.bitrix24.paginate import collect_ids, iter_fast, iter_many
from connectors.bitrix24.streams import ACTIVITIES, Stream

log = logging.getLogger("connectors.bitrix24.exports")

DEAL = 2
CHUNK = 2500  # rows handed to the writer at once: one DuckDB upsert per batch request, not per page


class Cancelled(Exception):
    """Another stream failed; stop quietly."""


@dataclasses.dataclass
class Plan:
    """What one stream does in this run."""

    stream: Stream
    full: bool  # export everything and drop what the portal no longer lists
    sweep: bool  # after an incremental export, an ID-only pass to find deletions
    since: datetime | None = None  # incremental: modified at or after this (watermark - overlap)
    after_id: int = 0  # incremental by ID (stage history)
    portal_tz: Any = None  # tzinfo the portal's filter values are written in


@dataclasses.dataclass
class Outcome:
    rows: int = 0
    rejected: list[dict] = dataclasses.field(default_factory=list)  # sync_runs.rejected entries (contract 3)
    dirty: bool = False  # saw rows changed after the export began: deletions may have been missed
    swept: bool = False
    unbound: list[int] = dataclasses.field(default_factory=list)  # activities a deal does not own
    ids: list[int] = dataclasses.field(default_factory=list)  # deals: every id listed (for bindings.py)
    # the highest id the first pass of this run's ID listing (full export or sweep) saw: the keyset goes up
    # by id, so a lower id it did not list did not exist when it passed (see sync._drop_orphans)
    listed_max: int | None = None


class Exporter:
    def __init__(self, client, out: queue.Queue, cancel: threading.Event, started: datetime,
                 progress: Callable[[str, int], None], deals: Callable[[], list[int]] = list) -> None:
        self.client = client
        self.out = out
        self.cancel = cancel
        self.started = started  # portal clock at the start of the run
        self.progress = progress
        self.deals = deals  # every deal id known, sorted; waits for this run's deal export

    def put(self, message: tuple) -> None:
        while True:
            if self.cancel.is_set():
                raise Cancelled
            try:
                self.out.put(message, timeout=0.2)
                return
            except queue.Full:
                continue

    # --- one stream ---------------------------------------------------------------------------------------
    def run(self, plan: Plan) -> Outcome:
        outcome = Outcome()
        stream = plan.stream
        by_lines = stream.name == "activities" and plan.full
        # a full activity export lists those a deal owns; the others come by the lines of bindings.py
        passes = ({"OWNER_TYPE_ID": DEAL},) if by_lines else stream.passes
        for number, extra in enumerate(passes):
            for page in self._pages(plan, extra, select=stream.select, label=stream.name):
                self._page(plan, page, outcome)
                if plan.full and number == 0:
                    outcome.listed_max = _max_id(page, stream.id_field, outcome.listed_max)
                if stream.name == "deals":
                    ids = (_safe_int(raw.get(stream.id_field)) for raw in page)
                    outcome.ids.extend(i for i in ids if i is not None)
        if stream.name == "activities":
            self._not_owned(plan, outcome, by_lines)
        if plan.sweep:
            outcome.listed_max = self._sweep(plan)
            outcome.swept = True
        return outcome

    def _filter(self, plan: Plan, extra: dict) -> dict:
        stream = plan.stream
        filt = {**(stream.base_params.get("filter") or {}), **extra}
        if not plan.full and stream.watermark_filter and plan.since is not None:
            since = plan.since.astimezone(plan.portal_tz) if plan.portal_tz else plan.since
            filt[f">={stream.watermark_filter}"] = since.isoformat(timespec="seconds")
        if not plan.full and stream.watermark_filter is None and plan.after_id:
            filt[f">{stream.id_field}"] = plan.after_id
        return filt

    def _pages(self, plan: Plan, extra: dict, *, select: list[str], label: str):
        stream = plan.stream
        params = {**stream.base_params, "filter": self._filter(plan, extra), "select": select}
        chunk: list[dict] = []
        for page in iter_fast(self.client, stream.method, params, stream=label, id_field=stream.id_field,
                              items_key=stream.items_key):
            if self.cancel.is_set():
                raise Cancelled
            chunk.extend(page)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _page(self, plan: Plan, page: list[dict], outcome: Outcome) -> None:
        stream = plan.stream
        rows: list[dict] = []
        multi: list[dict] = []
        for raw in page:
            try:
                row = parse.parse_record(raw, stream.columns)
                if stream.multifields:
                    multi.extend(streams.parse_multifields(raw, stream.entity_type_id, row["id"],
                                                           stream.multifields))
                rows.append(row)
            except parse.RecordError as error:
                record_id = raw.get(stream.id_field) if isinstance(raw, dict) else None
                outcome.rejected.append(parse.rejection(record_id, error))
                log.warning("%s %s rejected: %s", stream.name, record_id, error)
        if stream.watermark_column:
            # The portal's clock has whole seconds: a row stamped in the run's first second may have
            # changed after the run began, so it counts too.
            stamps = (row.get(stream.watermark_column) for row in rows)
            outcome.dirty |= any(stamp is not None and stamp >= self.started for stamp in stamps)
        self.put(("upsert", stream.name, rows))
        if stream.multifields:
            self.put(("multifields", stream.entity_type_id, [r["id"] for r in rows], multi))
        if plan.full:
            self.put(("seen", stream.name, [parse.to_int(raw.get(stream.id_field)) for raw in page]))
        if stream is ACTIVITIES or stream.name == "activities":
            self._bindings(rows, outcome)
        outcome.rows += len(rows)
        self.progress(stream.name, outcome.rows)

    def _sweep(self, plan: Plan) -> int | None:
        """ID-only export of everything the portal lists (2,500 ids per request); returns the first pass's
        highest id."""
        stream = plan.stream
        full_plan = dataclasses.replace(plan, full=True)
        listed_max = None
        for number, extra in enumerate(stream.passes):
            for page in self._pages(full_plan, extra, select=[stream.id_field], label=f"{stream.name}_sweep"):
                self.put(("seen", stream.name, [parse.to_int(raw.get(stream.id_field)) for raw in page]))
                if number == 0:
                    listed_max = _max_id(page, stream.id_field, listed_max)
        return listed_max

    # --- activity -> deal bindings ------------------------------------------------------------------------
    def _bindings(self, rows: list[dict], outcome: Outcome) -> None:
        """Main owner a deal: that is the binding. The others are settled by _not_owned."""
        owned = [(r["id"], r["owner_id"]) for r in rows if r["owner_type_id"] == DEAL and r["owner_id"]]
        self.put(("bindings", [r["id"] for r in rows], [{"activity_id": a, "deal_id": d} for a, d in owned]))
        outcome.unbound.extend(r["id"] for r in rows if r["owner_type_id"] != DEAL or not r["owner_id"])

    def _not_owned(self, plan: Plan, outcome: Outcome, by_lines: bool) -> None:
        """Activities a deal does not own and the deals they are bound to (bindings.py). A full export lists
        them by the rows of the deals' square (full rows), then by its columns (IDs); an incremental one has
        them from its own listing already."""
        deals = self.deals()
        if by_lines and deals:
            grid = bindings.Grid.of(deals)
            lines = grid.lines()
            rows = self._rows_by_lines(plan, outcome, bindings.LineFilters(lines, "r"))
            cols = collect_ids(self.client, "crm.activity.list", bindings.LineFilters(lines, "c"),
                               stream=bindings.STREAM)
            unbound = list(dict.fromkeys(outcome.unbound))
            found = bindings.settle(self.client, grid, rows, bindings.by_activity(cols, "c"), unbound)
        else:
            if by_lines:  # no deal known: list them in one pass
                for page in self._pages(plan, {"!OWNER_TYPE_ID": DEAL}, select=plan.stream.select,
                                        label=plan.stream.name):
                    self._page(plan, page, outcome)
            unbound = list(dict.fromkeys(outcome.unbound))
            found = bindings.find(self.client, unbound, deals)
        outcome.dirty |= found.gone
        self.put(("bindings", unbound, found.pairs))
        outcome.unbound = []

    def _rows_by_lines(self, plan: Plan, outcome: Outcome,
                       filters: Mapping[str, dict]) -> dict[int, list[int]]:
        """Each row's listing, full rows (each activity stored once); activity -> the rows that found it."""
        stream = plan.stream
        rows: dict[int, list[int]] = {}
        chunk: list[dict] = []
        for key, page in iter_many(self.client, stream.method, filters, stream=stream.name,
                                   select=stream.select):
            if self.cancel.is_set():
                raise Cancelled
            for raw in page:
                activity = parse.to_int(raw.get(stream.id_field))
                if activity not in rows:
                    chunk.append(raw)
                rows.setdefault(activity, []).append(int(key[1:]))
            if len(chunk) >= CHUNK:
                self._page(plan, chunk, outcome)
                chunk = []
        if chunk:
            self._page(plan, chunk, outcome)
        return rows


def _max_id(page: list[dict], id_field: str, current: int | None) -> int | None:
    ids = [i for i in (_safe_int(raw.get(id_field)) for raw in page) if i is not None]
    return max([*ids, *([] if current is None else [current])], default=None)


def _safe_int(value: Any) -> int | None:
    try:
        return parse.to_int(value)
    except ValueError:
        return None
