"""Strict value parsing: Bitrix24's loose JSON values -> typed Python values for DuckDB.

Every empty form the API uses (`None`, `""`, `[]`, `{}`, `"0"` for an empty link, year 9999 for "no
deadline") becomes None. Anything else that does not fit its type raises `ValueError`, so the caller can
count the record as rejected instead of storing a wrong value.

Kinds (one per column, see streams.py):
  int, link (0 means empty), str, bool, money / decimal (Decimal), float, datetime (aware UTC),
  date (date-only field sent as a datetime), int_list, json (kept as JSON text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

_EMPTY_STRINGS = frozenset({"", "null"})
_INT = re.compile(r"^[+-]?\d+$")
_INT_FLOAT = re.compile(r"^[+-]?\d+\.0*$")
_DMY = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?$")
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})$")


class RecordError(ValueError):
    """A record could not be parsed; `field` names the column that failed."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        shown = repr(value)
        super().__init__(f"{field}: {reason} ({shown[:60]})")
        self.field = field


def is_empty(value: Any) -> bool:
    """True for every form Bitrix24 uses to say "no value"."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in _EMPTY_STRINGS
    if isinstance(value, list | dict | tuple):
        return len(value) == 0
    return False


def to_int(value: Any) -> int | None:
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError("boolean where an integer was expected")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("fraction where an integer was expected")
    if isinstance(value, str):
        text = value.strip()
        if _INT.match(text) or _INT_FLOAT.match(text):
            return int(text.split(".")[0])
    raise ValueError("not an integer")


def to_link(value: Any) -> int | None:
    """An id that points at another record: 0 / "0" mean "not linked"."""
    number = to_int(value)
    return None if number == 0 else number


def to_str(value: Any) -> str | None:
    if is_empty(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def to_bool(value: Any) -> bool | None:
    """Y/N (CRM), JSON true/false (user.get) and 1/0 (boolean user fields)."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().upper()
        if text in ("Y", "1", "TRUE"):
            return True
        if text in ("N", "0", "FALSE"):
            return False
    raise ValueError("not a Y/N flag")


def to_decimal(value: Any) -> Decimal | None:
    """Money: parsed from the string (or the float's shortest repr), never through binary float math."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError("boolean where a number was expected")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def to_float(value: Any) -> float | None:
    number = to_decimal(value)
    return None if number is None else float(number)


def _offset_of(text: str) -> timedelta | None:
    if text.endswith("Z"):
        return timedelta(0)
    match = _OFFSET.search(text[10:])
    if not match:
        return None
    sign = -1 if match[1] == "-" else 1
    return sign * timedelta(hours=int(match[2]), minutes=int(match[3]))


def to_datetime(value: Any) -> datetime | None:
    """ISO 8601 with its offset -> aware UTC datetime. A missing offset is an error: guessing the
    zone would shift every time by hours. Year 9999 ("no deadline") is empty."""
    if is_empty(value):
        return None
    if not isinstance(value, str):
        raise ValueError("not a datetime string")
    text = value.strip()
    if text.startswith("9999"):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("not an ISO datetime") from None
    if parsed.tzinfo is None:
        raise ValueError("datetime without a UTC offset")
    if parsed.year >= 9999:
        return None
    return parsed.astimezone(UTC)


def to_date(value: Any) -> date | None:
    """A date-only field. Bitrix24 sends it as a datetime built from midnight and the server's offset
    ("2024-08-30T02:00:00+02:00" or "2024-08-30T00:00:00+03:00" for 30 Aug); the wall-clock date can
    be a day off for negative offsets, so convert to UTC and round to the nearest day instead of
    slicing the first 10 characters. Plain "YYYY-MM-DD" and "DD.MM.YYYY" (user fields) are accepted."""
    if is_empty(value):
        return None
    if not isinstance(value, str):
        raise ValueError("not a date string")
    text = value.strip()
    if text.startswith("9999"):
        return None
    dmy = _DMY.match(text)
    if dmy:
        return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("not an ISO date") from None
    moment = to_datetime(text)
    if moment is None:
        return None
    return (moment + timedelta(hours=12)).date()


def to_int_list(value: Any) -> list[int] | None:
    if is_empty(value):
        return None
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        value = [value]
    items = [to_int(item) for item in value]
    kept = [item for item in items if item is not None]
    return kept or None


def to_json(value: Any) -> str | None:
    if is_empty(value):
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


PARSERS: dict[str, Callable[[Any], Any]] = {
    "int": to_int,
    "link": to_link,
    "str": to_str,
    "bool": to_bool,
    "money": to_decimal,
    "decimal": to_decimal,
    "float": to_float,
    "datetime": to_datetime,
    "date": to_date,
    "int_list": to_int_list,
    "json": to_json,
}


def list_of(kind: str) -> Callable[[Any], Any]:
    """Parser for a multiple user field: a list of `kind` values, empty -> None."""
    one = PARSERS[kind]

    def parse(value: Any) -> list[Any] | None:
        if is_empty(value):
            return None
        if isinstance(value, dict):
            value = list(value.values())
        items = value if isinstance(value, list) else [value]
        kept = [parsed for parsed in (one(item) for item in items) if parsed is not None]
        return kept or None

    return parse


def parse_record(raw: Mapping[str, Any], columns: Mapping[str, tuple[str, Callable[[Any], Any]]]) -> dict:
    """One API row -> {column: typed value}. `columns` maps column -> (source key, parser).
    Raises RecordError naming the first field that does not parse."""
    out: dict[str, Any] = {}
    for column, (key, parser) in columns.items():
        value = raw.get(key)
        try:
            out[column] = parser(value)
        except ValueError as exc:
            raise RecordError(key, value, str(exc)) from None
    return out


def utc_offset_of(text: str) -> str | None:
    """"2026-11-22T08:53:00+03:00" -> "+03:00" (how the portal's clock is set)."""
    if not isinstance(text, str):
        return None
    delta = _offset_of(text.strip())
    if delta is None:
        return None
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
