"""The issue-10 additions to the daily review (one line for leads) and to My backlog (a manager's leads and
clients due for reactivation after the deal items), on the metrics' rows of tests/dashboard/leads_frames.py
beside the fixture snapshot's deals."""

from __future__ import annotations

from tests.dashboard.helpers import no_errors, table, texts, widget
from tests.dashboard.leads_frames import leads_metrics  # noqa: F401 - a fixture

NBSP = "\u00a0"


def _leads_line(at) -> list[str]:
    return [m.value for m in at.markdown if "Лиды:" in m.value or "Leads:" in m.value]


def test_daily_review_has_one_line_for_leads(app, leads_metrics) -> None:  # noqa: F811
    at = app()
    no_errors(at)
    # the sums of lead_scorecard: unprocessed 2 + 0 + 1, hanging 4 + 2 + 0
    assert _leads_line(at) == ["**Лиды:** необработанных — 3, зависших — 6."]
    links = at.get("page_link")
    assert [link.proto.label for link in links] == ["Открыть «Лиды»"]
    widget(at, "selectbox", "manager").set_value(2).run()
    assert _leads_line(at) == ["**Лиды:** необработанных — 2, зависших — 4."]


def test_daily_review_line_from_old_data_shows_no_confident_zero(app, leads_metrics, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("DOZHIM_AS_OF", "2026-11-21T18:00:00+03:00")  # a day after the last sync
    leads_metrics.rows["lead_scorecard"] = []
    at = app()
    assert _leads_line(at) == ["**Лиды:** необработанных — 0?, зависших — 0?."]


def test_backlog_lists_the_managers_leads_after_the_deals_most_urgent_first(app, leads_metrics) -> None:  # noqa: F811
    at = app("my_backlog")
    widget(at, "selectbox", "manager").set_value(2).run()
    no_errors(at)
    heads = [s.value for s in at.subheader]
    assert heads[0].startswith("Требуют действия сейчас")  # the deal items stay first
    assert heads[1:] == ["Лиды, ждущие действия: 5", "Клиенты, которых пора вернуть: 1"]
    leads = table(at, "backlog_leads")
    assert list(leads.columns) == ["lead_title", "lead_url", "action", "status_name", "source_name",
                                   "date_create", "last_touch_at"]
    # lead_backlog's order, Boris's rows: unprocessed newest first, then hanging, the last to go quiet first
    assert leads["lead_title"].tolist() == ["Звонок: двери", "Окна в офис", "Коммерческое", "Перезвонить",
                                            "Письмо без ответа"]
    assert leads["action"].tolist() == [
        f"Обработайте лид: ждёт 21{NBSP}час", f"Обработайте лид: ждёт 5{NBSP}дней",
        f"Свяжитесь снова: без касаний 4{NBSP}дня", f"Свяжитесь снова: без касаний 5{NBSP}дней",
        f"Свяжитесь: лид не трогали ни разу, 12{NBSP}дней"]
    assert leads["lead_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/lead/details/12/"
    clients = table(at, "backlog_clients")
    assert clients[["client_name", "action"]].values.tolist() == [["Пётр Ильин",
                                                                  "Предложите повторную покупку"]]
    assert clients["client_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/contact/details/603/"


def test_backlog_a_planned_client_is_in_hand(app, leads_metrics) -> None:  # noqa: F811
    at = app("my_backlog")
    widget(at, "selectbox", "manager").set_value(1).run()
    assert table(at, "backlog_leads")["action"].tolist() == [f"Обработайте лид: ждёт 20{NBSP}часов"]
    assert table(at, "backlog_clients")["action"].tolist() == ["В плане: проведите запланированное дело"]


def test_backlog_with_no_leads_or_clients_says_all_good(app, leads_metrics) -> None:  # noqa: F811
    leads_metrics.rows["reactivation"] = []
    at = app("my_backlog")
    widget(at, "selectbox", "manager").set_value(3).run()  # Viktor: two hanging leads, no client due
    no_errors(at)
    assert "Клиенты, которых пора вернуть: 0" in texts(at)
    assert table(at, "backlog_leads")["lead_title"].tolist() == ["Брошенный лид", "Старый лид"]
    box = at.container("table_backlog_clients")
    assert [c.value for c in box.caption] == ["Ничего нет — всё в порядке."]


def test_backlog_in_english(app, leads_metrics) -> None:  # noqa: F811
    at = app("my_backlog")
    at.segmented_control(key="lang").set_value("en").run()
    widget(at, "selectbox", "manager").set_value(2).run()
    no_errors(at)
    actions = table(at, "backlog_leads")["action"].tolist()
    assert actions[0] == f"Process the lead: waiting 21{NBSP}hours"
    assert actions[4] == f"Get in touch: never touched, 12{NBSP}days"
