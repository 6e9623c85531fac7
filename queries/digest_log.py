"""Readers for the morning digest: who may receive one (the snapshot's users with their e-mail) and what
was sent (the digest log in the state file beside the snapshot).

    from queries.digest_log import digest_recipients, list_digests
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from queries import derived
from queries.errors import ScopeError
from queries.runner import QueryError, connect
from queries.scope import Viewer
from snapshot.state import connect_state

DIGEST_COLUMNS = [
    "day",
    "at",
    "recipient_id",
    "recipient_name",
    "channel",
    "kind",
    "status",
    "items",
    "chars",
    "error",
]
RECIPIENT_COLUMNS = ["user_id", "user_name", "email", "active"]

# every user with the display name and active flag the metrics use (d_user), and their e-mail; who heads
# what comes from queries.viewer_for, like everywhere else
RECIPIENTS_SQL = """
select
    d.user_id,
    d.user_name,
    nullif(trim(u.email), '') as email,
    d.user_active as active
from d_user as d
inner join users as u on u.id = d.user_id
order by d.user_id
"""


def digest_recipients(db_path: str | Path) -> pd.DataFrame:
    """One row per user of the snapshot: RECIPIENT_COLUMNS."""
    con = connect(db_path)
    try:
        derived.attach(con)
        rows = con.execute(RECIPIENTS_SQL).fetchall()
    except duckdb.Error as exc:
        raise QueryError(f"cannot read users in {db_path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return pd.DataFrame(rows, columns=RECIPIENT_COLUMNS)


def list_digests(db_path: str | Path, viewer: Viewer | None = None, limit: int = 200) -> pd.DataFrame:
    """The digest log, newest first: DIGEST_COLUMNS. `viewer` None is the operator (sees everything); any
    viewer but an admin gets ScopeError."""
    if viewer is not None and not viewer.sees_everything:
        raise ScopeError("the digest log is for admins only")
    con = connect_state(db_path)
    try:
        rows = con.execute(
            f"select {', '.join(DIGEST_COLUMNS)} from digest_log order by at desc, rowid desc limit ?",
            (int(limit),),
        ).fetchall()
    finally:
        con.close()
    return pd.DataFrame(rows, columns=DIGEST_COLUMNS)
