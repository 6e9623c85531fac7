"""The rules' business calendar in Python, for the job's own decisions (send today? which day was the last
working one?): the same definition as queries/context.py's calendar_day, from the same pieces."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from queries.context import country_calendar, zone_info
from queries.rules import Rules


def is_working_day(day: date, rules: Rules) -> bool:
    """One of the rules' working weekdays or a transferred working day of the country, and neither a public
    holiday of the country nor one of the rules' extra holidays."""
    days_off, workdays = country_calendar(rules.country, day.year, day.year)
    if day in days_off or day in rules.holidays:
        return False
    return day.isoweekday() in rules.working_days or day in workdays


def previous_working_day(day: date, rules: Rules) -> date:
    """The last working day before `day` (at most a year back)."""
    for back in range(1, 367):
        candidate = day - timedelta(days=back)
        if is_working_day(candidate, rules):
            return candidate
    return day - timedelta(days=1)


def local_moment(as_of: datetime, rules: Rules, utc_offset: str | None) -> datetime:
    """`as_of` in the portal's zone (the rules' calendar.timezone, else the snapshot's offset)."""
    return as_of.astimezone(zone_info(rules.timezone or utc_offset))
