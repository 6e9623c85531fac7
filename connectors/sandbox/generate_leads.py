"""Leads over three years, their activities, and the calls managers make to their clients.

What a portal with a lead desk looks like: leads from a site form, calls, e-mail, partners; junk weeded out
within a day or two; converted ones (most of them became a contact's first deal, which names the lead in
LEAD_ID; `lead_conversions` keeps the pairs too); old leads nobody ever touched; leads worked for a few
days and then abandoned; fresh leads, most handled the day they came, some not. A share of fresh leads in
progress carries the phone or e-mail of a client another manager owns, written another way (the
duplicates the QC desk routes). Clients get calls of their own: done ones in the past and planned
reactivation calls, among them a share of the regulars (generate_clients.plant_regulars) who went quiet.

Draws from its own random stream (`"<seed>:leads"`); ids of leads follow creation time.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from connectors.sandbox.clock import DAY, HOUR, Clock, sooner
from connectors.sandbox.fields_clients import LEAD_COLUMNS
from connectors.sandbox.generate_clients import (
    CLIENT_HISTORY_DAYS,
    Client,
    Clients,
    MultiFields,
    email_address,
    owner_at,
    phone_number,
    write_email,
    write_phone,
)
from connectors.sandbox.generate_people import _FEMALE_FIRST, _LAST, _MALE_FIRST, Manager
from connectors.sandbox.tables import ACTIVITY_COLUMNS, insert_sql

CHUNK = 2000
LEAD, CONTACT, COMPANY = 1, 3, 4

# source -> (share, lead title)
_SOURCES = {
    "WEBFORM": (0.30, "Заявка с сайта"),
    "CALL": (0.25, "Входящий звонок"),
    "EMAIL": (0.15, "Письмо на почту"),
    "PARTNER": (0.12, "От партнёра"),
    "ADVERTISING": (0.10, "Реклама"),
    "RECOMMENDATION": (0.06, "По рекомендации"),
    "OTHER": (0.02, "Другое"),
}
_JUNK_NOTES = ("Спам", "Не дозвонились", "Ошиблись номером", "Дубль", "Не наш профиль", "")
_COMPANY_WORDS = ("Стройком", "Техносервис", "Агроснаб", "Медтех", "Логистика Плюс", "Энергомонтаж")


class LeadPlan(NamedTuple):  # a tuple: 300k of them wait in memory for the sort on `large`
    created: int
    kind: str  # converted, junk, untouched, abandoned, active
    deal: tuple | None = None  # converted into a first deal: (deal_id, contact, company, owner, created)


def _plans(rng: random.Random, clock: Clock, count: int, first_deals: list[tuple]) -> list[LeadPlan]:
    """What each lead will be, sorted by creation (ids follow)."""
    plans = []
    for deal_id, contact, company, owner, created in first_deals:
        if len(plans) < count // 3 and rng.random() < 0.55:
            lead_created = max(clock.now - CLIENT_HISTORY_DAYS * DAY, created - rng.randrange(600, 3 * DAY))
            plans.append(LeadPlan(lead_created, "converted", (deal_id, contact, company, owner, created)))
    for _ in range(max(0, count - len(plans))):
        created = clock.now - int(CLIENT_HISTORY_DAYS * DAY * rng.random() ** 1.6)
        created = clock.work_time(created, rng) if created < clock.now - DAY else created
        age = (clock.now - created) / DAY
        roll = rng.random()
        if age < 1:
            kind = "junk" if roll < 0.1 else "untouched" if roll < 0.3 else "active"
        elif age < 30:
            kind = (
                "converted"
                if roll < 0.12
                else "junk"
                if roll < 0.4
                else "untouched"
                if roll < 0.52
                else "abandoned"
                if roll < 0.72
                else "active"
            )
        else:
            kind = (
                "converted"
                if roll < 0.15
                else "junk"
                if roll < 0.6
                else "untouched"
                if roll < 0.8
                else "abandoned"
            )
        plans.append(LeadPlan(created, kind))
    plans.sort(key=lambda p: p.created)
    return plans


class LeadWriter:
    def __init__(
        self,
        rng: random.Random,
        clock: Clock,
        managers: list[Manager],
        fields: MultiFields,
        clients: Clients,
        next_activity: int,
    ) -> None:
        self.rng = rng
        self.clock = clock
        self.managers = managers
        self.fields = fields
        self.clients = clients
        self.next_activity = next_activity
        self.activities: list[tuple] = []
        self.bindings: list[tuple] = []
        self.sources = list(_SOURCES)
        self.source_weights = [share for share, _ in _SOURCES.values()]
        self.dismissed = {m.id: m.dismissed for m in managers if m.dismissed is not None}

    def _owner_at(self, at: int, not_this: int | None = None) -> int:
        return owner_at(self.rng, self.managers, at, not_this)

    def _by_now(self, start: int, drawn: int) -> int:
        return sooner(self.rng, start, drawn, self.clock.now)

    def _end_of_work(self, owner: int) -> int:
        dismissed = self.dismissed.get(owner)
        return min(self.clock.now, dismissed) if dismissed else self.clock.now

    # --- one lead ---------------------------------------------------------------------------------------
    def lead(self, lead_id: int, plan: LeadPlan) -> tuple:
        rng, clock = self.rng, self.clock
        source = rng.choices(self.sources, weights=self.source_weights)[0]
        owner = plan.deal[3] if plan.deal else self._owner_at(plan.created)
        female = rng.random() < 0.5
        first = rng.choice(_FEMALE_FIRST if female else _MALE_FIRST)
        last = rng.choice(_LAST) + ("а" if female else "")
        phone_ten = phone_number(rng) if rng.random() < 0.88 else None
        email = email_address(rng, first, last) if rng.random() < 0.5 or not phone_ten else None
        duplicate = None
        if plan.kind in ("active", "untouched") and self.clients.sample and rng.random() < 0.12:
            duplicate = rng.choice(self.clients.sample)  # an existing client writes in again
            owner = self._owner_at(plan.created, not_this=duplicate.owner)
            phone_ten, email = self._duplicate_values(duplicate, phone_ten, email)
        elif plan.kind == "junk" and rng.random() < 0.2:
            phone_ten = None  # junk often leaves a number that is no number
        phones = [("WORK", write_phone(rng, phone_ten))] if phone_ten else []
        if plan.kind == "junk" and not phone_ten and rng.random() < 0.5:
            phones = [("WORK", rng.choice(("123", "000", "45-67")))]
        emails = [("WORK", write_email(rng, email))] if email else []
        touches, status, closed = self._life(lead_id, plan, owner)
        semantic = {"CONVERTED": "S", "JUNK": "F"}.get(status, "P")
        contact, company = self._client_links(plan)
        last_touch = max((t for t, _ in touches), default=None)
        moved = closed or (touches[0][0] if touches and status != "NEW" else plan.created)
        modified = max(moved, last_touch or plan.created)
        if rng.random() < 0.2:
            modified = self._by_now(modified, modified + rng.randrange(0, 5 * DAY))
        amount = 0.0 if rng.random() < 0.6 else round(rng.lognormvariate(11.5, 1.0), -2)
        b2b = company is not None or rng.random() < 0.4
        _, title = _SOURCES[source]
        row = dict.fromkeys(LEAD_COLUMNS, "")
        row.update(
            ID=lead_id,
            TITLE=f"{title}: {first} {last}" if not b2b else f"{title}: {rng.choice(_COMPANY_WORDS)}",
            NAME=first,
            LAST_NAME=last,
            COMPANY_TITLE=rng.choice(_COMPANY_WORDS) if b2b else "",
            COMPANY_ID=company or 0,
            CONTACT_ID=contact,
            IS_RETURN_CUSTOMER="Y" if duplicate else "N",
            SOURCE_ID=source,
            STATUS_ID=status,
            STATUS_SEMANTIC_ID=semantic,
            COMMENTS=rng.choice(_JUNK_NOTES) if status == "JUNK" else "",
            CURRENCY_ID="RUB",
            OPPORTUNITY=f"{amount:.2f}",
            IS_MANUAL_OPPORTUNITY="N",
            HAS_PHONE="Y" if phones else "N",
            HAS_EMAIL="Y" if emails else "N",
            HAS_IMOL="N",
            ASSIGNED_BY_ID=owner,
            CREATED_BY_ID=owner,
            MODIFY_BY_ID=owner,
            MOVED_BY_ID=owner,
            DATE_CREATE=clock.dt(plan.created),
            DATE_MODIFY=clock.dt(modified),
            DATE_CLOSED=clock.dt(closed) if closed else None,
            MOVED_TIME=clock.dt(moved),
            OPENED="Y",
            UTM_SOURCE="yandex" if source == "ADVERTISING" else "",
            UTM_MEDIUM="cpc" if source == "ADVERTISING" else "",
            UTM_CAMPAIGN="leads_2026" if source == "ADVERTISING" else "",
            LAST_ACTIVITY_TIME=clock.dt(last_touch or plan.created),
            LAST_ACTIVITY_BY=owner,
            PHONE=self.fields.make("PHONE", phones),
            EMAIL=self.fields.make("EMAIL", emails),
        )
        return tuple(row[c] for c in LEAD_COLUMNS)

    def _duplicate_values(self, client: Client, phone: str | None, email: str | None) -> tuple:
        """The client's own phone or e-mail (typed differently: write_* picks a form anew)."""
        if client.phone and (not client.email or self.rng.random() < 0.6):
            return client.phone, email
        if client.email:
            return phone, client.email
        return phone, email

    def _client_links(self, plan: LeadPlan) -> tuple[int | None, int | None]:
        if plan.deal:
            return plan.deal[1], plan.deal[2] or None
        if plan.kind == "converted" and self.clients.prospects:
            return self.rng.choice(self.clients.prospects), None
        return None, None

    def _life(
        self, lead_id: int, plan: LeadPlan, owner: int
    ) -> tuple[list[tuple[int, bool]], str, int | None]:
        """Touches (time, completed) and the final status and close time."""
        rng, now = self.rng, self.clock.now
        end = self._end_of_work(owner)
        created = plan.created
        first = created + int(rng.lognormvariate(7.5, 1.3))  # ~30 min typical, hours for some
        touches: list[tuple[int, bool]] = []
        status, closed = "NEW", None
        if plan.kind == "untouched":
            pass
        elif plan.kind == "junk":
            closed = self._by_now(created, created + rng.randrange(10 * 60, 2 * DAY))
            if rng.random() < 0.7 and first < closed:
                touches.append((first, True))
            status = "JUNK"
        elif plan.kind == "converted":
            drawn = created + rng.randrange(HOUR, 10 * DAY)
            closed = plan.deal[4] if plan.deal else self._by_now(created, drawn)
            closed = max(closed, created + 60)
            t = min(first, closed - 30)
            for _ in range(rng.randrange(1, 4)):
                if t >= closed:
                    break
                touches.append((t, True))
                t += rng.randrange(HOUR, 2 * DAY)
            status = "CONVERTED"
        elif plan.kind == "abandoned":
            t = first
            for _ in range(rng.randrange(1, 4)):
                if t >= min(end, now - 4 * DAY):
                    break
                touches.append((t, True))
                t += rng.randrange(HOUR, 3 * DAY)
            status = "IN_PROCESS" if touches else "NEW"
        else:  # active: touched lately, a next call planned
            t = first
            while t < min(end, now) and len(touches) < 6:
                touches.append((t, True))
                t += rng.randrange(4 * HOUR, 3 * DAY)
            if touches and rng.random() < 0.7:
                touches.append((min(end, now) + rng.randrange(HOUR, 3 * DAY), False))
            status = rng.choice(("IN_PROCESS", "PROCESSED")) if touches else "NEW"
        touches = [(t, done) for t, done in touches if not done or t <= min(end, now)]
        for when, done in touches:
            self._activity(LEAD, lead_id, owner, when, done, created)
        return [(t, d) for t, d in touches if d], status, closed

    # --- activities -----------------------------------------------------------------------------------
    def _activity(
        self, owner_type: int, owner_id: int, who: int, when: int, done: bool, created: int
    ) -> None:
        """A call (or an e-mail) owned by and bound to the lead or client; open ones are planned calls."""
        rng, clock = self.rng, self.clock
        aid = self.next_activity
        self.next_activity += 1
        call = not done or rng.random() < 0.75
        type_id, provider, provider_type = (
            (2, "VOXIMPLANT_CALL", "CALL") if call else (4, "CRM_EMAIL", "EMAIL")
        )
        subject = "Перезвонить клиенту" if not done else "Исходящий звонок" if call else "Ответ на заявку"
        made = when - rng.randrange(HOUR, DAY) if not done else when
        # a call planned further ahead was put in the plan some time before now
        made = max(created, self._by_now(created, made))
        self.activities.append(
            (
                aid,
                owner_id,
                owner_type,
                type_id,
                provider,
                provider_type,
                "",
                0,
                subject,
                clock.dt(when),
                clock.dt(when + (rng.randrange(60, 600) if done else 15 * 60)),
                clock.dt(when),
                "Y" if done else "N",
                2 if done else 1,
                who,
                2,
                1,
                15,
                "",
                1,
                2,
                "",
                clock.dt(made),
                who,
                clock.dt(max(made, when) if done else made),
                who,
                "",
                "",
                "",
                "N",
            )
        )
        self.bindings.append((aid, owner_type, owner_id))

    def client_calls(self, clients: list[Client]) -> None:
        """Calls managers make to their clients: done ones in the past, planned reactivation calls ahead."""
        rng, now = self.rng, self.clock.now
        for client in clients:
            roll = rng.random()
            if roll < 0.25:
                when = self.clock.work_time(now - rng.randrange(DAY, 200 * DAY), rng)
                self._activity(
                    client.entity_type, client.id, client.owner, min(when, now - 60), True, when - DAY
                )
            elif roll < 0.35:
                when = self.clock.work_time(now + rng.randrange(DAY, 20 * DAY), rng)
                self._activity(client.entity_type, client.id, client.owner, when, False, now - DAY)

    def reactivation_calls(self, conn: sqlite3.Connection, regulars: list[int]) -> None:
        """A planned call to a share of the regulars whose last purchase is long past (in hand already)."""
        rng, now = self.rng, self.clock.now
        rows = conn.execute(
            f"""select c."ID", c."ASSIGNED_BY_ID", max(d."MOVED_TIME") from contacts c
                join deals d on d."CONTACT_ID" = c."ID" and d."STAGE_SEMANTIC_ID" = 'S'
                where c."ID" in ({", ".join("?" * len(regulars))}) group by 1, 2 order by 1""",
            regulars,
        ).fetchall()
        for contact, owner, last_won in rows:
            if now - _epoch(last_won) > 60 * DAY and rng.random() < 0.3:
                when = self.clock.work_time(now + rng.randrange(DAY, 10 * DAY), rng)
                self._activity(CONTACT, contact, owner, when, False, now - DAY)

    def flush(self, conn: sqlite3.Connection) -> None:
        conn.executemany(insert_sql("activities", ACTIVITY_COLUMNS), self.activities)
        conn.executemany("insert into activity_bindings values (?, ?, ?)", self.bindings)
        self.activities, self.bindings = [], []


