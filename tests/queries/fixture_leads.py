# ruff: noqa: E501  (one lead / record per line reads best as a table)
"""The leads and clients of the hand-built fixture (issue 10): build_fixture_db adds them to every fixture
snapshot. Nothing here changes a number of the deal metrics: no deal is added; the existing deals only get
their client (COMPANY_ID, CONTACT_ID) and the lead they came from (LEAD_ID), which no deal rule reads.

T = Fri 20 Nov 2026 18:00 (+03:00); T's day starts 20 Nov 00:00; the default period is November up to T;
lead_idle_days = 3, so a lead in progress is hanging when its last touch is before Tue 17 Nov 18:00;
reactivation_days = 90. Users: 1 Anna, 2 Boris, 3 Viktor (dismissed), 4 Galina. The worked-out numbers are
in tests/queries/test_leads.py and test_clients.py.

Duplicate groups (phones as digits, 8... read as 7..., 10 digits get a 7, under 7 digits ignored; e-mails
trimmed and lower-cased):
- phone 79123456789: company 1 `+7 (912) 345-67-89`, lead 1 `8 912 345 6789` (in progress), lead 2
  `89123456789` (junk), lead 3 `9123456789` (in progress): shown, company 1 first.
- email ivan@mail.ru: contact 11 `Ivan@Mail.RU ` (of company 1), lead 5 `ivan@mail.ru` (in progress): shown.
- email sales@beta.ru: company 2 `sales@beta.ru`, lead 11 `SALES@beta.ru` (junk): no lead in progress, not
  shown.
- phone `45-67`: lead 4 and contact 13 write the same four digits: under 7 digits, no group.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

# (status_id, name, sort, semantics): what crm.status.list ENTITY_ID STATUS gives (P is sent as null)
LEAD_STATUSES = [
    ("NEW", "Не обработан", 10, None),
    ("IN_PROCESS", "В работе", 20, None),
    ("CONVERTED", "Качественный лид", 30, "S"),
    ("JUNK", "Некачественный лид", 40, "F"),
]
# (status_id, name, sort)
SOURCES = [("CALL", "Звонок", 10), ("EMAIL", "Электронная почта", 20), ("WEB", "Веб-сайт", 30),
           ("PARTNER", "Партнёр", 40)]

# (id, title, responsible, source, status, semantic, created)
LEADS = [
    (1, "Site form: Alfa again", 2, "WEB", "IN_PROCESS", "P", "2026-11-16 10:00"),
    (2, "Call: wrong number", 1, "CALL", "JUNK", "F", "2026-11-18 09:00"),
    (3, "Partner: Alfa branch", 1, "PARTNER", "NEW", "P", "2026-11-19 12:00"),
    (4, "Site form: today", 1, "WEB", "NEW", "P", "2026-11-20 09:00"),
    (5, "Site form: Ivan", 2, "WEB", "NEW", "P", "2026-11-10 10:00"),
    (6, "Partner: Beta", 1, "PARTNER", "CONVERTED", "S", "2026-11-01 09:00"),
    (7, "Site form: Olga", 2, "WEB", "CONVERTED", "S", "2026-10-01 09:00"),
    (8, "Site form: Olga again", 4, "WEB", "CONVERTED", "S", "2026-11-02 09:00"),
    (9, "Call: old", 3, "CALL", "IN_PROCESS", "P", "2026-09-01 10:00"),
    (10, "E-mail: price list", 2, "EMAIL", "IN_PROCESS", "P", "2026-11-17 10:00"),
    (11, "E-mail: Beta spam", 2, "EMAIL", "JUNK", "F", "2026-11-05 10:00"),
    # created after T: not in any number as of T
    (12, "Site form: tonight", 1, "WEB", "NEW", "P", "2026-11-20 19:00"),
]

# (id, title, owner, created)
COMPANIES = [
    (1, "ООО Альфа", 1, "2025-01-10 10:00"),
    (2, "ООО Бета", 2, "2025-03-01 10:00"),
]
# (id, name, last name, company, owner, created)
CONTACTS = [
    (11, "Ivan", "Petrov", 1, 1, "2025-01-11 10:00"),  # a contact of company 1: not a client of its own
    (12, "Olga", "Smirnova", None, 2, "2025-06-01 10:00"),  # a private client: two purchases
    (13, "Short", "Number", None, 3, "2025-07-01 10:00"),  # no deal: a client with no purchase
    (14, "Pavel", "Orlov", None, 1, "2025-08-01 10:00"),  # a private client: one purchase
]

# (entity_type_id 1 lead / 3 contact / 4 company, entity id, PHONE | EMAIL, value as written)
MULTIFIELDS = [
    (4, 1, "PHONE", "+7 (912) 345-67-89"),
    (1, 1, "PHONE", "8 912 345 6789"),
    (1, 2, "PHONE", "89123456789"),
    (1, 3, "PHONE", "9123456789"),
    (3, 11, "EMAIL", "Ivan@Mail.RU "),
    (1, 5, "EMAIL", "ivan@mail.ru"),
    (4, 2, "EMAIL", "sales@beta.ru"),
    (1, 11, "EMAIL", "SALES@beta.ru"),
    (1, 4, "PHONE", "45-67"),
    (3, 13, "PHONE", "45-67"),
    (3, 12, "PHONE", "+7 916 000-11-22"),
]

# (activity id, owner type, owner id, subject, completed, start, end, deadline)
ENTITY_ACTIVITIES = [
    (7001, 1, 1, "Call back", True, "2026-11-16 10:25", "2026-11-16 10:30", None),
    (7002, 1, 2, "Call", True, "2026-11-18 09:20", "2026-11-18 09:30", None),
    # lead 5: a call after T (not a touch as of T) and a planned one (planned is no touch)
    (7003, 1, 5, "Call tonight", True, "2026-11-20 19:00", "2026-11-20 19:05", None),
    (7004, 1, 5, "Planned call", False, None, None, "2026-11-21 10:00"),
    (7005, 1, 6, "Call", True, "2026-11-01 09:15", "2026-11-01 09:20", None),
    (7006, 1, 7, "Call", True, "2026-10-01 09:05", "2026-10-01 09:10", None),
    (7007, 1, 8, "Reply", True, "2026-11-02 11:00", None, None),  # start only: the touch time is the start
    (7008, 1, 9, "Call", True, "2026-09-01 10:55", "2026-09-01 11:00", None),
    (7009, 1, 9, "Call", True, "2026-10-02 09:55", "2026-10-02 10:00", None),
    (7010, 1, 10, "Call", True, "2026-11-17 10:55", "2026-11-17 11:00", None),
    (7011, 1, 10, "Call", True, "2026-11-19 14:55", "2026-11-19 15:00", None),
    (7012, 1, 11, "Reply", True, "2026-11-05 11:55", "2026-11-05 12:00", None),
    # clients
    (7101, 4, 1, "Call Alfa", True, "2026-11-18 11:50", "2026-11-18 12:00", None),
    (7102, 3, 11, "Meet Ivan", False, None, None, "2026-11-24 10:00"),
    (7103, 3, 12, "Reactivation call", False, None, None, "2026-11-25 11:00"),
    (7104, 3, 14, "Someday", False, None, None, None),  # open, no deadline: not planned
    (7105, 3, 14, "Thank-you call", True, "2026-10-15 10:00", "2026-10-15 10:10", None),
]

# deal id -> (company_id, contact_id, lead_id); the deals are fixture_db.DEALS
DEAL_LINKS = {
    101: (1, None, None),  # company 1's open deal
    109: (1, 11, None),  # company 1's win (19 Nov, 200000)
    208: (None, 11, None),  # only a contact, who works for company 1: company 1's lost deal
    102: (2, None, 6),  # from lead 6; company 2's open deal
    110: (None, 14, None),  # contact 14's only win (10 Oct, 50000)
    204: (None, 12, 7),  # from lead 7; contact 12's first win (5 Nov 12:00, USD 2000 = 180000)
    401: (None, 12, 8),  # from lead 8; contact 12's second win (12 Nov 10:00, 30000)
}


def fill_leads(con: duckdb.DuckDBPyConnection, t) -> None:
    """Add the leads and clients to a fixture snapshot whose deals are written (t: text -> instant)."""
    con.executemany("insert into lead_statuses (id, status_id, name, sort, semantics) values (?, ?, ?, ?, ?)",
                    [(i + 1, *row) for i, row in enumerate(LEAD_STATUSES)])
    con.executemany("insert into sources (id, status_id, name, sort) values (?, ?, ?, ?)",
                    [(i + 1, *row) for i, row in enumerate(SOURCES)])
    con.executemany(
        "insert into leads (id, title, assigned_by_id, source_id, status_id, status_semantic_id, date_create)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        [(i, title, who, src, status, sem, t(created)) for i, title, who, src, status, sem, created in LEADS])
    con.executemany("insert into companies (id, title, assigned_by_id, date_create) values (?, ?, ?, ?)",
                    [(i, title, who, t(created)) for i, title, who, created in COMPANIES])
    con.executemany(
        "insert into contacts (id, name, last_name, company_id, assigned_by_id, date_create)"
        " values (?, ?, ?, ?, ?, ?)",
        [(i, name, last, co, who, t(created)) for i, name, last, co, who, created in CONTACTS])
    con.executemany(
        "insert into multifields (entity_type_id, entity_id, id, type_id, value_type, value)"
        " values (?, ?, ?, ?, 'WORK', ?)",
        [(et, eid, 100 + n, kind, value) for n, (et, eid, kind, value) in enumerate(MULTIFIELDS)])
    for aid, owner_type, owner, subject, done, start, end, deadline in ENTITY_ACTIVITIES:
        created = _first(t, start, deadline, "2026-11-01 09:00")
        con.execute(
            "insert into entity_activities (id, owner_type_id, owner_id, type_id, subject, completed,"
            " start_time, end_time, deadline, created, last_updated, responsible_id)"
            " values (?, ?, ?, 2, ?, ?, ?, ?, ?, ?, ?, 1)",
            [aid, owner_type, owner, subject, done, t(start) if start else None, t(end) if end else None,
             t(deadline) if deadline else None, created, created])
        con.execute("insert into entity_activity_bindings values (?, ?, ?)", [aid, owner_type, owner])
    for deal_id, (company, contact, lead) in DEAL_LINKS.items():
        con.execute("update deals set company_id = ?, contact_id = ?, lead_id = ? where id = ?",
                    [company, contact, lead, deal_id])


def _first(t, *texts: str | None) -> datetime:
    return t(next(x for x in texts if x))
