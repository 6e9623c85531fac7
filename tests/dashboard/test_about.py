"""About the data: codes in words in both languages, no literal None, the records the last sync skipped
(issue 8 items 4 and 9, issue 15 item 2)."""

from __future__ import annotations

import json
import re
import shutil

import duckdb
import pytest

from tests.dashboard.helpers import no_errors, table, texts


def _with_runs(fixture_db, tmp_path, *runs: tuple) -> str:
    """A copy of the fixture with more sync runs: (id, finished_at, status, rejected JSON or None, error)."""
    path = tmp_path / "crm.duckdb"
    shutil.copy(fixture_db, path)
    con = duckdb.connect(str(path))
    for run_id, finished, status, rejected, error in runs:
        con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal, rejected, "
                    "error) values (?, ?::timestamptz - interval 1 minute, ?, 'incremental', ?, "
                    "'fixture.bitrix24.ru', ?, ?)", [run_id, finished, finished, status, rejected, error])
    con.close()
    return str(path)


def test_sync_history_in_words_in_both_languages(app) -> None:
    at = app("about")
    no_errors(at)
    runs = table(at, "sync_table")
    assert runs["mode"].tolist() == ["только изменения", "полная"]  # fixture: run 2 incremental, run 1 full
    assert runs["status"].tolist() == ["успешно", "успешно"]
    at.segmented_control(key="lang").set_value("en").run()
    runs = table(at, "sync_table")
    assert runs["mode"].tolist() == ["changes only", "full"]
    assert runs["status"].tolist() == ["succeeded", "succeeded"]


def test_an_empty_cell_reads_as_a_dash_not_none(app) -> None:
    at = app("about")
    grid = at.container("table_sync_table").dataframe[0]
    # the fixture's runs have no counters and no error: the grid draws its placeholder for them, which
    # Streamlit would print as `None`
    assert table(at, "sync_table")["error"].isna().all()
    assert grid.proto.placeholder == "—"


def test_rules_in_words_with_their_key_in_the_file(app, monkeypatch, tmp_path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[calendar]\nworking_days = ["mon", "tue", "wed", "thu", "sat"]\n'
                     'holidays = ["2027-01-01"]\n[pipelines.3]\nmax_deal_age_days = 30\n', encoding="utf-8")
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    at = app("about")
    no_errors(at)
    shown = at.dataframe[0].value  # rows named in words; the key in rules.toml and the value beside
    key, value = shown.columns
    assert shown.loc["Касаться сделки не реже чем раз в, дней", value] == "14"
    assert shown.loc["Касаться сделки не реже чем раз в, дней", key] == "touch_interval_days"
    assert shown.loc["Рабочие дни", value] == "пн, вт, ср, чт, сб"
    assert shown.loc["Рабочие дни", key] == "calendar.working_days"
    assert shown.loc["Праздничные дни", value] == "01.01.2027"
    assert shown.loc["Часовой пояс", value] == "как в датах портала"
    assert shown.loc["Причина проигрыша «Клиент пропал», если содержит", key] == "loss_reasons.client_silent"
    assert shown.loc["Воронка 3: Сделка считается старой после, дней", value] == "30"
    # a pipeline's unset overrides (the global value applies) are not listed
    assert not any(label.startswith("Воронка 3: Касаться") for label in shown.index)
    assert shown.loc["Производственный календарь страны", key] == "calendar.country"
    assert shown.loc["Производственный календарь страны", value] == "RU"
    # no raw key left as a row name (`country` and `source` have no underscore to give them away)
    assert [label for label in shown.index if re.fullmatch(r"[a-z_.0-9]+", label)] == []
    at.segmented_control(key="lang").set_value("en").run()
    assert "Touch a deal at least every, days" in at.dataframe[0].value.index


def test_the_records_the_last_sync_skipped(app, fixture_db, monkeypatch, tmp_path) -> None:
    # run 3 skipped two deals and an activity (contract section 3's format); run 4 skipped nothing, so
    # the list is run 3's
    rejected = {"deals": [{"id": "7", "field": "CLOSEDATE", "error": "date out of range: '0001-01-01'"},
                          {"id": "9", "field": "OPPORTUNITY", "error": "amount out of range: '1e+20'"}],
                "activities": [{"id": None, "field": "ID", "error": "no id"}]}
    db = _with_runs(fixture_db, tmp_path, (3, "2026-11-20 17:55+03", "ok", json.dumps(rejected), None),
                    (4, "2026-11-20 17:58+03", "ok", None, None))
    monkeypatch.setenv("DOZHIM_DB", db)
    at = app("about")
    no_errors(at)
    rows = table(at, "rejected_table").fillna("—")
    assert rows.values.tolist() == [  # sections in words; ordered by section, record, field (the metric)
        ["Дела", "—", "ID", "no id"],
        ["Сделки", "7", "CLOSEDATE", "date out of range: '0001-01-01'"],
        ["Сделки", "9", "OPPORTUNITY", "amount out of range: '1e+20'"],
    ]
    assert "Синхронизация №3 (20.11.2026 17:55) не смогла прочитать эти записи" in texts(at)


def test_no_skipped_records_says_so(app, fixture_db, monkeypatch, tmp_path) -> None:
    db = _with_runs(fixture_db, tmp_path)
    con = duckdb.connect(db)
    con.execute("update sync_runs set rejected = null")  # the fixture's first run skipped three records
    con.close()
    monkeypatch.setenv("DOZHIM_DB", db)
    at = app("about")
    assert "Синхронизации не пропускали записей" in texts(at)
    with pytest.raises(KeyError):  # no empty table under the sentence
        at.container("table_rejected_table")
