"""«Лиды» in AppTest on the issue-10 metrics' rows (tests/dashboard/leads_frames.py: the contract's columns,
hand-built rows) beside the fixture snapshot's managers."""

from __future__ import annotations

from dashboard import columns
from queries import metric_columns
from tests.dashboard.helpers import no_errors, shown, table, texts, tiles, widget
from tests.dashboard.leads_frames import leads_metrics  # noqa: F401 - a fixture

NBSP = "\u00a0"


def test_tiles_are_the_sums_of_the_scorecard_and_worst_comes_first(app, leads_metrics) -> None:  # noqa: F811
    at = app("leads")
    no_errors(at)
    assert at.title[0].value == "Лиды"
    # Boris 5 + Viktor 2 + Anna 3 in progress; unprocessed 2 + 0 + 1; hanging 4 + 2 + 0; new 5 + 0 + 4
    assert {k: tiles(at)[k] for k in ("В работе", "Необработанные", "Зависшие", "Поступило", "Без ответа")} \
        == {"В работе": "10", "Необработанные": "3", "Зависшие": "6", "Поступило": "9", "Без ответа": "1"}
    score = table(at, "lead_scorecard")
    assert list(score.columns) == list(columns.LEAD_SCORECARD.shown)
    # the metric's order, the dismissed responsible marked
    assert score["responsible_name"].tolist() == ["Boris Petrov", "⚠ Viktor Sidorov · уволен(а)",
                                                  "Anna Ivanova"]
    # in tenths of an hour: half an hour is not shown as 0
    assert shown(at, "lead_scorecard")["speed_to_lead_hours"].tolist() == ["26,0", "—", "0,5"]
    assert "ноябрь 2026" in texts(at)  # the month the new leads and the speed are counted in