def _epoch(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp())


def first_deals(conn: sqlite3.Connection, clock: Clock) -> list[tuple]:
    """(deal id, contact, company, owner, created) of each contact's first deal, in id order."""
    from datetime import datetime

    rows = conn.execute(
        """
        select d."ID", d."CONTACT_ID", d."COMPANY_ID", d."ASSIGNED_BY_ID", d."DATE_CREATE"
        from deals d
        join (select "CONTACT_ID", min("ID") as first from deals
              where "CONTACT_ID" is not null and "IS_RECURRING" = 'N' group by 1) f on f.first = d."ID"
        order by d."ID"
        """
    ).fetchall()
    return [(r[0], r[1], r[2], r[3], int(datetime.fromisoformat(r[4]).timestamp())) for r in rows]


def write_leads(
    conn: sqlite3.Connection,
    rng: random.Random,
    clock: Clock,
    managers: list[Manager],
    fields: MultiFields,
    clients: Clients,
    count: int,
    next_activity: int,
) -> tuple[int, int]:
    """Write `count` leads (about; at least the converted ones) and their activities, and the clients'
    calls. Returns the next lead id and the next activity id."""
    plans = _plans(rng, clock, count, first_deals(conn, clock))
    writer = LeadWriter(rng, clock, managers, fields, clients, next_activity)
    rows, conversions = [], []
    for lead_id, plan in enumerate(plans, 1):
        rows.append(writer.lead(lead_id, plan))
        if plan.deal:
            conversions.append((lead_id, plan.deal[0], plan.deal[1]))
        if len(rows) >= CHUNK:
            conn.executemany(insert_sql("leads", LEAD_COLUMNS), rows)
            writer.flush(conn)
            rows = []
    conn.executemany(insert_sql("leads", LEAD_COLUMNS), rows)
    conn.executemany("insert into lead_conversions values (?, ?)", [c[:2] for c in conversions])
    # the deal a lead became names it, as the portal's conversion does
    conn.executemany('update deals set "LEAD_ID" = ? where "ID" = ?', [c[:2] for c in conversions])
    # the contact a lead became names it, as the portal's conversion does
    conn.executemany('update contacts set "LEAD_ID" = ? where "ID" = ?', [(c[0], c[2]) for c in conversions])
    writer.client_calls(clients.sample)
    writer.reactivation_calls(conn, clients.regulars)
    writer.flush(conn)
    return len(plans) + 1, writer.next_activity


