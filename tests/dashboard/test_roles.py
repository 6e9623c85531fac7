"""Who sees what on the dashboard (issue 9), per role, acting as a signed-in user the way CONTRACT-9 §4 lets
tests do: st.session_state[SESSION_USER_KEY] preset in AppTest.

The fixture (tests/queries/fixture_db.py): department 10 "Sales" (head 1 Anna) above 11 "Sales East" (head
2 Boris); Boris and Viktor (3, dismissed) are in 11. Here Galina (4) is an admin ([access] admins), Boris is
the head of a sub-department, and with [access] managers = [2] Boris is a plain manager.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_USER_KEY
from snapshot.state import state_path
from tests.dashboard.conftest import APP
from tests.dashboard.helpers import export_audit, table, texts
from tests.queries.fixture_db import AS_OF

ALL_PAGES = {"", "daily", "backlog", "leads", "clients", "forecast", "conversion", "trends", "about"}
MANAGER_PAGES = {"", "backlog", "clients", "forecast", "conversion", "trends", "about"}  # no lead desk


@pytest.fixture
def as_user(fixture_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., AppTest]:
    """as_user(user_id, access="...", page=None, **query) -> an AppTest run once as that signed-in user, on a
    private copy of the fixture (the export audit file goes beside it) with an [access] section."""
    db = tmp_path / "crm.duckdb"
    shutil.copyfile(fixture_db, db)
    monkeypatch.setenv("DOZHIM_DB", str(db))
    monkeypatch.setenv("DOZHIM_AS_OF", AS_OF.isoformat())
    monkeypatch.delenv("DOZHIM_FRESH_HOURS", raising=False)

    def make(user_id: int, access: str = "admins = [4]", page: str | None = None, **query: str) -> AppTest:
        rules = tmp_path / "rules.toml"
        rules.write_text(f"[access]\n{access}\n", encoding="utf-8")
        monkeypatch.setenv("DOZHIM_RULES", str(rules))
        at = AppTest.from_file(APP, default_timeout=30)
        at.session_state[SESSION_USER_KEY] = user_id
        at.query_params.update(query)
        at.run()
        if page is not None:
            at.switch_page(f"views/{page}.py").run()
        return at

    return make


def _names(at: AppTest, key: str) -> list[str]:
    """The manager names of a table, without the dismissed mark (`⚠ Viktor Sidorov · уволен(а)`)."""
    return sorted(str(n).removeprefix("⚠ ").split(" · ")[0] for n in table(at, key)["manager_name"])


def _paths(at: AppTest) -> set[str]:
    return {info["url_pathname"] for info in at._registered_pages.values()}


WHO_WHAT = "user_id, role, what, format, rows"  # the export audit columns these tests read


def test_admin_sees_every_page_the_team_and_the_export_audit(as_user):
    at = as_user(4)
    assert _paths(at) == ALL_PAGES
    assert _names(at, "scorecard") == ["Anna Ivanova", "Boris Petrov", "Viktor Sidorov"]
    assert at.download_button  # admins may export
    about = as_user(4, page="about")
    assert {"Выгрузки"} <= {s.value for s in about.subheader}


def test_head_of_a_sub_department_sees_their_department_only(as_user):
    at = as_user(2)
    assert _paths(at) == ALL_PAGES
    # Boris heads Sales East: himself and Viktor; Anna (dept 10, above) is not his to see
    assert _names(at, "scorecard") == ["Boris Petrov", "Viktor Sidorov"]
    assert at.download_button  # heads may export by default
    about = as_user(2, page="about")
    subheaders = {s.value for s in about.subheader}
    assert "Выгрузки" not in subheaders and not any("синхрониз" in s.lower() for s in subheaders)


def test_manager_navigation_own_backlog_and_no_export(as_user):
    at = as_user(2, "managers = [2]")
    assert _paths(at) == MANAGER_PAGES  # no team-wide daily review
    assert not at.exception and not at.error
    # the home page: their own backlog, already chosen. Boris's deals with something to do (fixture_db.py):
    # D201 (unprocessed incoming, no next step), D202 (overaged), D205 (lost with an unanswered reply)
    deals = table(at, "backlog_table")
    assert sorted(deals["deal_title"]) == ["Incoming calls", "Lost at invoice", "Moved to projects"]
    assert not at.download_button
    for page in ("clients", "forecast", "conversion", "trends", "about"):
        other = as_user(2, "managers = [2]", page=page)
        assert not other.exception and not other.download_button, page


def test_a_manager_gets_no_picker_with_nothing_to_choose(as_user):
    # Boris as a manager sees only himself: no department to pick, no other manager; a head keeps both
    for page in ("forecast", "conversion", "trends", "clients"):
        mine = as_user(2, "managers = [2]", page=page)
        assert not mine.exception, page
        assert not [s for s in mine.selectbox if s.key in ("dept", "manager")], page
        head = as_user(2, page=page)
        assert {s.key for s in head.selectbox} >= {"dept", "manager"}, page
    # My backlog: his own list (D201, D202, D205 as above) with no «Чьи сделки» to pick from; the head picks
    mine = as_user(2, "managers = [2]", page="my_backlog")
    assert not [s for s in mine.selectbox if s.key == "manager"]
    assert sorted(table(mine, "backlog_table")["deal_title"]) == ["Incoming calls", "Lost at invoice",
                                                                  "Moved to projects"]
    assert as_user(2, page="my_backlog").selectbox(key="manager").value == 2


def test_my_backlog_opens_on_a_signed_in_heads_own_deals(as_user):
    # Boris heads Sales East and owns deals: the page knows who he is, so it does not ask «Кто вы?» but
    # starts on his own list (the same three deals as in the manager test above), and he may pick Viktor
    at = as_user(2, page="my_backlog")
    assert not at.exception and not at.error
    picker = at.selectbox(key="manager")
    assert picker.label == "Чьи сделки" and picker.value == 2
    assert sorted(table(at, "backlog_table")["deal_title"]) == [
        "Incoming calls", "Lost at invoice", "Moved to projects"]
    linked = as_user(2, page="my_backlog", manager="Viktor Sidorov")  # a link's choice wins over his own
    linked.run()  # the URL's filters reach their widgets on the run after switch_page
    assert linked.selectbox(key="manager").value == 3
    # Viktor's two open deals (fixture_db.py: 301 stale with no next activity, 108 stuck at the invoice)
    assert sorted(table(linked, "backlog_table")["deal_title"]) == ["Dismissed owner", "Invoice on Saturday"]


def test_my_backlog_of_a_signed_in_user_without_open_deals_is_still_their_own(as_user):
    # Galina (admin) owns only a closed deal, so the managers list does not name her: she is added to her
    # own picker, and her page says she has nothing to do, rather than asking whose list to show
    at = as_user(4, page="my_backlog")
    assert not at.exception and not at.error
    picker = at.selectbox(key="manager")
    assert picker.label == "Чьи сделки" and picker.value == 4
    assert picker.options[0] == "Galina Orlova" and "Boris Petrov" in picker.options  # and may pick others
    assert "Требуют действия сейчас: 0" in texts(at)


def test_a_link_naming_another_manager_is_refused(as_user):
    at = as_user(2, "managers = [2]", manager="Anna Ivanova")
    assert [e.value for e in at.error] == ["Нет доступа: ссылка называет менеджера вне вашей зоны видимости."]
    assert not at.dataframe and not at.metric and not at.download_button  # and nothing else
    head = as_user(2, dept="Sales")  # the department above Boris's own
    assert len(head.error) == 1 and not head.dataframe
    ok = as_user(2, manager="Viktor Sidorov")  # his own department's manager: shown
    assert not ok.error


def test_a_dismissed_or_unknown_user_gets_one_refusal(as_user):
    for user_id, reason in ((3, "user 3 is dismissed"), (99, "user 99 is not in the snapshot")):
        at = as_user(user_id)
        assert [e.value for e in at.error] == [
            f"Нет доступа: {reason}. Обратитесь к администратору Dozhim."]
        assert not at.dataframe and not at.metric


def test_a_download_writes_an_audit_row(as_user, monkeypatch, tmp_path):
    built: dict[str, Callable[[], bytes]] = {}
    real = st.download_button

    def spy(label, data, *args, **kwargs):  # AppTest has no media server: keep the file builder to call
        built[kwargs["key"]] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    as_user(2)
    db = tmp_path / "crm.duckdb"
    assert not state_path(db).exists() or export_audit(db, WHO_WHAT) == []
    content = built["scorecard_csv"]()  # the click: the browser asks for the file
    assert content.startswith(b"\xef\xbb\xbf")  # the CSV itself (UTF-8 with a BOM)
    assert export_audit(tmp_path / "crm.duckdb", WHO_WHAT) == [(2, "head", "scorecard", "csv", 2)]
    about = as_user(4, page="about")
    assert list(table(about, "exports_table")["user_id"]) == [2]
    assert "Выгрузки" in texts(about)
