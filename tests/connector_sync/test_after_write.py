"""Contract 4: the caller's after-sync step runs once per good run on the new snapshot, before the swap; its
failure is one warning line and the data is still published. The connector itself never imports queries."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from connectors.bitrix24 import cli
from connectors.bitrix24.progress import LineReporter
from connectors.bitrix24.sync import SyncOptions, run_sync

from .conftest import REPO, db_rows, fast_client, portal_now, wal_size

pytestmark = pytest.mark.slow


def sync_with(sandbox, db, after_write, out=None):
    return run_sync(SyncOptions(db=db, webhook_url=sandbox.webhook_url, client_factory=fast_client,
                                reporter=LineReporter(out=out or io.StringIO()), after_write=after_write))


def test_the_step_runs_once_on_the_new_snapshot_and_its_writes_are_published(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    calls = []

    def store_the_day(con, now):
        # it sees this run's data (the deals are already written) and may write what it derives
        deals = con.execute("select count(*) from deals").fetchone()[0]
        calls.append((deals, now))
        con.execute("insert into deal_snapshots (snapshot_date, id) values (?, 1)", [now.date()])

    before = portal_now(sandbox)
    result = sync_with(sandbox, db, store_the_day)
    assert result.status == "ok"
    assert len(calls) == 1
    deals, now = calls[0]
    assert deals == db_rows(db, "select count(*) from deals")[0][0] > 0
    assert now.utcoffset() == timedelta(hours=3)  # the portal's own time, tz-aware
    assert timedelta(0) <= now - before < timedelta(minutes=5)
    assert db_rows(db, "select snapshot_date, id from deal_snapshots") == [(now.date(), 1)]


def test_a_failing_step_warns_in_one_line_and_the_data_is_still_published(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    token = sandbox.webhook_url.rstrip("/").rsplit("/", 1)[1]

    def broken(con, now):
        raise RuntimeError(f"boom while reading {sandbox.webhook_url}")

    out = io.StringIO()
    result = sync_with(sandbox, db, broken, out)
    assert result.status == "ok"
    warnings = [line for line in out.getvalue().splitlines() if "after-sync step failed" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: after-sync step failed: ")
    assert "boom" in warnings[0] and token not in out.getvalue()
    assert db_rows(db, "select status from sync_runs") == [("ok",)]
    assert db_rows(db, "select count(*) from deals")[0][0] > 0


def test_cli_main_passes_the_step_and_the_program_name(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url)
    seen: list[datetime] = []
    code = cli.main(["sync", "--db", str(tmp_path / "crm.duckdb"), "--quiet", "--rate", "1000",
                     "--burst", "1000"], after_write=lambda con, now: seen.append(now))
    assert code == 0 and len(seen) == 1
    with pytest.raises(SystemExit):
        cli.main(["sync", "--help"], prog="python -m jobs")
    assert "usage: python -m jobs sync" in capsys.readouterr().out


def test_the_connector_imports_nothing_from_queries():
    code = ("import sys, connectors.bitrix24.cli, connectors.bitrix24.sync; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('queries', 'dashboard', 'jobs')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_run_of_the_every_loop_calls_the_step(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url)
    seen: list[datetime] = []
    naps: list[float] = []

    def nap(seconds: float) -> None:  # the loop's sleep between runs: stop after the second run
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.time, "sleep", nap)
    code = cli.main(["sync", "--db", str(tmp_path / "crm.duckdb"), "--quiet", "--every", "15m",
                     "--rate", "1000", "--burst", "1000"], after_write=lambda con, now: seen.append(now))
    assert code == 130 and naps == [900, 900]
    assert len(seen) == 2 and seen[0] <= seen[1]
    assert db_rows(tmp_path / "crm.duckdb", "select count(*) from sync_runs where status = 'ok'") == [(2,)]


def test_wait_first_sleeps_before_the_first_run(sandbox, tmp_path, monkeypatch):
    # `--every 15m --wait-first` (make demo, right after its own first sync): nap, run, nap - not run first
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", sandbox.webhook_url)
    events: list[str] = []

    def nap(seconds: float) -> None:
        events.append(f"nap {seconds:.0f}")
        if len(events) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.time, "sleep", nap)
    code = cli.main(["sync", "--db", str(tmp_path / "crm.duckdb"), "--quiet", "--every", "15m",
                     "--wait-first", "--rate", "1000", "--burst", "1000"],
                    after_write=lambda con, now: events.append("run"))
    assert code == 130 and events == ["nap 900", "run", "nap 900"]


def test_wait_first_without_every_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["sync", "--db", str(tmp_path / "crm.duckdb"), "--wait-first"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--wait-first goes with --every" in err and "Traceback" not in err
    assert not (tmp_path / "crm.duckdb").exists()


def test_the_step_starts_on_a_checkpointed_snapshot(sandbox, tmp_path):
    # Until a checkpoint DuckDB keeps a sync's writes and the indexes they touched pinned in the bounded
    # buffer pool (store.MEMORY_LIMIT), which left the job's after-sync step out of memory on a busy machine.
    # Checkpointed, nothing of the sync waits in the write-ahead log: the file beside the snapshot is gone or
    # empty. (A tiny portal's sync writes far less than DuckDB's 16 MB auto-checkpoint threshold, so without
    # the checkpoint its WAL holds the whole sync.)
    db = tmp_path / "crm.duckdb"
    wal_sizes = []

    def look(con, now):
        wal_sizes.append(wal_size(con))

    assert sync_with(sandbox, db, look).status == "ok"
    assert wal_sizes == [0]
