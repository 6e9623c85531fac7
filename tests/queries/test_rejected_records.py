"""rejected_records: what the latest sync that rejected anything could not store (CONTRACT.md section 3)."""

from __future__ import annotations

import json
import shutil

import duckdb

from queries import Rules, run_metric
from tests.queries.fixture_db import AS_OF, t


def test_latest_run_that_rejected_anything(run):
    # run 2 (the latest) rejected nothing; run 1 (finished 17:05 +03:00) rejected one deal and two activities
    df = run("rejected_records")
    columns = ["run_id", "stream", "record_id", "field", "error"]
    assert [tuple(r) for r in df[columns].itertuples(index=False)] == [
        (1, "activities", "8881", "DEADLINE", "not a date: 'soon'"),
        (1, "activities", "8882", "OWNER_ID", "not a number: 'x'"),
        (1, "deals", "777", "DATE_CREATE", "date out of range: '0001-01-01'")]
    assert set(df["finished_at"].astype(str)) == {"2026-11-20 14:05:00+00:00"}


def _add_run(db, run_id: int, rejected) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal, rejected) "
                    "values ($id, $t, $t, 'incremental', 'ok', 'fixture', $r)",
                    {"id": run_id, "t": t("2026-11-20 17:55"), "r": json.dumps(rejected)})


def test_a_newer_run_replaces_the_list_and_ids_may_be_missing(fixture_db, tmp_path):
    db = shutil.copy(fixture_db, tmp_path / "crm.duckdb")
    _add_run(db, 3, {"deals": [{"id": None, "field": "ID", "error": "no id"}], "users": []})
    df = run_metric("rejected_records", db, as_of=AS_OF, rules=Rules())
    assert df[["run_id", "stream", "field", "error"]].values.tolist() == [[3, "deals", "ID", "no id"]]
    assert df["record_id"].isna().all()
    _add_run(db, 4, {})  # nothing rejected: the list stays run 3's
    assert run_metric("rejected_records", db, as_of=AS_OF, rules=Rules())["run_id"].tolist() == [3]


def test_an_older_snapshot_with_plain_ids(fixture_db, tmp_path):
    db = shutil.copy(fixture_db, tmp_path / "crm.duckdb")
    _add_run(db, 3, {"deals": [123, 456]})  # the format before the contract: ids only
    df = run_metric("rejected_records", db, as_of=AS_OF, rules=Rules())
    assert df["record_id"].tolist() == ["123", "456"] and df["field"].isna().all()
