"""Readers for the morning digest: who may receive one (the snapshot's users with their e-mail and the
departments they head) and what was sent (the digest log in the state file beside the snapshot).

    from queries.digest_log import digest_recipients, list_digests
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

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
RECIPIENT_COLUMNS = ["user_id", "user_name", "email", "active", "headed_department_ids"]

# every user with the departments whose UF_HEAD they are (the head's scope covers sub-departments: the
# metrics' department filter does that)
RECIPIENTS_SQL = """
with

heads as (
    select d.uf_head as user_id, list(d.id order by d.id) as headed_department_ids
    from departments as d
    where d.uf_head is not null
    group by d.uf_head
),

final as (
    select
        u.id as user_id,
        coalesce(nullif(trim(concat_ws(' ', u.name, u.last_name)), ''), 'User ' || u.id) as user_name,
        nullif(trim(u.email), '') as email,
        coalesce(u.active, true) as active,
        coalesce(h.headed_department_ids, []) as headed_department_ids
    from users as u
    left join heads as h on h.user_id = u.id
)

select * from final
order by user_id
"""


def digest_recipients(db_path: str | Path) -> pd.DataFrame:
    """One row per user of the snapshot: RECIPIENT_COLUMNS (headed_department_ids a list, [] for none)."""
    con = connect(db_path)
    try:
        rows = con.execute(RECIPIENTS_SQL).fetchall()
    except duckdb.Error as exc:
        raise QueryError(
            f"cannot read users or departments in {db_path}: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        con.close()
    frame = pd.DataFrame(rows, columns=RECIPIENT_COLUMNS)
    frame["headed_department_ids"] = [list(v or []) for v in frame["headed_department_ids"]]
    return frame


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
