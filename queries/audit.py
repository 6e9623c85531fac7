"""The export audit: who handed out which rows, when (snapshot/state.py's export_audit table).

Every export writes its row before the file is served: the dashboard's CSV / Excel downloads and the CLI's
csv / json under --viewer. Only admins and the operator may read it back (About).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from queries.errors import ScopeError
from queries.scope import Viewer
from snapshot.state import connect_state

COLUMNS = ["at", "user_id", "user_name", "role", "what", "format", "rows", "filters"]


def record_export(db_path: str | Path, viewer: Viewer | None, what: str, fmt: str, rows: int,
                  filters: str = "", now: datetime | None = None) -> None:
    """One audit row; viewer None = the operator (whoever holds the file, no sign-in)."""
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    row = (at, viewer.user_id if viewer else None, viewer.name if viewer else None,
           viewer.role if viewer else "operator", what, fmt, int(rows), filters)
    con = connect_state(db_path)
    try:
        with con:
            con.execute(f"insert into export_audit ({', '.join(COLUMNS)}) values (?, ?, ?, ?, ?, ?, ?, ?)",
                        row)
    finally:
        con.close()


def list_exports(db_path: str | Path, viewer: Viewer | None, limit: int = 200) -> pd.DataFrame:
    """The newest `limit` exports, newest first; ScopeError for anyone but an admin or the operator."""
    if viewer is not None and not viewer.sees_everything:
        raise ScopeError(f"the export audit is for admins only (user {viewer.user_id} is a {viewer.role})")
    con = connect_state(db_path)
    try:
        rows = con.execute(f"select {', '.join(COLUMNS)} from export_audit order by at desc, rowid desc "
                           "limit ?", (int(limit),)).fetchall()
    finally:
        con.close()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame
