"""user.get, department.get, profile: the intranet methods with their mixed value types."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from connectors.sandbox.fields import DEPARTMENT_FIELDS, USER_FIELDS
from connectors.sandbox.listing import Column, Schema, build_filter, fetch_page
from connectors.sandbox.methods.base import Call, Reply, method
from connectors.sandbox.methods.schemas import table_columns
from connectors.sandbox.params import as_list, as_map, php_int, php_str

_USER_PARAMS = {"sort", "order", "filter", "select", "start", "admin_mode", "auth"}


def _top_order(call: Call, schema: Schema, default: str = "ID") -> str:
    """user.get takes `sort` (a field) and `order` (ASC/DESC) as top-level strings."""
    p = {str(k).lower(): v for k, v in call.params.items()}
    sort = p.get("sort")
    field = schema.find(php_str(sort)) if isinstance(sort, str) and sort else None
    field = field or schema.find(default)
    direction = p.get("order")
    desc = isinstance(direction, str) and direction.upper() == "DESC"
    return f't."{field.store}" {"desc" if desc else "asc"}, t."ID" asc'


def _user_schema(call: Call) -> Schema:
    if "schema:users" not in call.cache:
        present = table_columns(call.conn, "users")
        cols = [Column(f.name, f.name, f.type, f.multiple) for f in USER_FIELDS if f.name in present]
        call.cache["schema:users"] = Schema("users", cols, call.offset, cols)
    return call.cache["schema:users"]


def _user_value(col: Column, value: Any) -> Any:
    if col.api == "ACTIVE":
        return bool(value)
    if col.api == "UF_DEPARTMENT":
        return [int(v) for v in json.loads(value or "[]")]
    if col.api == "TIMESTAMP_X":
        return json.loads(value) if value else {}
    return "" if value is None else str(value)


def _department_condition(value: Any) -> tuple[str, list[Any]]:
    ids = [php_int(v) for v in as_list(value)]
    marks = ", ".join("?" * len(ids)) or "null"
    return f'exists (select 1 from json_each(t."UF_DEPARTMENT") d where d.value in ({marks}))', ids


@method("user.get", "user", lists=True)
def user_get(call: Call) -> Reply:
    schema = _user_schema(call)
    p = call.params
    filt = p.get("FILTER", p.get("filter"))
    if filt is None:  # the legacy form: filter fields at the top level (user.get?ID=1)
        filt = {k: v for k, v in p.items() if str(k).lower() not in _USER_PARAMS}
    filt = {str(k).upper(): v for k, v in as_map(filt).items()}
    extra: list[str] = []
    extra_args: list[Any] = []
    if "UF_DEPARTMENT" in filt:
        sql, args = _department_condition(filt.pop("UF_DEPARTMENT"))
        extra.append(sql)
        extra_args.extend(args)
    if "NAME_SEARCH" in filt:
        needle = f"%{php_str(filt.pop('NAME_SEARCH'))}%"
        extra.append('(t."NAME" like ? or t."LAST_NAME" like ?)')
        extra_args.extend([needle, needle])
    where, args = build_filter(schema, filt, strict=False)
    where = " and ".join([where, *extra])
    start = p.get("start", p.get("START"))
    page = fetch_page(call.conn, schema, where, args + extra_args, _top_order(call, schema), start)
    rows = [{c.api: _user_value(c, r[c.store]) for c in schema.columns} for r in page.rows]
    return call.page_reply(rows, page)


def _department_schema(call: Call) -> Schema:
    if "schema:departments" not in call.cache:
        present = table_columns(call.conn, "departments")
        cols = [Column(f.name, f.name, f.type) for f in DEPARTMENT_FIELDS if f.name in present]
        call.cache["schema:departments"] = Schema("departments", cols, call.offset, cols)
    return call.cache["schema:departments"]


def _department_row(row: Any, cols: list[Column]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in cols:
        value = row[c.store]
        if value is None:
            continue  # the root department has no PARENT key at all
        out[c.api] = int(value) if c.api == "SORT" else str(value)
    return out


# department.get's filter fields (intranet's rest.php $arAllowedDepartmentFields); also its sort fields.
_DEPARTMENT_KEYS = ("ID", "NAME", "SORT", "PARENT", "UF_HEAD")


def _department_order(query: dict[str, Any]) -> str:
    """`sort`/`order` in any case, as intranet's rest.php prepareSort reads them: a sort field that is not
    one of the department fields is ignored (the default order stays)."""
    upper = {str(k).upper(): v for k, v in query.items()}
    sort, direction = upper.get("SORT"), upper.get("ORDER")
    field = sort.upper() if isinstance(sort, str) and sort.upper() in _DEPARTMENT_KEYS else "SORT"
    desc = isinstance(direction, str) and direction.upper() == "DESC"
    return f't."{field}" {"desc" if desc else "asc"}, t."ID" asc'


@method("department.get", "department", lists=True)
def department_get(call: Call) -> Reply:
    """Filter keys are matched case-sensitively (docs: api-reference/departments/department-get.md lists
    lowercase `sort`/`order` as the sort and ID, NAME, PARENT, UF_HEAD as filters; rest.php's
    prepareDeptData keeps only the exact upper-case names, SORT among them). So `{"sort": "ID"}` sorts by
    ID, while `{"SORT": "ID"}` also filters SORT = intval("ID") = 0, which no department has."""
    schema = _department_schema(call)
    query = call.params
    if isinstance(query.get("FILTER"), dict):  # rest.php: a FILTER array replaces the top-level params
        query = query["FILTER"]
    filt = {k: v for k, v in query.items() if k in _DEPARTMENT_KEYS}
    where, args = build_filter(schema, filt, strict=False)
    start = call.params.get("START", call.params.get("start"))
    page = fetch_page(call.conn, schema, where, args, _department_order(query), start)
    return call.page_reply([_department_row(r, schema.columns) for r in page.rows], page)


def user_as_api(row: sqlite3.Row) -> dict[str, Any]:
    """One `users` row as user.get and user.current send it."""
    present = set(row.keys())
    return {f.name: _user_value(Column(f.name, f.name, f.type, f.multiple), row[f.name])
            for f in USER_FIELDS if f.name in present}


def profile_of(conn: sqlite3.Connection, uid: int, admin: bool) -> dict[str, Any]:
    """`profile`'s answer for one user (docs: api-reference/common/users/profile.md)."""
    row = conn.execute('select * from users where "ID" = ?', [uid]).fetchone()
    user = dict(row) if row is not None else {}
    return {"ID": str(uid), "ADMIN": admin, "NAME": user.get("NAME") or "",
            "LAST_NAME": user.get("LAST_NAME") or "",
            "PERSONAL_GENDER": user.get("PERSONAL_GENDER") or "", "TIME_ZONE": ""}


@method("profile", None)
def profile(call: Call) -> Reply:
    return Reply(profile_of(call.conn, php_int(call.meta.get("webhook_user_id", 1)), admin=True))
