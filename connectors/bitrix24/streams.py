"""One definition per stream: which method, which fields, how each field parses, which watermark.

Big streams (deals, activities, stage history, invoices, leads, contacts, companies and the activities
these own) are exported with the keyset paginator and kept
incrementally; small directories (pipelines, stages, currencies, user fields, users, departments) are
re-read whole on every run (a handful of requests; lead statuses and sources ride in the first batch).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.bitrix24 import parse
from snapshot.schema import TABLES, USER_FIELD_TYPES

Parser = Callable[[Any], Any]
Columns = dict[str, tuple[str, Parser]]

# Ids of other records: 0 / "0" means "not linked" and becomes NULL. category_id is not here: 0 is the
# default pipeline.
LINKS = frozenset({
    "company_id", "contact_id", "quote_id", "lead_id", "parent_id_2", "assigned_by_id", "created_by_id",
    "modify_by_id", "moved_by_id", "last_activity_by", "responsible_id", "author_id", "editor_id",
    "owner_id", "parent", "uf_head",
})

_KIND_BY_TYPE = {
    "BIGINT": "int", "INTEGER": "int", "VARCHAR": "str", "BOOLEAN": "bool", "TIMESTAMPTZ": "datetime",
    "DATE": "date", "DOUBLE": "float", "BIGINT[]": "int_list", "JSON": "json",
}


def kind_of(column: str, sql_type: str) -> str:
    base = sql_type.replace(" PRIMARY KEY", "").strip()
    if base.startswith("DECIMAL"):
        return "money"
    kind = _KIND_BY_TYPE[base]
    if base == "INTEGER":
        return "int32"
    return "link" if kind == "int" and column in LINKS else kind


def camel(column: str) -> str:
    """`assigned_by_id` -> `assignedById`, `parent_id_2` -> `parentId2` (crm.item names)."""
    head, *rest = column.split("_")
    return head + "".join(part.capitalize() for part in rest)


def columns_for(table: str, key: Callable[[str], str] = str.upper, skip: tuple[str, ...] = ()) -> Columns:
    """Column -> (API field, parser) for a contract table, keys derived from the column names."""
    return {column: (key(column), parse.PARSERS[kind_of(column, sql_type)])
            for column, sql_type in TABLES[table].items() if column not in skip}


@dataclass(frozen=True)
class Stream:
    """A big, incrementally kept stream."""

    name: str  # also the table and the request-stats label
    method: str
    columns: Columns
    base_params: dict[str, Any] = field(default_factory=dict)
    id_field: str = "ID"
    items_key: str | None = None
    watermark_filter: str | None = None  # API filter key of the modification time; None: by ID
    watermark_column: str | None = None
    passes: tuple[dict[str, Any], ...] = ({},)  # extra filters, one export per pass (recurring deals)
    multifields: tuple[str, ...] = ()  # PHONE, EMAIL: not in "*", named in select, kept in `multifields`
    entity_type_id: int | None = None  # the CRM type (1 lead, 3 contact, 4 company) of `multifields` rows

    @property
    def select(self) -> list[str]:
        return sorted({source for source, _ in self.columns.values()} | set(self.multifields))


DEALS = Stream(
    name="deals", method="crm.deal.list", columns=columns_for("deals"),
    watermark_filter="DATE_MODIFY", watermark_column="date_modify",
    # crm.deal.list hides recurring templates unless the filter mentions IS_RECURRING: a second pass.
    passes=({}, {"IS_RECURRING": "Y"}),
)

# Activities bound to any deal (main owner or extra binding); one BINDINGS pair never yields duplicates.
DEAL_BINDING_FILTER = {"BINDINGS": [{"OWNER_TYPE_ID": 2}]}
ACTIVITIES = Stream(
    name="activities", method="crm.activity.list", columns=columns_for("activities"),
    base_params={"filter": DEAL_BINDING_FILTER},
    watermark_filter="LAST_UPDATED", watermark_column="last_updated",
)

STAGE_HISTORY = Stream(
    name="stage_history", method="crm.stagehistory.list", columns=columns_for("stage_history"),
    base_params={"entityTypeId": 2}, items_key="items",
)

INVOICES = Stream(
    name="invoices", method="crm.item.list", columns=columns_for("invoices", key=camel),
    base_params={"entityTypeId": 31}, id_field="id", items_key="items",
    watermark_filter="updatedTime", watermark_column="updated_time",
)

# Leads, contacts and companies: by DATE_MODIFY, their PHONE and EMAIL named in select (the "*" mask leaves
# multi-fields out) [docs: api-reference/crm/leads/crm-lead-list.md; crm/contacts/crm-contact-list.md;
# crm/companies/crm-company-list.md].
MULTIFIELDS = ("PHONE", "EMAIL")
LEADS = Stream(
    name="leads", method="crm.lead.list", columns=columns_for("leads"),
    watermark_filter="DATE_MODIFY", watermark_column="date_modify", multifields=MULTIFIELDS, entity_type_id=1,
)
CONTACTS = Stream(
    name="contacts", method="crm.contact.list", columns=columns_for("contacts"),
    watermark_filter="DATE_MODIFY", watermark_column="date_modify", multifields=MULTIFIELDS, entity_type_id=3,
)
COMPANIES = Stream(
    name="companies", method="crm.company.list", columns=columns_for("companies"),
    watermark_filter="DATE_MODIFY", watermark_column="date_modify", multifields=MULTIFIELDS, entity_type_id=4,
)
# Activities a lead, a contact or a company owns, in one keyset pass: `@` is IN, "an array is passed as a
# value" [docs: api-reference/crm/timeline/activities/activity-base/crm-activity-list.md].
ENTITY_OWNER_TYPES = (1, 3, 4)
ENTITY_ACTIVITIES = Stream(
    name="entity_activities", method="crm.activity.list", columns=columns_for("entity_activities"),
    base_params={"filter": {"@OWNER_TYPE_ID": list(ENTITY_OWNER_TYPES)}},
    watermark_filter="LAST_UPDATED", watermark_column="last_updated",
)
CLIENT_STREAMS = (LEADS, CONTACTS, COMPANIES, ENTITY_ACTIVITIES)

BIG_STREAMS = (DEALS, ACTIVITIES, STAGE_HISTORY, INVOICES, *CLIENT_STREAMS)
SWEPT = (DEALS, ACTIVITIES, INVOICES, *CLIENT_STREAMS)  # streams whose deletions an ID-only sweep finds

USERS_COLUMNS = columns_for("users")
DEPARTMENTS_COLUMNS = columns_for("departments")
CURRENCIES_COLUMNS = columns_for("currencies")


def parse_multifields(raw: dict, entity_type_id: int, entity_id: int, names: tuple[str, ...]) -> list[dict]:
    """The PHONE / EMAIL lists of one record -> `multifields` rows; a malformed list is a RecordError.
    Values stay as written (trimming and comparing is the queries' business); empty values are dropped."""
    rows = []
    for name in names:
        items = raw.get(name)
        if parse.is_empty(items):
            continue
        if isinstance(items, dict):  # a PHP array with gaps in its keys
            items = list(items.values())
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise parse.RecordError(name, items, "not a list of multi-field values")
        for item in items:
            value = item.get("VALUE")
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise parse.RecordError(name, value, "not a multi-field value")
            if str(value).strip() == "":
                continue
            try:
                value_id = parse.to_int(item.get("ID"))
            except ValueError:
                raise parse.RecordError(name, item.get("ID"), "not a multi-field id") from None
            rows.append({
                "entity_type_id": entity_type_id,
                "entity_id": entity_id,
                "id": value_id,
                "type_id": parse.to_str(item.get("TYPE_ID")) or name,
                "value_type": parse.to_str(item.get("VALUE_TYPE")),
                "value": str(value),
            })
    return rows


def parse_lead_status(raw: dict) -> dict:
    return {
        "id": parse.field(raw, "ID", parse.to_int),
        "status_id": parse.field(raw, "STATUS_ID", parse.to_str),
        "name": parse.field(raw, "NAME", parse.to_str),
        "sort": parse.field(raw, "SORT", parse.to_int32),
        "system": parse.field(raw, "SYSTEM", parse.to_bool),
        "color": parse.field(raw, "COLOR", parse.to_str),
        "semantics": parse.field(raw, "SEMANTICS", parse.to_str) or "P",  # the API sends null for in-progress
    }


def parse_source(raw: dict) -> dict:
    return {
        "id": parse.field(raw, "ID", parse.to_int),
        "status_id": parse.field(raw, "STATUS_ID", parse.to_str),
        "name": parse.field(raw, "NAME", parse.to_str),
        "sort": parse.field(raw, "SORT", parse.to_int32),
        "system": parse.field(raw, "SYSTEM", parse.to_bool),
    }

# --- directories with a shape of their own ----------------------------------------------------------------

_STAGE_ENTITY = re.compile(r"^(DEAL_STAGE|SMART_INVOICE_STAGE)(?:_(\d+))?$")


def stage_directories(pipelines: list[dict]) -> list[str]:
    """crm.status.list ENTITY_IDs for every pipeline: DEAL_STAGE, DEAL_STAGE_n, SMART_INVOICE_STAGE_n."""
    out = []
    for row in pipelines:
        if row["entity_type_id"] == 2:
            out.append("DEAL_STAGE" if row["id"] == 0 else f"DEAL_STAGE_{row['id']}")
        elif row["entity_type_id"] == 31:
            out.append(f"SMART_INVOICE_STAGE_{row['id']}")
    return out


def parse_pipeline(raw: dict, entity_type_id: int) -> dict:
    return {
        "entity_type_id": entity_type_id,
        "id": parse.field(raw, "id", parse.to_int),
        "name": parse.field(raw, "name", parse.to_str),
        "sort": parse.field(raw, "sort", parse.to_int32),
        "is_default": parse.field(raw, "isDefault", parse.to_bool),
    }


def parse_stage(raw: dict) -> dict:
    entity_id = str(raw.get("ENTITY_ID") or "")
    match = _STAGE_ENTITY.match(entity_id)
    if not match:
        raise parse.RecordError("ENTITY_ID", entity_id, "not a stage directory")
    extra = raw.get("EXTRA") if isinstance(raw.get("EXTRA"), dict) else {}
    return {
        "id": parse.field(raw, "ID", parse.to_int),
        "entity_id": entity_id,
        "entity_type_id": 2 if match[1] == "DEAL_STAGE" else 31,
        "category_id": int(match[2] or 0),
        "status_id": parse.field(raw, "STATUS_ID", parse.to_str),
        "name": parse.field(raw, "NAME", parse.to_str),
        "name_init": parse.field(raw, "NAME_INIT", parse.to_str),
        "sort": parse.field(raw, "SORT", parse.to_int32),
        "system": parse.field(raw, "SYSTEM", parse.to_bool),
        "color": parse.field(raw, "COLOR", parse.to_str),
        "semantics": parse.field(raw, "SEMANTICS", parse.to_str) or "P",  # the API sends null for in-progress
        "extra_semantics": parse.to_str(extra.get("SEMANTICS")),
    }


_COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _label(raw: dict) -> str | None:
    for key in ("EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL"):
        value = raw.get(key)
        if isinstance(value, dict):  # {"en": "...", "ru": "..."}
            value = value.get("en") or next(iter(value.values()), None)
        if not parse.is_empty(value):
            return str(value)
    return None


def parse_user_field(raw: dict) -> dict:
    name = str(raw.get("FIELD_NAME") or "")
    column = name.lower()
    if not _COLUMN_NAME.match(column) or not column.startswith("uf_"):
        raise parse.RecordError("FIELD_NAME", name, "not a usable user field name")
    options = []
    for option in raw.get("LIST") or []:
        options.append({
            "id": parse.to_int(option.get("ID")),
            "value": parse.to_str(option.get("VALUE")),
            "sort": parse.to_int32(option.get("SORT")),
            "is_default": parse.to_bool(option.get("DEF")),
            "xml_id": parse.to_str(option.get("XML_ID")),
        })
    return {
        "id": parse.field(raw, "ID", parse.to_int),
        "field_name": name,
        "column_name": column,
        "user_type_id": parse.field(raw, "USER_TYPE_ID", parse.to_str) or "string",
        "multiple": bool(parse.field(raw, "MULTIPLE", parse.to_bool)),
        "mandatory": bool(parse.field(raw, "MANDATORY", parse.to_bool)),
        "label": _label(raw),
        "options": options or None,
    }


_UF_KIND = {"BIGINT": "int", "DOUBLE": "float", "BOOLEAN": "bool", "DATE": "date", "TIMESTAMPTZ": "datetime",
            "VARCHAR": "str"}


def user_field_sql_type(field_row: dict) -> str:
    base = USER_FIELD_TYPES.get(field_row["user_type_id"], "VARCHAR")
    return f"{base}[]" if field_row["multiple"] else base


def user_field_column(field_row: dict) -> tuple[str, Parser]:
    """(API field, parser) of a deal user field's column."""
    kind = _UF_KIND[USER_FIELD_TYPES.get(field_row["user_type_id"], "VARCHAR")]
    if kind == "int" and field_row["user_type_id"] in ("employee", "enumeration"):
        kind = "link"
    parser = parse.list_of(kind) if field_row["multiple"] else parse.PARSERS[kind]
    return field_row["field_name"], parser


def deals_with_user_fields(user_fields: list[dict]) -> Stream:
    """The deals stream with one extra typed column per UF_CRM_* field."""
    columns = dict(DEALS.columns)
    for row in user_fields:
        columns[row["column_name"]] = user_field_column(row)
    return Stream(**{**DEALS.__dict__, "columns": columns})
