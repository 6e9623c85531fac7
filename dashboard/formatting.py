"""Numbers, money, dates and durations in Russian or English conventions, times in the portal's time zone.

Russian: `1 234 567,5`, `1 234 ₽`, `20.11.2026 18:00`, `ноябрь 2026`. English: `1,234,567.5`, `₽1,234`,
`Nov 20, 2026 6:00 PM`, `November 2026`. No locale database is needed (the app must not depend on the
machine's locale settings), so the few patterns used are written out here.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from babel.dates import format_skeleton

NBSP = "\u00a0"  # Russian thousands separator (a non-breaking space keeps the number on one line)

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "UAH": "₴", "BYN": "Br", "CNY": "¥"}

MONTHS = {
    "ru": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
           "ноябрь", "декабрь"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
MONTHS_SHORT_EN = [m[:3] for m in MONTHS["en"]]


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: object, lang: str, decimals: int = 0) -> str:
    """`1 234,5` (ru) or `1,234.5` (en); empty for a missing value."""
    if _missing(value):
        return ""
    text = f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    if lang == "ru":
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def integer(value: object, lang: str) -> str:
    return number(value, lang, 0)


def money(value: object, currency: str | None, lang: str, decimals: int = 0) -> str:
    """`1 234 ₽` (ru) or `₽1,234` (en); an unknown currency code is written out."""
    if _missing(value):
        return ""
    sign = CURRENCY_SIGNS.get(currency or "", currency or "")
    amount = number(abs(float(value)), lang, decimals)  # type: ignore[arg-type]
    minus = "−" if float(value) < 0 else ""  # type: ignore[arg-type]
    if lang == "ru":
        return f"{minus}{amount}{NBSP}{sign}".strip()
    return f"{minus}{sign}{amount}" if len(sign) == 1 else f"{minus}{sign} {amount}".strip()


def currency_sign(currency: str | None) -> str:
    return CURRENCY_SIGNS.get(currency or "", currency or "")


def compact_number(value: object, lang: str) -> str:
    """Short numbers for tiles (the currency goes in the tile's label): `1,2 млн`, `380 тыс.` / `1.2M`."""
    if _missing(value):
        return ""
    v = float(value)  # type: ignore[arg-type]
    for size, ru, en in [(1e9, "млрд", "B"), (1e6, "млн", "M"), (1e3, "тыс.", "K")]:
        if abs(v) >= size:
            scaled = v / size
            whole = abs(scaled) >= 100 or abs(scaled - round(scaled)) < 0.05  # `34 тыс.`, not `34,0 тыс.`
            short = number(scaled, lang, 0 if whole else 1)
            return f"{short}{NBSP}{ru}" if lang == "ru" else f"{short}{en}"
    return number(v, lang)


def percent(value: object, lang: str, decimals: int = 0) -> str:
    """A share 0..1 as `42 %` (ru) or `42%` (en)."""
    if _missing(value):
        return ""
    text = number(float(value) * 100, lang, decimals)  # type: ignore[arg-type]
    return f"{text}{NBSP}%" if lang == "ru" else f"{text}%"


def signed(value: object, lang: str) -> str:
    """A change with its sign: `+3`, `-2`, `0` (an ASCII minus: st.metric reads it to colour the delta)."""
    if _missing(value):
        return ""
    v = float(value)  # type: ignore[arg-type]
    body = number(abs(v), lang, 0 if v == int(v) else 1)
    return f"+{body}" if v > 0 else (f"-{body}" if v < 0 else "0")


_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})?$")


def portal_tz(name: str | None) -> tzinfo:
    """`+03:00` -> a fixed-offset tz, `Europe/Moscow` -> that zone; anything unreadable is UTC."""
    match = _OFFSET.match((name or "").strip())
    if not match:
        try:
            return ZoneInfo(name) if name else UTC
        except (ZoneInfoNotFoundError, ValueError):
            return UTC
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-delta if sign == "-" else delta)


def to_portal(moment: object, tz: tzinfo) -> datetime | None:
    """An instant in the portal's time zone (naive inputs are taken as UTC)."""
    if _missing(moment):
        return None
    ts = pd.Timestamp(moment)  # type: ignore[arg-type]
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert(tz).to_pydatetime()


def day(value: object, lang: str) -> str:
    """A date: `20.11.2026` (ru) or `Nov 20, 2026` (en)."""
    if _missing(value):
        return ""
    d = pd.Timestamp(value).date() if not isinstance(value, date) else value  # type: ignore[arg-type]
    if isinstance(d, datetime):
        d = d.date()
    if lang == "ru":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    return f"{MONTHS_SHORT_EN[d.month - 1]} {d.day}, {d.year}"


def day_month(value: object, tz: tzinfo, lang: str) -> str:
    """The portal-local day of an instant without its year, for a sentence: `12.11` (ru) / `Nov 12` (en)."""
    local = to_portal(value, tz)
    if local is None:
        return ""
    return format_skeleton("dM" if lang == "ru" else "MMMd", local.date(), locale=lang)


def moment(value: object, tz: tzinfo, lang: str) -> str:
    """An instant shown in the portal's time zone: `20.11.2026 18:05` / `Nov 20, 2026 6:05 PM`."""
    local = to_portal(value, tz)
    if local is None:
        return ""
    if lang == "ru":
        return f"{day(local, lang)} {local:%H:%M}"
    hour = local.hour % 12 or 12
    return f"{day(local, lang)} {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"


def month(value: object, lang: str) -> str:
    """`2026-11` or a date -> `ноябрь 2026` / `November 2026`."""
    if _missing(value):
        return ""
    is_month = isinstance(value, str) and len(value) == 7
    ts = pd.Timestamp(f"{value}-01") if is_month else pd.Timestamp(value)  # type: ignore[arg-type]
    return f"{MONTHS[lang if lang in MONTHS else 'ru'][ts.month - 1]} {ts.year}"


def age(delta: timedelta, lang: str) -> str:
    """A duration in words, coarse: `5 мин`, `3 ч 10 мин`, `2 дн` / `5 min`, `3 h 10 min`, `2 days`."""
    minutes = max(0, math.floor(delta.total_seconds() / 60))
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    if lang == "ru":
        if days:
            return f"{days}{NBSP}дн {hrs}{NBSP}ч" if hrs else f"{days}{NBSP}дн"
        return f"{hrs}{NBSP}ч {mins}{NBSP}мин" if hrs else f"{mins}{NBSP}мин"
    if days:
        unit = "day" if days == 1 else "days"
        return f"{days} {unit} {hrs} h" if hrs else f"{days} {unit}"
    return f"{hrs} h {mins} min" if hrs else f"{mins} min"
