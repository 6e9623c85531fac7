"""The morning digest end to end: composed from the hand-built fixture snapshot (tests/queries/fixture_db.py),
sent to the in-process sandbox portal over HTTP (im.notify.system.add in batch) and read back from it.

The fixture at AS_OF (Friday 2026-11-20 18:00 +03:00; last good sync 17:51, fresh): managers 1 Anna (dept 10)
and 2 Boris (dept 11, a child of 10) own open deals; 3 Viktor is dismissed (no digest, but his line shows in
his heads' digests). Here user 4 Galina heads dept 10 (so sees 1, 2, 3) and a new user 6 Dmitry heads dept
11 (sees 2, 3). Backlogs by hand from the fixture's comments and tests/queries: Anna's deals 105, 103, 106,
104, 101; Boris's 201, 205, 202; Viktor's 108, 301.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from jobs.digest.run import Options, run_digest
from jobs.digest.settings import Settings
from queries.digest_log import list_digests
from queries.history import record_scorecard
from queries.rules import DigestRules, Rules
from snapshot.state import state_path
from tests.queries.fixture_db import AS_OF, PORTAL_URL, _deal, _fill_activities, _insert, build_fixture_db, t

DASHBOARD = "https://dozhim.example.test/"
ANNA = [105, 103, 106, 104, 101]
BORIS = [201, 205, 202]
VIKTOR = [108, 301]


def deal_link(deal: int) -> str:
    return f"[URL={PORTAL_URL}/crm/deal/details/{deal}/]"


def build_digest_db(path: Path) -> Path:
    build_fixture_db(path)
    con = duckdb.connect(str(path))
    try:
        con.execute("update departments set uf_head = 4 where id = 10")
        con.execute("update departments set uf_head = 6 where id = 11")
        con.execute("insert into users (id, active, name, last_name, uf_department, email) "
                    "values (6, true, 'Dmitry', 'Volkov', [11], 'dmitry@example.test')")
        for uid, mail in ((1, "anna"), (2, "boris"), (4, "galina")):
            con.execute("update users set email = $m where id = $u", {"m": f"{mail}@example.test", "u": uid})
    finally:
        con.close()
    return path


def deals_only(monkeypatch) -> None:
    """The lead and client metrics switched off for the digest (the lead part's fixture leads and clients
    would join the lists): these tests are about the deals; test_digest_leads.py covers leads and clients."""
    from jobs.digest import compose

    real = compose._metric_exists
    monkeypatch.setattr(compose, "_metric_exists",
                        lambda name: not name.startswith("lead") and name != "reactivation" and real(name))


@pytest.fixture(autouse=True)
def _no_leads(monkeypatch) -> None:
    deals_only(monkeypatch)


@pytest.fixture
def digest_db(tmp_path) -> Path:
    return build_digest_db(tmp_path / "crm.duckdb")


@pytest.fixture
def settings(sandbox) -> Settings:
    return Settings(notify_webhook_url=sandbox.notify_webhook_url, dashboard_url=DASHBOARD)


def by_user(sandbox) -> dict[int, str]:
    return {n["user_id"]: n["message"] for n in sandbox.notifications()}


def sends(sandbox) -> int:
    return sandbox.stats.get("im.notify.system.add", 0)


def test_each_manager_gets_only_their_items_and_each_head_one_line_per_manager_of_their_scope(
        sandbox, digest_db, settings):
    outcome = run_digest(Options(digest_db, AS_OF), Rules(), settings)
    assert outcome.failed == 0
    got = by_user(sandbox)
    assert sorted(got) == [1, 2, 4, 6]  # Viktor is dismissed; Galina and Dmitry are heads
    anna, boris = got[1], got[2]
    assert [d for d in ANNA + BORIS + VIKTOR if deal_link(d) in anna] == ANNA
    assert [d for d in ANNA + BORIS + VIKTOR if deal_link(d) in boris] == BORIS
    assert "Anna" not in boris and "Boris" not in anna  # nothing about other managers
    assert anna.index(deal_link(105)) < anna.index(deal_link(101))  # most urgent first
    assert anna.startswith("[B]Дожим, 20 ноября: 5 дел на сегодня[/B]")  # Babel: 5 -> «дел»

    def manager_lines(message: str) -> list[str]:
        return [line.split(" — ")[0] for line in message.splitlines()
                if line.startswith(("Anna", "Boris", "Viktor"))]

    # one line per manager of the scope, worst first (issues: Anna 10, Boris 5, Viktor 4: EXPECTED_SCORECARD)
    viktor = "Viktor Sidorov (уволен: передайте сделки)"
    assert manager_lines(got[4]) == ["Anna Ivanova", "Boris Petrov", viktor]
    assert manager_lines(got[6]) == ["Boris Petrov", viktor]
    assert deal_link(105) not in got[6] and deal_link(201) in got[6]  # the five worst: their scope only
    # the team's won so far this month: Anna 200,000 + Boris 2,000 USD at 90 = 180,000 (Galina's win is not
    # a manager's: she owns no open deal); last month to this day: Anna's 50,000 of 10 Oct
    won = "Выиграно в этом месяце: 2 сделки на 380\xa0000 ₽ (к этому дню прошлого месяца: 50\xa0000 ₽)"
    assert won in got[4]
    assert f"[URL={DASHBOARD}]Открыть Дожим[/URL]" in anna


def test_the_heads_change_per_manager_comes_from_the_two_stored_days(sandbox, digest_db, settings):
    con = duckdb.connect(str(digest_db))
    try:
        record_scorecard(con, AS_OF - timedelta(days=1), Rules())  # Thursday stored
        record_scorecard(con, AS_OF, Rules())  # Friday stored
        # Thursday by hand: Anna had 2 more overdue activities (12 in all), Boris 2 fewer unprocessed (3)
        con.execute("update scorecard_history set overdue_activities = 4, stale_deals = 2, "
                    "no_next_activity = 2, overaged_deals = 2, invoice_stuck = 1, missed_followups = 1, "
                    "unprocessed_incoming = 0 "
                    "where snapshot_date = '2026-11-19' and manager_id = 1")
        con.execute("update scorecard_history set unprocessed_incoming = 1, no_next_activity = 1, "
                    "overaged_deals = 1, overdue_activities = 0, stale_deals = 0, invoice_stuck = 0, "
                    "missed_followups = 0 where snapshot_date = '2026-11-19' and manager_id = 2")
        con.execute("delete from scorecard_history where snapshot_date = '2026-11-19' and manager_id = 3")
    finally:
        con.close()
    run_digest(Options(digest_db, AS_OF), Rules(), settings)
    head = by_user(sandbox)[4]
    assert "Anna Ivanova — 10 нарушений (−2):" in head  # 10 today - 12 on Thursday
    assert "Boris Petrov — 5 нарушений (+2):" in head  # 5 - 3
    assert "Viktor Sidorov (уволен: передайте сделки) — 4 нарушения:" in head  # no Thursday row: no change


def test_the_managers_fixed_and_new_are_against_the_list_they_were_sent_the_previous_working_day(
        sandbox, digest_db, settings):
    run_digest(Options(digest_db, AS_OF), Rules(), settings)  # Friday: sent, its items remembered
    monday = t("2026-11-23 18:00")  # the previous working day of Monday is Friday, not Sunday
    # pretend Friday's list had deal 999 (since fixed) and lacked 105 and 103 (new since)
    con = sqlite3.connect(state_path(digest_db))
    with con:
        con.execute("delete from digest_items where recipient_id = 1 "
                    "and item_key in ('deal:105', 'deal:103')")
        con.execute("insert into digest_items values ('2026-11-20', 1, 'deal:999')")
    con.close()
    run_digest(Options(digest_db, monday), replace(Rules(), digest=DigestRules(fresh_hours=24 * 7)), settings)
    anna = by_user(sandbox)[1]
    assert "С прошлого рабочего дня: исправлено 1, новых 2." in anna
    new_lines = [line for line in anna.splitlines() if line.endswith("[B]новое[/B]")]
    assert [d for d in ANNA if any(deal_link(d) in line for line in new_lines)] == [105, 103]


def test_a_head_who_owns_deals_gets_their_own_list_first_and_it_is_compared_next_day(
        sandbox, digest_db, settings):
    with duckdb.connect(str(digest_db)) as con:  # Dmitry (head of dept 11) took over Boris's deal 202
        con.execute("update deals set assigned_by_id = 6 where id = 202")
    run_digest(Options(digest_db, AS_OF), Rules(), settings)  # Friday
    got = by_user(sandbox)
    dmitry, boris = got[6], got[2]
    assert dmitry.startswith("[B]Дожим, 20 ноября: команда — ")
    assert dmitry.splitlines()[0].endswith("; ваших — 1 дело[/B]")  # Babel: 1 -> «дело»
    own = dmitry[dmitry.index("[B]Ваши дела[/B]"):dmitry.index("[B]Менеджеры[/B]")]
    assert "Ваш список: 1 дело, самое срочное сверху." in own
    assert [d for d in ANNA + BORIS + VIKTOR if deal_link(d) in own] == [202]
    assert deal_link(202) not in boris and [d for d in BORIS if deal_link(d) in boris] == [201, 205]
    assert "Ваши дела" not in got[4]  # Galina owns no deal: her digest is the team's only
    monday = t("2026-11-23 18:00")  # compared with Friday's list as sent: the same deal, nothing new
    run_digest(Options(digest_db, monday), replace(Rules(), digest=DigestRules(fresh_hours=24 * 7)), settings)
    dmitry = by_user(sandbox)[6]
    assert "Ваш список: 1 дело, самое срочное сверху. С прошлого рабочего дня: исправлено 0, новых 0." \
        in dmitry
    assert "[B]новое[/B]" not in dmitry[:dmitry.index("[B]Менеджеры[/B]")]


def test_a_heads_digest_that_kept_no_items_is_compared_with_the_queries(sandbox, digest_db, settings):
    # a head's digest sent before heads' own lists were kept: no digest_items rows; an empty list proves
    # nothing, so Monday compares with the list the queries give for Friday (202 was on it: not new)
    with duckdb.connect(str(digest_db)) as con:
        con.execute("update deals set assigned_by_id = 6 where id = 202")
    run_digest(Options(digest_db, AS_OF), Rules(), settings)
    con = sqlite3.connect(state_path(digest_db))
    with con:
        con.execute("delete from digest_items where recipient_id = 6")
    con.close()
    monday = t("2026-11-23 18:00")
    run_digest(Options(digest_db, monday), replace(Rules(), digest=DigestRules(fresh_hours=24 * 7)), settings)
    dmitry = by_user(sandbox)[6]
    assert "С прошлого рабочего дня: исправлено 0, новых 0." in dmitry


def test_a_second_run_sends_nothing_and_resend_sends_again(sandbox, digest_db, settings):
    first = run_digest(Options(digest_db, AS_OF), Rules(), settings)
    assert sends(sandbox) == 4 and len(first.entries) == 4
    again = run_digest(Options(digest_db, AS_OF + timedelta(hours=1)), Rules(), settings)
    assert sends(sandbox) == 4 and again.entries == []
    run_digest(Options(digest_db, AS_OF, resend=True), Rules(), settings)
    assert sends(sandbox) == 8
    assert len(sandbox.notifications()) == 4  # the same TAG replaced each person's earlier notification
    log = list_digests(digest_db)
    assert len(log) == 8 and set(log["status"]) == {"sent"} and set(log["channel"]) == {"im"}


def test_only_sends_to_one_person(sandbox, digest_db, settings):
    run_digest(Options(digest_db, AS_OF, only=2), Rules(), settings)
    assert sorted(by_user(sandbox)) == [2]


def test_a_stale_snapshot_sends_only_the_stale_note(sandbox, digest_db, settings):
    con = duckdb.connect(str(digest_db))
    try:
        con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal, error) values "
                    "(3, $s, $f, 'incremental', 'failed', 'fixture.bitrix24.ru', 'HTTP 503')",
                    {"s": t("2026-11-20 17:55"), "f": t("2026-11-20 17:56")})
    finally:
        con.close()
    run_digest(Options(digest_db, AS_OF), Rules(), settings)
    got = by_user(sandbox)
    assert sorted(got) == [1, 2, 4, 6]
    for message in got.values():
        assert "Данные устарели: последняя успешная синхронизация — 20 ноября, 17:51." in message
        assert "/crm/deal/details/" not in message and "нарушени" not in message
    assert set(list_digests(digest_db)["kind"]) == {"stale"}


def test_an_old_last_good_sync_is_stale_too(sandbox, digest_db, settings):
    run_digest(Options(digest_db, AS_OF + timedelta(hours=2, minutes=10)), Rules(), settings)  # 2 h 19 min
    assert all("Данные устарели" in m for m in by_user(sandbox).values())


@pytest.mark.parametrize(("moment", "note"), [
    (t("2026-11-21 10:00"), "2026-11-21 is not a working day"),  # Saturday
    (t("2026-11-04 10:00"), "2026-11-04 is not a working day"),  # Unity Day, a Russian public holiday
    (t("2026-11-20 08:29"), "before digest.send_after 08:30"),
])
def test_nothing_is_sent_on_a_day_off_or_before_the_send_time(sandbox, digest_db, settings, moment, note):
    outcome = run_digest(Options(digest_db, moment), Rules(), settings)
    assert note in outcome.note and sends(sandbox) == 0 and list_digests(digest_db).empty


def test_the_list_is_cut_at_max_items_with_and_n_more(sandbox, digest_db, settings):
    run_digest(Options(digest_db, AS_OF), replace(Rules(), digest=DigestRules(max_items=2)), settings)
    anna = by_user(sandbox)[1]
    assert [d for d in ANNA if deal_link(d) in anna] == [105, 103]
    assert f"…и ещё 3: [URL={DASHBOARD}]весь список в дашборде[/URL]" in anna
    assert list_digests(digest_db).set_index("recipient_id").loc[1, "items"] == 2


def test_all_clear_is_sent_or_not_as_configured(sandbox, digest_db, settings):
    con = duckdb.connect(str(digest_db))
    try:  # Boris's deals go to Anna; he keeps one new deal with its next call planned: nothing to fix
        con.execute("update deals set assigned_by_id = 1 where assigned_by_id = 2")
        _insert(con, "deals", [_deal(290, "Clean", 0, "PREPARATION", "P", 2, 1000, "RUB", "2026-11-19 10:00",
                                     closedate="2026-12-19")])
        _fill_activities(con, [(2901, [290], 2, "Call", False, 2, False, "2026-11-25 10:00", None,
                                "2026-11-25 10:00", "2026-11-19 10:00")], [], first_history_id=1000)
    finally:
        con.close()
    run_digest(Options(digest_db, AS_OF, only=2), replace(Rules(), digest=DigestRules(all_clear=False)),
               settings)
    assert sends(sandbox) == 0
    run_digest(Options(digest_db, AS_OF, only=2), Rules(), settings)
    assert by_user(sandbox)[2].endswith("Нарушений нет: по вашим сделкам сегодня всё в порядке.\n\n"
                                        f"[URL={DASHBOARD}]Открыть Дожим[/URL]")


def test_one_failing_recipient_does_not_stop_the_others(sandbox, digest_db, settings):
    con = sqlite3.connect(sandbox.store_path)  # Boris is dismissed on the portal since the last sync
    with con:
        con.execute('update users set "ACTIVE" = 0 where "ID" = 2')
    con.close()
    outcome = run_digest(Options(digest_db, AS_OF), Rules(), settings)
    assert sorted(by_user(sandbox)) == [1, 4, 6]
    log = list_digests(digest_db).set_index("recipient_id")
    assert log.loc[2, "status"] == "failed" and "no such active user" in log.loc[2, "error"]
    assert (log.drop(index=2)["status"] == "sent").all() and outcome.failed == 1


def test_dry_run_writes_files_and_sends_nothing(sandbox, digest_db, settings, tmp_path):
    out = tmp_path / "out"
    run_digest(Options(digest_db, AS_OF, dry_run=out), replace(Rules(), digest=DigestRules(email=True)),
               settings)
    assert sends(sandbox) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "2026-11-20_1_manager.bbcode.txt" in names and "2026-11-20_4_head.html" in names
    assert deal_link(105) in (out / "2026-11-20_1_manager.bbcode.txt").read_text(encoding="utf-8")
    assert set(list_digests(digest_db)["status"]) == {"dry_run"}


def test_a_recipient_whose_digest_cannot_be_composed_fails_alone(sandbox, digest_db, settings, monkeypatch):
    from jobs.digest import compose

    real = compose.manager_digest

    def broken_for_anna(db, recipient, *args, **kwargs):
        if recipient.user_id == 1:
            raise KeyError("lead_title")  # e.g. a metric whose columns changed under the digest
        return real(db, recipient, *args, **kwargs)

    monkeypatch.setattr(compose, "manager_digest", broken_for_anna)
    outcome = run_digest(Options(digest_db, AS_OF), Rules(), settings)
    assert sorted(by_user(sandbox)) == [2, 4, 6]
    failed = [(e.recipient_id, e.error) for e in outcome.entries if e.status == "failed"]
    assert failed == [(1, "KeyError: 'lead_title'")]


def test_a_stale_note_does_not_use_up_the_day_for_the_real_digest(sandbox, digest_db, settings):
    con = duckdb.connect(str(digest_db))
    try:  # 17:56: a failed run after the good one of 17:51
        con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal, error) values "
                    "(3, $s, $f, 'incremental', 'failed', 'fixture.bitrix24.ru', 'HTTP 503')",
                    {"s": t("2026-11-20 17:55"), "f": t("2026-11-20 17:56")})
    finally:
        con.close()
    run_digest(Options(digest_db, AS_OF), Rules(), settings)
    run_digest(Options(digest_db, AS_OF + timedelta(minutes=5)), Rules(), settings)  # still failing
    assert sends(sandbox) == 4  # one stale note each, not two
    con = duckdb.connect(str(digest_db))
    try:  # 18:10: a good run again
        con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal) values "
                    "(4, $s, $f, 'incremental', 'ok', 'fixture.bitrix24.ru')",
                    {"s": t("2026-11-20 18:09"), "f": t("2026-11-20 18:10")})
    finally:
        con.close()
    run_digest(Options(digest_db, AS_OF + timedelta(minutes=15)), Rules(), settings)
    assert sends(sandbox) == 8 and deal_link(105) in by_user(sandbox)[1]
    run_digest(Options(digest_db, AS_OF + timedelta(minutes=30)), Rules(), settings)
    assert sends(sandbox) == 8
    kinds = list_digests(digest_db).groupby("kind").size().to_dict()
    assert kinds == {"stale": 4, "manager": 2, "head": 2}


def test_opted_out_people_get_nothing(sandbox, digest_db, settings):
    run_digest(Options(digest_db, AS_OF), replace(Rules(), digest=DigestRules(opt_out=(2, 6))), settings)
    assert sorted(by_user(sandbox)) == [1, 4]
    assert sorted(list_digests(digest_db)["recipient_id"]) == [1, 4]
