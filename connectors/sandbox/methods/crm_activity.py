"""crm.activity.list / fields and crm.activity.binding.list."""

from __future__ import annotations

import sqlite3
from typing import Any

from connectors.sandbox.errors import ApiError
from connectors.sandbox.fields import ACTIVITY_FIELDS
from connectors.sandbox.listing import (
    Schema,
    build_filter,
    build_order,
    fetch_page,
    is_keyset,
    select_columns,
    split_key,
)
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.methods.common import classic_row, field_info
from connectors.sandbox.methods.schemas import activity_schema, table_columns
from connectors.sandbox.params import as_list, as_map, lower_keys, php_int

# A keyset page whose date-range filter matches fewer rows than this reads them through the date index
# and sorts them; more, and walking the primary key from the `>ID` bound finds 50 matches sooner.
NARROW_RANGE = 5_000


def bindings_join(value: Any, pk_walk: bool = False) -> tuple[str, list[Any]]:
    """The BINDINGS filter: a join on activity_bindings; each pair may hold type, id or both.

    One row per matching binding, so an activity bound to two of the given pairs comes back twice,
    as on the real portal: the pairs are ORed in one inner join [docs: api-reference/crm/timeline/
    activities/activity-base/crm-activity-list.md, "When using multiple pairs in BINDINGS, duplication may
    occur"; core: crm/classes/mysql/crm_activity.php `PrepareBindingsFilterSql`], however many pairs
    there are (the connector names a few hundred deals per listing, with `!OWNER_TYPE_ID`, the docs' "not
    equal", beside it). `pk_walk` makes it a `cross join`, which SQLite never reorders: activities stay the
    outer loop (walked in ID order), each looked up in bindings_activity; with owners named the planner
    reads bindings_owner once per pair instead."""
    pairs = []
    args: list[Any] = []
    for pair in as_list(value):
        pair = {str(k).upper(): v for k, v in as_map(pair).items()}
        terms = []
        for key in ("OWNER_TYPE_ID", "OWNER_ID"):
            if key in pair:
                terms.append(f'b."{key}" = ?')
                args.append(php_int(pair[key]))
        if terms:
            pairs.append("(" + " and ".join(terms) + ")")
    if not pairs:
        return "", []
    kind = "cross join" if pk_walk else "join"
    join = f'{kind} "activity_bindings" b on b."ACTIVITY_ID" = t."ID" and (' + " or ".join(pairs) + ")"
    return join, args


@method("crm.activity.list", "crm", lists=True)
def activity_list(call: Call) -> Reply:
    p = lower_keys(call.params)
    schema = activity_schema(call)
    filt = dict(as_map(p.get("filter")))
    binding_key = next((k for k in filt if str(k).upper() == "BINDINGS"), None)
    bindings = filt.pop(binding_key) if binding_key else None
    # The documented default order is START_TIME ascending, which makes offset paging drift.
    order = build_order(schema, p.get("order"), strict=False, default='t."START_TIME" asc')
    pk_walk = is_keyset(order, p.get("start")) and not _names_owner(filt, bindings)
    join, join_args = bindings_join(bindings, pk_walk) if bindings is not None else ("", [])
    where, args = build_filter(schema, filt, strict=False)
    hint = _keyset_hint(call.conn, schema, filt) if pk_walk else ""
    cols = select_columns(schema, p.get("select"))
    page = fetch_page(call.conn, schema, where, join_args + args, order, p.get("start"), join=join, hint=hint)
    return call.page_reply([classic_row(r, cols, call.offset) for r in page.rows], page)


def _names_owner(filt: dict[Any, Any], bindings: Any) -> bool:
    """True when the filter names an owner (OWNER_ID, alone or in a BINDINGS pair): few rows match, and
    the owner indexes find them faster than any walk of the primary key."""
    if any(split_key(str(k))[1].upper() == "OWNER_ID" for k in filt):
        return True
    pairs = as_list(bindings) if bindings is not None else []
    return any("OWNER_ID" in {str(k).upper() for k in as_map(pair)} for pair in pairs)


def _keyset_hint(conn: sqlite3.Connection, schema: Schema, filt: dict[Any, Any]) -> str:
    """How a keyset page (`>ID`, order ID, no owner named) reads activities.

    Without a hint SQLite takes the owner index for OWNER_TYPE_ID (or the bindings index) and sorts the
    hundreds of thousands of matches for every page of 50. `not indexed` keeps only the primary key. The
    exception is an incremental sync's `>=LAST_UPDATED` that matches few rows: a bounded probe of the date
    index decides, and a narrow range is read through that index and sorted."""
    ranges = {k: v for k, v in filt.items()
              if split_key(str(k))[0] in {">", ">="} and split_key(str(k))[1].upper() == "LAST_UPDATED"}
    if not ranges:
        return "not indexed"
    where, args = build_filter(schema, ranges, strict=False)
    try:
        matched = conn.execute(
            f"""
            -- how many rows the date range holds, counting no further than NARROW_RANGE
            select count(*) from (
                select 1 from activities t indexed by activities_last_updated
                where {where}
                limit {NARROW_RANGE}
            )
            """,
            args,
        ).fetchone()[0]
    except sqlite3.OperationalError:  # a value the index cannot serve (a list ORed): walk the key
        return "not indexed"
    return "indexed by activities_last_updated" if matched < NARROW_RANGE else "not indexed"


@method("crm.activity.fields", "crm")
def activity_fields(call: Call) -> Reply:
    present = table_columns(call.conn, "activities")
    result = {f.name: field_info(f) for f in ACTIVITY_FIELDS if f.name in present}
    result["BINDINGS"] = {"type": "crm_activity_binding", "isRequired": False, "isReadOnly": True,
                          "isImmutable": False, "isMultiple": True, "isDynamic": False, "title": "Bindings"}
    return Reply(result)


@method("crm.activity.binding.list", "crm")
def binding_list(call: Call) -> Reply:
    activity_id = php_int(call.params.get("activityId"))
    if activity_id <= 0:
        raise ApiError(400, "100", "Required fields are missing")
    found = call.conn.execute('select 1 from activities where "ID" = ?', [activity_id]).fetchone()
    if found is None:
        raise ApiError(400, "NOT_FOUND", "Element not found")
    rows = call.conn.execute(
        """
        -- every owner the activity is bound to, in the order the bindings were made
        select "OWNER_TYPE_ID", "OWNER_ID"
        from activity_bindings
        where "ACTIVITY_ID" = ?
        order by rowid
        """,
        [activity_id],
    ).fetchall()
    return Reply([{"entityTypeId": r[0], "entityId": r[1]} for r in rows])
