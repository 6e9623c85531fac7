"""Field definitions of the entities the sandbox portal serves.

This is the contract between the sandbox's data generator (which writes the store) and its REST server
(which answers `*.fields`, expands `select: ["*"]`, types filters and renders values the way Bitrix24
sends them). Field names are the classic UPPER_CASE REST names; `crm.item.*` methods map them to camelCase
through `camel`.

Store types (how a value sits in the sandbox's SQLite store) and how the server renders them:
- "integer":  INTEGER; classic methods send a string ("37"), crm.item / stagehistory a JSON number
- "double":   TEXT with two decimals ("19999.99"); classic sends the string, crm.item a JSON number
- "string":   TEXT as is; empty text is "" (not NULL) where the portal sends ""
- "char":     TEXT "Y"/"N"
- "datetime": TEXT ISO 8601 with the portal's offset ("2026-11-20T14:05:00+03:00")
- "date":     TEXT "YYYY-MM-DD"; sent as local midnight with the portal's offset ("2026-11-20T00:00:00+03:00")
- "user", "crm_status", "crm_category", "crm_currency", "crm_company", "crm_contact", "crm_lead",
  "crm_quote", "crm_entity", "enumeration": INTEGER or TEXT as for their base ("user" etc. are integers,
  "crm_status"/"crm_currency" are TEXT codes)
- "boolean":  JSON true/false (user.get ACTIVE); stored INTEGER 1/0
- "list":     JSON text of an array (user.get UF_DEPARTMENT), sent as the JSON array
NULL is sent as null.
"""

from __future__ import annotations

from dataclasses import dataclass

INTEGER_TYPES = {"integer", "user", "crm_category", "crm_company", "crm_contact", "crm_lead", "crm_quote",
                 "crm_entity", "enumeration"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str = ""
    read_only: bool = False
    multiple: bool = False
    status_type: str | None = None  # directory for crm_status fields ("DEAL_STAGE", "DEAL_TYPE", "SOURCE")

    @property
    def camel(self) -> str:
        """crm.item name: `ASSIGNED_BY_ID` -> `assignedById`, `PARENT_ID_2` -> `parentId2`."""
        head, *rest = self.name.lower().split("_")
        return head + "".join(part.capitalize() for part in rest)


def _f(name: str, type_: str, title: str = "", **kw) -> Field:
    return Field(name, type_, title or name.replace("_", " ").capitalize(), **kw)


DEAL_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer", "ID", read_only=True),
    _f("TITLE", "string", "Name"),
    _f("TYPE_ID", "crm_status", "Type", status_type="DEAL_TYPE"),
    _f("CATEGORY_ID", "crm_category", "Pipeline"),
    _f("STAGE_ID", "crm_status", "Stage", status_type="DEAL_STAGE"),
    _f("STAGE_SEMANTIC_ID", "string", "Stage group", read_only=True),
    _f("IS_NEW", "char", "New deal", read_only=True),
    _f("IS_RECURRING", "char", "Recurring deal"),
    _f("IS_RETURN_CUSTOMER", "char", "Repeat deal"),
    _f("IS_REPEATED_APPROACH", "char", "Repeat inquiry"),
    _f("PROBABILITY", "integer", "Probability"),
    _f("CURRENCY_ID", "crm_currency", "Currency"),
    _f("OPPORTUNITY", "double", "Amount"),
    _f("IS_MANUAL_OPPORTUNITY", "char", "Manual amount"),
    _f("TAX_VALUE", "double", "Tax rate"),
    _f("COMPANY_ID", "crm_company", "Company"),
    _f("CONTACT_ID", "crm_contact", "Contact"),
    _f("QUOTE_ID", "crm_quote", "Quote"),
    _f("BEGINDATE", "date", "Start date"),
    _f("CLOSEDATE", "date", "End date"),
    _f("OPENED", "char", "Available to everyone"),
    _f("CLOSED", "char", "Closed"),
    _f("COMMENTS", "string", "Comment"),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", read_only=True),
    _f("MODIFY_BY_ID", "user", "Modified by", read_only=True),
    _f("MOVED_BY_ID", "user", "Stage changed by", read_only=True),
    _f("DATE_CREATE", "datetime", "Created on", read_only=True),
    _f("DATE_MODIFY", "datetime", "Modified on", read_only=True),
    _f("MOVED_TIME", "datetime", "Stage changed on", read_only=True),
    _f("SOURCE_ID", "crm_status", "Source", status_type="SOURCE"),
    _f("SOURCE_DESCRIPTION", "string", "Source information"),
    _f("LEAD_ID", "crm_lead", "Lead", read_only=True),
    _f("ADDITIONAL_INFO", "string", "Additional information"),
    _f("LOCATION_ID", "string", "Location"),
    _f("ORIGINATOR_ID", "string", "External source"),
    _f("ORIGIN_ID", "string", "Item ID in data source"),
    _f("UTM_SOURCE", "string", "Ad system"),
    _f("UTM_MEDIUM", "string", "Traffic type"),
    _f("UTM_CAMPAIGN", "string", "Ad campaign label"),
    _f("UTM_CONTENT", "string", "Campaign contents"),
    _f("UTM_TERM", "string", "Campaign search term"),
    _f("LAST_ACTIVITY_TIME", "datetime", "Last timeline activity", read_only=True),
    _f("LAST_ACTIVITY_BY", "user", "Last activity by", read_only=True),
)

