"""Portal time for the generator: epoch seconds in, ISO strings with the portal's offset out.

The generator works on integer epoch seconds (cheap to add and compare) and formats only when it writes a
row, always with the portal's fixed UTC offset, as a Bitrix24 server does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

DAY = 86_400
HOUR = 3_600
NO_DEADLINE_DATE = "9999-12-31T00:00:00"  # Bitrix24's "no deadline", followed by the portal offset


def parse_offset(utc_offset: str) -> timezone:
    """'+03:00' -> timezone(+3h). Raises ValueError on anything else."""
    sign = {"+": 1, "-": -1}.get(utc_offset[:1])
    hours, _, minutes = utc_offset[1:].partition(":")
    if sign is None or not hours.isdigit() or not minutes.isdigit():
        raise ValueError(f"bad UTC offset {utc_offset!r}, expected like +03:00")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def sooner(rng, start: int, drawn: int, end: int) -> int:
    """drawn when it falls before end, else a moment between start and end: the event happened, only sooner.
    (Clamped to end instead, thousands of closes and edits of the large store shared the minute of
    generation, and a first sync soon after it fetched them all again.)"""
    return drawn if drawn < end else rng.randrange(min(start, end - 1), end)


def default_now(tz: timezone) -> datetime:
    """The current time rounded down to the minute, in the portal's offset."""
    return datetime.now(tz).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Clock:
    """The portal's 'now' and its offset; formats epoch seconds the way the store keeps them."""

    now: int
    tz: timezone

    @classmethod
    def at(cls, now: datetime, utc_offset: str) -> Clock:
        tz = parse_offset(utc_offset)
        if now.tzinfo is None:
            now = now.replace(tzinfo=tz)
        return cls(int(now.timestamp()), tz)

    @property
    def no_deadline(self) -> str:
        return NO_DEADLINE_DATE + self.offset

    @property
    def offset(self) -> str:
        return datetime.fromtimestamp(0, self.tz).isoformat()[-6:]

    def dt(self, ts: int) -> str:
        """Epoch seconds -> '2026-11-20T14:05:00+03:00'."""
        return datetime.fromtimestamp(ts, self.tz).isoformat()

    def date(self, ts: int) -> str:
        """Epoch seconds -> the portal-local date 'YYYY-MM-DD'."""
        return datetime.fromtimestamp(ts, self.tz).date().isoformat()

    def day_start(self, ts: int) -> int:
        """Start of the portal-local day holding ts."""
        shift = int(self.tz.utcoffset(None).total_seconds())  # a fixed offset, as a portal's server has
        return ts - (ts + shift) % DAY

    def work_time(self, ts: int, rng) -> int:
        """Move ts to a plausible working moment of its local day (09:00-19:00), keeping the date."""
        return self.day_start(ts) + 9 * HOUR + rng.randrange(10 * HOUR)

    def business(self, ts: int, rng) -> int:
        """ts moved into working hours of its day, unless that would carry it across now (the past stays
        past, the future stays future)."""
        moved = self.work_time(ts, rng)
        return moved if (moved <= self.now) == (ts <= self.now) else ts
