"""Directories and history: crm.category.list, crm.status.list, crm.stagehistory.list, crm.currency.list."""

from __future__ import annotations

from typing import Any

from connectors.sandbox.errors import ApiError, invalid_arg
from connectors.sandbox.listing import (
    Column,
    Schema,
    build_filter,
    build_order,
    fetch_page,
    is_keyset,
    split_key,
    upper_name,
)
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.methods.common import item_row
from connectors.sandbox.methods.schemas import stage_history_schema, table_columns
from connectors.sandbox.params import as_list, as_map, lower_keys, php_int, php_str

_HISTORY_TYPES = {1: "LEAD", 2: "DEAL", 5: "INVOICE", 31: "SMART_INVOICE"}
_TYPE_NAMES = {3: "CONTACT", 4: "COMPANY", 7: "QUOTE", 8: "REQUISITE", 36: "SHIPMENT_DOCUMENT"}


@method("crm.category.list", "crm", lists=True)
def category_list(call: Call) -> Reply:
    type_id = php_int(call.params.get("entityTypeId"))
    if type_id in {1, 5, 7}:  # leads, old invoices, quotes have no pipelines
        name = {**_HISTORY_TYPES, **_TYPE_NAMES}[type_id]
        raise ApiError(400, "ENTITY_TYPE_NOT_SUPPORTED", f"Entity type {name} is not supported")
    if type_id not in {2, 31}:
        raise ApiError(400, "NOT_FOUND", "Smart process not found")
    rows = call.conn.execute(
        """
        -- pipelines of one entity type; the default one first, as the portal lists them
        select "ID", "NAME", "SORT", "ENTITY_TYPE_ID", "IS_DEFAULT"
        from categories
        where "ENTITY_TYPE_ID" = ?
        order by "SORT", "ID"
        """,
        [type_id],
    ).fetchall()
    cats = []
    for r in rows:
        cat = {"id": r[0], "name": r[1], "sort": r[2], "entityTypeId": r[3], "isDefault": r[4]}
        if r[4] != "Y":  # the default pipeline has no origin keys (docs example)
            cat.update(originId="", originatorId="")
        cats.append(cat)
    return Reply({"categories": cats}, len(cats))


_STATUS_COLS = ("ID", "ENTITY_ID", "STATUS_ID", "NAME", "NAME_INIT", "SORT", "SYSTEM", "CATEGORY_ID", "COLOR",
                "SEMANTICS")


def _status_row(row: Any) -> dict[str, Any]:
    out = {c: (None if row[c] is None else str(row[c])) for c in _STATUS_COLS}
    if out["NAME_INIT"] is None:
        out["NAME_INIT"] = ""
    # EXTRA exists only for lead statuses and deal/quote stages
    if str(row["ENTITY_ID"]).startswith("DEAL_STAGE") or row["ENTITY_ID"] == "STATUS":
        out["EXTRA"] = {"SEMANTICS": row["EXTRA_SEMANTICS"], "COLOR": row["COLOR"]}
    return out


@method("crm.status.list", "crm", lists=True)
def status_list(call: Call) -> Reply:
    p = lower_keys(call.params)
    cols = [Column(c, c, "integer" if c in {"ID", "SORT", "CATEGORY_ID"} else "string",
                   directory=c in {"ENTITY_ID", "STATUS_ID"}) for c in _STATUS_COLS]
    schema = Schema("statuses", cols, call.offset, cols)
    where, args = build_filter(schema, p.get("filter"), strict=False)
    order = build_order(schema, p.get("order"), strict=False, default='t."SORT" asc')
    # The server builds the whole array: no 50-row pages here.
    rows = call.conn.execute(f"select t.* from statuses t where {where} order by {order}", args).fetchall()
    return Reply([_status_row(r) for r in rows], len(rows), cost=call.cost_of(len(rows), 0))




@method("crm.stagehistory.list", "crm", lists=True)
def stagehistory_list(call: Call) -> Reply:
    p = call.params
    type_id = php_int(p.get("entityTypeId"))
    if type_id not in _HISTORY_TYPES:
        name = _TYPE_NAMES.get(type_id, str(type_id))
        raise ApiError(400, "ENTITY_TYPE_NOT_SUPPORTED", f"Entity type {name} is not supported")
    schema = stage_history_schema(call, type_id)
    _check_history_names(schema, p.get("filter"), p.get("order"))
    by_name = {c.api: c for c in schema.columns}
    names = [php_str(n) for n in as_list(p.get("select"))] or list(by_name)
    cols = []
    for name in names:
        if name not in by_name:  # the API name only: a lead's STAGE_ID is not allowed, its STATUS_ID is
            raise invalid_arg(f"Invalid select: field '{name}' is not allowed in select")
        cols.append(by_name[name])
    where, args = build_filter(schema, p.get("filter"), strict=True)
    where = f't."ENTITY_TYPE_ID" = ? and ({where})'
    order = build_order(schema, p.get("order"), strict=True)
    page = fetch_page(call.conn, schema, where, [type_id, *args], order, p.get("start"),
                      hint=_history_hint(order, p.get("start"), p.get("filter")))
    return call.page_reply({"items": [item_row(r, cols, call.offset) for r in page.rows]}, page)


def _check_history_names(schema: Schema, filt: Any, order: Any) -> None:
    """Filter and order fields by their API names only (the schema also finds a column by its store name,
    which for leads would let STAGE_ID through)."""
    known = {c.api for c in schema.columns}
    filt = {str(i): v for i, v in enumerate(filt)} if isinstance(filt, list) else as_map(filt)
    for key, value in filt.items():
        if str(key).isdigit() and isinstance(value, dict):  # a nested group
            _check_history_names(schema, value, None)
            continue
        name = split_key(str(key))[1]
        if str(key).upper() != "LOGIC" and name not in known:
            raise invalid_arg(f"Invalid filter: field '{upper_name(name)}' is not allowed in filter")
    for name in as_map(order):
        if str(name) not in known:
            raise invalid_arg(f"Invalid order: field '{upper_name(str(name))}' is not allowed in order")


def _history_hint(order: str, start: Any, filt: Any) -> str:
    """A keyset page (`>ID`, order ID, start -1) that names no owner walks the primary key: otherwise SQLite
    takes history_owner for ENTITY_TYPE_ID and sorts a whole entity type's history for each page of 50
    (0.1-2.4 s on the large store, a few ms walking the key)."""
    names_owner = any(split_key(str(k))[1].upper() == "OWNER_ID" for k in as_map(filt))
    return "not indexed" if is_keyset(order, start) and not names_owner else ""


@method("crm.currency.list", "crm", lists=True)
def currency_list(call: Call) -> Reply:
    p = lower_keys(call.params)
    present = [c for c in ("CURRENCY", "AMOUNT_CNT", "AMOUNT", "SORT", "BASE", "FULL_NAME")
               if c in table_columns(call.conn, "currencies")]
    order_terms = [f'"{k.upper()}" {"desc" if php_str(v).upper() == "DESC" else "asc"}'
                   for k, v in as_map(p.get("order")).items() if str(k).upper() in present]
    order = ", ".join(order_terms) or '"SORT" asc'
    rows = call.conn.execute(f'select * from currencies order by {order}, "CURRENCY"').fetchall()
    result = []
    for r in rows:
        out = {c: (None if r[c] is None else str(r[c])) for c in present}
        out["LID"] = "en"
        result.append(out)
    return Reply(result, len(result))
