"""Contacts and companies: who owns them, when they appeared, and their phones and e-mails written the ways
people write them.

The deals have already written each contact's and company's id and name; this fills in the rest from the
client's first deal (its owner, its date, its company) and adds clients that never bought: prospects, and the
clients of converted leads older than the deals' history. Everything draws from its own random stream
(`"<seed>:clients"`), so the deals and activities stay exactly as they were.
"""

from __future__ import annotations

import json
import random
import sqlite3
from bisect import bisect_left
from dataclasses import dataclass, field

from connectors.sandbox.clock import DAY, Clock
from connectors.sandbox.fields_clients import COMPANY_COLUMNS, CONTACT_COLUMNS
from connectors.sandbox.generate_people import _FEMALE_FIRST, _LAST, _MALE_FIRST, Manager
from connectors.sandbox.tables import insert_sql

CLIENT_HISTORY_DAYS = 3 * 365  # the portal's contacts and leads go back three years
SAMPLE = 4000  # clients kept in memory as candidates for planted duplicates

_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "sch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru", "rambler.ru")
_WORDS = (
    "Север",
    "Юг",
    "Транс",
    "Строй",
    "Пром",
    "Агро",
    "Мед",
    "Техно",
    "Инвест",
    "Торг",
    "Сервис",
    "Логистик",
    "Энерго",
    "Металл",
    "Снаб",
    "Проект",
    "Альянс",
    "Гранит",
    "Орион",
    "Радуга",
    "Восток",
    "Сфера",
)
_POSTS = ("Директор", "Менеджер по закупкам", "Главный инженер", "Бухгалтер", "Снабженец", "")


def translit(text: str) -> str:
    return "".join(_LATIN.get(ch, ch) for ch in text.lower())


def phone_number(rng: random.Random) -> str:
    """Ten digits of a Russian mobile number: 9XX XXX XX XX."""
    return "9" + "".join(str(rng.randrange(10)) for _ in range(9))


def write_phone(rng: random.Random, ten: str) -> str:
    """One number the ways people type it: `+7 (912) 345-67-89`, `8 912 345 6789`, `89123456789`..."""
    a, b, c, d = ten[:3], ten[3:6], ten[6:8], ten[8:]
    return rng.choice(
        (
            f"+7 ({a}) {b}-{c}-{d}",
            f"8 {a} {b} {c}{d}",
            f"8{ten}",
            f"+7{ten}",
            f"8 ({a}) {b}-{c}-{d}",
            f"{a}-{b}-{c}-{d}",
            f"7{ten}",
            f"+7 {a} {b} {c} {d}",
        )
    )


def email_address(rng: random.Random, first: str, last: str) -> str:
    local = rng.choice(
        (
            f"{translit(first)}.{translit(last)}",
            f"{translit(first)[0]}{translit(last)}",
            f"{translit(last)}{rng.randrange(1, 99)}",
        )
    )
    return f"{local}@{rng.choice(_DOMAINS)}"


def write_email(rng: random.Random, address: str) -> str:
    """An address as typed: mostly as is, sometimes capitalised or with a stray space (`Ivan@Mail.RU `)."""
    roll = rng.random()
    if roll < 0.1:
        local, domain = address.split("@")
        return f"{local.capitalize()}@{domain.split('.')[0].capitalize()}.{domain.split('.')[1].upper()} "
    if roll < 0.15:
        return f" {address}"
    if roll < 0.2:
        return address.upper()
    return address


def owner_at(rng: random.Random, managers: list[Manager], at: int, not_this: int | None = None) -> int:
    """A random manager who worked here at `at` (and is not `not_this`): a few random picks, which almost
    always find one, then a scan (a list of the working ones per lead would cost 300k x 400 on `large`)."""

    def works(m: Manager) -> bool:
        return m.hired <= at and (m.dismissed is None or at < m.dismissed) and m.id != not_this

    for _ in range(30):
        manager = rng.choice(managers)
        if works(manager):
            return manager.id
    return next((m.id for m in managers if works(m)), managers[0].id)


class MultiFields:
    """Phone and e-mail lists in the portal's shape, with the portal-wide multi-field id counter."""

    def __init__(self, start: int = 1) -> None:
        self.next_id = start

    def make(self, type_id: str, values: list[tuple[str, str]]) -> str | None:
        if not values:
            return None
        items = []
        for value_type, value in values:
            items.append(
                {"ID": str(self.next_id), "VALUE_TYPE": value_type, "VALUE": value, "TYPE_ID": type_id}
            )
            self.next_id += 1
        return json.dumps(items, ensure_ascii=False)



