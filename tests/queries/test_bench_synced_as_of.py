"""bench.queries reads a synced snapshot as of now, unless the sandbox's fast clock dated records later."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import duckdb

from bench.queries import synced_as_of


def test_a_snapshot_ahead_of_the_clock_is_read_as_of_its_newest_record(fixture_db, tmp_path):
    db = shutil.copy(fixture_db, tmp_path / "synced.duckdb")
    now = datetime(2030, 6, 1, tzinfo=UTC)
    assert synced_as_of(db, now) is None  # the fixture's records are all from 2026: read as of now
    with duckdb.connect(str(db)) as con:  # a change the sandbox made with its clock past the real one
        con.execute("update activities set last_updated = '2031-01-01 10:00:00+00' where id = "
                    "(select min(id) from activities)")
    assert synced_as_of(db, now) == datetime(2031, 1, 1, 10, 0, tzinfo=UTC)
    assert synced_as_of(db, datetime(2032, 1, 1, tzinfo=UTC)) is None  # once the clock has caught up
