"""Safety: kill -9 at any moment leaves the last good file byte-identical; a read-only reader keeps reading
during a sync; two syncs never run at once; a failed run is recorded without touching the data."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from connectors.bitrix24.lock import SyncLock
from connectors.sandbox.faults import Faults

from .conftest import REPO, db_rows, mutate, sync

pytestmark = pytest.mark.slow


FAST = ("--rate", "1000", "--burst", "1000")  # the sandbox's limits are off: no pacing at 2 requests/s


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """`python -m connectors.bitrix24 <args>`; a sync runs at the sandbox's speed, not a portal's."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    if "BITRIX24_WEBHOOK_URL" not in (env or {}):
        full_env.pop("BITRIX24_WEBHOOK_URL", None)
    if args[:1] == ("sync",) and "--rate" not in args:
        args = (*args, *FAST)
    return subprocess.Popen([sys.executable, "-m", "connectors.bitrix24", *args], cwd=kw.pop("cwd", REPO),
                            env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temp_files(db: Path) -> list[Path]:
    return sorted(db.parent.glob(db.name + ".sync-*"))


@pytest.mark.parametrize("delay", [0.0, 0.8, 2.0])
def test_kill_9_mid_sync_leaves_the_last_good_file(sandbox, tmp_path, delay):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    before = digest(db)
    deals_before = db_rows(db, "select count(*) from deals")[0][0]
    mutate(sandbox, 30, seed=delay * 10)
    sandbox.set_faults(Faults(seed=2, slow_rate=1.0, slow_seconds=0.25))  # a slow portal: time to kill
    proc = cli("sync", "--db", str(db), "--webhook", sandbox.webhook_url, "--full")
    deadline = time.monotonic() + 20
    while not temp_files(db) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(delay)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert digest(db) == before  # byte-identical
    assert db_rows(db, "select count(*) from deals")[0][0] == deals_before  # and it opens
    assert temp_files(db)  # the killed run's temp file is left behind...
    sandbox.set_faults(Faults())
    done = cli("sync", "--db", str(db), "--webhook", sandbox.webhook_url)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert not temp_files(db)  # ...and the next run cleans it up and completes
    assert digest(db) != before
    assert db_rows(db, "select status from sync_runs order by id desc limit 1") == [("ok",)]


def test_a_reader_keeps_reading_during_a_sync(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    old = db_rows(db, "select count(*) from deals")[0][0]
    mutate(sandbox, 20, seed=4)
    sandbox.set_faults(Faults(seed=3, slow_rate=1.0, slow_seconds=0.1))
    reads: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:  # the dashboard's way: a short read-only connection per query
        while not stop.is_set():
            try:
                con = duckdb.connect(str(db), read_only=True)
                try:
                    reads.append(con.execute("select count(*) from deals").fetchone()[0])
                finally:
                    con.close()
            except BaseException as exc:  # noqa: BLE001 (any failure is the finding)
                errors.append(exc)
            time.sleep(0.01)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        proc = cli("sync", "--db", str(db), "--webhook", sandbox.webhook_url)
        out, err = proc.communicate(timeout=120)
    finally:
        stop.set()
        thread.join()
    assert proc.returncode == 0, err
    assert not errors, errors[:3]
    new = db_rows(db, "select count(*) from deals")[0][0]
    assert len(reads) > 20
    assert set(reads) <= {old, new}
    assert reads[0] == old


def test_a_second_sync_exits_75(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    with SyncLock(db):
        proc = cli("sync", "--db", str(db), "--webhook", sandbox.webhook_url)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 75
    assert len(err.strip().splitlines()) == 1
    assert "another sync is running" in err
    assert not db.exists()


def test_a_failed_run_is_recorded_and_the_data_untouched(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    deals = db_rows(db, "select count(*) from deals")[0][0]
    sandbox.set_faults(Faults(seed=1, error_rate=1.0))  # the portal is down for good
    proc = cli("sync", "--db", str(db), "--webhook", sandbox.webhook_url, "--retries", "1")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    # retries are logged as they happen; the failure itself is one last line, no traceback
    assert err.strip().splitlines()[-1].startswith("sync failed: ")
    assert "Traceback" not in err
    runs = db_rows(db, "select status, error from sync_runs order by id")
    assert [r[0] for r in runs] == ["ok", "failed"]
    assert "502" in runs[1][1] or "503" in runs[1][1]
    assert db_rows(db, "select count(*) from deals")[0][0] == deals
    assert db_rows(db, "select value from meta where key = 'last_sync_run_id'") == [("1",)]
