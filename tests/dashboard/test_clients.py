"""«Клиенты» in AppTest on the issue-10 metrics' rows (tests/dashboard/leads_frames.py): the reactivation
list with nothing planned first, the search, and a picked client's card and history."""

from __future__ import annotations

from dashboard import columns
from tests.dashboard.helpers import no_errors, table, texts, tiles, widget
from tests.dashboard.leads_frames import CLIENT_CARD, leads_metrics  # noqa: F401 - a fixture

NBSP = "\u00a0"


def _pick(at, key: str, row: int) -> None:
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()


def test_reactivation_puts_the_unplanned_first(app, leads_metrics) -> None:  # noqa: F811
    at = app("clients")
    no_errors(at)
    assert at.title[0].value == "Клиенты"
    due = table(at, "reactivation")
    assert list(due.columns) == list(columns.REACTIVATION.shown)
    # the metric's order, shown as it comes: nothing planned first (Лютик, Ильин), then Ромашка, the most
    # valuable, which has a planned activity
    assert due["client_name"].tolist() == ["ООО Лютик", "Пётр Ильин", "ООО Ромашка"]
    assert due["planned"].tolist() == [False, False, True]
    assert due["owner_name"].iloc[0] == "⚠ Viktor Sidorov · уволен(а)"
    assert due["client_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/company/details/502/"
    assert f"Пора вернуть: 3{NBSP}клиента; из них ничего не запланировано: 2." in texts(at)
    assert "дольше 90\u00a0дней" in texts(at)  # reactivation_days (default 90) in words
    assert "Найдите клиента" in texts(at)  # nothing picked yet: where the card will open


def test_a_phone_written_another_way_finds_the_client_and_opens_the_card(app, leads_metrics) -> None:  # noqa: F811
    at = app("clients")
    at.text_input(key="client_q").set_value("  8 (912) 345-67-89 ").run()
    no_errors(at)
    # trimmed, else as typed; viewer None: the operator (no sign-in)
    asked = {"viewer": None, "keep": True, "search": "8 (912) 345-67-89"}  # keep: the app's kept session
    assert ("client_search", asked) in leads_metrics.calls
    found = table(at, "client_results")
    assert list(found.columns) == list(columns.CLIENT_SEARCH.shown)
    assert found[["client_name", "client_type", "matched_on", "matched_value"]].values.tolist() == [
        ["ООО Ромашка", "Компания", "телефон", "79123456789"]]
    # one client found: the card opens straight away
    assert "ООО Ромашка · Компания" in [s.value for s in at.subheader]
    card = tiles(at)
    assert card["Выиграно"] == "5" and card["Проиграно"] == "1" and card["Открытых"] == "0"
    assert card["Средний чек, ₽"] == f"180{NBSP}тыс." and card["Последняя покупка"] == "11.09.2026"
    links = [m.value for m in at.markdown if "Bitrix24" in m.value]
    assert links == ["[Открыть в Bitrix24 ↗](https://fixture.bitrix24.ru/crm/company/details/501/) · "
                     "Ответственный: Anna Ivanova"]
    said = texts(at)
    assert "Последнее дело: Звонок\\:\u2060 КП — 01.11.2026 18:00" in said  # the subject as plain text
    assert "Следующего дела нет — клиент ни у кого в планах." in said
    history = table(at, "client_history")
    assert list(history.columns) == list(columns.CLIENT_HISTORY.shown)
    assert history["outcome"].tolist() == ["выиграна", "проиграна", "выиграна"]
    assert history["deal_url"].iloc[0] == "https://fixture.bitrix24.ru/crm/deal/details/150/"


def test_several_found_the_picked_row_opens(app, leads_metrics) -> None:  # noqa: F811
    at = app("clients")
    at.text_input(key="client_q").set_value("иван").run()
    assert table(at, "client_results")["client_name"].tolist() == ["Иван Петров", "Иван Сидоров"]
    assert "Найдите клиента" in texts(at)  # two found: nothing opens by itself
    _pick(at, "client_results", 1)
    no_errors(at)
    assert "Иван Сидоров · Контакт" in [s.value for s in at.subheader]
    assert "Дел по клиенту ещё не было." in texts(at)
    assert "Следующее дело: Встреча — 22.11.2026 18:00" in texts(at)
    assert "Ничего нет — всё в порядке." in texts(at)  # no deals in the history


def test_an_overdue_next_activity_is_called_overdue(app, leads_metrics, monkeypatch) -> None:  # noqa: F811
    # the metric flags Иван Сидоров's meeting overdue: the card does not call it «Следующее дело»
    monkeypatch.setitem(CLIENT_CARD[("contact", 602)], "next_activity_overdue", True)
    at = app("clients")
    at.text_input(key="client_q").set_value("иван").run()
    _pick(at, "client_results", 1)
    no_errors(at)
    assert "Дело просрочено: Встреча — срок был 22.11.2026 18:00" in texts(at)
    assert "Следующее дело" not in texts(at)


def test_a_row_of_the_reactivation_list_opens_its_card(app, leads_metrics) -> None:  # noqa: F811
    at = app("clients")
    _pick(at, "reactivation", 2)  # ООО Ромашка, listed last (planned)
    no_errors(at)
    assert "ООО Ромашка · Компания" in [s.value for s in at.subheader]
    assert table(at, "client_history")["deal_title"].tolist() == ["Пятая поставка", "Не сложилось",
                                                                  "Первая поставка"]


def test_nobody_found_says_so_and_empty_list_is_all_good(app, leads_metrics) -> None:  # noqa: F811
    leads_metrics.rows["reactivation"] = []
    at = app("clients")
    at.text_input(key="client_q").set_value("нет такого").run()
    no_errors(at)
    assert "По запросу «нет такого» никого не нашлось." in [i.value for i in at.info]
    assert "Ничего нет — всё в порядке." in texts(at)


def test_owner_filter_keeps_their_clients(app, leads_metrics) -> None:  # noqa: F811
    at = app("clients")
    widget(at, "selectbox", "manager").set_value(2).run()
    no_errors(at)
    assert table(at, "reactivation")["client_name"].tolist() == ["Пётр Ильин"]


def test_english(app, leads_metrics) -> None:  # noqa: F811
    at = app("clients")
    at.segmented_control(key="lang").set_value("en").run()
    no_errors(at)
    assert at.title[0].value == "Clients"
    assert "Due for reactivation" in [s.value for s in at.subheader]
    assert "Due: 3\u00a0clients; nothing planned for 2." in texts(at)
