"""crm.activity.list / fields and crm.activity.binding.list."""

from __future__ import annotations

from typing import Any

from connectors.sandbox.errors import ApiError
from connectors.sandbox.fields import ACTIVITY_FIELDS
from connectors.sandbox.listing import build_filter, build_order, fetch_page, select_columns
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.methods.common import classic_row, field_info
from connectors.sandbox.methods.schemas import activity_schema, table_columns
from connectors.sandbox.params import as_list, as_map, lower_keys, php_int


def bindings_join(value: Any) -> tuple[str, list[Any]]:
    """The BINDINGS filter: a join on activity_bindings; each pair may hold type, id or both.

    One row per matching binding, so an activity bound to two of the given pairs comes back twice,
    as on the real portal."""
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
    join = 'join "activity_bindings" b on b."ACTIVITY_ID" = t."ID" and (' + " or ".join(pairs) + ")"
    return join, args


@method("crm.activity.list", "crm", lists=True)
def activity_list(call: Call) -> Reply:
    p = lower_keys(call.params)
    schema = activity_schema(call)
    filt = dict(as_map(p.get("filter")))
    binding_key = next((k for k in filt if str(k).upper() == "BINDINGS"), None)
    join, join_args = bindings_join(filt.pop(binding_key)) if binding_key else ("", [])
    where, args = build_filter(schema, filt, strict=False)
    # The documented default order is START_TIME ascending, which makes offset paging drift.
    order = build_order(schema, p.get("order"), strict=False, default='t."START_TIME" asc')
    cols = select_columns(schema, p.get("select"))
    page = fetch_page(call.conn, schema, where, join_args + args, order, p.get("start"), join=join)
    return call.page_reply([classic_row(r, cols, call.offset) for r in page.rows], page)


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