def _owned(owner: int, created_at: str, modified_at: str, phone_json: str | None,
           email_json: str | None) -> dict:
    """The fields a contact and a company fill alike: open to all, one owner, times, phones and e-mails."""
    return dict(
        OPENED="Y",
        HAS_PHONE="Y" if phone_json else "N",
        HAS_EMAIL="Y" if email_json else "N",
        HAS_IMOL="N",
        ASSIGNED_BY_ID=owner,
        CREATED_BY_ID=owner,
        MODIFY_BY_ID=owner,
        DATE_CREATE=created_at,
        DATE_MODIFY=modified_at,
        LAST_ACTIVITY_TIME=created_at,
        LAST_ACTIVITY_BY=owner,
        PHONE=phone_json,
        EMAIL=email_json,
    )

@dataclass
class Client:
    """What the leads need to know of a client: to convert into it, or to plant a duplicate of it."""

    entity_type: int  # 3 contact, 4 company
    id: int
    owner: int
    phone: str | None  # the ten digits
    email: str | None  # the canonical address


@dataclass
class Clients:
    next_contact: int
    next_company: int
    sample: list[Client] = field(default_factory=list)  # duplicate candidates
    prospects: list[int] = field(default_factory=list)  # contacts with no deal, for old converted leads
    regulars: list[int] = field(default_factory=list)  # contacts who buy at their own rhythm