ACTIVITY_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer", "ID", read_only=True),
    _f("OWNER_ID", "integer", "Owner ID"),
    _f("OWNER_TYPE_ID", "integer", "Owner type"),
    _f("TYPE_ID", "integer", "Type"),
    _f("PROVIDER_ID", "string", "Provider ID"),
    _f("PROVIDER_TYPE_ID", "string", "Provider type ID"),
    _f("PROVIDER_GROUP_ID", "string", "Provider group ID"),
    _f("ASSOCIATED_ENTITY_ID", "integer", "Associated entity ID"),
    _f("SUBJECT", "string", "Subject"),
    _f("START_TIME", "datetime", "Start time"),
    _f("END_TIME", "datetime", "End time"),
    _f("DEADLINE", "datetime", "Deadline"),
    _f("COMPLETED", "char", "Completed"),
    _f("STATUS", "integer", "Status"),
    _f("RESPONSIBLE_ID", "user", "Responsible person"),
    _f("PRIORITY", "integer", "Priority"),
    _f("NOTIFY_TYPE", "integer", "Notification type"),
    _f("NOTIFY_VALUE", "integer", "Notification value"),
    _f("DESCRIPTION", "string", "Description"),
    _f("DESCRIPTION_TYPE", "integer", "Description type"),
    _f("DIRECTION", "integer", "Direction"),
    _f("LOCATION", "string", "Location"),
    _f("CREATED", "datetime", "Created on", read_only=True),
    _f("AUTHOR_ID", "user", "Created by"),
    _f("LAST_UPDATED", "datetime", "Modified on", read_only=True),
    _f("EDITOR_ID", "user", "Modified by", read_only=True),
    _f("ORIGINATOR_ID", "string", "Data source ID"),
    _f("ORIGIN_ID", "string", "Item ID in data source"),
    _f("ORIGIN_VERSION", "string", "Original version"),
    _f("IS_INCOMING_CHANNEL", "char", "Incoming channel", read_only=True),
)

# crm.stagehistory.list items (entityTypeId 2); sent as real JSON numbers.
STAGE_HISTORY_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer"),
    _f("TYPE_ID", "integer"),
    _f("OWNER_ID", "integer"),
    _f("CREATED_TIME", "datetime"),
    _f("CATEGORY_ID", "integer"),
    _f("STAGE_SEMANTIC_ID", "string"),
    _f("STAGE_ID", "string"),
)

# Smart invoices (crm.item.*, entityTypeId 31): stored under UPPER names, sent as camelCase.
INVOICE_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer", "ID", read_only=True),
    _f("XML_ID", "string", "External ID"),
    _f("TITLE", "string", "Name"),
    _f("ACCOUNT_NUMBER", "string", "Invoice #"),
    _f("CREATED_BY", "user", "Created by", read_only=True),
    _f("UPDATED_BY", "user", "Updated by", read_only=True),
    _f("MOVED_BY", "user", "Stage changed by", read_only=True),
    _f("CREATED_TIME", "datetime", "Created on", read_only=True),
    _f("UPDATED_TIME", "datetime", "Updated on", read_only=True),
    _f("MOVED_TIME", "datetime", "Stage changed on", read_only=True),
    _f("CATEGORY_ID", "crm_category", "Pipeline"),
    _f("OPENED", "char", "Available to everyone"),
    _f("STAGE_ID", "crm_status", "Stage"),
    _f("PREVIOUS_STAGE_ID", "crm_status", "Previous stage", read_only=True),
    _f("BEGINDATE", "date", "Invoice date"),
    _f("CLOSEDATE", "date", "Due date"),
    _f("COMPANY_ID", "crm_company", "Company"),
    _f("CONTACT_ID", "crm_contact", "Contact"),
    _f("OPPORTUNITY", "double", "Amount"),
    _f("IS_MANUAL_OPPORTUNITY", "char", "Manual amount"),
    _f("TAX_VALUE", "double", "Tax"),
    _f("CURRENCY_ID", "crm_currency", "Currency"),
    _f("MYCOMPANY_ID", "crm_company", "Your company details"),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("PARENT_ID_2", "crm_entity", "Deal"),
    _f("COMMENTS", "string", "Comment"),
)

USER_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer"),  # sent as a string
    _f("XML_ID", "string"),
    _f("ACTIVE", "boolean"),
    _f("NAME", "string"),
    _f("LAST_NAME", "string"),
    _f("SECOND_NAME", "string"),
    _f("EMAIL", "string"),
    _f("LAST_LOGIN", "datetime"),
    _f("DATE_REGISTER", "datetime"),
    _f("TIME_ZONE", "string"),
    _f("IS_ONLINE", "char"),
    _f("TIMESTAMP_X", "list"),  # the portal sends {} here
    _f("PERSONAL_GENDER", "string"),
    _f("PERSONAL_PHONE", "string"),
    _f("PERSONAL_MOBILE", "string"),
    _f("WORK_POSITION", "string"),
    _f("WORK_PHONE", "string"),
    _f("UF_DEPARTMENT", "list"),
    _f("UF_EMPLOYMENT_DATE", "string"),
    _f("USER_TYPE", "string"),
)

# department.get rows: ID/PARENT/UF_HEAD as strings, SORT as a number.
DEPARTMENT_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer"),
    _f("NAME", "string"),
    _f("SORT", "integer"),
    _f("PARENT", "integer"),
    _f("UF_HEAD", "integer"),
)

FIELDS_BY_ENTITY: dict[str, tuple[Field, ...]] = {
    "deals": DEAL_FIELDS,
    "activities": ACTIVITY_FIELDS,
    "stage_history": STAGE_HISTORY_FIELDS,
    "invoices": INVOICE_FIELDS,
    "users": USER_FIELDS,
    "departments": DEPARTMENT_FIELDS,
}
