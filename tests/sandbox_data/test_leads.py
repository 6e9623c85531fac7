"""Leads, contacts and companies of the generated portal: the shapes a lead desk meets (sources, junk,
converted, untouched, abandoned), phones and e-mails written the ways people write them, duplicates planted
against other managers' clients, repeat and one-time buyers - and the deals and activities of before,
untouched by any of it."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from connectors.sandbox import generate
from connectors.sandbox.store import build_store, connect

from .conftest import NOW, SEED

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def db(small_store):
    conn = connect(small_store)
    yield conn
    conn.close()


def values(db, table: str, column: str) -> list[tuple[int, int, str]]:
    """(entity id, owner, value as written) of every PHONE or EMAIL item of a table."""
    out = []
    for entity, owner, stored in db.execute(f'select "ID", "ASSIGNED_BY_ID", "{column}" from {table}'):
        out.extend((entity, owner, item["VALUE"]) for item in json.loads(stored or "[]"))
    return out


def phone_key(text: str) -> str | None:
    """The issue's rule, written out here independently: digits only, 8XXXXXXXXXX read as 7XXXXXXXXXX, ten
    digits get a leading 7, fewer than seven digits are no phone."""
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    return digits if len(digits) >= 7 else None


def test_the_deals_and_their_activities_are_exactly_as_without_leads(small_store, tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "write_leads_and_clients", lambda *args: {})
    bare = connect(build_store(tmp_path / "bare.sqlite", "small", SEED, NOW))
    full = connect(small_store)
    last = bare.execute("select max(ID) from activities").fetchone()[0]
    # the leads and clients only name a deal's lead (LEAD_ID) and move won deals to regular buyers
    # (CONTACT_ID): columns no deal rule reads; every other column is as without them
    columns = [c for c in generate.tables.DEAL_COLUMNS if c not in ("LEAD_ID", "CONTACT_ID")]
    quoted = ", ".join('"' + c + '"' for c in columns)
    sql = f"select {quoted} from deals order by rowid"
    assert [tuple(r) for r in full.execute(sql)] == [tuple(r) for r in bare.execute(sql)], "deals"
    for table, where in (
        ("stage_history", ""),
        ("invoices", ""),
        ("users", ""),
        ("activities", f"where ID <= {last}"),
        ("activity_bindings", f"where ACTIVITY_ID <= {last}"),
    ):
        sql = f"select * from {table} {where} order by rowid"
        assert [tuple(r) for r in full.execute(sql)] == [tuple(r) for r in bare.execute(sql)], table
    # the leads' own activities come after: ids above every deal activity
    assert full.execute("select min(ID) from activities where ID > ?", [last]).fetchone()[0] == last + 1


def test_leads_come_from_several_sources_and_end_every_way(db):
    sources = Counter(r[0] for r in db.execute('select "SOURCE_ID" from leads'))
    assert {"WEBFORM", "CALL", "EMAIL", "PARTNER"} <= set(sources) and len(sources) >= 5
    statuses = dict(db.execute('select "STATUS_SEMANTIC_ID", count(*) from leads group by 1').fetchall())
    assert set(statuses) == {"P", "S", "F"} and min(statuses.values()) >= 50
    known = {r[0] for r in db.execute("""select "STATUS_ID" from statuses where "ENTITY_ID" = 'STATUS'""")}
    assert {r[0] for r in db.execute('select distinct "STATUS_ID" from leads')} <= known
    created = [r[0] for r in db.execute('select "DATE_CREATE" from leads order by "ID"')]
    stamps = [datetime.fromisoformat(c) for c in created]
    assert stamps == sorted(stamps)  # ids follow creation
    assert NOW - stamps[0] > 2 * 365 * DAY  # years of leads


def test_untouched_abandoned_and_fresh_leads(db):
    touched = {
        r[0]: datetime.fromisoformat(r[1])
        for r in db.execute(
            """select b."OWNER_ID", max(a."END_TIME") from activities a
           join activity_bindings b on b."ACTIVITY_ID" = a."ID" and b."OWNER_TYPE_ID" = 1
           where a."COMPLETED" = 'Y' group by 1"""
        )
    }
    open_leads = db.execute(
        """select "ID", "DATE_CREATE" from leads where "STATUS_SEMANTIC_ID" = 'P'"""
    ).fetchall()
    old_untouched = [
        i for i, c in open_leads if i not in touched and NOW - datetime.fromisoformat(c) > 30 * DAY
    ]
    abandoned = [i for i, _ in open_leads if i in touched and NOW - touched[i] > 3 * DAY]
    kept = [i for i, _ in open_leads if i in touched and NOW - touched[i] <= 3 * DAY]
    today = [i for i, c in open_leads if NOW - datetime.fromisoformat(c) < DAY]
    assert len(old_untouched) >= 10 and len(abandoned) >= 10 and len(kept) >= 3 and today
    # no activity before its lead existed
    early = db.execute("""select count(*) from activities a join leads l on a."OWNER_TYPE_ID" = 1
                          and a."OWNER_ID" = l."ID" where a."START_TIME" < l."DATE_CREATE" """).fetchone()[0]
    assert early == 0


def test_converted_leads_became_a_contacts_first_deal(db):
    rows = db.execute("""select l."ID", l."CONTACT_ID", l."ASSIGNED_BY_ID", l."DATE_CLOSED", d."CONTACT_ID",
                                d."ASSIGNED_BY_ID", d."DATE_CREATE", c."LEAD_ID"
                         from lead_conversions v join leads l on l."ID" = v."LEAD_ID"
                         join deals d on d."ID" = v."DEAL_ID" join contacts c on c."ID" = l."CONTACT_ID"
                         """).fetchall()
    assert len(rows) >= 50
    for lead, contact, owner, closed, deal_contact, deal_owner, deal_created, contact_lead in rows:
        assert (contact, owner, closed, contact_lead) == (deal_contact, deal_owner, deal_created, lead)
    junk_linked = db.execute("""select count(*) from leads where "STATUS_ID" = 'JUNK'
                                and "CONTACT_ID" is not null""").fetchone()[0]
    assert junk_linked == 0


def test_phones_and_emails_are_written_every_which_way(db):
    written = [v for table in ("leads", "contacts", "companies") for _, _, v in values(db, table, "PHONE")]
    forms = {
        "+7 (912) 345-67-89": r"\+7 \(\d{3}\) \d{3}-\d{2}-\d{2}",
        "8 912 345 6789": r"8 \d{3} \d{3} \d{4}",
        "89123456789": r"8\d{10}",
        "+79123456789": r"\+7\d{10}",
        "912-345-67-89": r"\d{3}-\d{3}-\d{2}-\d{2}",
    }
    for example, pattern in forms.items():
        assert any(re.fullmatch(pattern, w) for w in written), example
    assert any(phone_key(w) is None for w in written)  # junk leaves "123"
    emails = [v for table in ("leads", "contacts", "companies") for _, _, v in values(db, table, "EMAIL")]
    assert any(e != e.strip() for e in emails)  # `Ivan@Mail.RU `
    assert any(e.strip() != e.strip().lower() for e in emails)


def test_new_leads_duplicate_clients_of_other_managers(db):
    clients: dict[str, set[int]] = {}
    for table in ("contacts", "companies"):
        for _, owner, value in values(db, table, "PHONE"):
            if phone_key(value):
                clients.setdefault(phone_key(value), set()).add(owner)
        for _, owner, value in values(db, table, "EMAIL"):
            clients.setdefault(value.strip().lower(), set()).add(owner)
    open_leads = {r[0] for r in db.execute("""select "ID" from leads where "STATUS_SEMANTIC_ID" = 'P'""")}
    routed = set()
    for column in ("PHONE", "EMAIL"):
        for lead, owner, value in values(db, "leads", column):
            key = phone_key(value) if column == "PHONE" else value.strip().lower()
            if lead in open_leads and key in clients and clients[key] - {owner}:
                routed.add(lead)
    assert len(routed) >= 10


def test_repeat_one_time_and_quiet_buyers(db):
    wins = db.execute("""select "CONTACT_ID", count(*), max("CLOSEDATE") from deals
                         where "STAGE_SEMANTIC_ID" = 'S' and "CONTACT_ID" is not null
                         group by 1""").fetchall()
    # repeat buyers come from the deal generator as it is (4 on the small store since the follow-up cases
    # changed its draws); a buying rhythm per client is issue 10's work still to do
    assert sum(1 for _, n, _ in wins if n >= 2) >= 3
    assert sum(1 for _, n, _ in wins if n == 1) >= 50
    quiet = [
        c for c, _, last in wins if NOW.date() - datetime.fromisoformat(last).date() > timedelta(days=180)
    ]
    assert len(quiet) >= 10
    planned = db.execute(
        """select count(*) from activities where "OWNER_TYPE_ID" in (3, 4)
                            and "COMPLETED" = 'N' and "DEADLINE" > ?""",
        [NOW.isoformat()],
    ).fetchone()[0]
    assert planned >= 5  # reactivation calls already planned


def test_every_size_has_leads_and_clients(tiny_store, small_store):
    for path, leads in ((tiny_store, 90), (small_store, 700)):
        conn = connect(path)
        counts = {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("leads", "contacts", "companies")
        }
        conn.close()
        assert counts["leads"] >= leads * 0.9 and counts["contacts"] > 0 and counts["companies"] > 20
