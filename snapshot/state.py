"""The app's own state beside the snapshot: the export audit and the digest log.

The snapshot (`crm.duckdb`) is rebuilt and swapped in by every sync, and DuckDB lets one process write a
file at a time; what Dozhim itself must remember across syncs, written by the dashboard (exports) and by the
scheduled job (digests) at once, lives in a small SQLite file next to it instead: `data/crm.state.sqlite`
for `data/crm.duckdb`. SQLite locks per write, so both writers may run together. Readable by its owner only.
Nothing secret is ever written here: no tokens, no webhook URLs, no passwords.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

STATE_SCHEMA = """
-- one row per export (CSV, Excel, JSON, anything that hands out rows), written before the file is served
create table if not exists export_audit (
    at text not null,            -- ISO 8601 UTC instant
    user_id integer,             -- the signed-in Bitrix24 user; NULL = the operator (no sign-in, localhost)
    user_name text,
    role text,                   -- admin | head | manager | operator
    what text not null,          -- the metric or list exported, e.g. "stale_deals"
    format text not null,        -- csv | xlsx | json
    rows integer not null,
    filters text                 -- the filters in force, e.g. "manager=7 pipeline=0"
);
-- one row per digest sent, failed, skipped or written by a dry run
create table if not exists digest_log (
    day text not null,           -- the portal-local working day the digest is for (YYYY-MM-DD)
    at text not null,            -- ISO 8601 UTC instant of the attempt
    recipient_id integer not null,
    recipient_name text,
    channel text not null,       -- im | email
    kind text not null,          -- manager | head | all_clear | stale
    status text not null,        -- sent | failed | dry_run | skipped
    items integer not null default 0,
    chars integer not null default 0,
    error text                   -- one line, never a secret
);
create index if not exists digest_log_day on digest_log (day, recipient_id, channel);
"""


def state_path(db_path: str | Path) -> Path:
    """`data/crm.state.sqlite` for `data/crm.duckdb`."""
    path = Path(db_path)
    return path.with_name(f"{path.stem}.state.sqlite")


def connect_state(db_path: str | Path) -> sqlite3.Connection:
    """The state file for the snapshot at `db_path`, created (owner-only) with its tables when missing."""
    path = state_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    con = sqlite3.connect(path, timeout=10)
    con.executescript(STATE_SCHEMA)
    return con
