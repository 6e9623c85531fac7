"""The state file beside the snapshot: where it lives, who may read it, what it holds."""

from __future__ import annotations

import stat

from snapshot.state import connect_state, state_path


def test_state_file_sits_beside_the_snapshot(tmp_path):
    assert state_path(tmp_path / "crm.duckdb") == tmp_path / "crm.state.sqlite"


def test_state_file_is_created_owner_only_with_both_tables(tmp_path):
    con = connect_state(tmp_path / "data" / "crm.duckdb")
    tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
    con.close()
    assert tables == {"export_audit", "digest_log"}
    mode = stat.S_IMODE((tmp_path / "data" / "crm.state.sqlite").stat().st_mode)
    assert mode == 0o600


def test_two_writers_share_the_file(tmp_path):
    first, second = connect_state(tmp_path / "crm.duckdb"), connect_state(tmp_path / "crm.duckdb")
    first.execute("insert into export_audit (at, what, format, rows) values ('2026-11-26T09:00:00Z', 'x', "
                  "'csv', 3)")
    first.commit()
    assert second.execute("select rows from export_audit").fetchall() == [(3,)]
    first.close()
    second.close()
