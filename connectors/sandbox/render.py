"""Stored values as the REST API sends them.

Classic UPPER_CASE methods send every scalar as a string; `crm.item.*` and `crm.stagehistory.list` send
integers and money as JSON numbers. Both send date-only fields as local midnight with the portal's offset,
flags as "Y"/"N" and empty values as null (see connectors/sandbox/fields.py for the storage rules).
"""

from __future__ import annotations

import json
from typing import Any

from connectors.sandbox.fields import INTEGER_TYPES


def date_as_datetime(value: str, offset: str) -> str:
    """"2026-11-20" -> "2026-11-20T00:00:00+03:00" (how CRestUtil::ConvertDate sends a date)."""
    return f"{value[:10]}T00:00:00{offset}"


def _json_value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def classic(type_: str, value: Any, offset: str, multiple: bool = False) -> Any:
    """A value as crm.deal.list / crm.activity.list / crm.status.list send it."""
    if value is None:
        return None
    if multiple:
        items = _json_value(value)
        if isinstance(items, list):
            return [classic(type_, item, offset) for item in items]
    if type_ == "date":
        return date_as_datetime(str(value), offset)
    if type_ == "boolean":
        return bool(value)
    if type_ == "list":
        return _json_value(value)
    return str(value)


def item(type_: str, value: Any, offset: str, multiple: bool = False) -> Any:
    """A value as crm.item.list / crm.stagehistory.list send it (numbers as JSON numbers)."""
    if value is None:
        return None
    if multiple:
        items = _json_value(value)
        if isinstance(items, list):
            return [item(type_, one, offset) for one in items]
    if type_ in INTEGER_TYPES:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if type_ == "double":
        return float(value)
    if type_ == "date":
        return date_as_datetime(str(value), offset)
    if type_ == "boolean":
        return bool(value)
    if type_ == "list":
        return _json_value(value)
    return value
