"""Listing schemas of the store's tables, built once per portal from fields.py and the store itself."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from connectors.sandbox.fields import (
    ACTIVITY_FIELDS,
    DEAL_FIELDS,
    INVOICE_FIELDS,
    STAGE_HISTORY_FIELDS,
    Field,
)
from connectors.sandbox.listing import Column, Schema
from connectors.sandbox.methods.base import Call

# deal_userfields.USER_TYPE_ID -> the store/render type of its column
_UF_TYPES = {"double": "double", "integer": "integer", "enumeration": "enumeration", "boolean": "integer",
             "date": "date", "datetime": "datetime", "crm_status": "crm_status", "employee": "user"}

# LIKE on these quietly becomes an exact match (restservice.php internalizeFilterFields)
_LIKE_AS_EXACT = {"crm_status", "crm_contact", "crm_company"}

# crm.item names of deal fields whose camelCase is not just the UPPER name camelised
DEAL_ITEM_NAMES = {"DATE_CREATE": "createdTime", "DATE_MODIFY": "updatedTime", "CREATED_BY_ID": "createdBy",
                   "MODIFY_BY_ID": "updatedBy", "MOVED_BY_ID": "movedBy"}


def table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f'pragma table_info("{table}")')}


def _columns(fields: tuple[Field, ...], present: set[str], camel: bool = False,
             rename: dict[str, str] | None = None) -> list[Column]:
    rename = rename or {}
    return [Column(rename.get(f.name) or (f.camel if camel else f.name), f.name, f.type, f.multiple,
                   f.type in _LIKE_AS_EXACT) for f in fields if f.name in present]


def deal_userfields(call: Call) -> list[dict[str, Any]]:
    if "deal_userfields" not in call.cache:
        rows = call.conn.execute('select * from deal_userfields order by "SORT", "ID"').fetchall()
        call.cache["deal_userfields"] = [dict(r) for r in rows]
    return call.cache["deal_userfields"]


def uf_camel(name: str) -> str:
    """`UF_CRM_LOSS_REASON` -> `ufCrmLossReason`, `UF_CRM_2_1639669411830` -> `ufCrm2_1639669411830`
    (crm.item's camelCase user-field names; two number parts in a row keep their underscore)."""
    head, *rest = name.lower().split("_")
    out, previous_digit = head, False
    for part in rest:
        out += f"_{part}" if part.isdigit() and previous_digit else part.capitalize()
        previous_digit = part.isdigit()
    return out


def deal_schema(call: Call, *, item: bool = False, original_uf: bool = False) -> Schema:
    """Classic (UPPER) or crm.item (camelCase) deal schema; `original_uf` keeps UF_* names in crm.item."""
    key = f"schema:deals:{item}:{original_uf}"
    if key not in call.cache:
        present = table_columns(call.conn, "deals")
        standard = _columns(DEAL_FIELDS, present, camel=item, rename=DEAL_ITEM_NAMES if item else None)
        camel_uf = item and not original_uf
        ufs = [Column(uf_camel(u["FIELD_NAME"]) if camel_uf else u["FIELD_NAME"], u["FIELD_NAME"],
                      _UF_TYPES.get(u["USER_TYPE_ID"], "string"), u.get("MULTIPLE") == "Y",
                      u["USER_TYPE_ID"] == "crm_status")
               for u in deal_userfields(call) if u["FIELD_NAME"] in present]
        call.cache[key] = Schema("deals", standard + ufs, call.offset, standard, ufs,
                                 case_insensitive=not item)
    return call.cache[key]


def simple_schema(call: Call, table: str, fields: tuple[Field, ...], *, camel: bool = False) -> Schema:
    key = f"schema:{table}:{camel}"
    if key not in call.cache:
        cols = _columns(fields, table_columns(call.conn, table), camel=camel)
        call.cache[key] = Schema(table, cols, call.offset, cols, [], case_insensitive=not camel)
    return call.cache[key]


def activity_schema(call: Call) -> Schema:
    return simple_schema(call, "activities", ACTIVITY_FIELDS)


def invoice_schema(call: Call) -> Schema:
    return simple_schema(call, "invoices", INVOICE_FIELDS, camel=True)


# Leads and old invoices name their stage fields STATUS_* in crm.stagehistory.list
# (docs: api-reference/crm/crm-stage-history-list.md, "for leads and old invoices"); no CATEGORY_ID.
_STATUS_NAMES = {"STAGE_ID": "STATUS_ID", "STAGE_SEMANTIC_ID": "STATUS_SEMANTIC_ID"}
STATUS_HISTORY_TYPES = {1, 5}


def stage_history_schema(call: Call, entity_type_id: int = 2) -> Schema:
    """The items of one entity type's history: STAGE_* and CATEGORY_ID (deals, smart invoices), or
    STATUS_* read from the same store columns (leads, old invoices)."""
    statuses = entity_type_id in STATUS_HISTORY_TYPES
    key = f"schema:stage_history:{statuses}"
    if key not in call.cache:
        cols = _columns(STAGE_HISTORY_FIELDS, table_columns(call.conn, "stage_history"))
        if statuses:
            cols = [Column(_STATUS_NAMES.get(c.api, c.api), c.store, c.type) for c in cols
                    if c.api != "CATEGORY_ID"]
        call.cache[key] = Schema("stage_history", cols, call.offset, cols, [], case_insensitive=False)
    return call.cache[key]


def enum_items(uf: dict[str, Any]) -> list[dict[str, Any]]:
    """The LIST of an enumeration user field, values as strings the way the portal sends them."""
    raw = uf.get("LIST_JSON")
    if not raw:
        return []
    items = json.loads(raw) if isinstance(raw, str) else raw
    return [{k: (None if v is None else str(v)) for k, v in item.items()} for item in items]
