"""Paginators: the documented fast keyset export, and plain offset paging for small lists.

Fast export (docs: settings/performance/huge-data.md): `filter {">ID": last}`, `order {ID: ASC}`,
`start: -1` (no count), 50 rows a page. One plain call first: a small or incremental result ends right
there in one request. Then batches of 50 chained commands, each filtering on the previous command's last
row (`$result[c3][49][ID]`): 2,500 rows per HTTP request, so a full export takes about 1 + rows/2500.

The short-page trap: after a page of fewer than 50 rows, `$result[prev][49][ID]` cannot be resolved and
the portal substitutes garbage instead of failing, so every later command in that batch is dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from connectors.bitrix24.batch import MAX_COMMANDS
from connectors.bitrix24.errors import (
    BackoffRequested,
    BatchCommandError,
    RateLimited,
    RequestError,
    ServerError,
    classify,
)

PAGE_SIZE = 50
LIMIT_STALLS = 30  # batches in a row stopped at once by a 429 (each after the method's pause)


def _rows(result: Any, items_key: str | None) -> list[dict]:
    """The rows of one page; empty pages come as `[]` or `{}` (PHP's empty array)."""
    if items_key is not None and isinstance(result, dict):
        result = result.get(items_key, [])
    if isinstance(result, dict):  # a PHP array with gaps in its keys arrives as an object
        result = list(result.values())
    return result if isinstance(result, list) else []


def _id(row: Any, id_field: str) -> int:
    try:
        return int(row[id_field])
    except (KeyError, TypeError, ValueError):
        raise RequestError(f"a row came without a numeric {id_field}; select {id_field}") from None


class _FastQuery:
    """Builds the parameters of one page given the last ID seen, honouring the method's naming style."""

    def __init__(self, method: str, params: dict, id_field: str, items_key: str | None, order_style: str):
        if order_style not in ("order", "sort"):
            raise ValueError("order_style is 'order' or 'sort'")
        self.method = method
        self.id_field = id_field
        self.items_key = items_key
        base = copy.deepcopy(params)
        self.filter_key = "FILTER" if order_style == "sort" else "filter"
        caller = {}
        for key in ("filter", "FILTER"):
            caller.update(base.pop(key, None) or {})
        self.start_after = self._take_lower_bound(caller)
        base.pop("start", None)
        base.pop("START", None)
        if order_style == "sort":
            base.pop("SORT", None)
            base.pop("ORDER", None)
            base["sort"], base["order"] = id_field, "ASC"
        else:
            base["order"] = {id_field: "ASC"}
        select = base.get("select")
        if select and "*" not in select and id_field not in select:
            base["select"] = [id_field, *select]
        self.filter = caller
        self.base = base

    def _take_lower_bound(self, caller: dict) -> int:
        """A caller's own `>ID` / `>=ID` becomes the keyset's starting point."""
        start = 0
        for key in list(caller):
            if key == f">{self.id_field}":
                start = max(start, int(caller.pop(key)))
            elif key == f">={self.id_field}":
                start = max(start, int(caller.pop(key)) - 1)
        return start

    def params(self, after: int | str) -> dict:
        return {**self.base, self.filter_key: {**self.filter, f">{self.id_field}": after}, "start": -1}

    def reference(self, key: str) -> str:
        path = f"[{self.items_key}]" if self.items_key else ""
        return f"$result[{key}]{path}[{PAGE_SIZE - 1}][{self.id_field}]"


def iter_fast(client, method: str, params: dict, *, stream: str, id_field: str = "ID",
              items_key: str | None = None, order_style: str = "order") -> Iterator[list[dict]]:
    """Yield pages (lists of rows) in ascending ID order, each ID once, until the first short page."""
    query = _FastQuery(method, params, id_field, items_key, order_style)
    last = query.start_after
    reply = client.call(method, query.params(last), stream=stream)
    raw = _rows(reply.get("result"), items_key)
    page, last = _fresh(raw, last, id_field)
    if page:
        client.stats.add_rows(stream, len(page))
        yield page
    if len(raw) < PAGE_SIZE:
        return
    stalls = limited_stalls = 0
    while True:
        keys = [f"c{i}" for i in range(MAX_COMMANDS)]
        commands = {keys[0]: (method, query.params(last))}
        for prev, key in zip(keys, keys[1:], strict=False):
            commands[key] = (method, query.params(query.reference(prev)))
        reply = client.batch(commands, stream=stream)
        progressed = limited = False
        for key in keys:
            if key in reply.errors:
                _raise_unless_limit(client, reply.errors[key], key, method)
                limited = True
                break  # a limit: the client paused the method; go on from the last good page
            if key not in reply.result:
                break
            raw = _rows(reply.result[key], items_key)
            page, last = _fresh(raw, last, id_field)
            if page:
                progressed = True
                client.stats.add_rows(stream, len(page))
                yield page
            if len(raw) < PAGE_SIZE:
                return  # the short-page trap: whatever follows in this batch is garbage
        stalls, limited_stalls = _count_stall(progressed, limited, stalls, limited_stalls)
        if stalls > client.retry.max_retries:
            raise ServerError(f"the export of {method} stopped making progress; try again later",
                              method=method)
        if limited_stalls > LIMIT_STALLS:
            raise BackoffRequested(f"Bitrix24 kept {method} blocked by its time limit; run the sync again "
                                   "later", method=method)


def _count_stall(progressed: bool, limited: bool, stalls: int, limited_stalls: int) -> tuple[int, int]:
    """Batches that brought nothing: limit pauses are waited out (up to a point), anything else is a fault."""
    if progressed:
        return 0, 0
    if limited:
        return stalls, limited_stalls + 1
    return stalls + 1, limited_stalls


def _fresh(raw: list[dict], last: int, id_field: str) -> tuple[list[dict], int]:
    """Rows above the last ID seen, in ID order, and the new last ID (the page's highest)."""
    keyed = sorted(((_id(row, id_field), row) for row in raw), key=lambda pair: pair[0])
    page = []
    for row_id, row in keyed:
        if row_id > last:
            page.append(row)
            last = row_id
    return page, last


def _raise_unless_limit(client, error: dict, key: str, method: str) -> None:
    found = classify(200, error, method=method)
    if isinstance(found, RateLimited):
        return
    assert found is not None
    raise BatchCommandError(client.redact(f"{found.user_message} (batch command {key})"), key=key,
                            cause=found, code=found.code, description=client.redact(found.description),
                            method=method)


def iter_offset(client, method: str, params: dict, *, stream: str, items_key: str | None = None,
                start_key: str = "start") -> Iterator[list[dict]]:
    """Plain `start`/`next` paging, for small lists (departments, user fields, statuses)."""
    start = 0
    while True:
        reply = client.call(method, {**params, start_key: start}, stream=stream)
        rows = _rows(reply.get("result"), items_key)
        if rows:
            client.stats.add_rows(stream, len(rows))
            yield rows
        following = reply.get("next")
        try:
            following = int(following)
        except (TypeError, ValueError):
            return
        if not rows or following <= start:
            return
        start = following


def iter_many(client, method: str, filters: Mapping[str, dict], *, stream: str,
              select: list[str] | None = None) -> Iterator[tuple[str, list[dict]]]:
    """Many small keyset listings at once: yields (key, rows) as pages come, each row once per listing.

    `filters` maps a key to a filter; every listing asks `order {ID: ASC}`, `start -1`. A batch carries one
    page of each of up to 50 listings (asking two chained pages of a listing that turns out to end on the
    first would waste the second: the short-page trap); a listing still open goes on in the next batch. The
    last batch's spare room gives the listings still open chained pages ahead. Rows a listing repeats (one
    per matching binding) come once."""
    last = dict.fromkeys(filters, 0)
    waiting = list(filters)
    columns = [*(select or ["ID"])]
    stalls = limited_stalls = 0
    while waiting:
        chains, commands = _pack(method, filters, waiting, last, columns)
        reply = client.batch(commands, stream=stream)
        progressed = limited = False
        for key, chain in chains:
            walk = _walk(client, reply, chain, method)
            page, last[key] = _fresh(walk.rows, last[key], "ID")
            if page:
                progressed = True
                client.stats.add_rows(stream, len(page))
                yield key, page
            limited |= walk.limited
            if walk.ended:
                progressed = True
                waiting.remove(key)
        stalls, limited_stalls = _count_stall(progressed, limited, stalls, limited_stalls)
        if stalls > client.retry.max_retries:
            raise ServerError(f"the export of {method} stopped making progress; try again later",
                              method=method)
        if limited_stalls > LIMIT_STALLS:
            raise BackoffRequested(f"Bitrix24 kept {method} blocked by its time limit; run the sync again "
                                   "later", method=method)


def collect_ids(client, method: str, filters: Mapping[str, dict], *, stream: str) -> dict[str, set[int]]:
    """The IDs each of many small keyset listings finds (iter_many with `select [ID]`)."""
    found: dict[str, set[int]] = {key: set() for key in filters}
    for key, rows in iter_many(client, method, filters, stream=stream):
        found[key].update(_id(row, "ID") for row in rows)
    return found


def _pack(method: str, filters: Mapping[str, dict], waiting: list[str], last: dict[str, int],
          select: list[str]) -> tuple[list[tuple[str, list[str]]], dict[str, tuple[str, dict]]]:
    """One page of each waiting listing, up to 50; room left over goes to the listings round by round."""
    lengths = dict.fromkeys(waiting[:MAX_COMMANDS], 1)
    room = MAX_COMMANDS - len(lengths)
    while room > 0 and lengths:
        for key in lengths:
            if room > 0:
                lengths[key] += 1
                room -= 1
    chains: list[tuple[str, list[str]]] = []
    commands: dict[str, tuple[str, dict]] = {}
    for key, length in lengths.items():
        chain = [f"{key}_{n}" for n in range(length)]
        for n, name in enumerate(chain):
            after: int | str = last[key] if n == 0 else f"$result[{chain[n - 1]}][{PAGE_SIZE - 1}][ID]"
            commands[name] = (method, {"filter": {**filters[key], ">ID": after}, "select": select,
                                       "order": {"ID": "ASC"}, "start": -1})
        chains.append((key, chain))
    return chains, commands


class _Walk:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.ended = False  # a short page: the listing is complete
        self.limited = False


def _walk(client, reply, chain: list[str], method: str) -> _Walk:
    """The rows of one listing's chain, up to its first short page (what follows it is garbage)."""
    walk = _Walk()
    for name in chain:
        if name in reply.errors:
            _raise_unless_limit(client, reply.errors[name], name, method)
            walk.limited = True
            return walk
        if name not in reply.result:
            return walk
        raw = _rows(reply.result[name], None)
        walk.rows.extend(raw)
        if len(raw) < PAGE_SIZE:
            walk.ended = True
            return walk
    return walk
