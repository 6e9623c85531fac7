"""The runner API's contract: errors as one-line QueryError, snapshot_info, list_metrics."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime

import duckdb
import pytest

from queries import QueryError, list_metrics, run_metric, snapshot_info


def test_unknown_metric(fixture_db):
    with pytest.raises(QueryError, match="unknown metric 'nope'"):
        run_metric("nope", fixture_db)


def test_missing_db(tmp_path):
    with pytest.raises(QueryError, match="database not found"):
        run_metric("scorecard", tmp_path / "none.duckdb")


def test_unknown_schema_version(fixture_db, tmp_path):
    db = shutil.copy(fixture_db, tmp_path / "v99.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("update meta set value = '99' where key = 'schema_version'")
    with pytest.raises(QueryError, match="unknown schema_version '99'") as err:
        run_metric("scorecard", db)
    assert "\n" not in str(err.value)


def test_snapshot_info(fixture_db):
    info = snapshot_info(fixture_db)
    assert info.version == 2 and info.last_run_status == "ok" and info.last_error is None
    assert info.last_ok_sync_at == datetime(2026, 11, 20, 14, 51, tzinfo=UTC)
    assert info.portal_url == "https://fixture.bitrix24.ru"
    assert (info.utc_offset, info.base_currency) == ("+03:00", "RUB")


def test_list_metrics_has_titles():
    infos = list_metrics()
    assert all(m.title and m.description for m in infos)
    card = next(m for m in infos if m.name == "scorecard")
    assert card.grain == ("manager_id",)
    assert card.params == ("manager_id", "pipeline_id", "department_id", "viewer_id")


def test_as_of_none_is_now(fixture_db):
    from queries import Rules

    now = run_metric("scorecard", fixture_db, rules=Rules())
    explicit = run_metric("scorecard", fixture_db, as_of=datetime.now(UTC), rules=Rules())
    assert now.drop(columns=["below_minimum"]).equals(explicit.drop(columns=["below_minimum"]))


def test_connections_are_closed(fixture_db, tmp_path):
    db = shutil.copy(fixture_db, tmp_path / "w.duckdb")
    run_metric("scorecard", db)
    duckdb.connect(str(db)).close()  # a writer can open it: no reader left behind


def test_sqlite_file_is_refused_without_asking_for_an_extension(tmp_path):
    # DuckDB opens a SQLite file through its sqlite extension, downloading it when missing (a call out to
    # extensions.duckdb.org from a server that may have no internet). A real SQLite file, even one with a
    # meta table like ours, is refused with one line instead.
    path = tmp_path / "crm.duckdb"
    con = sqlite3.connect(path)
    con.execute("create table meta (key text, value text)")
    con.execute("insert into meta values ('schema_version', '1')")
    con.commit()
    con.close()
    with pytest.raises(QueryError) as err:
        run_metric("scorecard", path)
    assert str(err.value) == f"not a Dozhim database (not a DuckDB file): {path}"


def test_read_connection_never_loads_extensions(fixture_db):
    from queries.runner import connect

    con = connect(fixture_db)
    try:
        settings = con.execute("select current_setting('autoinstall_known_extensions'), "
                               "current_setting('autoload_known_extensions')").fetchone()
    finally:
        con.close()
    assert settings == (False, False)


def test_an_all_null_text_column_has_the_text_dtype(run):
    # Boris's backlog breaks no follow-up rule: followup_rule_name is NULL on every row, and still the same
    # column type (NaN for NULL) as in the whole team's backlog, where D104 names its rule; before, it came
    # back as objects holding None and a per-manager slice of the team's rows differed from the direct call
    team = run("backlog")
    boris = run("backlog", manager_id=2)
    assert boris["followup_rule_name"].isna().all() and len(boris) == 3
    assert boris["followup_rule_name"].dtype == team["followup_rule_name"].dtype


def test_limit_gives_the_first_rows_in_the_metrics_order(fixture_db):
    from queries import Rules, run_metric
    from tests.queries.fixture_db import AS_OF

    whole = run_metric("backlog", fixture_db, as_of=AS_OF, rules=Rules())
    assert len(whole) > 2 and whole.attrs["cut"] is False  # the fixture's backlog has more than two rows
    head = run_metric("backlog", fixture_db, as_of=AS_OF, rules=Rules(), limit=2)
    assert head.attrs["cut"] is True
    assert head.equals(whole.head(2))
    assert head.attrs["rows"] == len(whole)  # how long the whole list is, counted without its sort
    exact = run_metric("backlog", fixture_db, as_of=AS_OF, rules=Rules(), limit=len(whole))
    assert exact.attrs["cut"] is False and exact.equals(whole) and exact.attrs["rows"] == len(whole)


def test_a_metric_binding_head_rows_takes_its_head_itself(fixture_db, monkeypatch):
    # close_date_pushes binds $head_rows: the runner binds the rows it wants (one more than the limit, to
    # tell whether the list goes on) instead of wrapping the metric in a LIMIT, and NULL to count the whole
    # list. The fixture's two pushes, newest day first, then by deal: D102, D106 (both on 19 Nov).
    from queries import QueryError, Rules, run_metric, runner
    from tests.queries.fixture_db import AS_OF

    assert runner.HEAD_PARAM in runner.metric_info("close_date_pushes").params
    bound = []
    real_sql = runner.duckdb.DuckDBPyConnection.sql

    def sql(con, query, *args, params=None, **kwargs):
        if "pushed_" in query:
            bound.append((query.lstrip().startswith("select count(*)"), (params or {}).get("head_rows")))
        return real_sql(con, query, *args, params=params, **kwargs)

    monkeypatch.setattr(runner.duckdb.DuckDBPyConnection, "sql", sql)
    whole = run_metric("close_date_pushes", fixture_db, as_of=AS_OF, rules=Rules())
    head = run_metric("close_date_pushes", fixture_db, as_of=AS_OF, rules=Rules(), limit=1)
    assert whole["deal_id"].tolist() == [102, 106]
    assert head.equals(whole.head(1)) and head.attrs["cut"] is True and head.attrs["rows"] == 2
    assert bound == [(False, None), (False, 2), (True, None)]  # the whole list, the head of 1 + 1, its count
    # the runner's to bind, not a caller's
    with pytest.raises(QueryError, match="unknown parameter 'head_rows'"):
        runner.run_metrics([("close_date_pushes", {"head_rows": 1})], fixture_db, as_of=AS_OF, rules=Rules())


def test_one_managers_head_is_cut_from_their_whole_list(fixture_db, monkeypatch):
    # one manager's list is read whole and cut, so its count costs no second run of the metric
    from queries import Rules, run_metric, runner
    from tests.queries.fixture_db import AS_OF

    whole = run_metric("backlog", fixture_db, as_of=AS_OF, rules=Rules(), manager_id=1)
    assert len(whole) > 2  # Anna's backlog
    counted = []
    monkeypatch.setattr(runner, "count_sql", lambda body: counted.append(body) or "select 0")
    head = run_metric("backlog", fixture_db, as_of=AS_OF, rules=Rules(), manager_id=1, limit=2)
    assert head.attrs["cut"] is True and head.attrs["rows"] == len(whole)
    assert head.equals(whole.head(2)) and counted == []
    exact = run_metric("backlog", fixture_db, as_of=AS_OF, rules=Rules(), manager_id=1, limit=len(whole))
    assert exact.attrs["cut"] is False and exact.equals(whole) and exact.attrs["rows"] == len(whole)


def test_the_count_leaves_out_only_a_final_order_by():
    from queries.runner import count_sql

    listed = "with a as (\n    select 1 as x\n    order by x\n)\nselect * from a\norder by x desc,\n    x"
    inner = "with a as (\n    select 1 as x\n    order by x\n)\nselect * from a"  # a CTE's own ORDER BY stays
    assert count_sql(listed) == f"select count(*) from (\n{inner}\n)"
    capped = "select * from a\norder by x\nlimit 50"  # client_search: its 50 are what the list holds
    assert count_sql(capped) == f"select count(*) from (\n{capped}\n)"


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True])
def test_a_bad_limit_is_a_one_line_error(fixture_db, bad):
    from queries import QueryError, run_metric

    with pytest.raises(QueryError, match="limit"):
        run_metric("backlog", fixture_db, limit=bad)


def test_a_script_splits_after_a_statement_with_a_comment_on_its_line():
    from queries.sqltext import split_statements

    script = ("-- a note\ncreate view a as select 1;  -- a is one\ncreate view b as\nselect 2;\n"
              "create view c as select '--' as dashes;\n")
    assert split_statements(script) == ["create view a as select 1", "create view b as\nselect 2",
                                        "create view c as select '--' as dashes"]
