"""Fields of leads, contacts and companies as the sandbox stores and serves them (see fields.py for the
storage rules).

`PHONE` and `EMAIL` are multi-fields (type `crm_multifield`): stored as JSON text of the list the portal
sends, `[{"ID": "156", "VALUE_TYPE": "WORK", "VALUE": "+7 912 ...", "TYPE_ID": "PHONE"}]`, and left out
of `select: ["*"]`: they come only when named [docs: api-reference/crm/leads/crm-lead-list.md, "There are
no masks for selecting multiple fields"; api-reference/crm/data-types.md#crm_multifield].
"""

from __future__ import annotations

from connectors.sandbox.fields import Field, _f

MULTIFIELD = "crm_multifield"

_MULTI = (
    _f("PHONE", MULTIFIELD, "Phone", multiple=True),
    _f("EMAIL", MULTIFIELD, "E-mail", multiple=True),
)

# crm.lead.list [docs: api-reference/crm/leads/crm-lead-list.md, crm-lead-fields.md]
LEAD_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer", "ID", read_only=True),
    _f("TITLE", "string", "Lead name"),
    _f("NAME", "string", "First name"),
    _f("SECOND_NAME", "string", "Second name"),
    _f("LAST_NAME", "string", "Last name"),
    _f("COMPANY_TITLE", "string", "Company name"),
    _f("COMPANY_ID", "crm_company", "Company"),
    _f("CONTACT_ID", "crm_contact", "Contact"),
    _f("IS_RETURN_CUSTOMER", "char", "Repeat lead", read_only=True),
    _f("SOURCE_ID", "crm_status", "Source", status_type="SOURCE"),
    _f("SOURCE_DESCRIPTION", "string", "Source information"),
    _f("STATUS_ID", "crm_status", "Status", status_type="STATUS"),
    _f("STATUS_DESCRIPTION", "string", "Status information"),
    _f("STATUS_SEMANTIC_ID", "string", "Status details", read_only=True),
    _f("COMMENTS", "string", "Comment"),
    _f("CURRENCY_ID", "crm_currency", "Currency"),
    _f("OPPORTUNITY", "double", "Amount"),
    _f("IS_MANUAL_OPPORTUNITY", "char", "Manual amount"),
    _f("HAS_PHONE", "char", "Has phone", read_only=True),
    _f("HAS_EMAIL", "char", "Has e-mail", read_only=True),
    _f("HAS_IMOL", "char", "Has Open Channel", read_only=True),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", read_only=True),
    _f("MODIFY_BY_ID", "user", "Modified by", read_only=True),
    _f("MOVED_BY_ID", "user", "Status changed by", read_only=True),
    _f("DATE_CREATE", "datetime", "Created on", read_only=True),
    _f("DATE_MODIFY", "datetime", "Modified on", read_only=True),
    _f("DATE_CLOSED", "datetime", "Closed on", read_only=True),
    _f("MOVED_TIME", "datetime", "Status changed on", read_only=True),
    _f("OPENED", "char", "Available to everyone"),
    _f("UTM_SOURCE", "string", "Ad system"),
    _f("UTM_MEDIUM", "string", "Traffic type"),
    _f("UTM_CAMPAIGN", "string", "Ad campaign label"),
    _f("LAST_ACTIVITY_TIME", "datetime", "Last timeline activity", read_only=True),
    _f("LAST_ACTIVITY_BY", "user", "Last activity by", read_only=True),
    *_MULTI,
)

# crm.contact.list [docs: api-reference/crm/contacts/crm-contact-list.md, crm-contact-fields.md]
CONTACT_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer", "ID", read_only=True),
    _f("NAME", "string", "First name"),
    _f("SECOND_NAME", "string", "Second name"),
    _f("LAST_NAME", "string", "Last name"),
    _f("POST", "string", "Position"),
    _f("TYPE_ID", "crm_status", "Contact type", status_type="CONTACT_TYPE"),
    _f("SOURCE_ID", "crm_status", "Source", status_type="SOURCE"),
    _f("COMPANY_ID", "crm_company", "Company"),
    _f("LEAD_ID", "crm_lead", "Lead", read_only=True),
    _f("COMMENTS", "string", "Comment"),
    _f("OPENED", "char", "Available to everyone"),
    _f("HAS_PHONE", "char", "Has phone", read_only=True),
    _f("HAS_EMAIL", "char", "Has e-mail", read_only=True),
    _f("HAS_IMOL", "char", "Has Open Channel", read_only=True),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", read_only=True),
    _f("MODIFY_BY_ID", "user", "Modified by", read_only=True),
    _f("DATE_CREATE", "datetime", "Created on", read_only=True),
    _f("DATE_MODIFY", "datetime", "Modified on", read_only=True),
    _f("LAST_ACTIVITY_TIME", "datetime", "Last timeline activity", read_only=True),
    _f("LAST_ACTIVITY_BY", "user", "Last activity by", read_only=True),
    *_MULTI,
)

# crm.company.list [docs: api-reference/crm/companies/crm-company-list.md, crm-company-fields.md]
COMPANY_FIELDS: tuple[Field, ...] = (
    _f("ID", "integer", "ID", read_only=True),
    _f("TITLE", "string", "Company name"),
    _f("COMPANY_TYPE", "crm_status", "Company type", status_type="COMPANY_TYPE"),
    _f("INDUSTRY", "crm_status", "Industry", status_type="INDUSTRY"),
    _f("REVENUE", "double", "Annual revenue"),
    _f("CURRENCY_ID", "crm_currency", "Currency"),
    _f("LEAD_ID", "crm_lead", "Lead", read_only=True),
    _f("COMMENTS", "string", "Comment"),
    _f("OPENED", "char", "Available to everyone"),
    _f("IS_MY_COMPANY", "char", "My company details"),
    _f("HAS_PHONE", "char", "Has phone", read_only=True),
    _f("HAS_EMAIL", "char", "Has e-mail", read_only=True),
    _f("HAS_IMOL", "char", "Has Open Channel", read_only=True),
    _f("ASSIGNED_BY_ID", "user", "Responsible person"),
    _f("CREATED_BY_ID", "user", "Created by", read_only=True),
    _f("MODIFY_BY_ID", "user", "Modified by", read_only=True),
    _f("DATE_CREATE", "datetime", "Created on", read_only=True),
    _f("DATE_MODIFY", "datetime", "Modified on", read_only=True),
    _f("LAST_ACTIVITY_TIME", "datetime", "Last timeline activity", read_only=True),
    _f("LAST_ACTIVITY_BY", "user", "Last activity by", read_only=True),
    *_MULTI,
)

LEAD_COLUMNS = tuple(f.name for f in LEAD_FIELDS)
CONTACT_COLUMNS = tuple(f.name for f in CONTACT_FIELDS)
COMPANY_COLUMNS = tuple(f.name for f in COMPANY_FIELDS)

# crm.status.list ENTITY_ID STATUS: the lead statuses of a fresh portal (semantics: null in progress,
# S converted, F junk) [docs: api-reference/crm/status/crm-status-list.md;
# how-to-get-stages-with-semantics.md]
LEAD_STATUSES = (
    ("NEW", "Не обработан", 10, None),
    ("IN_PROCESS", "В работе", 20, None),
    ("PROCESSED", "Обработан", 30, None),
    ("CONVERTED", "Качественный лид", 40, "S"),
    ("JUNK", "Некачественный лид", 50, "F"),
)
