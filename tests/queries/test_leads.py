"""The lead metrics on the hand-built fixture (tests/queries/fixture_leads.py), numbers worked out by hand.

T = Fri 20 Nov 2026 18:00 (+03:00). Leads (responsible, source, status, created, completed touches by T):
  1 Boris  WEB      P  16 Nov 10:00  16 Nov 10:30
  2 Anna   CALL     F  18 Nov 09:00  18 Nov 09:30                 (junk)
  3 Anna   PARTNER  P  19 Nov 12:00  none
  4 Anna   WEB      P  20 Nov 09:00  none                         (created on T's day)
  5 Boris  WEB      P  10 Nov 10:00  none (one at 19:00 after T, one planned)
  6 Anna   PARTNER  S   1 Nov 09:00   1 Nov 09:20               (converted: deal 102, open)
  7 Boris  WEB      S   1 Oct 09:00   1 Oct 09:10               (converted: deal 204, won 5 Nov)
  8 Galina WEB      S   2 Nov 09:00   2 Nov 11:00 (start only)  (converted: deal 401, won 12 Nov)
  9 Viktor CALL     P   1 Sep 10:00   1 Sep 11:00, 2 Oct 10:00  (dismissed responsible)
 10 Boris  EMAIL    P  17 Nov 10:00  17 Nov 11:00, 19 Nov 15:00
 11 Boris  EMAIL    F   5 Nov 10:00   5 Nov 12:00               (junk)
 12 Anna   WEB      P  20 Nov 19:00  -                            (after T: counted nowhere)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from queries import QueryError, Rules
from tests.queries.fixture_db import AS_OF, t


def rows(df, *columns):
    return [tuple(r) for r in df[list(columns)].itertuples(index=False)]


# --- the normalisation macros ---------------------------------------------------------------------

@pytest.fixture
def con(fixture_db):
    """A connection with the run's context and the lead layer (the macros live in _leads.sql)."""
    from queries import leads
    from queries.runner import connect, prepare

    c = connect(fixture_db)
    prepare(c, Rules(), AS_OF)
    leads.setup(c, Rules())
    yield c
    c.close()


@pytest.mark.parametrize(("written", "expected"), [
    ("+7 (912) 345-67-89", "79123456789"),
    ("8 912 345 6789", "79123456789"),  # 11 digits starting with 8: read as 7
    ("89123456789", "79123456789"),
    ("9123456789", "79123456789"),  # 10 digits: a leading 7
    ("+7 912 345 67 89 ", "79123456789"),
    ("79123456789", "79123456789"),
    ("123-45-67", "1234567"),  # 7 digits: kept as they are
    ("45-67", None),  # fewer than 7 digits: no number
    ("", None),
    (None, None),
    ("+375 29 123-45-67", "375291234567"),  # 12 digits: as they are
])
def test_norm_phone(con, written, expected):
    assert con.execute("select norm_phone($v)", {"v": written}).fetchone()[0] == expected


@pytest.mark.parametrize(("written", "expected"), [
    ("Ivan@Mail.RU ", "ivan@mail.ru"), (" ivan@mail.ru", "ivan@mail.ru"), ("   ", None), (None, None)])
def test_norm_email(con, written, expected):
    assert con.execute("select norm_email($v)", {"v": written}).fetchone()[0] == expected


# --- lead_scorecard -------------------------------------------------------------------------------

