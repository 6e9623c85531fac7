"""The leads and clients pages, the daily review's line and My backlog's additions on the real metrics over
the hand-built fixture snapshot (tests/queries/fixture_leads.py), at T = Fri 20 Nov 2026 18:00 (+03:00).

Worked out by hand from the fixture (lead_idle_days 3: hanging when the last touch, or the creation when never
touched, is before Tue 17 Nov 18:00; unprocessed: in progress, created before 20 Nov 00:00, no completed
activity by T):
- lead 1 (Boris, touched 16 Nov 10:30): hanging, 4 days; lead 3 (Anna, 19 Nov, untouched): unprocessed, 30 h;
  lead 4 (Anna, created today): neither; lead 5 (Boris, 10 Nov 10:00, its only call after T): unprocessed,
  248 h, and hanging, never touched; lead 9 (Viktor, dismissed, touched 2 Oct): hanging; lead 10 (touched
  19 Nov): neither; leads 2, 6, 7, 8, 11 are not in progress; lead 12 comes after T.
  So unprocessed 2 (Boris 1, Anna 1), hanging 3 (Viktor 1, Boris 2).
- duplicates: e-mail ivan@mail.ru: contact 11 (Anna) owns it, Boris's lead 5 goes to Anna; phone 79123456789:
  company 1 (Anna) owns it, Boris's lead 1 goes to Anna, Anna's lead 3 stays, lead 2 is junk.
- company 1 (ООО Альфа, Anna): deals 101 open, 109 won (200 000 on 19 Nov), 208 lost (its contact 11's).
- contact 12 (Olga, Boris): won 5 and 12 Nov, no open deal, due a week after the last win; a reactivation
  call is planned for 25 Nov: the only client due.
"""

from __future__ import annotations

from tests.dashboard.helpers import no_errors, table, texts, tiles, widget

NBSP = "\u00a0"
LEAD = "https://fixture.bitrix24.ru/crm/lead/details/{}/"


def test_leads_page_on_the_fixture(app) -> None:
    at = app("leads")
    no_errors(at)
    shown = tiles(at)
    assert shown["Необработанные"] == "2" and shown["Зависшие"] == "3"
    assert table(at, "leads_unprocessed")["lead_url"].tolist() == [LEAD.format(5), LEAD.format(3)]
    hanging = table(at, "leads_hanging")
    assert hanging["lead_url"].tolist() == [LEAD.format(9), LEAD.format(5), LEAD.format(1)]
    assert hanging["responsible_name"].iloc[0] == "⚠ Viktor Sidorov · уволен(а)"
    dupes = table(at, "duplicates")
    routed = dupes[dupes["route_to"] != ""]
    assert routed["title"].tolist() == ["Site form: Ivan", "Site form: Alfa again"]
    assert set(routed["route_to"]) == {"Anna Ivanova"}
    owners = dupes[dupes["match"] != ""]
    assert owners["entity_type"].tolist() == ["Контакт", "Компания"]  # each group opens with its owner
    # nothing created on T's day; November's deals in a table for the forecast, with their leads' links
    assert "Ничего нет — всё в порядке." in [c.value for c in at.container("table_planned_day").caption]
    month = table(at, "planned_month")
    assert len(month) == 8
    assert month.set_index("deal_title").loc["Fresh and busy", "lead_url"] == LEAD.format(6)


def test_daily_review_line_on_the_fixture(app) -> None:
    at = app()
    no_errors(at)
    assert "**Лиды:** необработанных — 2, зависших — 3." in [m.value for m in at.markdown]


def test_backlog_on_the_fixture(app) -> None:
    at = app("my_backlog")
    widget(at, "selectbox", "manager").set_value(2).run()
    no_errors(at)
    leads = table(at, "backlog_leads")
    # lead 5 is unprocessed and hanging: listed once, first; then lead 1, hanging 4 days
    assert leads["lead_url"].tolist() == [LEAD.format(5), LEAD.format(1)]
    assert leads["action"].tolist() == [f"Обработайте лид: ждёт 10{NBSP}дней",
                                        f"Свяжитесь снова: без касаний 4{NBSP}дня"]
    clients = table(at, "backlog_clients")
    assert clients[["client_name", "action"]].values.tolist() == [
        ["Olga Smirnova", "В плане: проведите запланированное дело"]]


def test_a_phone_written_another_way_opens_the_company_card(app) -> None:
    at = app("clients")
    assert table(at, "reactivation")["client_name"].tolist() == ["Olga Smirnova"]
    # the company's phone is stored as `+7 (912) 345-67-89`
    at.text_input(key="client_q").set_value("8 912 345-67-89").run()
    no_errors(at)
    found = table(at, "client_results")
    assert found[["client_name", "matched_on"]].values.tolist() == [["ООО Альфа", "телефон"]]
    assert "ООО Альфа · Компания" in [s.value for s in at.subheader]
    card = tiles(at)
    assert (card["Открытых"], card["Выиграно"], card["Проиграно"]) == ("1", "1", "1")
    assert card["Сумма выигранных, ₽"] == f"200{NBSP}тыс." and card["Последняя покупка"] == "19.11.2026"
    assert any("(https://fixture.bitrix24.ru/crm/company/details/1/)" in m.value for m in at.markdown)
    history = table(at, "client_history")
    assert history["deal_url"].tolist() == [f"https://fixture.bitrix24.ru/crm/deal/details/{i}/"
                                            for i in (208, 109, 101)]
    assert history["outcome"].tolist() == ["проиграна", "выиграна", "в работе"]


def test_an_email_in_another_case_finds_the_company_of_its_contact(app) -> None:
    at = app("clients")
    at.text_input(key="client_q").set_value(" IVAN@mail.ru").run()  # stored as `Ivan@Mail.RU ` on contact 11
    no_errors(at)
    found = table(at, "client_results")
    assert found[["client_name", "matched_on"]].values.tolist() == [["ООО Альфа", "e-mail"]]
    assert "Следующее дело: Meet Ivan — 24.11.2026 10:00" in texts(at)
