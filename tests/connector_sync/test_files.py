"""Issue 15.6 and 15.10: the files a sync touches. A symlinked --db is written through and locked on the
real file; a failed run never leaves its temp copy behind; a file that is not a Dozhim database is refused
in one line and left byte-identical (DuckDB never fetches an extension for it); new files are 0600."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat

import duckdb
import pytest

from connectors.bitrix24 import store
from connectors.bitrix24.lock import LockHeld, SyncLock

from .conftest import db_rows, mutate, sync
from .test_cli import one_line_failure
from .test_safety import cli, digest, temp_files

pytestmark = pytest.mark.slow


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_symlinked_db_stays_a_symlink_and_the_real_file_is_updated(sandbox, tmp_path):
    real = tmp_path / "data" / "crm.duckdb"
    real.parent.mkdir()
    link = tmp_path / "current.duckdb"
    link.symlink_to(real)
    sync(sandbox, link)
    mutate(sandbox, 5, seed=2)
    sync(sandbox, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert db_rows(real, "select count(*) from sync_runs where status = 'ok'") == [(2,)]
    assert not temp_files(link) and not temp_files(real)


def test_two_names_of_one_file_share_one_lock(sandbox, tmp_path):
    real = tmp_path / "crm.duckdb"
    link = tmp_path / "other-name.duckdb"
    link.symlink_to(real)
    with SyncLock(real), pytest.raises(LockHeld):
        sync(sandbox, link)


def test_new_files_are_private_and_an_old_file_loses_world_access(sandbox, tmp_path):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    assert mode(db) == 0o600
    assert mode(tmp_path / "crm.duckdb.lock") == 0o600
    os.chmod(db, 0o664)  # an older Dozhim's file, shared with a group
    os.chmod(tmp_path / "crm.duckdb.lock", 0o644)  # and its lock, created before locks were private
    sync(sandbox, db)
    assert mode(db) == 0o660
    assert mode(tmp_path / "crm.duckdb.lock") == 0o600


def test_a_full_disk_leaves_no_temp_file_and_the_live_file_as_it_was(sandbox, tmp_path, monkeypatch):
    db = tmp_path / "crm.duckdb"
    sync(sandbox, db)
    before = digest(db)

    def disk_full(source, target, length=0):
        target.write(source.read(4096))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfileobj", disk_full)
    with pytest.raises(OSError, match="No space left"):
        sync(sandbox, db)
    assert temp_files(db) == []
    assert digest(db) == before


@pytest.mark.parametrize("content, needle", [
    (b"this is not a database at all\n" * 100, "not a DuckDB file"),
    (b"", "not a DuckDB file"),
    ("sqlite", "an SQLite database"),
    ("duckdb", "DuckDB file of another program"),
    ("duckdb-meta", "DuckDB file of another program"),  # a `meta` table, but not Dozhim's
])
def test_a_file_not_ours_is_refused_in_one_line_and_left_untouched(sandbox, tmp_path, content, needle):
    db = tmp_path / "other.db"
    if content == "sqlite":
        conn = sqlite3.connect(db)
        conn.execute("create table invoices (id integer)")
        conn.commit()
        conn.close()
    elif isinstance(content, str) and content.startswith("duckdb"):
        con = duckdb.connect(str(db))
        con.execute("create table customers (id integer, name varchar)")
        if content == "duckdb-meta":
            con.execute("create table meta (key varchar, value varchar)")
            con.execute("insert into meta values ('app', 'someone else')")
        con.close()
    else:
        db.write_bytes(content)
    before = digest(db)
    home = tmp_path / "home"
    home.mkdir()
    proc = cli("sync", "--db", str(db), "--webhook", sandbox.webhook_url, env={"HOME": str(home)})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert len(err.strip().splitlines()) == 1
    assert needle in one_line_failure(err)
    assert digest(db) == before
    assert temp_files(db) == []
    assert list(home.iterdir()) == []  # no ~/.duckdb/extensions: nothing was fetched or installed


def test_the_connectors_duckdb_connections_never_fetch_extensions(tmp_path):
    con, tmp = store.open_copy(tmp_path / "crm.duckdb")
    try:
        settings = con.execute("select current_setting('autoinstall_known_extensions'), "
                               "current_setting('autoload_known_extensions')").fetchone()
        assert settings == (False, False)
    finally:
        store.discard(con, tmp)
