"""The deals an activity is bound to when its main owner is not a deal (a contact's call bound to a deal).

A crm.activity.list row names only the main owner; its other bindings come from crm.activity.binding.list,
one command per activity (50 activities a request) [docs: api-reference/crm/timeline/activities/binding/
crm-activity-binding-list.md]. No list method returns them: the server's own field list has the binding's
owner (`BINDING_OWNER_ID`), but the REST layer drops filter keys and reply fields it does not publish
[core: crm/classes/general/crm_activity.php `GetFields`; restservice.php `internalizeFilterFields`,
`externalizeFields`].

What crm.activity.list can do is filter by binding: `BINDINGS: [{OWNER_TYPE_ID: 2, OWNER_ID: 5}, ...]`
matches the activities bound to any of the deals named, one row per matching binding [docs:
.../activity-base/crm-activity-list.md; core: crm/classes/mysql/crm_activity.php `PrepareBindingsFilterSql`,
an inner join], and `!OWNER_TYPE_ID: 2` ("not equal", same page) leaves out those a deal owns. So every
deal id known is laid out in a square (`Grid`), and one keyset listing per row and one per column asks for
the activities a deal does not own bound to a deal on that line. An activity found on exactly one row and
exactly one column is bound to exactly one deal, the one where they cross: two deals sit in two different
cells, so they would show on two rows or two columns. Each such activity costs two rows of a listing (2,500
rows a request) instead of a command of its own (50 a request). Everything else, bound to two deals or to
a deal the database does not hold yet, or deleted meanwhile, is asked with crm.activity.binding.list.

A full export lists the activities a deal owns in one pass and these by the rows (full rows: their export
and their row at once), then by the columns (IDs); an incremental one has them from its own listing and
uses ID-only rows and columns when that takes fewer requests than asking each (`find`). A full run's rows
miss an activity bound only to a deal created after the deal export passed: created or changed during the
run, the next run has it; only bound to that deal meanwhile (the portal may leave its LAST_UPDATED alone),
the next full export does.

A line names at most 400 deals: a batch command is parsed with PHP's parse_str, which keeps at most
`max_input_vars` (1,000 by default) variables, and each pair takes two (UNCONFIRMED for the cloud's
setting; 400 pairs and the paging keys stay under the default).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.bitrix24 import parse
from connectors.bitrix24.batch import MAX_COMMANDS
from connectors.bitrix24.directories import check_batch
from connectors.bitrix24.paginate import PAGE_SIZE, collect_ids

log = logging.getLogger("connectors.bitrix24.bindings")

DEAL = 2
MAX_PAIRS = 400
STREAM = "activity_bindings"


@dataclasses.dataclass
class Found:
    pairs: list[dict] = dataclasses.field(default_factory=list)  # {"activity_id", "deal_id"}
    gone: bool = False  # an activity was deleted on the portal meanwhile
    by_grid: int = 0  # activities the grid placed


@dataclasses.dataclass(frozen=True)
class Grid:
    """Deals (sorted ids) in blocks of side x side cells; rows and columns are numbered across blocks."""

    deals: Sequence[int]
    side: int

    @classmethod
    def of(cls, deals: Sequence[int]) -> Grid:
        return cls(deals, max(1, min(MAX_PAIRS, math.isqrt(max(len(deals) - 1, 0)) + 1)))

    def lines(self) -> dict[str, list[int]]:
        """Row and column keys ("r3", "c17") -> the deals on that line."""
        out: dict[str, list[int]] = {}
        for index, deal in enumerate(self.deals):
            row, col = self._place(index)
            out.setdefault(f"r{row}", []).append(deal)
            out.setdefault(f"c{col}", []).append(deal)
        return out

    def _place(self, index: int) -> tuple[int, int]:
        block, cell = divmod(index, self.side * self.side)
        row, col = divmod(cell, self.side)
        return block * self.side + row, block * self.side + col

    def crossing(self, row: int, col: int) -> int | None:
        block, r = divmod(row, self.side)
        other, c = divmod(col, self.side)
        index = block * self.side * self.side + r * self.side + c
        return self.deals[index] if block == other and index < len(self.deals) else None


class LineFilters(Mapping[str, dict]):
    """A crm.activity.list filter per line: activities a deal does not own, bound to a deal on it. Built
    when a command asks for it: a million deals' pairs held at once would take hundreds of megabytes."""

    def __init__(self, lines: dict[str, list[int]], kind: str | None = None) -> None:
        self.lines = {k: v for k, v in lines.items() if kind is None or k[0] == kind}

    def __getitem__(self, key: str) -> dict:
        pairs = [{"OWNER_TYPE_ID": DEAL, "OWNER_ID": d} for d in self.lines[key]]
        return {"BINDINGS": pairs, "!OWNER_TYPE_ID": DEAL}

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)


