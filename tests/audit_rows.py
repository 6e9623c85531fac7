"""The export audit as the tests read it: straight from the state file beside a snapshot (sqlite), not
through the code that writes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from snapshot.state import state_path


def export_audit(db: Path, columns: str = "what, format, rows") -> list[tuple]:
    """The export audit rows written beside the snapshot `db`, oldest first: the given columns; none when
    nothing was ever written there."""
    if not state_path(db).exists():
        return []
    con = sqlite3.connect(state_path(db))
    try:
        return con.execute(f"select {columns} from export_audit order by rowid").fetchall()
    finally:
        con.close()
