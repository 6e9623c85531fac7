"""Long lists (issue 12): a page shows a list's head, asked of SQL with a row limit, says so, and its CSV /
Excel download holds every row, shaped as the shown rows are, with the export audit counting the file's rows.
SHOWN_MAX_ROWS is made small so the fixture's short lists are cut."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import components, data, leads_shared, page_calls, tables
from dashboard.i18n import TEXTS, reason
from queries import run_metric
from tests.dashboard.conftest import APP
from tests.dashboard.helpers import export_audit, no_errors, table, texts, widget
from tests.dashboard.leads_frames import leads_metrics  # noqa: F401 - a fixture
from tests.queries.fixture_db import AS_OF

Calls = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def short(fixture_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Lists cut after 2 rows, on a private copy of the fixture (the export audit goes beside it); the file
    builders of the download buttons and the metric calls the app made are kept."""
    db = tmp_path / "crm.duckdb"
    shutil.copyfile(fixture_db, db)
    monkeypatch.setenv("DOZHIM_DB", str(db))
    monkeypatch.setenv("DOZHIM_AS_OF", AS_OF.isoformat())
    monkeypatch.delenv("DOZHIM_RULES", raising=False)
    monkeypatch.delenv("DOZHIM_FRESH_HOURS", raising=False)
    monkeypatch.setattr(page_calls, "SHOWN_MAX_ROWS", 2)
    built: dict[str, Callable[[], bytes]] = {}
    calls: Calls = []
    real_button, real_run = st.download_button, data.run_metric

    def button(label: str, content: Any, *args: Any, **kwargs: Any) -> Any:  # AppTest has no media server
        built[kwargs["key"]] = content
        return real_button(label, content, *args, **kwargs)

    def run(name: str, db_path: Any, **kwargs: Any) -> pd.DataFrame:
        calls.append((name, {k: v for k, v in kwargs.items() if k not in ("as_of", "rules", "viewer")}))
        return real_run(name, db_path, **kwargs)

    monkeypatch.setattr(st, "download_button", button)
    monkeypatch.setattr(data, "run_metric", run)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield {"db": db, "built": built, "calls": calls}
    st.cache_data.clear()
    st.cache_resource.clear()


def _page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if page is not None:
        at.switch_page(f"views/{page}.py").run()
    no_errors(at)
    return at


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_forecast_flags_show_the_head_and_download_every_row(short: dict[str, Any]) -> None:
    at = _page("forecast")
    every = run_metric("forecast_flags", short["db"], as_of=AS_OF)  # 4 deals with a doubtful close date
    assert len(every) == 4
    head = table(at, "forecast_flags")
    assert head["deal_title"].tolist() == every["deal_title"].tolist()[:2]  # the metric's first rows
    assert "Показаны первые 2 из 4 строк; весь список — в CSV или Excel." in texts(at)  # SQL counted the 4
    rows = _csv(short["built"]["forecast_flags_csv"]())  # the click
    assert [r[0] for r in rows[1:]] == every["deal_title"].tolist()
    reasons = [r[rows[0].index(TEXTS["reason"]["ru"])] for r in rows[1:]]
    assert reasons == [reason(code) for code in every["reason"]]  # in words, as on the page
    sheet = openpyxl.load_workbook(io.BytesIO(short["built"]["forecast_flags_xlsx"]())).active
    assert [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)] == \
        every["deal_title"].tolist()
    assert export_audit(short["db"]) == [("doubtful_close_dates", "csv", 4),
                                         ("doubtful_close_dates", "xlsx", 4)]


def test_forecast_flags_are_the_forecast_flags_metric(short: dict[str, Any], monkeypatch) -> None:
    monkeypatch.setattr(page_calls, "SHOWN_MAX_ROWS", 2000)
    at = _page("forecast")
    every = run_metric("forecast_flags", short["db"], as_of=AS_OF)
    shown = table(at, "forecast_flags")
    assert shown["deal_title"].tolist() == every["deal_title"].tolist()
    assert shown["closedate"].tolist() == every["closedate"].tolist()
    assert "Показаны первые" not in texts(at)  # nothing cut, nothing said
    asked = {name for name, _ in short["calls"]}
    assert "forecast_flags" in asked and "forecast_deals" not in asked  # the page no longer needs it


def test_a_short_list_downloads_what_it_shows(short: dict[str, Any]) -> None:
    at = _page()
    widget(at, "selectbox", "drill_rule_ru").set_value("overaged_deals").run()  # 3 deals: cut after 2
    widget(at, "selectbox", "manager").set_value(2).run()  # Boris: 1 overaged deal, nothing cut
    no_errors(at)
    assert table(at, "drill_table")["deal_title"].tolist() == ["Moved to projects"]
    assert "Показаны первые" not in texts(at)
    rows = _csv(short["built"]["drill_table_csv"]())
    assert [r[0] for r in rows[1:]] == ["Moved to projects"]
    assert export_audit(short["db"]) == [("overaged_deals_2", "csv", 1)]


