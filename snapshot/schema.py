"""The data contract: the DuckDB tables the connector writes and `queries/` reads.

Columns are the Bitrix24 field names in snake_case (`ASSIGNED_BY_ID` -> `assigned_by_id`, for smart
invoices the `upperName` of the crm.item field: `parentId2` -> `PARENT_ID_2` -> `parent_id_2`). Every empty
form the API uses (`""`, `null`, `[]`, `{}`, `"0"` for an empty link, year 9999 for "no deadline") is NULL.
Times are TIMESTAMPTZ (instants), date-only fields are DATE, money is DECIMAL, Y/N flags are BOOLEAN.

Deal user fields (`UF_CRM_*`) are added to `deals` at sync time as extra columns typed from
`crm.deal.userfield.list` (see `USER_FIELD_TYPES`); multiple fields become lists.

Bump SCHEMA_VERSION whenever a table or column changes meaning; readers refuse a file whose
`meta.schema_version` they do not know.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

MONEY = "DECIMAL(18, 2)"

# crm.activity.list's fields, the same for activities of deals and of leads, contacts and companies
ACTIVITY_COLUMNS: dict[str, str] = {
    "id": "BIGINT PRIMARY KEY",
    "owner_type_id": "INTEGER",  # main owner only; use activity_bindings for deal attribution
    "owner_id": "BIGINT",
    "type_id": "INTEGER",  # 1 meeting, 2 call, 3 task, 4 email, 5 event, 6 provider-managed
    "provider_id": "VARCHAR",
    "provider_type_id": "VARCHAR",
    "direction": "INTEGER",  # 0 undefined, 1 incoming, 2 outgoing
    "completed": "BOOLEAN",
    "status": "INTEGER",
    "priority": "INTEGER",
    "subject": "VARCHAR",
    "start_time": "TIMESTAMPTZ",
    "end_time": "TIMESTAMPTZ",
    "deadline": "TIMESTAMPTZ",  # NULL when the portal says 9999-12-31 (no deadline)
    "created": "TIMESTAMPTZ",
    "last_updated": "TIMESTAMPTZ",
    "responsible_id": "BIGINT",
    "author_id": "BIGINT",
    "editor_id": "BIGINT",
    "is_incoming_channel": "BOOLEAN",
}

TABLES: dict[str, dict[str, str]] = {
    # crm.deal.list, standard fields. Recurring templates (is_recurring) are kept and flagged.
    "deals": {
        "id": "BIGINT PRIMARY KEY",
        "title": "VARCHAR",
        "type_id": "VARCHAR",
        "category_id": "BIGINT",
        "stage_id": "VARCHAR",
        "stage_semantic_id": "VARCHAR",  # P in progress, S success, F failure
        "is_new": "BOOLEAN",
        "is_recurring": "BOOLEAN",
        "is_return_customer": "BOOLEAN",
        "is_repeated_approach": "BOOLEAN",
        "probability": "INTEGER",
        "currency_id": "VARCHAR",
        "opportunity": MONEY,
        "is_manual_opportunity": "BOOLEAN",
        "tax_value": MONEY,
        "company_id": "BIGINT",
        "contact_id": "BIGINT",
        "quote_id": "BIGINT",
        "lead_id": "BIGINT",
        "begindate": "DATE",
        "closedate": "DATE",  # expected close date while open (may be overwritten on close)
        "opened": "BOOLEAN",
        "closed": "BOOLEAN",
        "assigned_by_id": "BIGINT",
        "created_by_id": "BIGINT",
        "modify_by_id": "BIGINT",
        "moved_by_id": "BIGINT",
        "date_create": "TIMESTAMPTZ",
        "date_modify": "TIMESTAMPTZ",
        "moved_time": "TIMESTAMPTZ",
        "source_id": "VARCHAR",
        "source_description": "VARCHAR",
        "originator_id": "VARCHAR",
        "origin_id": "VARCHAR",
        "utm_source": "VARCHAR",
        "utm_medium": "VARCHAR",
        "utm_campaign": "VARCHAR",
        "last_activity_time": "TIMESTAMPTZ",
        "last_activity_by": "BIGINT",
    },
    # crm.activity.list: activities bound to deals (main owner or any binding).
    "activities": ACTIVITY_COLUMNS,
    # Which deals each activity is bound to: one row per (activity, deal).
    "activity_bindings": {
        "activity_id": "BIGINT",
        "deal_id": "BIGINT",
    },
    # crm.lead.list (PHONE and EMAIL are in `multifields`). Leads with status semantic P are in progress, S
    # converted, F junk.
    "leads": {
        "id": "BIGINT PRIMARY KEY",
        "title": "VARCHAR",
        "name": "VARCHAR",
        "second_name": "VARCHAR",
        "last_name": "VARCHAR",
        "company_title": "VARCHAR",
        "status_id": "VARCHAR",  # lead_statuses.status_id: NEW, IN_PROCESS, ..., CONVERTED, JUNK
        "status_semantic_id": "VARCHAR",  # P in progress, S converted, F junk
        "status_description": "VARCHAR",
        "source_id": "VARCHAR",  # sources.status_id: CALL, EMAIL, WEB, PARTNER, ...
        "source_description": "VARCHAR",
        "assigned_by_id": "BIGINT",
        "created_by_id": "BIGINT",
        "modify_by_id": "BIGINT",
        "moved_by_id": "BIGINT",
        "company_id": "BIGINT",
        "contact_id": "BIGINT",
        "is_return_customer": "BOOLEAN",
        "currency_id": "VARCHAR",
        "opportunity": MONEY,
        "has_phone": "BOOLEAN",
        "has_email": "BOOLEAN",
        "opened": "BOOLEAN",
        "date_create": "TIMESTAMPTZ",
        "date_modify": "TIMESTAMPTZ",
        "date_closed": "TIMESTAMPTZ",  # converted or junked at
        "moved_time": "TIMESTAMPTZ",  # the status last changed at
        "utm_source": "VARCHAR",
        "utm_medium": "VARCHAR",
        "utm_campaign": "VARCHAR",
        "last_activity_time": "TIMESTAMPTZ",
        "last_activity_by": "BIGINT",
    },
    # crm.contact.list (PHONE and EMAIL are in `multifields`).
    "contacts": {
        "id": "BIGINT PRIMARY KEY",
        "name": "VARCHAR",
        "second_name": "VARCHAR",
        "last_name": "VARCHAR",
        "post": "VARCHAR",
        "type_id": "VARCHAR",
        "source_id": "VARCHAR",
        "company_id": "BIGINT",  # the contact's main company (NULL: a private client)
        "lead_id": "BIGINT",  # the lead it was converted from
        "opened": "BOOLEAN",
        "has_phone": "BOOLEAN",
        "has_email": "BOOLEAN",
        "assigned_by_id": "BIGINT",
        "created_by_id": "BIGINT",
        "modify_by_id": "BIGINT",
        "date_create": "TIMESTAMPTZ",
        "date_modify": "TIMESTAMPTZ",
        "last_activity_time": "TIMESTAMPTZ",
        "last_activity_by": "BIGINT",
    },
    # crm.company.list (PHONE and EMAIL are in `multifields`).
    "companies": {
        "id": "BIGINT PRIMARY KEY",
        "title": "VARCHAR",
        "company_type": "VARCHAR",
        "industry": "VARCHAR",
        "revenue": MONEY,
        "currency_id": "VARCHAR",
        "lead_id": "BIGINT",
        "opened": "BOOLEAN",
        "is_my_company": "BOOLEAN",
        "has_phone": "BOOLEAN",
        "has_email": "BOOLEAN",
        "assigned_by_id": "BIGINT",
        "created_by_id": "BIGINT",
        "modify_by_id": "BIGINT",
        "date_create": "TIMESTAMPTZ",
        "date_modify": "TIMESTAMPTZ",
        "last_activity_time": "TIMESTAMPTZ",
        "last_activity_by": "BIGINT",
    },
    # The PHONE and EMAIL multi-fields of leads, contacts and companies: one row per value, as written on
    # the portal (`+7 (912) 345-67-89`, `Ivan@Mail.RU `); comparing them is the queries' job.
    "multifields": {
        "entity_type_id": "INTEGER",  # 1 lead, 3 contact, 4 company
        "entity_id": "BIGINT",
        "id": "BIGINT",  # the value's own id on the portal
        "type_id": "VARCHAR",  # PHONE | EMAIL
        "value_type": "VARCHAR",  # WORK, MOBILE, HOME, ... for phones; WORK, HOME, MAILING, ... for e-mail
        "value": "VARCHAR",
    },
    # crm.activity.list: activities whose main owner is a lead (1), a contact (3) or a company (4). One owned
    # by a contact and bound to a deal is in `activities` too.
    "entity_activities": ACTIVITY_COLUMNS,
    # Which lead, contact or company each of entity_activities is bound to: one row per (activity, owner).
    # Today the main owner (a lead's activities are owned by it); join on this, not on owner_id, so that
    # bindings to further owners can come later without changing the readers.
    "entity_activity_bindings": {
        "activity_id": "BIGINT",
        "owner_type_id": "INTEGER",  # 1 lead, 3 contact, 4 company
        "owner_id": "BIGINT",
    },
    # crm.status.list ENTITY_ID STATUS: the lead statuses.
    "lead_statuses": {
        "id": "BIGINT PRIMARY KEY",
        "status_id": "VARCHAR",  # what leads.status_id holds
        "name": "VARCHAR",
        "sort": "INTEGER",
        "system": "BOOLEAN",
        "color": "VARCHAR",
        "semantics": "VARCHAR",  # P in progress (the API sends null), S converted, F junk
    },
    # crm.status.list ENTITY_ID SOURCE: lead, deal and contact sources.
    "sources": {
        "id": "BIGINT PRIMARY KEY",
        "status_id": "VARCHAR",  # what source_id holds: CALL, EMAIL, WEB, PARTNER, ...
        "name": "VARCHAR",
        "sort": "INTEGER",
        "system": "BOOLEAN",
    },
    # crm.category.list for deals (entity_type_id 2) and smart invoices (31).
    "pipelines": {
        "entity_type_id": "INTEGER",
        "id": "BIGINT",
        "name": "VARCHAR",
        "sort": "INTEGER",
        "is_default": "BOOLEAN",
    },
    # crm.status.list rows of DEAL_STAGE, DEAL_STAGE_{n} and SMART_INVOICE_STAGE_{n}.
    "stages": {
        "id": "BIGINT PRIMARY KEY",
        "entity_id": "VARCHAR",  # DEAL_STAGE, DEAL_STAGE_3, SMART_INVOICE_STAGE_1
        "entity_type_id": "INTEGER",  # derived from entity_id: 2 deals, 31 smart invoices
        "category_id": "BIGINT",  # derived from entity_id: 0 for the default pipeline (the API sends null)
        "status_id": "VARCHAR",  # the stage id deals carry in stage_id (C3:NEW, DT31_1:P)
        "name": "VARCHAR",
        "name_init": "VARCHAR",
        "sort": "INTEGER",
        "system": "BOOLEAN",
        "color": "VARCHAR",
        "semantics": "VARCHAR",  # P in progress (the API sends null), S success, F failure
        "extra_semantics": "VARCHAR",  # process / success / failure / apology (deals only)
    },
    # crm.stagehistory.list, entityTypeId 2.
    "stage_history": {
        "id": "BIGINT PRIMARY KEY",
        "type_id": "INTEGER",  # 1 created, 2 intermediate stage, 3 final stage, 5 pipeline changed
        "owner_id": "BIGINT",  # the deal id
        "created_time": "TIMESTAMPTZ",  # when the deal entered the stage
        "category_id": "BIGINT",
        "stage_semantic_id": "VARCHAR",
        "stage_id": "VARCHAR",
    },
    # crm.item.list, entityTypeId 31 (smart invoices).
    "invoices": {
        "id": "BIGINT PRIMARY KEY",
        "title": "VARCHAR",
        "account_number": "VARCHAR",
        "category_id": "BIGINT",
        "stage_id": "VARCHAR",
        "parent_id_2": "BIGINT",  # the deal
        "opportunity": MONEY,
        "currency_id": "VARCHAR",
        "assigned_by_id": "BIGINT",
        "begindate": "DATE",
        "closedate": "DATE",
        "created_time": "TIMESTAMPTZ",
        "updated_time": "TIMESTAMPTZ",
        "moved_time": "TIMESTAMPTZ",
    },
    # crm.currency.list. Amount in the base currency = opportunity * amount / amount_cnt.
    "currencies": {
        "currency": "VARCHAR PRIMARY KEY",
        "amount_cnt": "INTEGER",
        "amount": "DECIMAL(18, 4)",
        "base": "BOOLEAN",
        "sort": "INTEGER",
        "full_name": "VARCHAR",
    },
    # crm.deal.userfield.list; enumeration options in `options`.
    "deal_user_fields": {
        "id": "BIGINT PRIMARY KEY",
        "field_name": "VARCHAR",  # UF_CRM_... as the API names it
        "column_name": "VARCHAR",  # its column in deals (uf_crm_...)
        "user_type_id": "VARCHAR",
        "multiple": "BOOLEAN",
        "mandatory": "BOOLEAN",
        "label": "VARCHAR",
        "options": "STRUCT(id BIGINT, value VARCHAR, sort INTEGER, is_default BOOLEAN, xml_id VARCHAR)[]",
    },
    # user.get, dismissed users included (active = false).
    "users": {
        "id": "BIGINT PRIMARY KEY",
        "active": "BOOLEAN",
        "name": "VARCHAR",
        "last_name": "VARCHAR",
        "second_name": "VARCHAR",
        "email": "VARCHAR",
        "work_position": "VARCHAR",
        "uf_department": "BIGINT[]",
        "user_type": "VARCHAR",
        "last_login": "TIMESTAMPTZ",
        "date_register": "TIMESTAMPTZ",
    },
    # department.get.
    "departments": {
        "id": "BIGINT PRIMARY KEY",
        "name": "VARCHAR",
        "sort": "INTEGER",
        "parent": "BIGINT",
        "uf_head": "BIGINT",
    },
    # The state of every open deal once per portal-local day (the last sync of the day wins), kept for
    # history. Written by the scheduled job's after-sync step (jobs/, queries' own open-deal rule), never by
    # the connector, which only fetches and publishes.
    "deal_snapshots": {
        "snapshot_date": "DATE",  # the day in the portal's time zone
        "id": "BIGINT",
        "stage_id": "VARCHAR",
        "category_id": "BIGINT",
        "assigned_by_id": "BIGINT",
        "opportunity": MONEY,
        "currency_id": "VARCHAR",
        "closedate": "DATE",
    },
    # One row per sync run, failed ones included.
    "sync_runs": {
        "id": "BIGINT PRIMARY KEY",
        "started_at": "TIMESTAMPTZ",
        "finished_at": "TIMESTAMPTZ",
        "mode": "VARCHAR",  # full | incremental
        "status": "VARCHAR",  # ok | failed
        "portal": "VARCHAR",  # the portal host, never the webhook path
        "rows": "JSON",  # {"deals": 123, ...} rows written per stream
        "requests": "JSON",  # {"deals": 3, ...} HTTP requests per stream
        # records that could not be parsed and were skipped:
        # {"deals": [{"id": "123" or null, "field": "CLOSEDATE", "error": "date out of range: '0001-01-01'"}]}
        "rejected": "JSON",
        "error": "VARCHAR",
    },
    # Per-stream watermarks, beside the data they describe.
    "sync_state": {
        "stream": "VARCHAR PRIMARY KEY",
        "watermark": "TIMESTAMPTZ",  # the portal clock at the start of the last run (by-date streams)
        "last_id": "BIGINT",  # max ID seen (stage history)
        "last_full_sweep": "TIMESTAMPTZ",  # last ID sweep that found deletions
    },
    # Key-value facts about the snapshot: schema_version, portal_url (https://host, no token),
    # portal_utc_offset ("+03:00"), base_currency, last_sync_run_id.
    "meta": {
        "key": "VARCHAR PRIMARY KEY",
        "value": "VARCHAR",
    },
}

# crm.deal.userfield.list USER_TYPE_ID -> DuckDB type of the column in `deals`.
USER_FIELD_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "enumeration": "BIGINT",  # the option id; map through deal_user_fields.options
    "crm_status": "VARCHAR",
    "employee": "BIGINT",
    "money": "VARCHAR",  # "1000|RUB"
    "url": "VARCHAR",
}


def ddl(table: str) -> str:
    """CREATE TABLE statement for one contract table."""
    columns = ",\n    ".join(f"{name} {type_}" for name, type_ in TABLES[table].items())
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    {columns}\n)"
