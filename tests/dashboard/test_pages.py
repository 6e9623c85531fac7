"""Every other page on the fixture snapshot: backlog, forecast, conversion, trends, about."""

from __future__ import annotations

import shutil

import duckdb

from queries.history_table import HISTORY_DDL
from tests.dashboard.helpers import chart_data, no_errors, table, texts, tiles, widget


def test_backlog_asks_who_you_are_then_lists_your_deals_by_priority(app) -> None:
    at = app("my_backlog")
    no_errors(at)
    assert at.title[0].value == "Мои сделки"
    assert at.info and "адресе страницы" in at.info[0].value
    widget(at, "selectbox", "manager").set_value(1).run()
    no_errors(at)
    deals = table(at, "backlog_table")
    # Anna's five deals needing action in the metric's order: most urgent rule first (overdue 2, invoice 3,
    # no next activity 4); the two overdue items are due Thu 19 Nov, the last working day, newest first
    assert deals["deal_title"].tolist()[:3] == ["Midnight", "Exactly ninety days", "Invoice since Wednesday"]
    assert deals["since_last_workday"].tolist() == [True, True, False, False, False]
    assert deals["action"].iloc[0] == "Выполните просроченное дело или перенесите срок"
    assert deals["action"].iloc[2] == "Позвоните клиенту по выставленному счёту"
    old = deals[deals["deal_title"] == "Old never touched"].iloc[0]
    assert old["rules"] == "Без след. дела, Без касаний, Старые сделки"
    assert old["deal_url"] == "https://fixture.bitrix24.ru/crm/deal/details/101/"
    assert "Требуют действия сейчас: 5" in texts(at)


def test_backlog_link_keeps_the_manager(app) -> None:
    at = app("my_backlog", manager="Boris Petrov")
    # AppTest can only start on the home page; after its switch_page the URL-bound picker is seeded on the
    # next run (the browser test opens /backlog?manager=... directly and needs no second run)
    at.run()
    no_errors(at)
    deals = table(at, "backlog_table")
    assert deals["deal_title"].iloc[0] == "Incoming calls"
    assert deals["action"].iloc[0] == "Ответьте клиенту, закройте входящее"


def test_forecast_for_the_as_of_month_and_a_picked_month(app) -> None:
    at = app("forecast")
    no_errors(at)
    shown = tiles(at)
    # November: 5 open deals expected to close, 114 000 RUB, 34 000 weighted, 3 default and 2 past dates
    assert shown["Сделок"] == "5"
    assert shown["Сумма в воронке, ₽"] == "114\u00a0тыс."
    assert shown["Взвешенный прогноз, ₽"] == "34\u00a0тыс."
    assert shown["Дата по умолчанию"] == "3" and shown["Дата в прошлом"] == "2"
    # the month in progress against the same moment of October (won_pace): Anna and Boris won 2 by
    # 20 Nov 18:00, Anna 1 by 20 Oct 18:00
    assert shown["Выиграно"] == "2"
    assert {m.label: m.delta for m in at.metric}["Выиграно"] == "+1"
    assert {m.label: m.delta for m in at.metric}["Проиграно"] == "+3"  # 4 against 1
    assert table(at, "forecast_months")["close_month"].tolist() == ["2026-08", "2026-11", "2026-12", "none"]
    flagged = table(at, "forecast_flags")
    assert set(flagged["deal_title"]) == {"Old never touched", "Invoice on Saturday", "Midnight",
                                          "Invoice on Friday"}
    pushes = table(at, "forecast_pushes")
    assert sorted(pushes["pushed_days"]) == [5, 15]
    assert at.get("plotly_chart")  # the pipeline-by-month chart is drawn
    widget(at, "selectbox", "month").set_value("2026-12").run()
    no_errors(at)
    assert tiles(at)["Сделок"] == "3"
    assert tiles(at)["Взвешенный прогноз, ₽"] == "103\u00a0тыс."
    # December has not started: nothing won or lost to compare with November
    assert "Выиграно" not in tiles(at)
    widget(at, "selectbox", "month").set_value("2026-10").run()
    # a past month compares whole months (conversion): D110 won in October, none in September; the month
    # is named in the heading over the tiles
    assert "Выиграно и проиграно — октябрь 2026" in [h.value for h in at.subheader]
    assert {m.label: m.delta for m in at.metric}["Выиграно"] == "+1"