def test_a_manager_filter_on_a_cut_list_asks_sql_for_that_manager(short: dict[str, Any]) -> None:
    at = _page()
    team = run_metric("stale_deals", short["db"], as_of=AS_OF)  # the drill's default rule: 4 deals
    assert len(team) == 4 and len(set(team["manager_id"])) > 1
    assert "Показаны первые 2 из 4 строк" in texts(at)
    short["calls"].clear()
    widget(at, "selectbox", "manager").set_value(1).run()  # Anna
    no_errors(at)
    asked = [p for name, p in short["calls"] if name == "stale_deals"]
    assert {"manager_id": 1, "limit": 2} in [{k: p.get(k) for k in ("manager_id", "limit")} for p in asked]
    anna = team[team["manager_id"] == 1]
    assert table(at, "drill_table")["deal_title"].tolist() == anna["deal_title"].tolist()[:2]
    assert set(table(at, "drill_table")["manager_name"]) == {"Anna Ivanova"}
    rows = _csv(short["built"]["drill_table_csv"]())
    assert [r[0] for r in rows[1:]] == anna["deal_title"].tolist()


def test_a_cached_frame_is_never_changed_by_its_reader(short: dict[str, Any]) -> None:
    _page()  # a run builds the context the metric calls read
    ctx = data.context()
    first = data.metric("stale_deals", limit=2, _ctx=ctx)
    assert first.attrs["cut"] is True
    first.loc[0, "deal_title"] = "changed by a page"
    again = data.metric("stale_deals", limit=2, _ctx=ctx)
    assert again.loc[0, "deal_title"] != "changed by a page"
    assert again.attrs["cut"] is True


def test_duplicate_groups_shape_the_head_and_download_every_group(short: dict[str, Any]) -> None:
    # the fixture's 6 duplicate rows in 2 groups (fixture_leads, in the metric's order): e-mail ivan@mail.ru
    # (Anna's contact 11, Boris's lead 5 in progress) and phone 79123456789 (Anna's company 1, Boris's lead 1
    # in progress, Anna's lead 2 closed, Anna's lead 3 in progress). A lead in progress held by someone other
    # than the group's owning record goes to that record's owner: leads 5 and 1 to Anna. Cut after 2 rows,
    # the head is the e-mail group; the download holds all 6 in words
    at = _page("leads")
    shown = table(at, "duplicates")
    assert shown["match"].tolist() == ["e-mail: ivan@mail.ru", ""]
    assert shown["route_to"].tolist() == ["", "Anna Ivanova"]
    # the page asks SQL for the head and the whole list's length, and the groups' counts of duplicates_summary
    assert "Показаны первые 2 из 6 строк; весь список — в CSV или Excel." in texts(at)
    assert "Групп: 2; лидов в работе в них: 3." in texts(at)  # counted on every row, not the head
    rows = _csv(short["built"]["duplicates_csv"]())
    header = rows[0]
    assert [r[header.index(TEXTS["match"]["ru"])] for r in rows[1:]] == [
        "e-mail: ivan@mail.ru", "", "телефон: 79123456789", "", "", ""]
    assert [r[header.index(TEXTS["route_to"]["ru"])] for r in rows[1:]] == [
        "", "Anna Ivanova", "", "Anna Ivanova", "", ""]
    assert export_audit(short["db"]) == [("duplicates", "csv", 6)]


# The lengths of the frames a page's `shape` was called with (the AppTest script below reads this module)
SHAPED: list[int] = []
LONG_ROWS = 5  # a whole frame handed to the table, longer than SHOWN_MAX_ROWS (2 in `short`)


def shape_recorded(rows: pd.DataFrame) -> pd.DataFrame:
    SHAPED.append(len(rows))
    return components.with_reasons(rows)


def _long_table_script() -> None:
    import pandas as pd

    from dashboard import components, data
    from tests.dashboard import test_long_lists as here

    frame = pd.DataFrame({"deal_title": [f"Сделка {i}" for i in range(here.LONG_ROWS)],
                          "reason": ["never_touched", "no_planned_activity"] * 2 + ["never_touched"]})
    components.table(data.context(), frame, key="long", file_name="long_list", shape=here.shape_recorded)


def test_a_whole_long_frame_is_shaped_only_in_its_head_and_downloads_shaped_whole(
        short: dict[str, Any]) -> None:
    SHAPED.clear()
    at = AppTest.from_function(_long_table_script, default_timeout=30)
    at.run()
    no_errors(at)
    assert SHAPED and max(SHAPED) <= page_calls.SHOWN_MAX_ROWS  # the render shaped the shown head only
    assert table(at, "long")["reason"].tolist() == ["ни одного касания", "нет запланированного дела"]
    # not cut by SQL: the total is known and said
    assert "Показаны первые 2 из 5 строк; весь список — в CSV или Excel." in texts(at)
    SHAPED.clear()
    rows = _csv(short["built"]["long_csv"]())  # the click: every row, shaped
    assert SHAPED == [LONG_ROWS]
    assert [r[0] for r in rows[1:]] == [f"Сделка {i}" for i in range(LONG_ROWS)]
    assert [r[1] for r in rows[1:]] == ["ни одного касания", "нет запланированного дела"] * 2 + [
        "ни одного касания"]
    sheet = openpyxl.load_workbook(io.BytesIO(short["built"]["long_xlsx"]())).active
    assert sheet.max_row - 1 == LONG_ROWS
    assert export_audit(short["db"]) == [("long_list", "csv", LONG_ROWS), ("long_list", "xlsx", LONG_ROWS)]


