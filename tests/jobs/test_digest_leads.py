"""Leads and clients in the digest, once the lead metrics exist (CONTRACT-10; skipped before they land): a
manager's unprocessed and hanging leads follow their deals, each lead once, and their clients due to be
brought back with nothing planned close the list; a head's line counts the leads per manager.

The lead part's fixture (tests/queries/fixture_leads.py) at AS_OF: lead 3 unprocessed (Anna); lead 5
unprocessed and hanging, lead 1 hanging (Boris); lead 9 hanging (Viktor, dismissed)."""

from __future__ import annotations

import duckdb
import pytest

from jobs.digest.run import Options, run_digest
from jobs.digest.settings import Settings
from queries import list_metrics
from queries.rules import Rules
from tests.jobs.test_digest import build_digest_db, deal_link
from tests.queries.fixture_db import AS_OF, PORTAL_URL

pytestmark = pytest.mark.skipif(
    not {"leads_unprocessed", "leads_hanging", "lead_scorecard"} <= {m.name for m in list_metrics()},
    reason="the lead metrics have not landed yet")


def lead_link(lead: int) -> str:
    return f"[URL={PORTAL_URL}/crm/lead/details/{lead}/]"


def test_leads_follow_the_deals_each_once_and_heads_count_them(sandbox, tmp_path):
    db = build_digest_db(tmp_path / "crm.duckdb")
    run_digest(Options(db, AS_OF), Rules(), Settings(notify_webhook_url=sandbox.notify_webhook_url))
    got = {n["user_id"]: n["message"] for n in sandbox.notifications()}
    anna, boris = got[1], got[2]
    assert [lead for lead in (1, 3, 5, 9) if lead_link(lead) in anna] == [3]
    assert anna.index(deal_link(101)) < anna.index(lead_link(3))  # after the deals
    assert "возьмите лид в работу" in anna
    assert boris.index(lead_link(5)) < boris.index(lead_link(1))  # unprocessed first, then hanging
    assert lead_link(3) not in boris and lead_link(9) not in boris
    assert boris.count(lead_link(5)) == 1  # unprocessed and hanging: listed once, as unprocessed
    assert "Boris Petrov — 5 нарушений: необработанные входящие 3, без следующего дела 1, старые сделки 1; " \
           "лиды: не обработаны 1, зависли 2" in got[4]
    # the head of everyone: the subject counts the deals' rules only (Anna 10 + Boris 5 + Viktor 4 = 19, as
    # the daily review), the team's leads in one line: unprocessed 3 and 5, hanging 5, 1 and 9
    assert got[4].startswith("[B]Дожим, 20 ноября: команда — 19 нарушений[/B]")
    assert "Лиды команды: не обработаны 2, зависли 3." in got[4]


def test_clients_to_bring_back_close_the_list_unless_something_is_planned(sandbox, tmp_path):
    # reactivation_days = 30 (tests/queries/test_clients.py): Anna's contact 14 Pavel Orlov bought once, on
    # 10 Oct 10:00, due 9 Nov 10:00, so 11 days 8 h late at T; nothing planned with him. Boris's contact 12
    # Olga Smirnova is due too (wins 5 and 12 Nov: a 7-day interval) but her reactivation call on 25 Nov is
    # planned: in hand, not on his list.
    db = build_digest_db(tmp_path / "crm.duckdb")
    settings = Settings(notify_webhook_url=sandbox.notify_webhook_url)
    run_digest(Options(db, AS_OF), Rules(reactivation_days=30), settings)
    got = {n["user_id"]: n["message"] for n in sandbox.notifications()}
    anna, boris = got[1], got[2]
    pavel = f"[URL={PORTAL_URL}/crm/contact/details/14/]"
    assert anna.index(deal_link(101)) < anna.index(lead_link(3)) < anna.index(pavel)
    assert f"{pavel}Pavel Orlov[/URL] — верните клиента: позвоните или запланируйте дело " \
           "(повторная покупка запаздывает на 11 дней)" in anna
    assert "/crm/contact/details/12/" not in boris


def test_a_manager_with_only_clients_to_bring_back_gets_their_digest(sandbox, tmp_path):
    # Pavel Orlov (contact 14, due with reactivation_days = 30, as above) handed to Elena (7), a manager with
    # no deal and no lead: her list is that one client, so she is a recipient
    db = build_digest_db(tmp_path / "crm.duckdb")
    con = duckdb.connect(str(db))
    try:
        con.execute("insert into users (id, active, name, last_name, uf_department) "
                    "values (7, true, 'Elena', 'Kuznetsova', [11])")
        con.execute("update contacts set assigned_by_id = 7 where id = 14")
    finally:
        con.close()
    run_digest(Options(db, AS_OF), Rules(reactivation_days=30),
               Settings(notify_webhook_url=sandbox.notify_webhook_url))
    got = {n["user_id"]: n["message"] for n in sandbox.notifications()}
    assert got[7].startswith("[B]Дожим, 20 ноября: 1 дело на сегодня[/B]")
    assert f"[URL={PORTAL_URL}/crm/contact/details/14/]Pavel Orlov[/URL]" in got[7]