def test_forecast_month_from_a_link(app) -> None:
    at = app("forecast", month="2026-08")
    no_errors(at)
    assert tiles(at)["Сделок"] == "1"
    assert tiles(at)["Сумма в воронке, ₽"] == "100\u00a0тыс."


def test_conversion_won_lost_reasons_and_invoice_stage(app) -> None:
    at = app("conversion")
    no_errors(at)
    shown = tiles(at)
    assert shown["Выиграно"] == "3" and shown["Проиграно"] == "4"
    assert shown["Конверсия"] == "43\u00a0%"
    assert shown["Доля проигранных на стадии счёта"] == "25\u00a0%"  # 1 of 4 lost at "Invoice sent"
    reasons = table(at, "loss_reasons")
    assert sorted(reasons["reason_group"]) == ["Закрыл менеджер", "Клиент пропал", "Не указано",
                                               "Отказ клиента"]
    stages = table(at, "lost_stages")
    assert stages[stages["at_invoice_stage"]]["stage_name"].tolist() == ["Invoice sent"]
    months = table(at, "conversion_months")
    assert len(months) == 6
    widget(at, "selectbox", "month").set_value("2026-10").run()
    no_errors(at)
    assert tiles(at)["Выиграно"] == "1" and tiles(at)["Проиграно"] == "1"


def test_trends_from_stored_history(app, history_db, monkeypatch) -> None:
    monkeypatch.setenv("DOZHIM_DB", str(history_db))
    at = app("trends")
    no_errors(at)
    rows = table(at, "trend_table")
    anna = rows[rows["manager_name"] == "Anna Ivanova"].set_index("snapshot_date")
    # stale deals as recorded on 18, 19 and 20 Nov: 2, 1, 2
    assert anna["value"].tolist() == [2, 1, 2]
    assert anna["change"].tolist()[:2] == [1, -1]
    # the team's chart first: its stale deals per day, Anna's 2, 1, 2 and Viktor's 2 each day (D301, last
    # touched 1 Nov, and D108, never touched since 3 Nov), Boris none
    team = chart_data(at, 0)
    assert len(team) == 1 and team[0]["y"] == [4, 3, 4]
    # the managers' chart: a line per manager (Anna, Boris, Viktor marked as dismissed), each with its own
    # days in order and the same stored values; a manager's points must not run into the next one's
    lines = {line["name"]: line for line in chart_data(at, 1)}
    assert len(lines) == 3
    assert [day[:10] for day in lines["Anna Ivanova"]["x"]] == ["2026-11-18", "2026-11-19", "2026-11-20"]
    assert lines["Anna Ivanova"]["y"] == [2, 1, 2]
    assert "На графике" not in texts(at)  # three managers: all drawn
    at.segmented_control(key="trend_rule_ru").set_value("overaged_deals").run()
    rows = table(at, "trend_table")
    assert rows[rows["manager_name"] == "Anna Ivanova"]["value"].tolist() == [2, 1, 1]
    # the table runs from the newest day (20, 19, 18 Nov), the chart's line from the oldest
    assert {line["name"]: line["y"] for line in chart_data(at, 1)}["Anna Ivanova"] == [1, 1, 2]


