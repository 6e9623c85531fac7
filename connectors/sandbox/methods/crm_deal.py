"""crm.deal.list / get / fields and crm.deal.userfield.list (classic API: every scalar a string)."""

from __future__ import annotations

from typing import Any

from connectors.sandbox.errors import classic_error
from connectors.sandbox.fields import DEAL_FIELDS
from connectors.sandbox.listing import (
    Schema,
    build_filter,
    build_order,
    fetch_page,
    select_columns,
    split_key,
)
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.methods.common import classic_row, field_info
from connectors.sandbox.methods.schemas import deal_schema, deal_userfields, enum_items, table_columns
from connectors.sandbox.params import as_map, lower_keys, php_int


def shows_templates(filt: dict[str, Any]) -> bool:
    """Recurring templates stay hidden unless the filter names IS_RECURRING or asks by ID / =ID / @ID."""
    for key in filt:
        key = str(key).upper()
        if split_key(key)[1] == "IS_RECURRING" or key in {"ID", "=ID", "@ID"}:
            return True
    return False


@method("crm.deal.list", "crm", lists=True)
def deal_list(call: Call) -> Reply:
    p = lower_keys(call.params)
    schema = deal_schema(call)
    filt = as_map(p.get("filter"))
    where, args = build_filter(schema, filt, strict=False)
    if not shows_templates(filt):
        where = f"({where}) and coalesce(t.\"IS_RECURRING\", 'N') = 'N'"
    order = build_order(schema, p.get("order"), strict=False)
    cols = select_columns(schema, p.get("select"))
    page = fetch_page(call.conn, schema, where, args, order, p.get("start"))
    return call.page_reply([classic_row(r, cols, call.offset) for r in page.rows], page)


def _get_row(call: Call, table: str) -> Any:
    p = lower_keys(call.params)
    deal_id = php_int(p.get("id"))
    if deal_id <= 0:
        raise classic_error("ID is not defined or invalid.")
    row = call.conn.execute(f'select * from "{table}" t where t."ID" = ?', [deal_id]).fetchone()
    if row is None:
        raise classic_error("Not found")
    return row


@method("crm.deal.get", "crm")
def deal_get(call: Call) -> Reply:
    schema = deal_schema(call)
    row = _get_row(call, "deals")
    return Reply(classic_row(row, schema.standard + schema.user_fields, call.offset))


def userfield_info(uf: dict[str, Any]) -> dict[str, Any]:
    label = uf.get("EDIT_FORM_LABEL") or uf["FIELD_NAME"]
    info: dict[str, Any] = {"type": uf["USER_TYPE_ID"], "isRequired": uf.get("MANDATORY") == "Y",
                            "isReadOnly": False, "isImmutable": False,
                            "isMultiple": uf.get("MULTIPLE") == "Y",
                            "isDynamic": True, "title": uf["FIELD_NAME"], "listLabel": label,
                            "formLabel": label, "filterLabel": label}
    if uf["USER_TYPE_ID"] == "enumeration":
        info["items"] = [{"ID": i.get("ID"), "VALUE": i.get("VALUE")} for i in enum_items(uf)]
    return info


# As the docs' example of crm.deal.fields shows them (api-reference/crm/deals/crm-deal-fields.md): CONTACT_ID
# is deprecated, and CONTACT_IDS (all the deal's contacts) follows it. CONTACT_IDS is a field of the deal
# card only: crm.deal.get / crm.deal.list do not return it (the same page's note), so it has no column.
_CONTACT_IDS: dict[str, Any] = {"type": "crm_contact", "isRequired": False, "isReadOnly": False,
                                 "isImmutable": False, "isMultiple": True, "isDynamic": False,
                                 "title": "Contacts"}


@method("crm.deal.fields", "crm")
def deal_fields(call: Call) -> Reply:
    present = table_columns(call.conn, "deals")
    result: dict[str, Any] = {}
    for f in DEAL_FIELDS:
        if f.name in present:
            result[f.name] = field_info(f)
        if f.name == "CONTACT_ID":
            if f.name in result:
                result[f.name]["isDeprecated"] = True
            result["CONTACT_IDS"] = dict(_CONTACT_IDS)
    result.update({uf["FIELD_NAME"]: userfield_info(uf) for uf in deal_userfields(call)})
    return Reply(result)


def _userfield_row(uf: dict[str, Any], lang: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ID": str(uf["ID"]), "ENTITY_ID": uf.get("ENTITY_ID") or "CRM_DEAL", "FIELD_NAME": uf["FIELD_NAME"],
        "USER_TYPE_ID": uf["USER_TYPE_ID"], "XML_ID": uf.get("XML_ID"), "SORT": str(uf.get("SORT") or 100),
        "MULTIPLE": uf.get("MULTIPLE") or "N", "MANDATORY": uf.get("MANDATORY") or "N",
        "SHOW_FILTER": uf.get("SHOW_FILTER") or "N", "SHOW_IN_LIST": "Y", "EDIT_IN_LIST": "Y",
        "IS_SEARCHABLE": "N", "SETTINGS": [],
    }
    if lang:  # labels come back only when the filter names a LANG
        label = uf.get("EDIT_FORM_LABEL") or uf["FIELD_NAME"]
        row.update(EDIT_FORM_LABEL=label, LIST_COLUMN_LABEL=label, LIST_FILTER_LABEL=label)
    if uf["USER_TYPE_ID"] == "enumeration":
        row["LIST"] = enum_items(uf)
    return row


_UF_SCHEMA_COLS = ("ID", "FIELD_NAME", "USER_TYPE_ID", "XML_ID", "SORT", "MULTIPLE", "MANDATORY",
                   "SHOW_FILTER", "ENTITY_ID")


@method("crm.deal.userfield.list", "crm", lists=True)
def userfield_list(call: Call) -> Reply:
    from connectors.sandbox.listing import Column

    p = lower_keys(call.params)
    filt = {str(k).upper(): v for k, v in as_map(p.get("filter")).items()}
    lang = "LANG" in filt
    filt.pop("LANG", None)
    cols = [Column(c, c, "integer" if c in {"ID", "SORT"} else "string") for c in _UF_SCHEMA_COLS]
    schema = Schema("deal_userfields", cols, call.offset, cols)
    where, args = build_filter(schema, filt, strict=False)
    order = build_order(schema, p.get("order"), strict=False, default='t."SORT" asc')
    page = fetch_page(call.conn, schema, where, args, order, p.get("start"))
    return call.page_reply([_userfield_row(dict(r), lang) for r in page.rows], page)
