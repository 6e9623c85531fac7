"""Kept sessions (queries/sessions.py) give exactly what a fresh connection gives, whatever the calls before
them set up: other moments (before, at and after the stored moment S), other rules, pipelines, periods,
viewers; and a replaced snapshot file is read anew."""

from __future__ import annotations

import os
import shutil
from datetime import date

import duckdb
import pytest

from queries import Rules, list_metrics, run_metric, viewer_for
from queries.sessions import POOL, SPILL_PREFIX, kept_config
from tests.queries.test_perf_exact import MOMENTS

NAMES = [m.name for m in list_metrics()]
# a call sequence that leaves a kept session set up for other rules, moments, periods and a viewer
STRICT = Rules(max_deal_age_days=30, touch_interval_days=3, country="")
CALLS = [
    ({"as_of": MOMENTS["next_week"], "rules": STRICT}, {}),
    ({"as_of": MOMENTS["before_s"], "rules": Rules()}, {"pipeline_id": 0}),
    ({"as_of": MOMENTS["at_s"], "rules": Rules()}, {"month": date(2026, 10, 1)}),
    ({"as_of": MOMENTS["after_s"], "rules": STRICT}, {"manager_id": 1}),
]


def _rows(frame) -> list[dict]:
    return frame.astype(str).to_dict("records")


@pytest.fixture
def kept_db(fixture_history_db, tmp_path):
    """A copy of the history fixture only this test's kept sessions read; closed afterwards."""
    db = shutil.copy(fixture_history_db, tmp_path / "kept.duckdb")
    yield db
    POOL.clear()


@pytest.mark.parametrize("name", NAMES)
def test_a_kept_session_gives_what_a_fresh_one_gives(name, kept_db):
    for run, params in CALLS:
        for metric in (name, "scorecard", "backlog"):  # the session is reused across metrics too
            kept = run_metric(metric, kept_db, keep=True, **run, **params)
            fresh = run_metric(metric, kept_db, **run, **params)
            assert _rows(kept) == _rows(fresh), (metric, run["as_of"], params)


def test_a_kept_session_keeps_each_viewers_scope(kept_db):
    rules = Rules()
    boris = viewer_for(kept_db, 2, rules)  # a manager of the fixture: sees his own rows only
    team = run_metric("scorecard", kept_db, as_of=MOMENTS["at_s"], rules=rules, keep=True)
    own = run_metric("scorecard", kept_db, as_of=MOMENTS["at_s"], rules=rules, viewer=boris, keep=True)
    again = run_metric("scorecard", kept_db, as_of=MOMENTS["at_s"], rules=rules, keep=True)
    fresh = run_metric("scorecard", kept_db, as_of=MOMENTS["at_s"], rules=rules, viewer=boris)
    assert _rows(own) == _rows(fresh) and len(own) < len(team)
    assert _rows(again) == _rows(team)


def test_a_replaced_snapshot_is_read_anew(kept_db, tmp_path):
    before = run_metric("backlog", kept_db, as_of=MOMENTS["at_s"], rules=Rules(), keep=True)
    # the connector's publish: a new file os.replace'd over the old one while a kept session is idle; the
    # new one names another portal (and has no stored layer, which holds the links), so every link changes
    new = shutil.copy(kept_db, tmp_path / "new.duckdb")
    with duckdb.connect(str(new)) as con:
        con.execute("update meta set value = 'https://other.bitrix24.ru' where key = 'portal_url'")
        con.execute("drop table q_derived")
    os.replace(new, kept_db)
    after = run_metric("backlog", kept_db, as_of=MOMENTS["at_s"], rules=Rules(), keep=True)
    assert not before["deal_url"].str.startswith("https://other.bitrix24.ru/").any()
    assert after["deal_url"].str.startswith("https://other.bitrix24.ru/crm/deal/details/").all()
    assert after["deal_id"].tolist() == before["deal_id"].tolist()


def test_kept_sessions_in_threads_give_what_fresh_ones_give(kept_db):
    # the dashboard's prefetch: four metrics at a time, each on a kept session of the one shared instance
    from concurrent.futures import ThreadPoolExecutor

    names = ["scorecard", "backlog", "forecast_deals", "conversion", "trend", "attention", "managers"] * 3

    def kept(name):
        return _rows(run_metric(name, kept_db, as_of=MOMENTS["at_s"], rules=Rules(), keep=True))

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(kept, names))
    for name, rows in zip(names, together, strict=True):
        assert rows == _rows(run_metric(name, kept_db, as_of=MOMENTS["at_s"], rules=Rules())), name


def test_spill_dirs_of_gone_processes_are_removed(tmp_path, monkeypatch):
    import subprocess
    import sys
    import tempfile

    # a process that has ended (its pid is free), this process, and a live one (the parent)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    gone = tmp_path / f"{SPILL_PREFIX}{int(ended.stdout)}"
    mine = tmp_path / f"{SPILL_PREFIX}{os.getpid()}"
    parent = tmp_path / f"{SPILL_PREFIX}{os.getppid()}"
    other = tmp_path / "dozhim-duckdb-notes"  # not a pid: not ours to judge
    for path in (gone, mine, parent, other):
        path.mkdir()
        (path / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1024)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    config = kept_config()
    assert config["temp_directory"] == str(mine)
    assert not gone.exists()
    assert mine.exists() and parent.exists() and other.exists()
