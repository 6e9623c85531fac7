"""The client metrics on the hand-built fixture (tests/queries/fixture_leads.py), numbers worked out by hand.

T = Fri 20 Nov 2026 18:00 (+03:00). Clients and their deals (fixture_db.DEALS, their links DEAL_LINKS):
- company 1 «ООО Альфа» (Anna): 101 open; 109 won 19 Nov 16:00 (200000); 208 lost 3 Nov, which names only
  contact 11 Ivan Petrov, who works for company 1 (so the deal is the company's).
- company 2 «ООО Бета» (Boris): 102 open (from lead 6), no win.
- contact 12 Olga Smirnova (Boris, no company): 204 won 5 Nov 12:00 (USD 2000 = 180000), 401 won 12 Nov
  10:00 (30000); no open deal; a planned "Reactivation call" on 25 Nov.
- contact 14 Pavel Orlov (Anna, no company): 110 won 10 Oct 10:00 (50000), once; an open activity with no
  deadline (not planned).
- contact 13 (Viktor): no deal.
"""

from __future__ import annotations

import pandas as pd
import pytest

from queries import Rules
from tests.queries.fixture_db import t


def rows(df, *columns):
    return [tuple(r) for r in df[list(columns)].itertuples(index=False)]


# --- reactivation -----------------------------------------------------------------------------------

def test_reactivation_default(run):
    df = run("reactivation")
    # contact 12: two wins, interval (12 Nov 10:00 - 5 Nov 12:00) / (2 - 1) = 6 days 22 h = 6.9 days; due
    # 12 Nov 10:00 + 6 d 22 h = 19 Nov 08:00 < T: due, 1 day 10 h over -> 1; it has a planned call: planned.
    # company 1 has an open deal (101): not due. contact 14 bought once: 90 days from 10 Oct = 8 Jan: not
    # yet. company 2 never won.
    assert rows(df, "client_type", "client_id", "client_name", "owner_id", "won_deals", "won_amount",
                "interval_days", "days_overdue", "planned", "owner_active") == [
        ("contact", 12, "Olga Smirnova", 2, 2, 210000.0, 6.9, 1, True, True)]
    assert df["due_at"].iloc[0] == t("2026-11-19 08:00")
    assert df["last_won_at"].iloc[0] == t("2026-11-12 10:00")
    assert df["client_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/contact/details/12/"


def test_reactivation_a_client_who_bought_once(run):
    # reactivation_days = 30: contact 14's one win on 10 Oct 10:00 is due 9 Nov 10:00, 11 days 8 h over ->
    # 11; its only open activity has no deadline: not planned. Nothing planned first, so 14 (50000) comes
    # before contact 12 (210000, planned) although 12 is worth more
    df = run("reactivation", rules=Rules(reactivation_days=30))
    assert rows(df, "client_id", "won_deals", "won_amount", "interval_days", "days_overdue", "planned") == [
        (14, 1, 50000.0, 30.0, 11, False), (12, 2, 210000.0, 6.9, 1, True)]
    assert df["due_at"].iloc[0] == t("2026-11-09 10:00")


def test_reactivation_not_due_before_the_interval(run):
    # T = 19 Nov 07:59: one minute before contact 12's due moment
    assert run("reactivation", as_of=t("2026-11-19 07:59")).empty
    assert run("reactivation", as_of=t("2026-11-19 08:01"))["client_id"].tolist() == [12]


def test_reactivation_scope_is_the_owner(run):
    assert run("reactivation", manager_id=1).empty  # contact 12 is Boris's
    assert len(run("reactivation", manager_id=2)) == 1


# --- client_search ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("search", "expected"), [
    # company 1's phone written another way
    ("8 (912) 345-67-89", [("company", 1, "phone", "+7 (912) 345-67-89")]),
    ("9123456789", [("company", 1, "phone", "+7 (912) 345-67-89")]),
    # contact 11's e-mail in another case with spaces: contact 11 works for company 1, so the client is it
    (" IVAN@mail.ru ", [("company", 1, "email", "Ivan@Mail.RU")]),
    # a name fragment in any case (Cyrillic)
    ("альф", [("company", 1, "name", "ООО Альфа")]),
    ("ООО", [("company", 1, "name", "ООО Альфа"), ("company", 2, "name", "ООО Бета")]),
    ("+7 916 000 11 22", [("contact", 12, "phone", "+7 916 000-11-22")]),
    # under 7 digits is no phone (contact 13 writes `45-67`); no name holds it either
    ("45-67", []),
    # a contact of a company is not a client of its own: Ivan Petrov's name finds his company
    ("petrov", [("company", 1, "name", "Ivan Petrov")]),
])
def test_client_search(run, search, expected):
    df = run("client_search", search=search)
    assert rows(df, "client_type", "client_id", "matched_on", "matched_value") == expected