def test_a_frame_no_longer_than_shown_is_shaped_once_whole(short: dict[str, Any], monkeypatch) -> None:
    monkeypatch.setattr(page_calls, "SHOWN_MAX_ROWS", LONG_ROWS)
    SHAPED.clear()
    at = AppTest.from_function(_long_table_script, default_timeout=30)
    at.run()
    no_errors(at)
    assert set(SHAPED) == {LONG_ROWS} and len(table(at, "long")) == LONG_ROWS
    assert "Показаны первые" not in texts(at)
    SHAPED.clear()
    rows = _csv(short["built"]["long_csv"]())
    assert len(rows) - 1 == LONG_ROWS and SHAPED == []  # the download writes what was shaped for the page
    assert export_audit(short["db"]) == [("long_list", "csv", LONG_ROWS)]


def test_the_lead_desk_shapes_the_head_of_a_long_served_duplicates_frame(
        short: dict[str, Any], leads_metrics, monkeypatch) -> None:  # noqa: F811
    # the served duplicates (leads_frames.DUPLICATES, 7 rows in 3 groups) cut after 5 as queries cuts them;
    # the page shows the 5 put in words and downloads all 7
    monkeypatch.setattr(page_calls, "SHOWN_MAX_ROWS", 5)
    seen: list[int] = []
    real = leads_shared.duplicate_groups

    def recorded(rows: pd.DataFrame) -> pd.DataFrame:
        seen.append(len(rows))
        return real(rows)

    monkeypatch.setattr(leads_shared, "duplicate_groups", recorded)
    at = _page("leads")
    assert seen and max(seen) <= 5
    dupes = table(at, "duplicates")
    assert dupes["match"].tolist() == ["телефон: 79123456789", "", "", "e-mail: ivan@mail.ru", ""]
    assert dupes["route_to"].tolist() == ["", "", "Anna Ivanova", "", "⚠ Viktor Sidorov · уволен(а)"]
    assert "Показаны первые 5 из 7 строк; весь список — в CSV или Excel." in texts(at)
    assert "Групп: 3; лидов в работе в них: 4." in texts(at)  # the served summary of all 7
    seen.clear()
    rows = _csv(short["built"]["duplicates_csv"]())
    assert seen == [7]
    header = rows[0]
    assert [r[header.index(TEXTS["match"]["ru"])] for r in rows[1:]] == [
        "телефон: 79123456789", "", "", "e-mail: ivan@mail.ru", "", "телефон: 79001112233", ""]
    assert [r[header.index(TEXTS["route_to"]["ru"])] for r in rows[1:]] == [
        "", "", "Anna Ivanova", "", "⚠ Viktor Sidorov · уволен(а)", "", ""]
    assert export_audit(short["db"]) == [("duplicates", "csv", 7)]


def test_a_cut_lists_title_counts_the_whole_list(short: dict[str, Any]) -> None:
    # Anna's backlog (fixture_db.py) has more than the 2 rows shown: the title and the caption give the
    # whole list's length (SQL counts it), where they said «2+» and «the first 2 rows» before
    every = run_metric("backlog", short["db"], as_of=AS_OF, manager_id=1)
    assert len(every) > 2
    at = _page("my_backlog")
    widget(at, "selectbox", "manager").set_value(1).run()
    no_errors(at)
    assert table(at, "backlog_table")["deal_title"].tolist() == every["deal_title"].tolist()[:2]
    assert f"Требуют действия сейчас: {len(every)}" in texts(at)
    assert f"Показаны первые 2 из {len(every)} строк; весь список — в CSV или Excel." in texts(at)


def test_a_long_tables_whole_numbers_are_grouped_as_the_short_ones(app, monkeypatch) -> None:
    # a table over STYLER_MAX_ROWS rows is drawn by the grid from column settings, not by Babel: its whole
    # numbers were "%d" («26262» hours on the lead desk, where a short table says «26 262») and cut a
    # decimal hours_waiting down instead of rounding it. Now "localized" (grouped as the reader's browser
    # writes numbers) with step 1 (whole)
    monkeypatch.setattr(tables, "STYLER_MAX_ROWS", 1)  # Anna's three deals make a long table
    at = app("my_backlog")
    widget(at, "selectbox", "manager").set_value(1).run()
    no_errors(at)
    grid = json.loads(at.container("table_backlog_table").dataframe[0].proto.columns)
    assert grid["days_since_touch"]["type_config"] == {"type": "number", "format": "localized", "step": 1}
