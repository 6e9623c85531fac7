"""`batch`: up to 50 commands run in order, with `$result[...]` references between them.

Each `cmd` value is `method?query` in PHP query encoding. Before a command runs, every string value in
its parsed parameters is scanned for `$result[key][path...]` (also `$next`, `$total`, `$time`,
`$error`). The path is walked key by key; where a key is missing the walk stops and the value reached so
far is used: the documented trap (`$result[page][49][ID]` after a 12-row page gives the whole page).
The reply is HTTP 200 even when commands fail; empty maps are sent as `[]`, maps keyed 0..n-1 as lists.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from connectors.sandbox.errors import ApiError
from connectors.sandbox.params import as_map, parse_php_query, php_str
from connectors.sandbox.portal import Portal, normalize_method

MAX_COMMANDS = 50
_REFERENCE = re.compile(r"\$(result|next|total|time|error)\[([^\]]+)\]((?:\[[^\]]*\])*)")
_PATH_PART = re.compile(r"\[([^\]]*)\]")


def php_map(values: dict[str, Any]) -> Any:
    """How PHP's json_encode shows an array: [] when empty, a list when keyed 0..n-1, else an object."""
    keys = list(values)
    if not keys:
        return []
    if keys == [str(i) for i in range(len(keys))]:
        return [values[k] for k in keys]
    return values


def _walk(value: Any, path: list[str]) -> Any:
    for key in path:
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            break  # the trap: stop at the last key that resolved
    return value


class _Results:
    def __init__(self) -> None:
        self.maps: dict[str, dict[str, Any]] = {k: {} for k in ("result", "next", "total", "time", "error")}

    def resolve(self, text: str) -> Any:
        def lookup(match: re.Match[str]) -> tuple[bool, Any]:
            source = self.maps[match.group(1)]
            key = match.group(2)
            if key not in source:
                return False, match.group(0)
            return True, _walk(source[key], _PATH_PART.findall(match.group(3)))

        whole = _REFERENCE.fullmatch(text)
        if whole:
            found, value = lookup(whole)
            return value if found else text
        return _REFERENCE.sub(lambda m: php_str(lookup(m)[1]), text)

    def substitute(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.resolve(value) if "$" in value else value
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        return value


def _commands(params: dict[str, Any]) -> list[tuple[str, str]]:
    cmd = params.get("cmd")
    if isinstance(cmd, list):
        return [(str(i), php_str(v)) for i, v in enumerate(cmd)]
    return [(str(k), php_str(v)) for k, v in as_map(cmd).items()]


def _halts(params: dict[str, Any]) -> bool:
    return php_str(params.get("halt", "0")).lower() in {"1", "true", "y"}


def run_batch(portal: Portal, conn: sqlite3.Connection, params: dict[str, Any],
              scopes: set[str] | None = None) -> dict[str, Any]:
    """The `result` of a batch reply (raises ApiError for a batch that cannot run at all)."""
    commands = _commands(params)
    if len(commands) > MAX_COMMANDS:
        raise ApiError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
    results = _Results()
    halt = _halts(params)
    for key, command in commands:
        name, _, query = command.partition("?")
        cmd_params = results.substitute(parse_php_query(query))
        if normalize_method(name) == "batch":
            error = ApiError(400, "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage")
            results.maps["error"][key] = error.body()
        else:
            outcome = portal.call(conn, name, cmd_params, scopes)
            results.maps["time"][key] = outcome.time
            if outcome.error is not None:
                results.maps["error"][key] = outcome.error.body()
            else:
                reply = outcome.reply
                results.maps["result"][key] = reply.result
                if reply.total is not None:
                    results.maps["total"][key] = reply.total
                if reply.next is not None:
                    results.maps["next"][key] = reply.next
        if halt and key in results.maps["error"]:
            break
    m = results.maps
    return {"result": php_map(m["result"]), "result_error": php_map(m["error"]),
            "result_total": php_map(m["total"]), "result_next": php_map(m["next"]),
            "result_time": php_map(m["time"])}
