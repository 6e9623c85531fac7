"""The viewer's scope on one connection: who they are (Viewer) and the temp tables the scope macros read.

`create_tables` makes `viewer_scope` (viewer_id, manager_id: the managers a viewer may see) and
`viewer_department` (viewer_id, department_id: the departments they may filter by) empty on every
connection (the runner's prepare); `fill` puts the viewer's rows in; the macros in queries/sql/_base.sql
read them. Every metric passes `$viewer_id` to the scope macros: NULL
sees everything (the operator or an admin), any other id sees only its rows here, so an id nobody filled
sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

from queries.errors import ScopeError

Role = Literal["admin", "head", "manager"]
ADMIN_ONLY = frozenset({"rejected_records"})
TABLES = """
create or replace temp table viewer_scope (viewer_id bigint, manager_id bigint);
create or replace temp table viewer_department (viewer_id bigint, department_id bigint);
"""

# a head: every user whose departments (ancestors included, d_user.department_ids) reach a headed
# department, and the head; a manager: themselves
FILL_MANAGERS = """
insert into viewer_scope
select $viewer_id, u.user_id from d_user as u where list_has_any(u.department_ids, $headed)
union
select $viewer_id, $viewer_id
"""
# the headed departments and every department below them
FILL_DEPARTMENTS = """
insert into viewer_department
with recursive below(department_id) as (
    select d.id from departments as d where list_contains($headed, d.id)
    union
    select d.id from departments as d inner join below as b on d.parent = b.department_id
)
select $viewer_id, department_id from below
"""


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    role: Role
    can_export: bool
    headed_department_ids: tuple[int, ...] = ()  # the departments they head (not the ones below); an admin
    # may head some too (the director who owns the webhook): the digest sends them the head's list

    @property
    def sees_everything(self) -> bool:
        return self.role == "admin"


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(TABLES)


def bound_id(viewer: Viewer | None) -> int | None:
    """The `$viewer_id` a metric binds: NULL for the operator and an admin (everything)."""
    return None if viewer is None or viewer.sees_everything else viewer.user_id


def fill(con: duckdb.DuckDBPyConnection, viewer: Viewer | None) -> None:
    """The viewer's rows in viewer_scope and viewer_department (nothing for one who sees everything)."""
    viewer_id = bound_id(viewer)
    if viewer_id is None:
        return
    params = {"viewer_id": viewer_id, "headed": list(viewer.headed_department_ids)}
    con.execute(FILL_MANAGERS, params)
    con.execute(FILL_DEPARTMENTS, params)


def check(con: duckdb.DuckDBPyConnection, viewer: Viewer | None, metric: str,
          manager_id: int | None, department_id: int | None) -> None:
    """ScopeError for a metric or a filter outside the viewer's scope (never a silently empty answer)."""
    if viewer is None or viewer.sees_everything:
        return
    if metric in ADMIN_ONLY:
        raise ScopeError(f"{metric} is for admins only (user {viewer.user_id} is a {viewer.role})")
    if manager_id is not None and not _has(con, "viewer_scope", "manager_id", viewer.user_id, manager_id):
        raise ScopeError(f"user {viewer.user_id} may not see manager {manager_id}")
    if department_id is not None and not _has(con, "viewer_department", "department_id", viewer.user_id,
                                              department_id):
        raise ScopeError(f"user {viewer.user_id} may not see department {department_id}")


def _has(con: duckdb.DuckDBPyConnection, table: str, column: str, viewer_id: int, value: int) -> bool:
    sql = f"select count(*) > 0 from {table} where viewer_id = $v and {column} = $x"  # names: constants above
    return bool(con.execute(sql, {"v": viewer_id, "x": value}).fetchone()[0])


def visible_manager_ids(con: duckdb.DuckDBPyConnection, viewer: Viewer | None) -> frozenset[int] | None:
    """The managers the viewer may see after `fill`; None = everyone."""
    viewer_id = bound_id(viewer)
    if viewer_id is None:
        return None
    rows = con.execute("select manager_id from viewer_scope where viewer_id = $v", {"v": viewer_id})
    return frozenset(r[0] for r in rows.fetchall())