def test_lead_scorecard(run):
    df = run("lead_scorecard")
    # in progress (P): Anna 3, 4; Boris 1, 5, 10; Viktor 9 (lead 12 is after T; 2, 11 junk; 6, 7, 8 converted)
    # unprocessed (P, created before 20 Nov 00:00, no completed touch by T): Anna 3; Boris 5 (its 19:00 call
    #   is after T, its planned call is no touch); lead 4 came today
    # hanging (P, last touch or creation before 17 Nov 18:00): Boris 1 (16 Nov 10:30) and 5 (never, 10 Nov);
    #   Viktor 9 (2 Oct); not Anna 3 (19 Nov), 4 (today), not Boris 10 (19 Nov 15:00)
    # created in November up to T: Anna 2, 3, 4, 6; Boris 1, 5, 10, 11; Galina 8 (7 is October, 9 September)
    # untouched of those: Anna 3, 4; Boris 5
    # speed to lead (median hours to the first touch, period's leads with one): Anna 2 (0.5 h) and 6 (20 min
    #   = 0.333 h): (0.5 + 0.333) / 2 = 0.4167 -> 0.42; Boris 1 (0.5), 10 (1.0), 11 (2.0): 1.0; Galina 8:
    #   09:00 -> 11:00 (start time, no end) = 2.0; Viktor: none in the period, NULL
    # order: hanging + unprocessed desc: Boris 3, then Anna 1 and Viktor 1 (more in progress first: Anna 2),
    #   Galina 0 (listed: she has a lead created in the period)
    assert rows(df, "responsible_id", "in_progress_leads", "unprocessed_leads", "hanging_leads",
                "leads_created", "leads_untouched") == [
        (2, 3, 1, 2, 4, 1), (1, 2, 1, 0, 4, 2), (3, 1, 0, 1, 0, 0), (4, 0, 0, 0, 1, 0)]
    speed = dict(zip(df["responsible_id"], df["speed_to_lead_hours"], strict=True))
    assert speed[1] == pytest.approx(0.42) and speed[2] == 1.0 and speed[4] == 2.0
    assert speed[3] != speed[3]  # NaN: no lead created in the period
    assert rows(df, "responsible_id", "responsible_active", "department_id")[2] == (3, False, 11)


def test_lead_scorecard_october(run):
    # October's leads: 7 (Boris, touched after 10 min = 0.17 h); the in-progress counts do not depend on the
    # period; Galina has no lead in progress nor in October: not listed
    df = run("lead_scorecard", month=date(2026, 10, 1))
    assert rows(df, "responsible_id", "leads_created", "in_progress_leads") == [
        (2, 1, 3), (1, 0, 2), (3, 0, 1)]
    assert df.loc[df.responsible_id == 2, "speed_to_lead_hours"].item() == pytest.approx(0.17)


def test_lead_scorecard_scope(run):
    # department 11 (Sales East) holds Boris and Viktor
    assert run("lead_scorecard", department_id=11)["responsible_id"].tolist() == [2, 3]
    assert run("lead_scorecard", manager_id=1)["responsible_id"].tolist() == [1]


def test_lead_idle_days_rule(run):
    # lead_idle_days = 1: hanging from 19 Nov 18:00 back: Boris 1, 5, and 10 (19 Nov 15:00) join; Anna 3
    # (created 19 Nov 12:00) too; Viktor 9
    df = run("leads_hanging", rules=Rules(lead_idle_days=1))
    assert sorted(df["lead_id"]) == [1, 3, 5, 9, 10]


def test_a_touch_after_t_leaves_the_last_touch_before_it(run):
    # Thu 19 Nov 14:00, lead_idle_days = 1: lead 10 was touched on 17 Nov 11:00 and again on 19 Nov 15:00,
    # after this T, so its last touch is the first one (2 days 3 h idle: hanging). Also hanging: 9 (2 Oct
    # 10:00: 48 days 4 h), 5 (never touched, created 10 Nov 10:00: 9 days 4 h), 1 (16 Nov 10:30: 3 days
    # 3.5 h); 3 (created 19 Nov 12:00) is 2 h old. The last touch at or before T of a lead touched on both
    # sides of T is read from its activities (v_lead), the rest from the stored first and last touch.
    df = run("leads_hanging", rules=Rules(lead_idle_days=1), as_of=t("2026-11-19 14:00"))
    assert rows(df, "lead_id", "days_idle") == [(9, 48), (5, 9), (1, 3), (10, 2)]
    assert df.loc[df.lead_id == 10, "last_touch_at"].item() == t("2026-11-17 11:00")


# --- the lists ------------------------------------------------------------------------------------