def test_trends_of_a_big_team_draw_the_team_and_the_ten_with_the_most(app, fixture_db, tmp_path,
                                                                       monkeypatch) -> None:
    """Twelve recorded managers (M01..M12, ids 101..112): stale deals 1 each on 19 Nov, on 20 Nov as many as
    the number in the name. The chart draws the ten with the most on their last day (M12 down to M03), and
    any other the head picks; the team's line is 12 on 19 Nov and 1 + 2 + ... + 12 = 78 on 20 Nov; the
    table keeps all twelve."""
    db = shutil.copy(fixture_db, tmp_path / "big.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(HISTORY_DDL)
        for n in range(1, 13):
            for day, stale in (("2026-11-19", 1), ("2026-11-20", n)):
                con.execute("insert into scorecard_history (snapshot_date, manager_id, manager_name, "
                            "active_deals, stale_deals, manager_active) values (?, ?, ?, 50, ?, true)",
                            [day, 100 + n, f"M{n:02d}", stale])
    monkeypatch.setenv("DOZHIM_DB", str(db))
    at = app("trends")
    no_errors(at)
    assert chart_data(at, 0)[0]["y"] == [12, 78]
    assert sorted(line["name"] for line in chart_data(at, 1)) == [f"M{n:02d}" for n in range(3, 13)]
    assert "На графике 10 из 12" in texts(at)
    assert table(at, "trend_table")["manager_name"].nunique() == 12
    # the head adds M01 (fewest) to the chart: its line joins the ten
    lines = at.multiselect(key="trend_lines_stale_deals_None")
    assert sorted(lines.value) == list(range(103, 113))
    lines.select(101).run()
    no_errors(at)
    assert "M01" in {line["name"] for line in chart_data(at, 1)} and len(chart_data(at, 1)) == 11
    assert "На графике 11 из 12" in texts(at)
    # another rule starts from its own ten: active deals are 50 for everyone, so the first ten by name
    at.segmented_control(key="trend_rule_ru").set_value("active_deals").run()
    assert sorted(line["name"] for line in chart_data(at, 1)) == [f"M{n:02d}" for n in range(1, 11)]


def test_trends_without_history_says_so(app) -> None:
    at = app("trends")
    no_errors(at)
    assert "История копится" in at.info[0].value
    assert "сохранено пока: 0\u00a0дней" in at.info[0].value  # a plural from Babel, never "0 день"


def test_daily_tiles_show_the_change_since_yesterday(app, history_db, monkeypatch) -> None:
    monkeypatch.setenv("DOZHIM_DB", str(history_db))
    at = app()
    changes = {m.label: m.delta for m in at.metric}
    assert changes["Без касаний"] == "+1"  # 3 stale yesterday (Anna 1, Viktor 2), 4 today
    assert changes["Просрочено"] == "+2"
    assert "Итого по команде, изменение со вчера" in texts(at)


def test_daily_tiles_name_the_days_they_compare(app, history_db, tmp_path, monkeypatch) -> None:
    """No day stored for 19 Nov (a failed sync): today's 20 Nov is compared with 18 Nov and the caption says
    so. Stale 4 on both days (Anna 2, Viktor 2); overdue 0 on 18 Nov, 2 on 20 Nov."""
    db = shutil.copy(history_db, tmp_path / "gap.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("delete from scorecard_history where snapshot_date = '2026-11-19'")
    monkeypatch.setenv("DOZHIM_DB", str(db))
    at = app()
    changes = {m.label: m.delta for m in at.metric}
    assert changes["Без касаний"] == "0" and changes["Просрочено"] == "+2"
    assert "изменение — 20.11.2026 против 18.11.2026" in texts(at)
    assert "со вчера" not in texts(at)


def test_daily_tiles_without_two_stored_days_show_no_change(app) -> None:
    at = app()  # the connector's file alone: no day stored yet
    assert all(not m.delta for m in at.metric)  # AppTest reads a tile without a delta as ""
    assert "изменение появится со вторым сохранённым днём" in texts(at)


def test_about_says_the_stored_layer_is_up_to_date_after_the_job(app, history_db, monkeypatch) -> None:
    monkeypatch.setenv("DOZHIM_DB", str(history_db))  # recorded by the job's after-sync step
    facts = app("about").table[0].value
    assert facts.loc["Предрасчёт для быстрых страниц"].iloc[0] == "актуален"


def test_about_shows_portal_rules_and_sync_history(app) -> None:
    at = app("about")
    no_errors(at)
    facts = at.table[0].value
    assert facts.loc["Портал"].iloc[0] == "https://fixture.bitrix24.ru"
    assert facts.loc["Последняя успешная синхронизация"].iloc[0] == "20.11.2026 17:51"
    # the fixture is the connector's file alone: the job's stored layer was never built
    assert facts.loc["Предрасчёт для быстрых страниц"].iloc[0].startswith("не строился: его строит python")
    rules = at.dataframe[0].value  # the rules in effect
    assert dict(zip(rules.iloc[:, 0], rules.iloc[:, 1], strict=True))["touch_interval_days"] == "14"
    runs = table(at, "sync_table")
    assert runs["run_id"].tolist() == [2, 1]
    assert runs["status"].tolist() == ["успешно", "успешно"]  # About shows statuses in words (issue 8 item 9)
