"""`batch` commands and replies.

A command is `method?query`, the query in PHP `http_build_query` style (`filter[%3EID]=100&order[ID]=ASC`).
References to earlier results (`$result[c0][49][ID]`) stay unencoded so the portal can substitute them.
The reply is HTTP 200 even when commands fail; empty maps come back as `[]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

MAX_COMMANDS = 50

# Characters a `$result[...]` reference needs verbatim.
_REF_SAFE = "$[]"


def _scalar(value: Any) -> str:
    if value is True:  # as PHP's http_build_query; CRM flags are sent as "Y"/"N" strings by callers
        return "1"
    if value is False:
        return "0"
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()  # with its offset, as Bitrix24 filters expect
    return str(value)


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        if not value:
            return
        for key, item in value.items():
            _flatten(f"{prefix}[{quote(str(key), safe='')}]", item, out)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, out)
    else:
        out.append((prefix, _scalar(value)))


def build_query(params: dict[str, Any]) -> str:
    """PHP-style query string: nested dicts as `a[b][c]=v`, lists as `a[0]=v`."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        _flatten(quote(str(key), safe=""), value, pairs)
    encoded = []
    for key, value in pairs:
        safe = _REF_SAFE if value.startswith("$result[") else ""
        encoded.append(f"{key}={quote(value, safe=safe)}")
    return "&".join(encoded)


def command(method: str, params: dict[str, Any] | None) -> str:
    query = build_query(params or {})
    return f"{method}?{query}" if query else method


def _as_map(value: Any) -> dict[str, Any]:
    """Batch maps come as `{}` or, when empty, `[]` (PHP's empty array); a list may also hold values."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


@dataclass
class BatchReply:
    result: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    total: dict[str, Any] = field(default_factory=dict)
    next: dict[str, Any] = field(default_factory=dict)
    time: dict[str, Any] = field(default_factory=dict)  # per-command time blocks (result_time)
    batch_time: dict[str, Any] = field(default_factory=dict)  # the whole call's time block

    @classmethod
    def from_reply(cls, body: dict[str, Any]) -> BatchReply:
        inner = body.get("result")
        inner = inner if isinstance(inner, dict) else {}
        errors = {k: (v if isinstance(v, dict) else {"error": "", "error_description": str(v)})
                  for k, v in _as_map(inner.get("result_error")).items()}
        return cls(
            result=_as_map(inner.get("result")),
            errors=errors,
            total=_as_map(inner.get("result_total")),
            next=_as_map(inner.get("result_next")),
            time=_as_map(inner.get("result_time")),
            batch_time=body.get("time") if isinstance(body.get("time"), dict) else {},
        )
