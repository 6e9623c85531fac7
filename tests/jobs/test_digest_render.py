"""Rendering: golden files for the BB-code and the HTML (tests/jobs/golden/digest/; rewrite them with
DOZHIM_UPDATE_GOLDEN=1 and read the diff), the size budget with "…и ещё N", Russian plurals, escaping."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from jobs.digest import words
from jobs.digest.compose import Digest, Item, ManagerLine, Won, head_digest, manager_digest
from jobs.digest.render import IM_MAX_CHARS, bbcode, html_page, lines_for, render
from jobs.digest.scope import Recipient
from queries import viewer_for
from queries.rules import Rules
from tests.jobs.test_digest import build_digest_db, deals_only
from tests.queries.fixture_db import AS_OF

GOLDEN = Path(__file__).parent / "golden" / "digest"
DASHBOARD = "https://dozhim.example.test/"
DAY = date(2026, 11, 20)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DOZHIM_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


@pytest.fixture(scope="module")
def fixture_digests(tmp_path_factory) -> Iterator[tuple[Digest, Digest]]:
    with pytest.MonkeyPatch.context() as patch:  # deals only: the golden files must not move with the leads
        deals_only(patch)
        yield _compose_fixture(tmp_path_factory)


def _compose_fixture(tmp_path_factory) -> tuple[Digest, Digest]:
    db = build_digest_db(tmp_path_factory.mktemp("render") / "crm.duckdb")
    anna = Recipient(1, "Anna Ivanova", None, "manager", viewer=viewer_for(db, 1, Rules()))
    galina = Recipient(4, "Galina Orlova", None, "head", (10,), viewer_for(db, 4, Rules()))
    assert galina.viewer.headed_department_ids == (10,)  # UF_HEAD of department 10 in the fixture
    # the previous working day's list as sent: 101 and 104 and a deal fixed since (999)
    manager = manager_digest(db, anna, AS_OF, AS_OF - timedelta(days=1), Rules(), DAY, "RUB",
                             {"deal:101", "deal:104", "deal:999"})
    head = head_digest(db, galina, AS_OF, Rules(), DAY, "RUB")
    manager.dashboard_url = head.dashboard_url = DASHBOARD
    return manager, head


def test_golden_manager_bbcode_and_html(fixture_digests):
    manager, _ = fixture_digests
    message = render(manager, 20)
    golden("manager.bbcode.txt", message.bbcode + "\n")
    golden("manager.html", message.html)
    golden("manager.txt", message.plain)
    assert (manager.fixed, manager.new) == (1, 3)  # 999 fixed; 105, 103, 106 new


def test_golden_head_bbcode_and_html(fixture_digests):
    _, head = fixture_digests
    message = render(head, 20)
    golden("head.bbcode.txt", message.bbcode + "\n")
    golden("head.html", message.html)


def test_golden_stale_and_all_clear():
    who = Recipient(1, "Anna Ivanova", None, "manager")
    since = datetime(2026, 11, 19, 18, 5, tzinfo=timezone(timedelta(hours=3)))
    stale = render(Digest(who, DAY, "stale", DASHBOARD, stale_since=since), 20)
    golden("stale.bbcode.txt", stale.bbcode + "\n")
    clear = render(Digest(who, DAY, "all_clear", DASHBOARD, fixed=2), 20)
    golden("all_clear.bbcode.txt", clear.bbcode + "\n")


def many_items(n: int) -> list[Item]:
    return [Item(f"deal:{i}", f"Сделка с длинным названием номер {i}",
                 f"https://portal.test/crm/deal/details/{i}/", words.ACTIONS["touch_stale"],
                 "Переговоры · 1 000 000 ₽", "stale_deals") for i in range(1, n + 1)]


def test_a_long_manager_list_stays_within_the_budget_with_and_n_more():
    who = Recipient(1, "Anna Ivanova", None, "manager")
    digest = Digest(who, DAY, "manager", DASHBOARD, items=many_items(300), fixed=0, new=0)
    message = render(digest, 200)
    assert len(message.bbcode) <= IM_MAX_CHARS
    assert 0 < message.items < 300
    assert f"…и ещё {300 - message.items}: [URL={DASHBOARD}]весь список в дашборде[/URL]" in message.bbcode
    assert f"{message.items}. [URL=https://portal.test/crm/deal/details/{message.items}/]" in message.bbcode
    # one more item would not fit: the cut is the largest that does
    one_more, _ = lines_for(digest, message.items + 1, budget=None)
    assert len(bbcode(one_more)) > IM_MAX_CHARS
    # the e-mail is not cut by the notification budget, only by max_items
    assert message.plain.count("https://portal.test/crm/deal/details/") == 200


def test_a_big_team_stays_within_the_budget():
    who = Recipient(4, "Galina Orlova", None, "head", (10,))
    lines = [ManagerLine(i, f"Менеджер номер {i}", 30, -1, {"stale_deals": 20, "overaged_deals": 10})
             for i in range(1, 200)]
    worst = {rule: many_items(5) for rule in words.RULES}
    digest = Digest(who, DAY, "head", DASHBOARD, lines=lines, worst=worst,
                    worst_total={rule: 40 for rule in words.RULES}, won=Won(3, 1e6, 2e6))
    message = render(digest, 20)
    assert len(message.bbcode) <= IM_MAX_CHARS
    assert "…и ещё" in message.bbcode


@pytest.mark.parametrize(("n", "text"), [(1, "1 сделка"), (2, "2 сделки"), (5, "5 сделок"), (11, "11 сделок"),
                                         (21, "21 сделка"), (22, "22 сделки"), (0, "0 сделок"),
                                         (6374, "6\u00a0374 сделки")])  # grouped as words.number
def test_russian_plurals(n, text):
    assert words.plural(n, "deal") == text


def test_titles_cannot_break_the_markup():
    who = Recipient(1, "Anna", None, "manager")
    item = Item("deal:1", "[URL=https://evil.test]<b>x</b>[/URL]", "https://portal.test/crm/deal/details/1/",
                "позвоните", "", "stale_deals")
    digest = Digest(who, DAY, "manager", "", items=[item], fixed=0, new=0)
    lines, _ = lines_for(digest, 20)
    assert "[URL=https://evil.test]" not in bbcode(lines)
    assert "<b>x</b>" not in html_page(lines, "t") and "&lt;b&gt;x&lt;/b&gt;" in html_page(lines, "t")


def test_a_heads_numbers_are_the_deals_rule_counts_and_the_teams_leads_are_one_line():
    # the number beside a name and in the subject counts the deals' rules (the daily review's); the leads
    # come after each name and, summed for the team, once under the won line: 7 + 2 = 9, not 9 + 6 leads
    who = Recipient(4, "Galina Orlova", None, "head", (10,))
    lines = [ManagerLine(1, "Anna", 7, None, {"stale_deals": 7}, (1, 0)),
             ManagerLine(2, "Boris", 2, None, {"overaged_deals": 2}, (3, 2))]
    digest = Digest(who, DAY, "head", DASHBOARD, lines=lines, won=Won(3, 1e6, 2e6), team_leads=(4, 2))
    text = render(digest, 20).bbcode
    assert text.startswith("[B]Дожим, 20 ноября: команда — 9 нарушений[/B]")
    assert "Лиды команды: не обработаны 4, зависли 2." in text
    assert text.index("Лиды команды") < text.index("[B]Менеджеры[/B]")
    assert "Boris — 2 нарушения: старые сделки 2; лиды: не обработаны 3, зависли 2" in text



def test_leads_do_not_reorder_the_managers(monkeypatch):
    # the scorecard's order (issues_total desc, then name) is the daily review's and stays the digest's:
    # Елена 207 above Юлия 190, though Юлия has more leads waiting (164 against 145; the old order summed
    # them and put «190» above «207»)
    from jobs.digest import compose

    frame = pd.DataFrame({"manager_id": [1, 2], "manager_name": ["Елена", "Юлия"], "issues_total": [207, 190],
                          "manager_active": [True, True], **{c: [0, 0] for c in words.SCORECARD_COUNTS}})
    monkeypatch.setattr(compose, "scoped", lambda metric, *args, **kwargs: frame)
    monkeypatch.setattr(compose, "_changes", lambda *args: {})
    who = Recipient(4, "Galina Orlova", None, "head", (10,))
    lines = compose.team_lines("crm.duckdb", who, datetime(2026, 11, 20, 9, tzinfo=UTC), None, DAY,
                               {1: (44, 101), 2: (55, 109)})
    assert [(line.name, line.issues, line.lead_counts) for line in lines] == [
        ("Елена", 207, (44, 101)), ("Юлия", 190, (55, 109))]


@pytest.mark.parametrize(("late", "text"), [(11, "повторная покупка запаздывает на 11 дней"),
                                            (1, "повторная покупка запаздывает на 1 день"),
                                            (0, "повторная покупка запаздывает меньше чем на день")])
def test_a_client_to_bring_back_says_how_late_the_purchase_is(late, text):
    from jobs.digest.compose import client_item

    row = pd.Series({"client_type": "contact", "client_id": 14, "client_name": "Pavel Orlov",
                     "client_url": "https://x.bitrix24.ru/crm/contact/details/14/", "days_overdue": late})
    item = client_item(row)
    assert (item.key, item.detail) == ("contact:14", text)
