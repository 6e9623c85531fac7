"""What a user sees when something is wrong: no database yet, a foreign or old file, a broken rules file,
a failed last sync. Always one clear message, never a traceback."""

from __future__ import annotations

import os
import shutil

import duckdb

from tests.dashboard.helpers import table, texts


def test_no_database_explains_the_first_sync(app, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DOZHIM_DB", str(tmp_path / "missing.duckdb"))
    at = app()
    assert not at.exception
    assert at.title[0].value == "Базы данных ещё нет"
    assert any("python -m connectors.bitrix24 sync --webhook" in c.value for c in at.code)
    assert any(c.value == "make demo" for c in at.code)
    assert str(tmp_path / "missing.duckdb") in texts(at)


def test_a_foreign_duckdb_file_gets_one_line(app, monkeypatch, tmp_path) -> None:
    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).execute("create table t as select 1 as x").close()
    monkeypatch.setenv("DOZHIM_DB", str(path))
    at = app()
    assert not at.exception
    assert len(at.error) == 1
    assert "not a Dozhim database" in at.error[0].value


def test_a_database_from_another_version_is_named(app, fixture_db, monkeypatch, tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    shutil.copy(fixture_db, path)
    con = duckdb.connect(str(path))
    con.execute("update meta set value = '0' where key = 'schema_version'")
    con.close()
    monkeypatch.setenv("DOZHIM_DB", str(path))
    at = app()
    assert not at.exception
    assert len(at.error) == 1 and "schema_version" in at.error[0].value


def test_a_broken_rules_file_names_the_key(app, monkeypatch, tmp_path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("touch_intervall_days = 7\n", encoding="utf-8")
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    at = app()
    assert not at.exception
    assert len(at.error) == 1
    assert "touch_intervall_days" in at.error[0].value and "unknown key" in at.error[0].value


def test_rules_from_the_file_change_the_numbers(app, monkeypatch, tmp_path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("touch_interval_days = 30\n", encoding="utf-8")
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    at = app()
    assert not at.error
    # with 30 days between touches only the 111-day-old never-touched deal is stale
    assert {m.label: m.value for m in at.metric}["Давно без касаний"] == "1"


def test_a_failed_last_sync_warns_with_its_error(app, fixture_db, monkeypatch, tmp_path) -> None:
    path = tmp_path / "failed.duckdb"
    shutil.copy(fixture_db, path)
    con = duckdb.connect(str(path))
    con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal, error) values "
                "(3, '2026-11-20 17:55+03', '2026-11-20 17:56+03', 'incremental', 'failed', "
                "'fixture.bitrix24.ru', 'HTTP 503 from the portal')")
    con.close()
    monkeypatch.setenv("DOZHIM_DB", str(path))
    at = app()
    assert not at.exception and not at.error
    assert "HTTP 503 from the portal" in at.warning[0].value
    assert "0?" in texts(at)


def test_a_finished_sync_shows_without_restart(app, fixture_db, monkeypatch, tmp_path) -> None:
    live = tmp_path / "crm.duckdb"
    shutil.copy(fixture_db, live)
    monkeypatch.setenv("DOZHIM_DB", str(live))
    at = app("about")
    assert table(at, "sync_table")["run_id"].tolist() == [2, 1]
    # the connector builds the next snapshot beside the live file and swaps it in atomically
    new = tmp_path / "crm.duckdb.tmp"
    shutil.copy(fixture_db, new)
    con = duckdb.connect(str(new))
    con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal) values (3, "
                "'2026-11-20 17:57+03', '2026-11-20 17:58+03', 'incremental', 'ok', 'fixture.bitrix24.ru')")
    con.close()
    os.replace(new, live)
    at.run()
    assert not at.exception and not at.error
    assert table(at, "sync_table")["run_id"].tolist() == [3, 2, 1]
    assert "17:58" in texts(at)