def _first_deals(conn: sqlite3.Connection, column: str) -> dict[int, tuple]:
    """client id -> (owner, created) of the first deal naming it."""
    rows = conn.execute(
        f"""
        select d."{column}", d."ASSIGNED_BY_ID", d."DATE_CREATE", d."COMPANY_ID"
        from deals d
        join (select "{column}" as client, min("ID") as first from deals
              where "{column}" is not null and "{column}" > 0 group by 1) f on f.first = d."ID"
        """
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


_CONTACT_UPDATE = """update contacts set "POST" = ?, "COMPANY_ID" = ?, "HAS_PHONE" = ?, "HAS_EMAIL" = ?,
    "ASSIGNED_BY_ID" = ?, "CREATED_BY_ID" = ?, "MODIFY_BY_ID" = ?, "DATE_CREATE" = ?, "DATE_MODIFY" = ?,
    "PHONE" = ?, "EMAIL" = ? where "ID" = ?"""
FLUSH = 5000  # rows written at once: a large portal's clients never all wait in memory


class ClientWriter:
    def __init__(
        self, rng: random.Random, clock: Clock, managers: list[Manager], fields: MultiFields
    ) -> None:
        self.rng = rng
        self.clock = clock
        self.managers = managers
        self.fields = fields
        self.seen = 0  # clients offered to the sample (reservoir sampling)
        self.sample: list[Client] = []

    def _offer(self, client: Client) -> None:
        self.seen += 1
        if len(self.sample) < SAMPLE:
            self.sample.append(client)
        else:
            slot = self.rng.randrange(self.seen)
            if slot < SAMPLE:
                self.sample[slot] = client

    def _owner_at(self, at: int) -> int:
        return owner_at(self.rng, self.managers, at)

    def _times(self, created: int) -> tuple[str, str]:
        modified = created + int((self.clock.now - created) * self.rng.random() ** 3)
        return self.clock.dt(created), self.clock.dt(modified)

    def _contacts_info(
        self, first: str, last: str, phone_share: float, email_share: float, work: bool = False
    ) -> tuple[str | None, str | None, str | None, str | None]:
        rng = self.rng
        phone = phone_number(rng) if rng.random() < phone_share else None
        email = email_address(rng, first, last) if rng.random() < email_share else None
        phones = [("MOBILE" if not work else "WORK", write_phone(rng, phone))] if phone else []
        if phone and rng.random() < 0.1:
            phones.append(("WORK", write_phone(rng, phone_number(rng))))
        emails = [("WORK", write_email(rng, email))] if email else []
        return self.fields.make("PHONE", phones), self.fields.make("EMAIL", emails), phone, email

    # --- contacts -------------------------------------------------------------------------------------
    def fill_contacts(
        self, conn: sqlite3.Connection, extra: int, start_id: int, company_ids: list[int]
    ) -> tuple[int, list[int]]:
        rng, clock = self.rng, self.clock
        first_deals = _first_deals(conn, "CONTACT_ID")
        updates = []
        names = conn.execute('select "ID", "NAME", "LAST_NAME" from contacts order by 1').fetchall()
        for contact_id, first, last in names:
            if len(updates) >= FLUSH:
                conn.executemany(_CONTACT_UPDATE, updates)
                updates = []
            owner, deal_created, company = first_deals.get(contact_id, (self._owner_at(clock.now), None, 0))
            created = (
                clock.now - DAY
                if deal_created is None
                else int(_epoch(deal_created)) - rng.randrange(600, 2 * DAY)
            )
            phone_json, email_json, phone, email = self._contacts_info(first, last, 0.9, 0.6)
            created_at, modified_at = self._times(created)
            updates.append(
                (
                    rng.choice(_POSTS),
                    company or None,
                    "Y" if phone_json else "N",
                    "Y" if email_json else "N",
                    owner,
                    owner,
                    owner,
                    created_at,
                    modified_at,
                    phone_json,
                    email_json,
                    contact_id,
                )
            )
            self._offer(Client(3, contact_id, owner, phone, email))
        conn.executemany(_CONTACT_UPDATE, updates)
        conn.execute("""update contacts set "TYPE_ID" = 'CLIENT', "SOURCE_ID" = 'CALL', "OPENED" = 'Y',
                        "HAS_IMOL" = 'N', "SECOND_NAME" = '', "COMMENTS" = ''""")
        prospects = []
        rows = []
        for contact_id in range(start_id, start_id + extra):
            if len(rows) >= FLUSH:
                conn.executemany(insert_sql("contacts", CONTACT_COLUMNS), rows)
                rows = []
            female = rng.random() < 0.5
            first = rng.choice(_FEMALE_FIRST if female else _MALE_FIRST)
            last = rng.choice(_LAST) + ("а" if female else "")
            created = clock.now - int(CLIENT_HISTORY_DAYS * DAY * rng.random() ** 1.3)
            created = clock.work_time(created, rng) if created < clock.now - DAY else created
            owner = self._owner_at(created)
            company = rng.choice(company_ids) if company_ids and rng.random() < 0.4 else None
            phone_json, email_json, phone, email = self._contacts_info(first, last, 0.85, 0.55)
            created_at, modified_at = self._times(created)
            row = dict.fromkeys(CONTACT_COLUMNS, "")
            row.update(
                ID=contact_id,
                NAME=first,
                LAST_NAME=last,
                POST=rng.choice(_POSTS),
                TYPE_ID="CLIENT",
                SOURCE_ID=rng.choice(("CALL", "WEB", "EMAIL", "PARTNER")),
                COMPANY_ID=company,
                LEAD_ID=None,
                **_owned(owner, created_at, modified_at, phone_json, email_json),
            )
            rows.append(tuple(row[c] for c in CONTACT_COLUMNS))
            prospects.append(contact_id)
            self._offer(Client(3, contact_id, owner, phone, email))
        conn.executemany(insert_sql("contacts", CONTACT_COLUMNS), rows)
        conn.execute("""update contacts set "LAST_ACTIVITY_TIME" = "DATE_CREATE",
                        "LAST_ACTIVITY_BY" = "ASSIGNED_BY_ID" where "LAST_ACTIVITY_TIME" is null""")
        return start_id + extra, prospects

    # --- companies ------------------------------------------------------------------------------------
    def fill_companies(self, conn: sqlite3.Connection, extra: int) -> list[int]:
        """The deals' companies get their owner and dates; `extra` prospects are added. Returns all ids."""
        rng, clock = self.rng, self.clock
        first_deals = _first_deals(conn, "COMPANY_ID")
        updates = []
        ids = []
        for company_id, title in conn.execute('select "ID", "TITLE" from companies order by 1').fetchall():
            owner, deal_created, _ = first_deals.get(company_id, (self._owner_at(clock.now), None, 0))
            created = (
                clock.now - DAY
                if deal_created is None
                else int(_epoch(deal_created)) - rng.randrange(600, 30 * DAY)
            )
            updates.append(self._company_values(company_id, title, owner, created))
            ids.append(company_id)
        conn.executemany(
            f"""update companies set {", ".join(f'"{c}" = ?' for c in COMPANY_COLUMNS[1:])} where "ID" = ?""",
            [(*row[1:], row[0]) for row in updates],
        )
        start = max(ids, default=0) + 1
        rows = []
        for company_id in range(start, start + extra):
            if len(rows) >= FLUSH:
                conn.executemany(insert_sql("companies", COMPANY_COLUMNS), rows)
                rows = []
            created = clock.now - int(CLIENT_HISTORY_DAYS * DAY * rng.random() ** 1.3)
            created = clock.work_time(created, rng) if created < clock.now - DAY else created
            title = (
                f"ООО «{rng.choice(_WORDS)}{rng.choice(_WORDS).lower()}{'' if rng.random() < 0.7 else '-М'}»"
            )
            rows.append(self._company_values(company_id, title, self._owner_at(created), created))
            ids.append(company_id)
        conn.executemany(insert_sql("companies", COMPANY_COLUMNS), rows)
        return ids

    def _company_values(self, company_id: int, title: str, owner: int, created: int) -> tuple:
        rng = self.rng
        word = title.split("«")[-1].rstrip("»") or "office"
        phone_json, email_json, phone, email = self._contacts_info("info", word, 0.85, 0.7, work=True)
        if email:  # companies write from a shared box: info@, sales@
            domain = f"{translit(word).replace(' ', '').replace('-', '')[:12] or 'firma'}.ru"
            email = f"{rng.choice(('info', 'sales', 'office', 'zakaz'))}@{domain}"
            email_json = self.fields.make("EMAIL", [("WORK", write_email(rng, email))])
        created_at, modified_at = self._times(created)
        row = dict.fromkeys(COMPANY_COLUMNS, "")
        row.update(
            ID=company_id,
            TITLE=title,
            COMPANY_TYPE="CUSTOMER",
            INDUSTRY=rng.choice(("IT", "MANUFACTURING", "DELIVERY", "OTHER")),
            REVENUE=f"{round(rng.lognormvariate(17, 1.2), -3):.2f}",
            CURRENCY_ID="RUB",
            LEAD_ID=None,
            IS_MY_COMPANY="N",
            **_owned(owner, created_at, modified_at, phone_json, email_json),
        )
        self._offer(Client(4, company_id, owner, phone, email))
        return tuple(row[c] for c in COMPANY_COLUMNS)


REGULAR_RHYTHMS_DAYS = (21, 30, 45, 60, 90)
REGULAR_SHARE = 0.25  # of the won deals of private clients (no company), regulars start a chain


def plant_regulars(conn: sqlite3.Connection, rng: random.Random) -> list[int]:
    """Clients who buy again at their own rhythm: chains of won deals of private clients (no company), each
    about `rhythm` days (+-25%) after the one before, moved to the chain's first contact. A chain stops when
    no won deal falls in its next window: a client who went quiet (due for reactivation) when that was long
    ago. Only CONTACT_ID changes, which no deal rule reads. Returns the regulars' contact ids."""
    won = conn.execute(
        """select "ID", "MOVED_TIME", "CONTACT_ID" from deals where "STAGE_SEMANTIC_ID" = 'S'
           and "IS_RECURRING" = 'N' and coalesce("COMPANY_ID", 0) = 0 and "CONTACT_ID" is not null"""
    ).fetchall()
    deals = sorted((int(_epoch(moved)), deal_id, contact) for deal_id, moved, contact in won)
    times = [t for t, _, _ in deals]
    used: set[int] = set()
    regulars, moves = [], []
    for start in sorted(rng.sample(range(len(deals)), int(len(deals) * REGULAR_SHARE))):
        if start in used:
            continue
        used.add(start)
        at, _, contact = deals[start]
        rhythm = rng.choice(REGULAR_RHYTHMS_DAYS) * DAY
        chain = 0
        while (i := _free_in(times, used, at + rhythm * 3 // 4, at + rhythm * 5 // 4)) is not None:
            used.add(i)
            at = times[i]
            moves.append((contact, deals[i][1]))
            chain += 1
        if chain:
            regulars.append(contact)
    conn.executemany('update deals set "CONTACT_ID" = ? where "ID" = ?', moves)
    return regulars


def _free_in(times: list[int], used: set[int], low: int, high: int) -> int | None:
    """The first index of `times` (sorted) in [low, high] not used yet."""
    i = bisect_left(times, low)
    while i < len(times) and times[i] <= high:
        if i not in used:
            return i
        i += 1
    return None


def _epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def write_clients(
    conn: sqlite3.Connection,
    rng: random.Random,
    clock: Clock,
    managers: list[Manager],
    fields: MultiFields,
    next_contact: int,
    extra_contacts: int,
    extra_companies: int,
) -> Clients:
    writer = ClientWriter(rng, clock, managers, fields)
    company_ids = writer.fill_companies(conn, extra_companies)
    next_contact, prospects = writer.fill_contacts(conn, extra_contacts, next_contact, company_ids)
    return Clients(next_contact, max(company_ids, default=0) + 1, writer.sample, prospects)