def test_leads_unprocessed(run):
    df = run("leads_unprocessed")
    # oldest first: lead 5 (10 Nov 10:00: 10 days 8 h = 248 h waiting), lead 3 (19 Nov 12:00: 30 h)
    assert rows(df, "lead_id", "responsible_id", "status_id", "status_name", "source_id", "source_name",
                "hours_waiting") == [(5, 2, "NEW", "Не обработан", "WEB", "Веб-сайт", 248.0),
                                     (3, 1, "NEW", "Не обработан", "PARTNER", "Партнёр", 30.0)]
    assert df["lead_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/lead/details/5/"
    assert df["date_create"].iloc[0] == t("2026-11-10 10:00")


def test_leads_unprocessed_on_the_next_morning(run):
    # Sat 21 Nov 09:00: leads 4 (20 Nov 09:00) and 12 (20 Nov 19:00), never touched, are unprocessed now;
    # lead 5's call at 19:00 on the 20th is before this T: no longer unprocessed
    df = run("leads_unprocessed", as_of=t("2026-11-21 09:00"))
    assert df["lead_id"].tolist() == [3, 4, 12]


def test_leads_hanging(run):
    df = run("leads_hanging")
    # most idle first: 9 (last touch 2 Oct 10:00: 49 days 8 h -> 49), 5 (never touched, created 10 Nov
    # 10:00: 10 days 8 h -> 10), 1 (16 Nov 10:30: 4 days 7.5 h -> 4)
    assert rows(df, "lead_id", "responsible_id", "days_idle", "never_touched", "responsible_active") == [
        (9, 3, 49, False, False), (5, 2, 10, True, True), (1, 2, 4, False, True)]
    assert df["last_touch_at"].iloc[0] == t("2026-10-02 10:00")
    assert df["last_touch_at"].isna().tolist() == [False, True, False]


def test_lead_backlog_newest_unprocessed_first_then_the_last_to_go_quiet(run):
    df = run("lead_backlog")
    # unprocessed, newest first: 3 (created 19 Nov 12:00: 30 h waiting), 5 (10 Nov 10:00: 248 h); then
    # hanging, least idle first: 1 (last touch 16 Nov 10:30: 4 days; created 16 Nov 10:00: 104 h), 9 (last
    # touch 2 Oct 10:00: 49 days; created 1 Sep 10:00: 80 days 8 h = 1928 h). Lead 5 is hanging too (never
    # touched for 10 days) and is listed once, as unprocessed
    assert rows(df, "lead_id", "reason", "hours_waiting", "days_idle", "never_touched") == [
        (3, "unprocessed", 30.0, 1, True), (5, "unprocessed", 248.0, 10, True),
        (1, "hanging", 104.0, 4, False), (9, "hanging", 1928.0, 49, False)]
    assert df["lead_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/lead/details/3/"
    assert df["last_touch_at"].iloc[2] == t("2026-11-16 10:30")
    # one manager's list: Boris's 5 and 1
    assert run("lead_backlog", manager_id=2)["lead_id"].tolist() == [5, 1]


def test_a_junk_lead_counts_nowhere_but_junk(run):
    # lead 2 (Anna, junk, created 18 Nov) and 11 (Boris, junk): in no list, in the funnel's junk only
    listed = set(run("leads_unprocessed")["lead_id"]) | set(run("leads_hanging")["lead_id"])
    assert listed == {1, 3, 5, 9} and not {2, 11} & listed
    funnel = run("lead_funnel_by_manager")
    assert funnel.loc[funnel.responsible_id == 1, "junk"].item() == 1


# --- the funnels ----------------------------------------------------------------------------------

def test_lead_funnel(run):
    df = run("lead_funnel")
    # November's leads by source: WEB 1 (P), 4 (P), 5 (P), 8 (S -> deal 401, won 12 Nov); EMAIL 10 (P),
    # 11 (F); PARTNER 3 (P), 6 (S -> deal 102, open); CALL 2 (F). Most first, ties by the sources' sort
    # (EMAIL 20 before PARTNER 40)
    assert rows(df, "source_id", "source_name", "leads_created", "in_progress", "converted", "junk",
                "to_deal", "to_won_deal") == [
        ("WEB", "Веб-сайт", 4, 3, 1, 0, 1, 1),
        ("EMAIL", "Электронная почта", 2, 1, 0, 1, 0, 0),
        ("PARTNER", "Партнёр", 2, 1, 1, 0, 1, 0),
        ("CALL", "Звонок", 1, 0, 0, 1, 0, 0),
    ]


def test_lead_funnel_october_counts_a_deal_won_later(run):
    # October: only lead 7 (Boris, WEB, converted into deal 204, created 1 Oct, won 5 Nov, before T)
    df = run("lead_funnel", month=date(2026, 10, 1))
    assert rows(df, "source_id", "leads_created", "converted", "to_deal", "to_won_deal") == [
        ("WEB", 1, 1, 1, 1)]
    # as of 1 Nov deal 204 was not won yet
    df = run("lead_funnel", month=date(2026, 10, 1), as_of=t("2026-11-01 12:00"))
    assert rows(df, "to_deal", "to_won_deal") == [(1, 0)]


def test_lead_funnel_by_manager(run):
    df = run("lead_funnel_by_manager")
    # Anna 2 (F), 3 (P), 4 (P), 6 (S, deal 102 open); Boris 1, 5, 10 (P), 11 (F); Galina 8 (S, deal 401 won)
    assert rows(df, "responsible_id", "responsible_name", "leads_created", "in_progress", "converted", "junk",
                "to_deal", "to_won_deal") == [
        (1, "Anna Ivanova", 4, 2, 1, 1, 1, 0),
        (2, "Boris Petrov", 4, 3, 0, 1, 0, 0),
        (4, "Galina Orlova", 1, 0, 1, 0, 1, 1),
    ]
    assert run("lead_funnel_by_manager", department_id=11)["responsible_id"].tolist() == [2]


# --- planned deals --------------------------------------------------------------------------------

def test_planned_deals_of_the_month(run):
    df = run("planned_deals", month=date(2026, 11, 1))
    # deals created in November up to T, newest first (recurring template 203 is from January anyway)
    assert df["deal_id"].tolist() == [107, 201, 105, 207, 108, 401, 106, 102]
    by_id = df.set_index("deal_id")
    # 102 came from lead 6 and belongs to company 2; 401 from lead 8, to contact 12 (no company)
    assert tuple(by_id.loc[102, ["client_type", "client_id", "client_name", "lead_id", "lead_title"]]) == (
        "company", 2, "ООО Бета", 6, "Partner: Beta")
    assert by_id.loc[102, "lead_url"] == "https://fixture.bitrix24.ru/crm/lead/details/6/"
    assert by_id.loc[102, "amount_base"] == 90000.0  # USD 1000 at 90 RUB
    assert tuple(by_id.loc[401, ["client_type", "client_id", "client_name"]]) == (
        "contact", 12, "Olga Smirnova")
    assert pd.isna(by_id.loc[107, "client_id"])  # a deal naming no company or contact has no client


def test_planned_deals_default_is_t_day(run):
    assert run("planned_deals").empty  # no deal created on 20 Nov up to 18:00
    # T = Mon 16 Nov 18:00: deal 107 (16 Nov 10:00) is that day's
    assert run("planned_deals", as_of=t("2026-11-16 18:00"))["deal_id"].tolist() == [107]
    # an explicit day
    assert run("planned_deals", period_start=date(2026, 11, 15),
               period_end=date(2026, 11, 15))["deal_id"].tolist() == [201]


def test_planned_deals_scope(run):
    assert run("planned_deals", month=date(2026, 11, 1), manager_id=2)["deal_id"].tolist() == [201, 207]
    assert run("planned_deals", month=date(2026, 11, 1), pipeline_id=3)["deal_id"].tolist() == [107, 201, 207]


# --- duplicates -----------------------------------------------------------------------------------

def test_duplicates(run):
    df = run("duplicates")
    # e-mail ivan@mail.ru: contact 11 `Ivan@Mail.RU ` (Anna's, of company 1) and lead 5 `ivan@mail.ru`
    # (Boris, in progress); phone 79123456789: company 1 `+7 (912) 345-67-89` (Anna's), lead 1
    # `8 912 345 6789` (Boris, in progress), lead 2 `89123456789` (junk, shown as a member), lead 3
    # `9123456789` (10 digits; in progress). sales@beta.ru (company 2 + junk lead 11) holds no lead in
    # progress: not shown; `45-67` (lead 4, contact 13) is under 7 digits: no group.
    assert rows(df, "match_kind", "match_value", "entity_type", "entity_id", "owner_id",
                "lead_in_progress") == [
        ("email", "ivan@mail.ru", "contact", 11, 1, False),
        ("email", "ivan@mail.ru", "lead", 5, 2, True),
        ("phone", "79123456789", "company", 1, 1, False),
        ("phone", "79123456789", "lead", 1, 2, True),
        ("phone", "79123456789", "lead", 2, 1, False),
        ("phone", "79123456789", "lead", 3, 1, True),
    ]
    assert df["entity_url"].tolist()[:3] == [
        "https://fixture.bitrix24.ru/crm/contact/details/11/",
        "https://fixture.bitrix24.ru/crm/lead/details/5/",
        "https://fixture.bitrix24.ru/crm/company/details/1/",
    ]
    assert df["title"].tolist()[2] == "ООО Альфа"
    # whom a lead goes to: the group's first record's owner, on a lead in progress someone else holds:
    # lead 5 (Boris) to contact 11's Anna; lead 1 (Boris) to company 1's Anna; lead 2 is junk, lead 3 is
    # Anna's own, the first records route nowhere
    routes = [tuple(None if pd.isna(v) else v for v in r) for r in rows(df, "route_to_id", "route_to_name",
                                                                        "route_to_active")]
    assert routes == [
        (None, None, None), (1, "Anna Ivanova", True), (None, None, None), (1, "Anna Ivanova", True),
        (None, None, None), (None, None, None)]


def test_duplicates_summary_counts_the_list(run):
    # test_duplicates' list: 2 groups (ivan@mail.ru, 79123456789), 6 records, 3 leads in progress (5, 1, 3);
    # Anna's (1): the phone group alone, 4 records, leads 1 and 3; Viktor (3): none. 17 Nov 12:00: both
    # groups, 4 records (contact 11, lead 5, company 1, lead 1), leads 5 and 1 in progress
    columns = ["duplicate_groups", "duplicate_records", "leads_in_progress"]
    assert run("duplicates_summary")[columns].values.tolist() == [[2, 6, 3]]
    assert run("duplicates_summary", manager_id=1)[columns].values.tolist() == [[1, 4, 2]]
    assert run("duplicates_summary", manager_id=3)[columns].values.tolist() == [[0, 0, 0]]
    assert run("duplicates_summary", as_of=t("2026-11-17 12:00"))[columns].values.tolist() == [[2, 4, 2]]


def test_duplicates_scope_follows_the_in_progress_lead(run):
    # Anna's in-progress lead 3 is in the phone group; the e-mail group's lead 5 is Boris's
    assert set(run("duplicates", manager_id=1)["match_kind"]) == {"phone"}
    assert len(run("duplicates", manager_id=2)) == 6
    assert run("duplicates", manager_id=3).empty  # Viktor's lead 9 has no phone or e-mail


def test_duplicates_as_of_before_the_leads_came(run):
    # T = 9 Nov 12:00: leads 1, 2, 3, 5 did not exist yet (created 10-19 Nov); company 1 and contact 11 alone
    # make no group, and lead 11 (5 Nov, junk) with company 2 holds no lead in progress
    assert run("duplicates", as_of=t("2026-11-09 12:00")).empty


def test_duplicates_as_of_between_the_leads_of_a_group(run):
    # T = 17 Nov 12:00: of the phone group, lead 1 (16 Nov, Boris, in progress) is there, leads 2 (18 Nov)
    # and 3 (19 Nov) are not yet; the e-mail group (contact 11, lead 5 of 10 Nov) is whole
    df = run("duplicates", as_of=t("2026-11-17 12:00"))
    assert rows(df, "match_kind", "entity_type", "entity_id") == [
        ("email", "contact", 11), ("email", "lead", 5), ("phone", "company", 1), ("phone", "lead", 1)]
    # Anna's only lead in progress with a phone or e-mail is lead 3, not there yet: no group is hers
    assert run("duplicates", manager_id=1, as_of=t("2026-11-17 12:00")).empty


def test_unknown_client_type_is_one_line(run):
    with pytest.raises(QueryError, match="client_type 'person': expected company or contact"):
        run("client_card", client_type="person", client_id=1)



# --- the rules ----------------------------------------------------------------------------------------

def test_lead_rules_defaults_and_overrides(tmp_path):
    from queries import load_rules

    assert (Rules().lead_idle_days, Rules().reactivation_days) == (3, 90)
    repo = load_rules(Path(__file__).resolve().parents[2] / "rules.toml")
    assert (repo.lead_idle_days, repo.reactivation_days) == (3, 90)  # the file states the defaults
    path = tmp_path / "rules.toml"
    path.write_text("lead_idle_days = 5\nreactivation_days = 60\n", encoding="utf-8")
    assert (load_rules(path).lead_idle_days, load_rules(path).reactivation_days) == (5, 60)


@pytest.mark.parametrize(("text", "message"), [
    ("lead_idle_days = 0\n", "lead_idle_days: must be >= 1, got 0"),
    ("reactivation_days = \"90\"\n", "reactivation_days: expected a whole number, got '90'"),
])
def test_lead_rules_refused_with_key_and_reason(tmp_path, text, message):
    from queries import RulesError, load_rules

    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        load_rules(path)


def test_only_the_lead_and_client_metrics_load_the_lead_layer():
    from queries import leads, list_metrics

    users = {m.name for m in list_metrics() if leads.uses(m.path.read_text(encoding="utf-8"))}
    # duplicates reads only the stored groups (d_shared_value) and the users, not the lead layer
    assert users == {"lead_scorecard", "leads_unprocessed", "leads_hanging", "lead_backlog", "lead_funnel",
                     "lead_funnel_by_manager", "planned_deals", "reactivation", "client_search",
                     "client_card", "client_history"}


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
@pytest.mark.parametrize("ids", [(9001, 9002), (9002, 9001)], ids=["lower id written first", "last"])
def test_a_lead_status_and_source_listed_twice_are_named_by_the_entry_listed_first(fixture_db, tmp_path, ids,
                                                                                   stored):
    # NEW (Не обработан) and CALL (Звонок) are written again as two entries each, 9001 and 9002 under other
    # names, and their own rows go: every such lead reads the lowest id's names, whichever entry the table
    # holds first, live and stored.
    import shutil

    import duckdb

    from queries import derived, run_metric

    db = shutil.copy(fixture_db, tmp_path / "statuses.duckdb")
    status_of = {9001: "Новый", 9002: "Не обработан (старое)"}
    source_of = {9001: "Входящий звонок", 9002: "Звонок (старое)"}
    with duckdb.connect(str(db)) as con:
        con.execute("delete from lead_statuses where status_id = 'NEW'")
        con.execute("delete from sources where status_id = 'CALL'")
        for row_id in ids:
            con.execute("insert into lead_statuses (id, status_id, name, sort) values (?, 'NEW', ?, 10)",
                        [row_id, status_of[row_id]])
            con.execute("insert into sources (id, status_id, name, sort) values (?, 'CALL', ?, 10)",
                        [row_id, source_of[row_id]])
        if stored:
            derived.refresh(con, AS_OF)
    df = run_metric("lead_backlog", db, as_of=AS_OF, rules=Rules())
    new_status = df.loc[df["status_name"].isin(status_of.values()), "status_name"]
    call_source = df.loc[df["source_name"].isin(source_of.values()), "source_name"]
    assert len(new_status) > 0 and set(new_status) == {"Новый"}
    assert len(call_source) > 0 and set(call_source) == {"Входящий звонок"}
