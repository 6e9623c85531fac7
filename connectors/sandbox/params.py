"""Request parameters as PHP sees them: `a[b][c]=v` query strings into nested dicts.

Bitrix24 runs on PHP, so form bodies, GET query strings and the `cmd` strings inside `batch` are parsed
the way `parse_str` does: `select[]=ID&select[]=TITLE` is a list, `filter[>ID]=5` a map, `a[0]=x` a map
with the key "0" (PHP has only one array type; `as_list` turns such maps back into lists).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def _split_key(key: str) -> list[str]:
    """`filter[>ID]` -> ["filter", ">ID"]; `select[]` -> ["select", ""]."""
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    parts = [head]
    parts.extend(_KEY_PART.findall("[" + rest))
    return parts


def _assign(target: dict, parts: list[str], value: str) -> None:
    node: Any = target
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "":  # `a[]` appends: the next integer key, as PHP does
            part = str(sum(1 for k in node if str(k).isdigit()))
        if last:
            node[part] = value
            return
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child


def _listify(value: Any) -> Any:
    """Maps whose keys are 0..n-1 become lists, like a JSON client would have sent them."""
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        keys = list(value)
        if keys and keys == [str(i) for i in range(len(keys))]:
            return [value[k] for k in keys]
    return value


def parse_php_query(query: str) -> dict[str, Any]:
    """Parse an `http_build_query` string (keys and values URL-encoded) into nested dicts and lists."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key:
            _assign(result, _split_key(key), value)
    return {k: _listify(v) for k, v in result.items()}


def as_list(value: Any) -> list:
    """A PHP array used as a list: accepts a list, a map of index -> value, a scalar, or None."""
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def as_map(value: Any) -> dict:
    """A PHP array used as a map; lists and scalars give an empty map (the server ignores them)."""
    return value if isinstance(value, dict) else {}


def lower_keys(params: dict[str, Any]) -> dict[str, Any]:
    """Classic CRM methods read `filter`/`FILTER`, `select`/`SELECT`... alike."""
    return {str(k).lower(): v for k, v in params.items()}


def php_int(value: Any, default: int = 0) -> int:
    """PHP's intval: leading digits of a string, 0 for garbage, arrays count as 1 when non-empty."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, list | dict):
        return 1 if value else 0
    if value is None:
        return default
    match = re.match(r"\s*([+-]?\d+)", str(value))
    return int(match.group(1)) if match else 0


def php_str(value: Any) -> str:
    """How PHP turns a value into a string inside a filter: arrays become "Array"."""
    if isinstance(value, list | dict):
        return "Array"
    if isinstance(value, bool):
        return "1" if value else ""
    if value is None:
        return ""
    return str(value)