def test_the_lists_behind_the_numbers_have_links(app, leads_metrics) -> None:  # noqa: F811
    at = app("leads")
    unprocessed = table(at, "leads_unprocessed")
    assert list(unprocessed.columns) == list(columns.LEADS_UNPROCESSED.shown)
    assert unprocessed["lead_title"].tolist() == ["Окна в офис", "Звонок: двери", "Заявка Ивана"]
    assert unprocessed["lead_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/lead/details/11/"
    hanging = table(at, "leads_hanging")
    assert hanging["days_idle"].tolist() == [30, 12, 7, 5, 5, 4]
    assert hanging["responsible_name"].iloc[0] == "⚠ Viktor Sidorov · уволен(а)"
    assert "Необработанные лиды · 3" in texts(at) and "Зависшие лиды · 6" in texts(at)
    assert "больше 3" in texts(at)  # the hanging rule's threshold in words: lead_idle_days, default 3


def test_funnel_by_source_and_by_responsible(app, leads_metrics) -> None:  # noqa: F811
    at = app("leads")
    funnel = table(at, "lead_funnel")
    assert list(funnel.columns) == list(columns.LEAD_FUNNEL.shown)
    assert funnel.set_index("source_name")["to_deal"].to_dict() == {"Сайт": 2, "Звонок": 1}
    by_manager = table(at, "lead_funnel_managers")
    assert by_manager["responsible_name"].tolist() == ["Boris Petrov", "Anna Ivanova"]
    # the funnel is asked for the picked month (created in the period), the lists for now
    asked = {name: params for name, params in leads_metrics.calls}
    assert str(asked["lead_funnel"]["month"]) == "2026-11-01"
    assert "month" not in asked["leads_hanging"]


def test_duplicate_groups_owner_first_and_whom_to_route_to(app, leads_metrics) -> None:  # noqa: F811
    at = app("leads")
    dupes = table(at, "duplicates")
    assert list(dupes.columns) == ["match", "entity_type", "title", "entity_url", "owner_name", "route_to",
                                   "lead_in_progress", "date_create"]
    # each group names its phone or e-mail once, on its owning record
    assert dupes["match"].tolist() == ["телефон: 79123456789", "", "", "e-mail: ivan@mail.ru", "",
                                       "телефон: 79001112233", ""]
    assert dupes["entity_type"].tolist()[:3] == ["Компания", "Контакт", "Лид"]
    # Boris's lead goes to Anna, who owns the company; Anna's lead to Viktor's contact (dismissed: marked);
    # Boris's two leads sharing a phone stay with him
    assert dupes["route_to"].tolist() == ["", "", "Anna Ivanova", "", "⚠ Viktor Sidorov · уволен(а)", "", ""]
    assert dupes["entity_url"].tolist()[:3] == ["https://fixture.bitrix24.ru/crm/company/details/501/",
                                                "https://fixture.bitrix24.ru/crm/contact/details/601/",
                                                "https://fixture.bitrix24.ru/crm/lead/details/11/"]
    assert "Групп: 3; лидов в работе в них: 4." in texts(at)


def test_planned_deals_of_the_day_and_the_month_download(app, leads_metrics) -> None:  # noqa: F811
    at = app("leads")
    day = table(at, "planned_day")
    assert list(day.columns) == list(columns.PLANNED_DEALS.shown)
    assert day["deal_title"].tolist() == ["Окна для Ромашки"]
    assert day["lead_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/lead/details/7/"
    month = table(at, "planned_month")
    assert month["deal_title"].tolist() == ["Окна для Ромашки", "Двери Петрову"]
    said = texts(at)
    assert "Плановые сделки дня — 20.11.2026" in said and "Плановые сделки месяца — ноябрь 2026" in said
    assert f"1{NBSP}сделка на 120{NBSP}000{NBSP}₽" in said and f"2{NBSP}сделки на 200{NBSP}000{NBSP}₽" in said
    for key in ("planned_day", "planned_month"):  # the export component's CSV and Excel under each table
        buttons = at.container(f"table_{key}").get("download_button")
        assert [b.proto.label for b in buttons] == ["CSV", "Excel"]


def test_manager_filter_keeps_that_responsibles_leads(app, leads_metrics) -> None:  # noqa: F811
    at = app("leads")
    widget(at, "selectbox", "manager").set_value(1).run()
    no_errors(at)
    assert tiles(at)["Необработанные"] == "1" and tiles(at)["Зависшие"] == "0"
    assert table(at, "leads_unprocessed")["lead_title"].tolist() == ["Заявка Ивана"]
    # the team's rows, asked once and kept, give each manager's (dashboard.data.ROW_PER_MANAGER)
    asked = [params.get("manager_id") for name, params in leads_metrics.calls if name == "lead_scorecard"]
    assert asked and set(asked) == {None}


def test_nothing_to_do_says_so(app, leads_metrics) -> None:  # noqa: F811
    for name in ("lead_scorecard", "leads_unprocessed", "leads_hanging", "duplicates", "lead_funnel",
                 "lead_funnel_by_manager"):
        leads_metrics.rows[name] = []
    leads_metrics.rows["planned_deals"] = {"day": [], "month": []}
    at = app("leads")
    no_errors(at)
    assert tiles(at)["Зависшие"] == "0"
    assert texts(at).count("Ничего нет — всё в порядке.") == 8  # each of the eight tables


def test_english_is_one_click_away(app, leads_metrics) -> None:  # noqa: F811
    at = app("leads")
    at.segmented_control(key="lang").set_value("en").run()
    no_errors(at)
    assert at.title[0].value == "Leads"
    assert "Hanging" in tiles(at)
    assert "Duplicates: route to the client's owner" in texts(at)


def test_the_frames_keep_to_the_contract() -> None:
    # the page's column lists name only what the metrics state (test_columns does this for every Uses);
    # here: the columns the duplicates table adds are the page's own, not the metric's
    assert "route_to" not in metric_columns("duplicates") and "match" not in metric_columns("duplicates")


def test_both_pages_have_their_address(app) -> None:
    # (tests/dashboard/test_navigation.py lists every address; its set gains `leads` and `clients`)
    at = app()
    addresses = {info["url_pathname"]: info["script_path"].rsplit("/", 1)[-1]
                 for info in at._registered_pages.values()}
    assert addresses["leads"] == "leads.py" and addresses["clients"] == "clients.py"
    assert [p.proto.label for p in at.get("page_link")] == ["Открыть «Лиды»"]  # the daily review's link
