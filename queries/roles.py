"""Who is looking: a Bitrix24 user id turned into a Viewer (role, export right, headed departments).

The role map follows the portal (the snapshot's users and departments.uf_head) with the rules file's
[access] on top:
- admin: in access.admins, or the owner of the connector's webhook (meta.webhook_user_id): sees everything;
- head: UF_HEAD of a department, or in access.heads, and not in access.managers: sees the departments they
  head and everything below them;
- manager: every other active user in the snapshot: sees their own deals.
Export: admins always; heads and access.export unless in access.no_export.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from queries import derived, scope
from queries.errors import ScopeError, ViewerError
from queries.rules import Rules, load_rules
from queries.runner import connect, read_meta
from queries.scope import Role, Viewer

__all__ = ["Role", "ScopeError", "Viewer", "ViewerError", "viewer_for", "visible_manager_ids"]


def viewer_for(db_path: str | Path, user_id: int, rules: Rules | None = None) -> Viewer:
    """The Viewer for `user_id`, or ViewerError (one line) for a user not in the snapshot or dismissed."""
    rules = rules if rules is not None else load_rules()
    con = connect(db_path)
    try:
        owner = read_meta(con).get("webhook_user_id")
        derived.attach(con)
        row = con.execute("select user_name, user_active from d_user where user_id = $u",
                          {"u": user_id}).fetchone()
        if row is None:
            raise ViewerError(f"user {user_id} is not in the snapshot")
        if not row[1]:
            raise ViewerError(f"user {user_id} is dismissed")
        headed = {r[0] for r in con.execute("select id from departments where uf_head = $u",
                                            {"u": user_id}).fetchall()}
    except duckdb.Error as exc:
        raise ViewerError(f"cannot read users in {db_path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    access = rules.access
    headed |= set(access.heads.get(user_id, ()))
    if user_id in access.managers:
        headed = set()
    role: Role = ("admin" if user_id in access.admins or str(user_id) == owner
                  else "head" if headed else "manager")
    can_export = role == "admin" or (
        (role == "head" or user_id in access.export) and user_id not in access.no_export)
    return Viewer(user_id=user_id, name=row[0], role=role, can_export=can_export,
                  headed_department_ids=tuple(sorted(headed)))


def visible_manager_ids(db_path: str | Path, viewer: Viewer | None) -> frozenset[int] | None:
    """The user ids whose deals `viewer` may see; None = everyone (the operator, an admin)."""
    if scope.bound_id(viewer) is None:
        return None
    con = connect(db_path)
    try:
        scope.create_tables(con)
        derived.attach(con)
        scope.fill(con, viewer)
        return scope.visible_manager_ids(con, viewer)
    except duckdb.Error as exc:
        raise ViewerError(f"cannot read users in {db_path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()

