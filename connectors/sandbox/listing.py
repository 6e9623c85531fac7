"""select / filter / order / paging of a list method over one SQLite table.

Filters follow the classic CRM rules: a key is an optional operator prefix plus a field name
(`>=DATE_MODIFY`, `@ID`, `%TITLE`, `!STAGE_ID`); values are typed by the field (integers numerically,
datetimes as instants whatever offset the client sent, dates as local dates); LIKE on directory fields
(`crm_status`) quietly becomes an exact match; a list value on a comparison ORs its elements (that is what
the PHP side does with a `$result[...]` reference that resolved to a whole page: the batch trap).
`strict=False` drops unknown keys silently (classic methods), `strict=True` raises INVALID_ARG_VALUE
(crm.item.list, crm.stagehistory.list).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors.sandbox.errors import invalid_arg
from connectors.sandbox.params import as_list, as_map, php_int, php_str

PAGE_SIZE = 50
# Longest prefixes first so that ">=" is not read as ">" plus a field named "=...".
_OPERATORS = ("!=%", "!%=", ">=", "<=", "!=", "!@", "!%", "=%", "%=", ">", "<", "@", "%", "=", "!")
_LIKE_OPS = {"%", "=%", "%=", "!%", "!=%", "!%="}
_NUMERIC = {"integer", "user", "crm_category", "crm_company", "crm_contact", "crm_lead", "crm_quote",
            "crm_entity", "enumeration", "boolean"}


@dataclass(frozen=True)
class Column:
    api: str  # name in requests and replies
    store: str  # SQLite column
    type: str
    multiple: bool = False
    directory: bool = False  # crm_status-like: LIKE quietly becomes "="


@dataclass
class Schema:
    table: str
    columns: list[Column]
    offset: str  # portal UTC offset, "+03:00"
    standard: list[Column] = field(default_factory=list)  # what `*` selects (default: all columns)
    user_fields: list[Column] = field(default_factory=list)  # what `UF_*` selects
    case_insensitive: bool = True

    def find(self, name: str) -> Column | None:
        """A column by its API name; camelCase schemas also take the UPPER name (crm.item's controller
        converts keys to upper case, so `ID` and `id` both work there)."""
        key = name.upper() if self.case_insensitive else name
        for col in self.columns:
            if (col.api.upper() if self.case_insensitive else col.api) == key or col.store == name:
                return col
        return None


@dataclass
class Page:
    rows: list[sqlite3.Row]
    total: int | None  # None when start = -1 (no count)
    next: int | None
    counted: int  # rows the count had to visit (drives the simulated cost)
    skipped: int  # rows the OFFSET had to walk over


def portal_tz(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def upper_name(name: str) -> str:
    """`parentId2` -> `PARENT_ID2`: how the universal controllers name a field in their errors."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def split_key(key: str) -> tuple[str, str]:
    """">=DATE_MODIFY" -> (">=", "DATE_MODIFY")."""
    for op in _OPERATORS:
        if key.startswith(op) and len(key) > len(op):
            return op, key[len(op):]
    return "=", key


def parse_datetime(value: Any, tz: timezone) -> datetime | None:
    text = php_str(value).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?", text)
    if m:  # the portal's own display format, 15.01.2024 10:00:00
        d, mo, y, h, mi, s = m.groups()
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def sql_value(col: Column, value: Any, tz: timezone) -> Any:
    """A filter value in the form the store compares it in."""
    if col.type in _NUMERIC:
        if col.type == "boolean":
            return 1 if php_str(value).upper() in {"1", "Y", "TRUE"} else 0
        if isinstance(value, str) and value.upper() in {"Y", "N"} and col.type == "boolean":
            return 1 if value.upper() == "Y" else 0
        return php_int(value)
    if col.type == "double":
        try:
            return float(php_str(value) or 0)
        except ValueError:
            return 0.0
    if col.type in {"datetime", "date"}:
        moment = parse_datetime(value, tz)
        if moment is None:
            return php_str(value)
        local = moment.astimezone(tz)
        if col.type == "date":
            return local.date().isoformat()
        return local.replace(microsecond=0).isoformat()
    return php_str(value)


def _expr(col: Column) -> str:
    quoted = f't."{col.store}"'
    return f"cast({quoted} as real)" if col.type == "double" else quoted


