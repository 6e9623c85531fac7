"""Strict value parsing: Bitrix24's loose JSON values -> typed Python values for DuckDB.

Every empty form the API uses (`None`, `""`, `[]`, `{}`, `"0"` for an empty link, year 9999 for "no
deadline") becomes None. Anything else that does not fit its column raises `ValueError` - including values
at the limits of the column's DuckDB type (an amount beyond DECIMAL(18,2), a date whose UTC form falls
outside year 1..9999, an integer beyond BIGINT) - so the caller rejects and reports the record instead of
storing a wrong value or failing the whole batch.

Kinds (one per column, see streams.py):
  int (BIGINT), int32 (INTEGER), link (0 means empty), str, bool, money / decimal (Decimal, DECIMAL(18,2)),
  float, datetime (aware UTC), date (date-only field sent as a datetime), int_list, json (kept as JSON text).
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


BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1
MONEY_LIMIT = Decimal(10) ** 16  # DECIMAL(18, 2): 16 digits before the point


class RecordError(ValueError):
    """A record could not be parsed; `field` names the API field that failed, `error` says why in one
    short line naming the value ("date out of range: '0001-01-01T00:00:00+03:00'")."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.error = f"{' '.join(str(reason).split())}: {shown(value)}"
        super().__init__(f"{field}: {self.error}")


def shown(value: Any, limit: int = 60) -> str:
    """A value's repr, on one line and cut to `limit` characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


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
    number = _to_int(value)
    if number is not None and not -BIGINT_MAX - 1 <= number <= BIGINT_MAX:
        raise ValueError("integer out of range")
    return number


def to_int32(value: Any) -> int | None:
    number = _to_int(value)
    if number is not None and not -INTEGER_MAX - 1 <= number <= INTEGER_MAX:
        raise ValueError("integer out of range")
    return number


def _to_int(value: Any) -> int | None:
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
        if (_INT.match(text) or _INT_FLOAT.match(text)) and len(text) <= 40:
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


def to_money(value: Any) -> Decimal | None:
    """An amount for DECIMAL(18, 2): up to 16 digits before the point (kopecks rounded by DuckDB)."""
    number = to_decimal(value)
    if number is not None and abs(number) >= MONEY_LIMIT:
        raise ValueError("amount out of range")
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
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+03:00 is in year 0 in UTC
        raise ValueError("date out of range") from None


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
        try:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
        except ValueError:
            raise ValueError("not a valid date") from None
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("not an ISO date") from None
    moment = to_datetime(text)
    if moment is None:
        return None
    try:
        return (moment + timedelta(hours=12)).date()
    except OverflowError:
        raise ValueError("date out of range") from None


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
    "int32": to_int32,
    "link": to_link,
    "str": to_str,
    "bool": to_bool,
    "money": to_money,
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
    Raises RecordError naming the first field that does not parse, whatever the parser raised."""
    if not isinstance(raw, Mapping):
        raise RecordError("*", raw, "not a record")
    out: dict[str, Any] = {}
    for column, (key, parser) in columns.items():
        value = raw.get(key)
        try:
            out[column] = parser(value)
        except RecordError:
            raise
        except Exception as exc:  # noqa: BLE001 (OverflowError, RecursionError, ...: one bad record only)
            reason = str(exc) if isinstance(exc, ValueError) else type(exc).__name__
            raise RecordError(key, value, reason) from None
    return out


def field(raw: Mapping[str, Any], key: str, parser: Callable[[Any], Any]) -> Any:
    """One field of a directory row, its failure a RecordError naming the field."""
    return parse_record(raw, {key: (key, parser)})[key]


def rejection(record_id: Any, error: RecordError) -> dict[str, str | None]:
    """One entry of sync_runs.rejected (contract 3)."""
    shown_id = None if is_empty(record_id) else " ".join(str(record_id).split())[:40]
    return {"id": shown_id, "field": error.field, "error": error.error}


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