@dataclass(frozen=True)
class ClientSpec:
    leads: int
    extra_contacts: int  # contacts that never bought (prospects, old conversions)
    extra_companies: int


CLIENT_SPECS = {
    "tiny": ClientSpec(90, 10, 5),
    "small": ClientSpec(700, 60, 20),
    "demo": ClientSpec(9000, 900, 300),
    "large": ClientSpec(300_000, 60_000, 58_000),
}


def lead_status_rows(conn: sqlite3.Connection) -> list[tuple]:
    """crm.status.list rows of ENTITY_ID STATUS, after the directories already written."""
    from connectors.sandbox.fields_clients import LEAD_STATUSES

    first = conn.execute("select coalesce(max(ID), 0) + 1 from statuses").fetchone()[0]
    colors = {None: "#39A8EF", "S": "#00FF00", "F": "#FF0000"}
    extra = {None: "process", "S": "success", "F": "failure"}
    return [
        (
            first + i,
            "STATUS",
            code,
            name,
            name,
            sort,
            "Y",
            None,
            colors[semantics],
            semantics,
            extra[semantics],
        )
        for i, (code, name, sort, semantics) in enumerate(LEAD_STATUSES)
    ]


def write_leads_and_clients(
    conn: sqlite3.Connection,
    size: str,
    seed: int,
    clock: Clock,
    managers: list[Manager],
    next_contact: int,
    next_activity: int,
) -> dict[str, str]:
    """The hook-up for generate.py: contacts and companies filled in, leads, their activities and the
    clients' calls written, each from its own random stream. Returns the meta counters to store."""
    from connectors.sandbox.generate_clients import plant_regulars, write_clients

    spec = CLIENT_SPECS[size]
    regulars = plant_regulars(conn, random.Random(f"{seed}:regulars"))
    conn.executemany("insert into statuses values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lead_status_rows(conn))
    fields = MultiFields()
    clients = write_clients(
        conn,
        random.Random(f"{seed}:clients"),
        clock,
        managers,
        fields,
        next_contact,
        spec.extra_contacts,
        spec.extra_companies,
    )
    clients.regulars = regulars
    next_lead, next_activity = write_leads(
        conn, random.Random(f"{seed}:leads"), clock, managers, fields, clients, spec.leads, next_activity
    )
    return {
        "next_contact_id": str(clients.next_contact),
        "next_company_id": str(clients.next_company),
        "next_lead_id": str(next_lead),
        "next_activity_id": str(next_activity),
        "next_multifield_id": str(fields.next_id),
    }
