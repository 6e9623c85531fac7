"""The digest log (snapshot.state's digest_log): what was sent, failed or written by a dry run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from snapshot.state import connect_state


@dataclass(frozen=True)
class Entry:
    day: date
    recipient_id: int
    recipient_name: str
    channel: str  # im | email
    kind: str  # manager | head | all_clear | stale
    status: str  # sent | failed | dry_run | skipped
    items: int = 0
    chars: int = 0
    error: str | None = None


def already_sent(db: Path | str, day: date, channel: str, count_stale: bool = True) -> set[int]:
    """Recipients who got this day's digest on this channel. A stale note does not use up the day for the
    real digest (`count_stale` False: a good sync later that morning still sends it); a second stale note
    the same day is not sent (`count_stale` True)."""
    con = connect_state(db)
    try:
        rows = con.execute(
            "select distinct recipient_id from digest_log where day = ? and channel = ? and status = 'sent' "
            "and (? or kind <> 'stale')",
            (day.isoformat(), channel, count_stale),
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def write(db: Path | str, entries: list[Entry], now: datetime | None = None) -> None:
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    con = connect_state(db)
    try:
        with con:
            con.executemany(
                "insert into digest_log (day, at, recipient_id, recipient_name, channel, kind, status, "
                "items, "
                "chars, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.day.isoformat(),
                        at,
                        e.recipient_id,
                        e.recipient_name,
                        e.channel,
                        e.kind,
                        e.status,
                        e.items,
                        e.chars,
                        e.error,
                    )
                    for e in entries
                ],
            )
    finally:
        con.close()


# The keys of the items each manager's sent digest listed ("deal:101", "lead:7"), so tomorrow's digest can say
# what was fixed and what is new against what the manager was actually shown. The digest's own table in the
# state file (snapshot.state keeps digest_log; this one only the job reads).
ITEMS_SCHEMA = """
create table if not exists digest_items (
    day text not null,
    recipient_id integer not null,
    item_key text not null
);
create index if not exists digest_items_day on digest_items (day, recipient_id);
"""


def remember_items(db: Path | str, day: date, lists: dict[int, list[str]]) -> None:
    """The items of the digests sent today, per recipient (replacing that day's earlier ones)."""
    con = connect_state(db)
    try:
        with con:
            con.executescript(ITEMS_SCHEMA)
            for recipient, keys in lists.items():
                con.execute(
                    "delete from digest_items where day = ? and recipient_id = ?",
                    (day.isoformat(), recipient),
                )
                con.executemany(
                    "insert into digest_items (day, recipient_id, item_key) values (?, ?, ?)",
                    [(day.isoformat(), recipient, key) for key in keys],
                )
    finally:
        con.close()


def items_sent(db: Path | str, day: date, recipient: int) -> set[str] | None:
    """The items the recipient's digest of `day` listed; None when no digest was sent to them that day, or
    when it was a head's that kept none (heads' own lists were not kept before 2026-11-27, so an empty one
    proves nothing: the caller compares with the queries then)."""
    con = connect_state(db)
    try:
        con.executescript(ITEMS_SCHEMA)
        kinds = {r[0] for r in con.execute(
            "select kind from digest_log where day = ? and recipient_id = ? and status = 'sent'",
            (day.isoformat(), recipient),
        ).fetchall()}
        rows = con.execute(
            "select item_key from digest_items where day = ? and recipient_id = ?",
            (day.isoformat(), recipient),
        ).fetchall()
    finally:
        con.close()
    if not kinds & {"manager", "head", "all_clear"} or (not rows and "head" in kinds):
        return None
    return {r[0] for r in rows}
