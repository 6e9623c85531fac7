"""python -m jobs sync: the connector's sync plus the day stored with the rules in force (DOZHIM_RULES),
end to end against the in-process sandbox; a broken rules file stops it before syncing (exit 78)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from jobs.sync import DayStore, main
from tests.connector_sync.conftest import portal_now

REPO = Path(__file__).resolve().parents[2]
FAST = ["--rate", "1000", "--burst", "1000", "--quiet"]


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def job_env(sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./rules.toml, no .streamlit/secrets.toml here
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url)
    monkeypatch.delenv("DOZHIM_RULES", raising=False)
    return tmp_path


def test_the_job_syncs_and_stores_the_day_with_the_rules_in_force(sandbox, job_env, monkeypatch):
    rules = job_env / "team-rules.toml"
    # every open deal is older than 0 days, and nobody has a million deals: rules no default would give
    rules.write_text("max_deal_age_days = 0\nmin_active_deals = 1000000\n")
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    db = job_env / "crm.duckdb"
    assert main(["sync", "--db", str(db), *FAST]) == 0

    day = portal_now(sandbox).date()  # the portal's own day (+03:00), not the machine's
    assert rows(db, "select distinct snapshot_date from scorecard_history") == [(day,)]
    assert rows(db, "select distinct snapshot_date from deal_snapshots") == [(day,)]
    history = rows(db, "select manager_id, active_deals, overaged_deals, below_minimum "
                       "from scorecard_history")
    assert history and all(overaged == active and below for _, active, overaged, below in history)
    # the day's open deals by the raw stage semantics (recurring templates are not deals)
    open_deals = rows(db, "select count(*) from deals where stage_semantic_id = 'P' "
                          "and not coalesce(is_recurring, false)")[0][0]
    assert rows(db, "select count(*) from deal_snapshots")[0][0] == open_deals > 0
    assert sum(active for _, active, _, _ in history) == open_deals


def test_the_day_is_stored_on_one_thread_in_its_own_pool(sandbox, job_env, monkeypatch):
    # With two threads each sort takes blocks of its own from a 192 MB buffer pool: at 1M deals
    # (bench.queries' synthetic snapshot) the step ran out of memory sorting the 21M activity pairs, and
    # passed with one (73 s, peak RSS 410 MB). The sync itself writes in 128 MB (its peak on the large
    # sandbox 416 MB against 428-502 with 192), and the step gets its 192 MB back. No portal that size fits
    # a test: the settings are checked. DuckDB shows them in MiB: 192 MB = 183.1 MiB, 128 MB = 122.0 MiB.
    seen = []

    def record_day(con, as_of, rules):
        seen.append(con.execute("select current_setting('threads'), current_setting('memory_limit')"
                                ).fetchone())

    class Watched(DayStore):  # the connector's own pool, as the step is handed the connection
        def __call__(self, con, as_of):
            seen.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
            super().__call__(con, as_of)

    monkeypatch.setattr("jobs.sync.record_day", record_day)
    monkeypatch.setattr("jobs.sync.DayStore", Watched)
    db = job_env / "crm.duckdb"
    assert main(["sync", "--db", str(db), *FAST]) == 0
    assert seen == ["122.0 MiB", (1, "183.1 MiB")]


def test_a_broken_rules_file_stops_the_job_before_syncing(job_env, monkeypatch, capsys):
    rules = job_env / "team-rules.toml"
    rules.write_text("max_deal_age_days = 9223372036854775807\n")
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    db = job_env / "crm.duckdb"
    assert main(["sync", "--db", str(db), *FAST]) == 78
    err = capsys.readouterr().err
    assert err == (f"sync not started: {rules}: max_deal_age_days: must be <= 36500, got "
                   "9223372036854775807\n")
    assert not db.exists()  # nothing synced


def test_a_day_not_stored_is_a_failed_job_with_the_data_published(job_env, monkeypatch, capsys):
    # the rules load (the field's name is well-formed) but the snapshot has no such deal field: storing the
    # day fails after the sync. It used to exit 0 with the day silently missing from Trends.
    rules = job_env / "rules.toml"
    rules.write_text('[loss_reasons]\nfield = "UF_CRM_NO_SUCH_FIELD"\n')
    monkeypatch.setenv("DOZHIM_RULES", str(rules))
    db = job_env / "crm.duckdb"
    assert main(["sync", "--db", str(db), *FAST]) == 1
    assert "warning: after-sync step failed" in capsys.readouterr().err
    assert rows(db, "select status from sync_runs") == [("ok",)]  # the data is published
    tables = {name for (name,) in rows(db, "select table_name from information_schema.tables")}
    assert "scorecard_history" not in tables  # the day was never recorded (all or nothing)


def test_missing_rules_file_named_in_secrets(job_env, capsys):
    (job_env / ".streamlit").mkdir()
    (job_env / ".streamlit" / "secrets.toml").write_text('DOZHIM_RULES = "nowhere.toml"\n')
    assert main(["sync", "--db", str(job_env / "crm.duckdb"), *FAST]) == 78
    assert capsys.readouterr().err == "sync not started: nowhere.toml: file not found\n"


def test_module_entry_point_help_and_usage(tmp_path):
    def job(*args: str, rules: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jobs", *args], cwd=REPO, capture_output=True, text=True,
                              timeout=60, env={"PATH": "/usr/bin:/bin", "DOZHIM_RULES": str(rules)})

    help_ = job("sync", "--help", rules=tmp_path / "missing.toml")  # help needs no rules
    assert help_.returncode == 0 and help_.stdout.startswith("usage: python -m jobs sync")
    bad = job("sync", "--rate", "0", rules=REPO / "rules.toml")
    assert bad.returncode == 2 and "--rate takes requests per second" in bad.stderr