def test_client_search_without_text_lists_clients_by_name(run):
    # every client: companies 1, 2 and the contacts with no company 12, 13, 14 (not 11), by name (Latin
    # sorts before Cyrillic)
    df = run("client_search")
    assert rows(df, "client_type", "client_id") == [
        ("contact", 12), ("contact", 14), ("contact", 13), ("company", 1), ("company", 2)]
    assert set(df["matched_on"]) == {"name"}


def test_client_search_scope(run):
    assert rows(run("client_search", search="ООО", manager_id=2), "client_id") == [(2,)]


# --- client_card ------------------------------------------------------------------------------------

def test_client_card_of_a_company(run):
    df = run("client_card", client_type="company", client_id=1)
    assert len(df) == 1
    card = df.iloc[0]
    # deals: 101 open, 109 won (200000), 208 lost (named by contact 11 only)
    assert (card.open_deals, card.won_deals, card.lost_deals, card.won_amount, card.avg_won_amount) == (
        1, 1, 1, 200000.0, 200000.0)
    assert card.last_won_at == t("2026-11-19 16:00")
    # the company's own line first, then its contact Ivan Petrov
    assert card.contacts == ["ООО Альфа, +7 (912) 345-67-89", "Ivan Petrov, Ivan@Mail.RU"]
    # last: the call to the company on 18 Nov 12:00 (its deals have no activity); next: the meeting planned
    # with its contact Ivan on 24 Nov 10:00
    assert (card.last_activity_at, card.last_activity_subject) == (t("2026-11-18 12:00"), "Call Alfa")
    assert (card.next_activity_at, card.next_activity_subject) == (t("2026-11-24 10:00"), "Meet Ivan")
    assert not card.next_activity_overdue  # due after T
    assert (card.owner_id, card.owner_name) == (1, "Anna Ivanova")


def test_client_card_says_when_the_next_activity_is_overdue(fixture_db, tmp_path):
    import shutil

    import duckdb

    from queries import run_metric
    from tests.queries.fixture_db import AS_OF

    # T is Fri 20 Nov 18:00 MSK, its day starts 20 Nov 00:00. An open call to company 1 due Thu 19 Nov 15:00
    # is earlier than «Meet Ivan» (24 Nov): it is the next activity, and overdue (due before T's day). One
    # due Fri 20 Nov 09:00 instead is due today: next, not yet overdue (the overdue rule's own reckoning).
    for due, overdue in (("2026-11-19 15:00", True), ("2026-11-20 09:00", False)):
        db = tmp_path / f"crm-{overdue}.duckdb"
        shutil.copyfile(fixture_db, db)
        with duckdb.connect(str(db)) as con:
            con.execute("insert into entity_activities (id, owner_type_id, owner_id, type_id, subject,"
                        " completed, deadline, created, last_updated, responsible_id)"
                        " values (7990, 4, 1, 2, 'Call about the invoice', false, ?, ?, ?, 1)",
                        [t(due), t("2026-11-10 09:00"), t("2026-11-10 09:00")])
            con.execute("insert into entity_activity_bindings values (7990, 4, 1)")
        card = run_metric("client_card", db, as_of=AS_OF, client_type="company", client_id=1).iloc[0]
        assert (card.next_activity_at, card.next_activity_subject) == (t(due), "Call about the invoice")
        assert bool(card.next_activity_overdue) is overdue


@pytest.mark.parametrize("ids", [(7991, 7992), (7994, 7993)], ids=["higher id written last", "first"])
def test_client_card_breaks_a_tie_of_moments_by_the_activity_id(fixture_db, tmp_path, ids):
    import shutil

    import duckdb

    from queries import run_metric
    from tests.queries.fixture_db import AS_OF

    # Two calls to company 1 done at the same moment, 19 Nov 11:00 (after «Call Alfa», 18 Nov 12:00), and two
    # planned for the same 23 Nov 10:00 (before «Meet Ivan», 24 Nov): the last activity is the later-created
    # one (the higher id), the next one the earlier-created, whichever the table holds first. Picked by the
    # moment alone, the card named either, from one call to the next (seen on the large sandbox).
    db = tmp_path / "crm.duckdb"
    shutil.copyfile(fixture_db, db)
    with duckdb.connect(str(db)) as con:
        for activity_id in ids:
            for offset, completed, when in ((0, True, "2026-11-19 11:00"), (10, False, "2026-11-23 10:00")):
                con.execute("insert into entity_activities (id, owner_type_id, owner_id, type_id, subject,"
                            " completed, start_time, end_time, deadline, created, last_updated,"
                            " responsible_id) values (?, 4, 1, 2, ?, ?, ?, ?, ?, ?, ?, 1)",
                            [activity_id + offset, f"Call {activity_id + offset}", completed, t(when),
                             t(when) if completed else None, t(when), t("2026-11-10 09:00"),
                             t("2026-11-10 09:00")])
                con.execute("insert into entity_activity_bindings values (?, 4, 1)", [activity_id + offset])
    card = run_metric("client_card", db, as_of=AS_OF, client_type="company", client_id=1).iloc[0]
    high, low = max(ids), min(ids)
    assert (card.last_activity_at, card.last_activity_subject) == (t("2026-11-19 11:00"), f"Call {high}")
    assert (card.next_activity_at, card.next_activity_subject) == (t("2026-11-23 10:00"), f"Call {low + 10}")


