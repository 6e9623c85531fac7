"""The sandbox's own answer for the lead and client metrics (issue 10), in plain Python over the store.

Independent of queries/: it reads the store row by row and applies the issue's definitions directly (T =
as_of; day boundaries in the portal's offset):
- a lead is in progress with STATUS_SEMANTIC_ID P; its touches are the completed activities it owns
  (OWNER_TYPE_ID 1), at END_TIME, else START_TIME, else LAST_UPDATED, at or before T;
- unprocessed: in progress, created before the start of T's day, never touched by T;
- hanging: in progress, its last touch (its creation when never touched) more than lead_idle_days x 24 h
  before T;
- duplicate groups: (kind, value) pairs shared by two or more leads, contacts and companies, holding a
  lead in progress; phones as digits, 11 digits starting with 8 read with 7, 10 digits get a 7, fewer
  than 7 digits ignored; e-mails trimmed and lower-cased; a lead in progress goes to the owner of its
  group's owning record (the oldest contact or company, else the oldest lead) when someone else holds it;
- reactivation due: a client (a company; a contact whose company is not in the store) with a won deal by
  T and no open deal, whose last win (the latest final-stage history entry, else MOVED_TIME) is more than
  its interval before T: (last - first) / (wins - 1), reactivation_days for one win. A deal belongs to its
  company, else to its contact's client.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from connectors.sandbox.clock import parse_offset


def _ts(value: str | None) -> datetime | None:
    if not value or value.startswith("9999"):
        return None
    return datetime.fromisoformat(value)


def phone_key(text: str) -> str | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 7:
        return None
    if len(digits) == 11 and digits[0] == "8":
        return "7" + digits[1:]
    if len(digits) == 10:
        return "7" + digits
    return digits


def email_key(text: str) -> str | None:
    return text.strip().lower() or None


def expected_leads(path: Path | str, as_of: datetime, lead_idle_days: int = 3) -> dict[int, dict[str, int]]:
    """Per responsible: in_progress_leads, unprocessed_leads, hanging_leads (responsibles with a lead in
    progress)."""
    conn = sqlite3.connect(str(path))
    try:
        tz = parse_offset(conn.execute("select VALUE from meta where KEY = 'utc_offset'").fetchone()[0])
        as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=tz)
        day_start = as_of.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        last_touch: dict[int, datetime] = {}
        for owner, completed, start, end, updated in conn.execute(
            "select OWNER_ID, COMPLETED, START_TIME, END_TIME, LAST_UPDATED from activities"
            " where OWNER_TYPE_ID = 1"
        ):
            touch = _ts(end) or _ts(start) or _ts(updated)
            if completed == "Y" and touch is not None and touch <= as_of:
                last_touch[owner] = max(touch, last_touch.get(owner, touch))
        counts: dict[int, dict[str, int]] = defaultdict(
            lambda: {"in_progress_leads": 0, "unprocessed_leads": 0, "hanging_leads": 0})
        idle = timedelta(days=lead_idle_days)
        for lead_id, owner, semantic, created_text in conn.execute(
            "select ID, ASSIGNED_BY_ID, STATUS_SEMANTIC_ID, DATE_CREATE from leads"
        ):
            created = datetime.fromisoformat(created_text)
            if semantic != "P" or created > as_of:
                continue
            c = counts[owner]
            c["in_progress_leads"] += 1
            touched = last_touch.get(lead_id)
            if touched is None and created < day_start:
                c["unprocessed_leads"] += 1
            if as_of - (touched or created) > idle:
                c["hanging_leads"] += 1
        return {owner: dict(c) for owner, c in sorted(counts.items())}
    finally:
        conn.close()


Member = tuple[str, int, datetime | None, int | None, bool]  # kind, id, created, owner, a lead in progress


def _duplicate_members(path: Path | str, as_of: datetime) -> dict[tuple[str, str], set[Member]]:
    """(match_kind, match_value) -> the leads created by T, contacts and companies writing it."""
    conn = sqlite3.connect(str(path))
    try:
        members: dict[tuple[str, str], set[Member]] = defaultdict(set)
        for table, kind in (("leads", "lead"), ("contacts", "contact"), ("companies", "company")):
            semantic = '"STATUS_SEMANTIC_ID"' if table == "leads" else "null"
            for record_id, created, owner, status, phones, emails in conn.execute(
                f'select "ID", "DATE_CREATE", "ASSIGNED_BY_ID", {semantic}, "PHONE", "EMAIL" from {table}'
            ):
                at = _ts(created)
                if kind == "lead" and (at is None or at > as_of):
                    continue
                member = (kind, record_id, at, owner, kind == "lead" and status == "P")
                for match_kind, field, key in (("phone", phones, phone_key), ("email", emails, email_key)):
                    for item in json.loads(field) if field else []:
                        value = key(item["VALUE"])
                        if value:
                            members[(match_kind, value)].add(member)
        return members
    finally:
        conn.close()


def _shown(members: dict[tuple[str, str], set[Member]]) -> dict[tuple[str, str], set[Member]]:
    """The groups of two or more records holding a lead in progress."""
    return {g: records for g, records in members.items()
            if len({(m[0], m[1]) for m in records}) > 1 and any(m[4] for m in records)}


def expected_duplicate_groups(path: Path | str, as_of: datetime) -> set[tuple[str, str]]:
    """(match_kind, match_value) of every group holding a lead in progress created by T."""
    return set(_shown(_duplicate_members(path, as_of)))


def expected_duplicate_routes(path: Path | str, as_of: datetime) -> dict[tuple[str, str, int], int]:
    """(match_kind, match_value, lead id) -> whom the lead goes to: the owner of the group's owning record
    (the oldest contact or company, else the oldest lead), for each lead in progress someone else holds."""
    routes = {}
    for (kind, value), records in _shown(_duplicate_members(path, as_of)).items():
        def place(m: Member) -> tuple:  # contacts and companies first, then the leads; the oldest first
            return (m[0] == "lead", m[2] is None, m[2] or as_of, m[0], m[1])
        first, *rest = sorted(records, key=place)
        for m in rest:
            if m[4] and m[3] != first[3]:
                routes[(kind, value, m[1])] = first[3]
    return routes


def expected_reactivation(path: Path | str, as_of: datetime,
                          reactivation_days: int = 90) -> dict[tuple[str, int], datetime]:
    """(client type, client id) -> the moment its reactivation fell due, for every client due at T."""
    conn = sqlite3.connect(str(path))
    try:
        companies = {row[0] for row in conn.execute("select ID from companies")}
        contact_company = dict(conn.execute("select ID, COMPANY_ID from contacts").fetchall())
        final_move: dict[int, datetime] = {}
        for owner_id, created in conn.execute(
            "select OWNER_ID, CREATED_TIME from stage_history where TYPE_ID = 3 and ENTITY_TYPE_ID = 2"
        ):
            at = datetime.fromisoformat(created)
            final_move[owner_id] = max(at, final_move.get(owner_id, at))
        wins: dict[tuple[str, int], list[datetime]] = defaultdict(list)
        has_open: set[tuple[str, int]] = set()
        for deal_id, semantic, company, contact, moved, created in conn.execute(
            "select ID, STAGE_SEMANTIC_ID, COMPANY_ID, CONTACT_ID, MOVED_TIME, DATE_CREATE from deals"
            " where IS_RECURRING = 'N'"
        ):
            client = _client_of(company, contact, companies, contact_company)
            if client is None:
                continue
            if semantic == "P" and datetime.fromisoformat(created) <= as_of:
                has_open.add(client)
            closed = final_move.get(deal_id) or datetime.fromisoformat(moved)
            if semantic == "S" and closed <= as_of:
                wins[client].append(closed)
        due = {}
        for client, moments in wins.items():
            if client in has_open:
                continue
            first, last = min(moments), max(moments)
            interval = (last - first) / (len(moments) - 1) if len(moments) > 1 else timedelta(
                days=reactivation_days)
            if last + interval < as_of:
                due[client] = last + interval
        return due
    finally:
        conn.close()


def _client_of(company: int | None, contact: int | None, companies: set[int],
               contact_company: dict[int, int | None]) -> tuple[str, int] | None:
    if company and company in companies:
        return "company", company
    if contact and contact in contact_company:
        own = contact_company[contact]
        return ("company", own) if own and own in companies else ("contact", contact)
    return None