def find(client, unbound: list[int], deals: Sequence[int]) -> Found:
    """The deal bindings of `unbound` activities (listed already); `deals` are every deal id known, sorted.
    ID-only listings by row and by column when that takes fewer requests than asking each activity."""
    if not unbound:
        return Found()
    grid = Grid.of(deals)
    lines = grid.lines() if deals else {}
    # each activity is a row on one row's and one column's listing; each listing has a last, short page
    by_lines = -(-(2 * len(unbound) + len(lines) * PAGE_SIZE) // (PAGE_SIZE * MAX_COMMANDS))
    if not lines or by_lines >= -(-len(unbound) // MAX_COMMANDS):
        return ask_each(client, unbound)
    seen = collect_ids(client, "crm.activity.list", LineFilters(lines), stream=STREAM)
    return settle(client, grid, by_activity(seen, "r"), by_activity(seen, "c"), unbound)


def by_activity(seen: dict[str, set[int]], kind: str) -> dict[int, list[int]]:
    """Activity -> the numbers of the rows (kind "r") or columns ("c") whose listing found it."""
    out: dict[int, list[int]] = {}
    for key, ids in seen.items():
        if key[0] == kind:
            for activity in ids:
                out.setdefault(activity, []).append(int(key[1:]))
    return out


def settle(client, grid: Grid, rows: dict[int, list[int]], cols: dict[int, list[int]],
           unbound: list[int]) -> Found:
    """Activities found on exactly one row and one column are bound to the deal where these cross; the
    rest are asked with crm.activity.binding.list."""
    placed: list[dict] = []
    rest = []
    for activity in unbound:
        row, col = rows.get(activity, []), cols.get(activity, [])
        deal = grid.crossing(row[0], col[0]) if len(row) == 1 and len(col) == 1 else None
        if deal is None:
            rest.append(activity)
        else:
            placed.append({"activity_id": activity, "deal_id": deal})
    found = ask_each(client, rest)
    found.pairs.extend(placed)
    found.by_grid = len(placed)
    return found


def ask_each(client, activities: list[int]) -> Found:
    """crm.activity.binding.list for each activity, 50 to a batch request."""
    found = Found()
    for start in range(0, len(activities), MAX_COMMANDS):
        chunk = activities[start:start + MAX_COMMANDS]
        commands = {f"b{a}": ("crm.activity.binding.list", {"activityId": a}) for a in chunk}
        reply = client.batch(commands, stream=STREAM)
        gone = {key for key, error in reply.errors.items() if _is_not_found(error)}
        if gone:  # deleted on the portal since its page came: no bindings; the sweep stays due
            found.gone = True
            reply.errors = {k: v for k, v in reply.errors.items() if k not in gone}
        check_batch(reply, {k: m for k, (m, _) in commands.items()})
        for activity_id in chunk:
            for binding in reply.result.get(f"b{activity_id}") or []:
                deal = _bound_deal(binding)
                if deal:
                    found.pairs.append({"activity_id": activity_id, "deal_id": deal})
    return found


def _bound_deal(binding: Any) -> int | None:
    """The deal of one crm.activity.binding.list entry; None for another entity or a malformed entry."""
    try:
        if parse.to_int(binding.get("entityTypeId")) == DEAL:
            return parse.to_link(binding.get("entityId"))
    except (AttributeError, ValueError):
        log.warning("a malformed activity binding skipped: %s", parse.shown(binding))
    return None


def _is_not_found(error: dict) -> bool:
    """crm.activity.binding.list of an activity deleted meanwhile: `NOT_FOUND` ("Element not found")."""
    code = str(error.get("error", "")).upper()
    return code == "NOT_FOUND" or "element not found" in str(error.get("error_description", "")).lower()