def test_client_card_lists_namesakes_in_a_fixed_order(fixture_db, tmp_path):
    import shutil

    import duckdb

    from queries import run_metric
    from tests.queries.fixture_db import AS_OF

    # a second Ivan Petrov of company 1 (id 90, no phone or e-mail: his line is the name alone): namesakes
    # come by id, whatever order the rows reach the list in
    db = tmp_path / "crm.duckdb"
    shutil.copyfile(fixture_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("insert into contacts (id, name, last_name, company_id, assigned_by_id, date_create) "
                    "values (90, 'Ivan', 'Petrov', 1, 1, ?)", [t("2026-11-02 09:00")])
    for _ in range(3):
        card = run_metric("client_card", db, as_of=AS_OF, client_type="company", client_id=1).iloc[0]
        assert card.contacts == ["ООО Альфа, +7 (912) 345-67-89", "Ivan Petrov, Ivan@Mail.RU", "Ivan Petrov"]


def test_client_card_of_a_private_client(run):
    card = run("client_card", client_type="contact", client_id=12).iloc[0]
    # 204 (180000) and 401 (30000) won: 210000, 105000 on average; nothing done yet, a call planned
    assert (card.open_deals, card.won_deals, card.lost_deals, card.won_amount, card.avg_won_amount) == (
        0, 2, 0, 210000.0, 105000.0)
    assert card.contacts == ["Olga Smirnova, +7 916 000-11-22"]
    assert pd.isna(card.last_activity_at)
    assert card.next_activity_subject == "Reactivation call"


def test_client_card_of_a_deal_activity(run):
    # contact 14: the deal 110 has no activities; the thank-you call of 15 Oct is its last; "Someday" has no
    # deadline: no next
    card = run("client_card", client_type="contact", client_id=14).iloc[0]
    assert (card.last_activity_at, card.last_activity_subject) == (t("2026-10-15 10:10"), "Thank-you call")
    assert pd.isna(card.next_activity_at)


def test_client_card_of_nobody(run):
    assert run("client_card", client_type="contact", client_id=11).empty  # a company's contact
    assert run("client_card", client_type="company", client_id=999).empty
    assert run("client_card", client_type="company", client_id=1, manager_id=2).empty  # out of scope


# --- client_history ---------------------------------------------------------------------------------

def test_client_history(run):
    df = run("client_history", client_type="company", client_id=1)
    # newest first: 208 (created 25 Oct, lost 3 Nov), 109 (20 Oct, won 19 Nov), 101 (1 Aug, open)
    assert rows(df, "deal_id", "outcome", "manager_id", "amount_base") == [
        (208, "lost", 1, 15000.0), (109, "won", 1, 200000.0), (101, "open", 1, 100000.0)]
    assert df["closed_at"].tolist()[:2] == [t("2026-11-03 10:00"), t("2026-11-19 16:00")]
    assert pd.isna(df["closed_at"].iloc[2])


def test_client_history_as_of_before_the_win(run):
    # 19 Nov 12:00: deal 109 was still open then
    df = run("client_history", client_type="company", client_id=1, as_of=t("2026-11-19 12:00"))
    assert rows(df, "deal_id", "outcome") == [(208, "lost"), (109, "open"), (101, "open")]


# --- the CLI keywords -------------------------------------------------------------------------------

def test_cli_client_card_history_and_search(fixture_db):
    import csv
    import io

    from tests.queries.test_cli import cli

    db = ("--db", str(fixture_db), "--as-of", "2026-11-20T18:00", "--format", "csv")
    out = cli("client_history", *db, "--client-type", "company", "--client-id", "1")
    assert out.returncode == 0, out.stderr
    assert [r["deal_id"] for r in csv.DictReader(io.StringIO(out.stdout))] == ["208", "109", "101"]
    out = cli("client_search", *db, "--search", "8 912 345-67-89")
    assert out.returncode == 0, out.stderr
    assert [(r["client_id"], r["matched_on"]) for r in csv.DictReader(io.StringIO(out.stdout))] == [
        ("1", "phone")]


@pytest.mark.parametrize(("args", "message"), [
    (("--client-type", "company"), "error: --client-type and --client-id go together"),
    (("--client-type", "person", "--client-id", "1"), "invalid choice: 'person'"),
])
def test_cli_client_arguments_are_one_line(fixture_db, args, message):
    from tests.queries.test_cli import cli

    out = cli("client_card", "--db", str(fixture_db), *args)
    assert out.returncode == 2 and message in out.stderr and len(out.stderr.splitlines()) == 1
