"""crm.lead.list, crm.contact.list, crm.company.list and their `.fields` (classic API: every scalar a string).

The multi-fields `PHONE` and `EMAIL` are not in `*`: they come only when `select` names them, as the list of
`{ID, VALUE_TYPE, VALUE, TYPE_ID}` the portal keeps, and a record without any leaves the key out [docs:
api-reference/crm/leads/crm-lead-list.md ("There are no masks for selecting multiple fields"),
api-reference/crm/contacts/crm-contact-list.md, api-reference/crm/companies/crm-company-list.md,
api-reference/crm/data-types.md#crm_multifield]. A filter on a multi-field matches a value exactly
(`{"PHONE": "+79123456789"}`, shared/bitrix24-api.md section 10).
"""

from __future__ import annotations

import json
from typing import Any

from connectors.sandbox.fields import Field
from connectors.sandbox.fields_clients import COMPANY_FIELDS, CONTACT_FIELDS, LEAD_FIELDS, MULTIFIELD
from connectors.sandbox.listing import Column, Schema, build_filter, build_order, fetch_page, select_columns
from connectors.sandbox.listing import split_key as _split
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.methods.common import classic_row, field_info
from connectors.sandbox.methods.schemas import table_columns
from connectors.sandbox.params import as_map, lower_keys, php_str

_LIKE_AS_EXACT = {"crm_status", "crm_contact", "crm_company"}


def _schema(call: Call, table: str, fields: tuple[Field, ...]) -> Schema:
    key = f"schema:{table}"
    if key not in call.cache:
        present = table_columns(call.conn, table)
        cols = [
            Column(f.name, f.name, f.type, f.multiple, f.type in _LIKE_AS_EXACT)
            for f in fields
            if f.name in present
        ]
        standard = [c for c in cols if c.type != MULTIFIELD]  # `*` leaves the multi-fields out
        call.cache[key] = Schema(table, cols, call.offset, standard, [])
    return call.cache[key]


def _multifield_filter(filt: dict[Any, Any]) -> tuple[dict[Any, Any], list[str], list[Any]]:
    """Pull `PHONE` / `EMAIL` keys out of a filter: an exact match on any of the record's values."""
    rest, where, args = {}, [], []
    for key, value in filt.items():
        op, name = _split(str(key))
        if name.upper() in {"PHONE", "EMAIL"} and op == "=":
            where.append(f"""exists (select 1 from json_each(t."{name.upper()}")
                                     where json_extract(value, '$.VALUE') = ?)""")
            args.append(php_str(value))
        else:
            rest[key] = value
    return rest, where, args


def _row(row: Any, cols: list[Column], offset: str) -> dict[str, Any]:
    out = classic_row(row, [c for c in cols if c.type != MULTIFIELD], offset)
    for col in cols:
        if col.type == MULTIFIELD and row[col.store]:
            out[col.api] = json.loads(row[col.store])
    return out


def _list(call: Call, table: str, fields: tuple[Field, ...]) -> Reply:
    p = lower_keys(call.params)
    schema = _schema(call, table, fields)
    filt, multi_where, multi_args = _multifield_filter(dict(as_map(p.get("filter"))))
    where, args = build_filter(schema, filt, strict=False)
    where = " and ".join([f"({where})", *multi_where])
    order = build_order(schema, p.get("order"), strict=False)
    cols = select_columns(schema, p.get("select"))
    page = fetch_page(call.conn, schema, where, [*args, *multi_args], order, p.get("start"))
    return call.page_reply([_row(r, cols, call.offset) for r in page.rows], page)


def _fields(call: Call, table: str, fields: tuple[Field, ...]) -> Reply:
    present = table_columns(call.conn, table)
    return Reply({f.name: field_info(f) for f in fields if f.name in present})


@method("crm.lead.list", "crm", lists=True)
def lead_list(call: Call) -> Reply:
    return _list(call, "leads", LEAD_FIELDS)


@method("crm.contact.list", "crm", lists=True)
def contact_list(call: Call) -> Reply:
    return _list(call, "contacts", CONTACT_FIELDS)


@method("crm.company.list", "crm", lists=True)
def company_list(call: Call) -> Reply:
    return _list(call, "companies", COMPANY_FIELDS)


@method("crm.lead.fields", "crm")
def lead_fields(call: Call) -> Reply:
    return _fields(call, "leads", LEAD_FIELDS)


@method("crm.contact.fields", "crm")
def contact_fields(call: Call) -> Reply:
    return _fields(call, "contacts", CONTACT_FIELDS)


@method("crm.company.fields", "crm")
def company_fields(call: Call) -> Reply:
    return _fields(call, "companies", COMPANY_FIELDS)
