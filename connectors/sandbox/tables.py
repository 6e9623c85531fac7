"""The sandbox store's tables: the SQLite schema, the column lists and the insert statement the generator
and the mutations write with. Column names are exactly the REST names of connectors/sandbox/fields.py."""

from __future__ import annotations

from connectors.sandbox.fields import (
    ACTIVITY_FIELDS,
    DEAL_FIELDS,
    DEPARTMENT_FIELDS,
    INTEGER_TYPES,
    INVOICE_FIELDS,
    USER_FIELDS,
    Field,
)
from connectors.sandbox.fields_clients import COMPANY_FIELDS, CONTACT_FIELDS, LEAD_FIELDS
from connectors.sandbox.generate_pipelines import DEAL_USERFIELD_COLUMNS

SIZES = ("tiny", "small", "demo", "large")
# Bump when the generator changes what it writes, so cached stores of an older generator are not reused.
GENERATOR_VERSION = "7"


def _sql_type(f: Field) -> str:
    return "integer" if f.type in INTEGER_TYPES or f.type == "boolean" else "text"


def _columns(fields, pk: bool = True) -> str:
    cols = [f'"{f.name}" {_sql_type(f)}' + (" primary key" if pk and f.name == "ID" else "") for f in fields]
    return ", ".join(cols)


DEAL_COLUMNS = tuple(f.name for f in DEAL_FIELDS) + tuple(name for name, _ in DEAL_USERFIELD_COLUMNS)
ACTIVITY_COLUMNS = tuple(f.name for f in ACTIVITY_FIELDS)
INVOICE_COLUMNS = tuple(f.name for f in INVOICE_FIELDS)
USER_COLUMNS = tuple(f.name for f in USER_FIELDS)
DEPARTMENT_COLUMNS = tuple(f.name for f in DEPARTMENT_FIELDS)
STAGE_HISTORY_COLUMNS = (
    "ID",
    "TYPE_ID",
    "OWNER_ID",
    "CREATED_TIME",
    "CATEGORY_ID",
    "STAGE_SEMANTIC_ID",
    "STAGE_ID",
    "ENTITY_TYPE_ID",
)

SCHEMA = f"""
create table deals ({_columns(DEAL_FIELDS)},
    {", ".join(f'"{name}" {typ}' for name, typ in DEAL_USERFIELD_COLUMNS)});
create table activities ({_columns(ACTIVITY_FIELDS)});
create table activity_bindings (ACTIVITY_ID integer not null, OWNER_TYPE_ID integer not null,
    OWNER_ID integer not null);
create table stage_history (ID integer primary key, TYPE_ID integer, OWNER_ID integer, CREATED_TIME text,
    CATEGORY_ID integer, STAGE_SEMANTIC_ID text, STAGE_ID text, ENTITY_TYPE_ID integer);
create table invoices ({_columns(INVOICE_FIELDS)});
create table users ({_columns(USER_FIELDS)});
create table departments ({_columns(DEPARTMENT_FIELDS)});
create table categories (ID integer, ENTITY_TYPE_ID integer, NAME text, SORT integer, IS_DEFAULT text,
    primary key (ENTITY_TYPE_ID, ID));
create table statuses (ID integer primary key, ENTITY_ID text, STATUS_ID text, NAME text, NAME_INIT text,
    SORT integer, SYSTEM text, CATEGORY_ID integer, COLOR text, SEMANTICS text, EXTRA_SEMANTICS text);
create table currencies (CURRENCY text primary key, AMOUNT_CNT integer, AMOUNT text, SORT integer, BASE text,
    FULL_NAME text);
create table deal_userfields (ID integer primary key, ENTITY_ID text, FIELD_NAME text, USER_TYPE_ID text,
    XML_ID text, SORT integer, MULTIPLE text, MANDATORY text, SHOW_FILTER text, EDIT_FORM_LABEL text,
    LIST_JSON text);
-- the deals write ID and names of their contacts and companies; generate_clients.py fills in the rest
create table contacts ({_columns(CONTACT_FIELDS)});
create table companies ({_columns(COMPANY_FIELDS)});
create table leads ({_columns(LEAD_FIELDS)});
-- the sandbox's own knowledge: the deal each converted lead became (the deal names it in LEAD_ID too)
create table lead_conversions (LEAD_ID integer primary key, DEAL_ID integer);
-- the sandbox's own knowledge: which discipline profile each deal owner was generated with
create table manager_profiles (USER_ID integer primary key, PROFILE text);
create table meta (KEY text primary key, VALUE text);
"""

# Created after the bulk insert (faster), on the columns the server filters and orders by.
INDEXES = """
create index deals_date_modify on deals (DATE_MODIFY);
create index deals_assigned on deals (ASSIGNED_BY_ID);
create index deals_stage on deals (CATEGORY_ID, STAGE_ID);
create index activities_last_updated on activities (LAST_UPDATED);
create index activities_owner on activities (OWNER_TYPE_ID, OWNER_ID);
create index activities_responsible on activities (RESPONSIBLE_ID);
create index bindings_owner on activity_bindings (OWNER_TYPE_ID, OWNER_ID);
create index bindings_activity on activity_bindings (ACTIVITY_ID);
create index history_owner on stage_history (ENTITY_TYPE_ID, OWNER_ID);
create index history_created on stage_history (CREATED_TIME);
create index invoices_parent on invoices (PARENT_ID_2);
create index invoices_updated on invoices (UPDATED_TIME);
create index statuses_entity on statuses (ENTITY_ID, SORT);
create index leads_date_modify on leads (DATE_MODIFY);
create index contacts_date_modify on contacts (DATE_MODIFY);
create index companies_date_modify on companies (DATE_MODIFY);
"""


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"insert into {table} ({names}) values ({', '.join('?' * len(columns))})"