def _condition(col: Column, op: str, value: Any, tz: timezone) -> tuple[str, list[Any]]:
    expr = _expr(col)
    if op in _LIKE_OPS and col.directory:
        op = "!" if op.startswith("!") else "="
    if op in {"@", "!@"}:
        values = [sql_value(col, v, tz) for v in as_list(value)]
        if not values:
            return ("0", []) if op == "@" else ("1", [])
        marks = ", ".join("?" * len(values))
        if op == "@":
            return f"{expr} in ({marks})", values
        return f"({expr} is null or {expr} not in ({marks}))", values
    if isinstance(value, list | dict):
        # A list on "=" is IN; on other operators every element is a condition, ORed (PHP's CSQLWhere).
        parts = [_condition(col, op, v, tz) for v in as_list(value)] or [("0", [])]
        joiner = " and " if op.startswith("!") else " or "
        return "(" + joiner.join(p[0] for p in parts) + ")", [a for p in parts for a in p[1]]
    if php_str(value) == "" and op in {"=", "!", "!="}:
        empty = f"({expr} is null or {expr} = '')"
        return (empty, []) if op == "=" else (f"not {empty}", [])
    if op in _LIKE_OPS:
        text = php_str(value)
        pattern = f"%{text}%" if op in {"%", "!%"} else text
        like = f't."{col.store}" like ?'
        return (like if not op.startswith("!") else f"({expr} is null or not {like})"), [pattern]
    arg = sql_value(col, value, tz)
    if op in {"!", "!="}:
        return f"({expr} is null or {expr} <> ?)", [arg]
    sql_op = {"=": "=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}[op]
    return f"{expr} {sql_op} ?", [arg]


def build_filter(schema: Schema, filt: Any, *, strict: bool) -> tuple[str, list[Any]]:
    """SQL `where` text and arguments for a filter map; unknown keys dropped or rejected."""
    tz = portal_tz(schema.offset)
    parts: list[str] = []
    args: list[Any] = []
    if isinstance(filt, list):  # a form-encoded filter of only numbered groups arrives as a list
        filt = {str(i): v for i, v in enumerate(filt)}
    filt = as_map(filt)
    joiner = " or " if php_str(filt.get("logic", filt.get("LOGIC", "AND"))).upper() == "OR" else " and "
    for key, value in filt.items():
        key = str(key)
        if key.upper() == "LOGIC":
            continue
        if key.isdigit() and isinstance(value, dict):  # nested group (crm.item.list)
            sql, sub = build_filter(schema, value, strict=strict)
            parts.append(f"({sql})")
            args.extend(sub)
            continue
        op, name = split_key(key)
        col = schema.find(name)
        if col is None:
            if strict:
                raise invalid_arg(f"Invalid filter: field '{upper_name(name)}' is not allowed in filter")
            continue
        sql, sub = _condition(col, op, value, tz)
        parts.append(sql)
        args.extend(sub)
    return (joiner.join(parts) if parts else "1"), args


def build_order(schema: Schema, order: Any, *, strict: bool, default: str = "") -> str:
    """SQL `order by` text; ID breaks ties so pages never overlap."""
    terms = []
    for name, direction in as_map(order).items():
        col = schema.find(str(name))
        if col is None:
            if strict:
                raise invalid_arg(f"Invalid order: field '{upper_name(str(name))}' is not allowed in order")
            continue
        word = php_str(direction).upper()
        if strict and word not in {"ASC", "DESC"}:
            raise invalid_arg("Invalid order: allowed sort directions are ASC, DESC. "
                              f"But got '{php_str(direction)}' for field '{upper_name(str(name))}'")
        desc = word == "DESC"
        terms.append(f"{_expr(col)} {'desc' if desc else 'asc'}")
    if not terms and default:
        terms.append(default)
    id_col = next((c for c in schema.columns if c.store == "ID"), None)
    if id_col is not None:
        terms.append(f't."{id_col.store}" asc')
    return ", ".join(terms)


def select_columns(schema: Schema, select: Any, *, uf_mask: str = "UF_*") -> list[Column]:
    """`*` = standard fields, `UF_*` = user fields, names as given (unknown ones ignored)."""
    names = [php_str(n) for n in as_list(select)]
    if not names:
        names = ["*", uf_mask]
    chosen: list[Column] = []
    for name in names:
        if name == "*":
            batch = schema.standard or schema.columns
        elif name.upper() == uf_mask.upper():
            batch = schema.user_fields
        else:
            col = schema.find(name)
            batch = [col] if col else []
        chosen.extend(c for c in batch if c not in chosen)
    return chosen


def is_keyset(order: str, start: Any) -> bool:
    """A keyset page: no count (start < 0) and ordered by ID ascending only, so that walking the primary
    key from the `>ID` bound and stopping after 50 matches is the cheapest plan."""
    terms = {term.strip() for term in order.split(",")}
    return php_int(start) < 0 and terms == {'t."ID" asc'}


def fetch_page(conn: sqlite3.Connection, schema: Schema, where: str, args: list[Any], order: str,
               start: Any, join: str = "", hint: str = "") -> Page:
    """One page of 50: `start` floored to a page; start < 0 skips the count and returns the first 50.

    The table is aliased `t`; `join` may add more tables (the BINDINGS filter joins activity_bindings);
    `hint` (`not indexed`, `indexed by ...`) steers a keyset page's plan and is used only when start < 0."""
    start_n = php_int(start)
    table = f'"{schema.table}" t {join}'
    order_sql = f" order by {order}" if order else ""
    if start_n < 0:
        table = f'"{schema.table}" t {hint} {join}'
        sql = f"select t.* from {table} where {where}{order_sql} limit {PAGE_SIZE}"
        return Page(conn.execute(sql, args).fetchall(), None, None, 0, 0)
    offset = (start_n // PAGE_SIZE) * PAGE_SIZE
    total = conn.execute(f"select count(*) from {table} where {where}", args).fetchone()[0]
    sql = f"select t.* from {table} where {where}{order_sql} limit {PAGE_SIZE} offset {offset}"
    rows = conn.execute(sql, args).fetchall()
    nxt = offset + PAGE_SIZE if offset + PAGE_SIZE < total else None
    return Page(rows, total, nxt, total, min(offset, total))

