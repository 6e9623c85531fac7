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


def already_sent(db: Path | str, day: date, channel: str) -> set[int]:
    """Recipients who got this day's digest on this channel."""
    con = connect_state(db)
    try:
        rows = con.execute(
            "select distinct recipient_id from digest_log where day = ? and channel = ? and status = 'sent'",
            (day.isoformat(), channel),
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
