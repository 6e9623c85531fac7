"""crm.item.list / crm.item.fields: the universal API (camelCase, JSON numbers, `items` wrapper).

Smart invoices (entityTypeId 31) come from the `invoices` table, deals (2) from `deals`. Old invoices (5)
and unknown types are refused as the portal does; leads, contacts, companies and quotes exist on every
portal but the sandbox holds none, so they list empty.
"""

from __future__ import annotations

from typing import Any

from connectors.sandbox.errors import ApiError
from connectors.sandbox.fields import DEAL_FIELDS, INVOICE_FIELDS, Field
from connectors.sandbox.listing import (
    Schema,
    build_filter,
    build_order,
    fetch_page,
    select_columns,
    split_key,
)
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.methods.common import field_info, item_row
from connectors.sandbox.methods.schemas import DEAL_ITEM_NAMES, deal_schema, invoice_schema
from connectors.sandbox.params import as_list, as_map, php_int, php_str

_EMPTY_TYPES = {1, 3, 4, 7}  # leads, contacts, companies, quotes: supported, none in the sandbox


def _schema(call: Call) -> Schema | None:
    type_id = php_int(call.params.get("entityTypeId"))
    if type_id == 31:
        return invoice_schema(call)
    if type_id == 2:
        original = php_str(call.params.get("useOriginalUfNames", "N")).upper() in {"Y", "1", "TRUE"}
        return deal_schema(call, item=True, original_uf=original)
    if type_id in _EMPTY_TYPES:
        return None
    if type_id == 5:  # old invoices live only in crm.invoice.*
        raise ApiError(400, "ENTITY_TYPE_NOT_SUPPORTED", "Entity type INVOICE is not supported")
    raise ApiError(400, "NOT_FOUND", "Smart process not found")


@method("crm.item.list", "crm", lists=True)
def item_list(call: Call) -> Reply:
    schema = _schema(call)
    if schema is None:
        return Reply({"items": []}, 0)
    p = call.params
    where, args = build_filter(schema, p.get("filter"), strict=True)
    keys = [str(k) for k in as_map(p.get("filter"))]
    if schema.table == "deals" and not any(split_key(k)[1] == "isRecurring" or k in {"id", "=id", "@id"}
                                           for k in keys):
        where = f"({where}) and coalesce(t.\"IS_RECURRING\", 'N') = 'N'"
    order = build_order(schema, p.get("order"), strict=True)
    select = [php_str(s) for s in as_list(p.get("select"))] or ["*"]
    if "*" in select and schema.user_fields:
        select.append("UF_*")
    cols = select_columns(schema, select)
    page = fetch_page(call.conn, schema, where, args, order, p.get("start"))
    return call.page_reply({"items": [item_row(r, cols, call.offset) for r in page.rows]}, page)


def _item_field(f: Field, camel: str) -> dict[str, Any]:
    info = field_info(f)
    info["upperName"] = f.name
    if f.name == "PARENT_ID_2":
        info["settings"] = {"parentEntityTypeId": 2}
    info["type"] = {"char": "boolean", "date": "date", "crm_status": "crm_status"}.get(f.type, f.type)
    return info


@method("crm.item.fields", "crm")
def item_fields(call: Call) -> Reply:
    schema = _schema(call)
    if schema is None:
        return Reply({"fields": {}})
    fields = INVOICE_FIELDS if schema.table == "invoices" else DEAL_FIELDS
    by_store = {f.name: f for f in fields}
    result = {c.api: _item_field(by_store[c.store], c.api) for c in schema.standard if c.store in by_store}
    for c in schema.user_fields:
        result[c.api] = {"type": c.type, "isRequired": False, "isReadOnly": False, "isImmutable": False,
                         "isMultiple": c.multiple, "isDynamic": True, "title": c.store, "upperName": c.store}
    return Reply({"fields": result})


__all__ = ["DEAL_ITEM_NAMES"]
