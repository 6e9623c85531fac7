"""The portal's people as its sign-in pages show them: name, position, the departments they head."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    position: str
    heads: tuple[str, ...]  # names of the departments whose UF_HEAD this user is


def _people(conn: sqlite3.Connection, where: str, args: list[object]) -> list[Person]:
    rows = conn.execute(
        f"""
        select u."ID" as id,
               trim(coalesce(u."NAME", '') || ' ' || coalesce(u."LAST_NAME", '')) as name,
               coalesce(u."WORK_POSITION", '') as position,
               (select json_group_array(d."NAME") from departments as d
                where cast(d."UF_HEAD" as integer) = u."ID") as heads
        from users as u
        where {where}
        order by u."ID"
        """,  # noqa: S608 - `where` is one of this module's constants
        args,
    ).fetchall()

    return [Person(int(r["id"]), r["name"] or f"#{r['id']}", r["position"], tuple(json.loads(r["heads"])))
            for r in rows]


def active_people(conn: sqlite3.Connection) -> list[Person]:
    """Everyone who can sign in (dismissed users cannot), by id."""
    return _people(conn, 'u."ACTIVE" = 1', [])


def active_person(conn: sqlite3.Connection, user_id: int) -> Person | None:
    found = _people(conn, 'u."ACTIVE" = 1 and u."ID" = ?', [user_id])
    return found[0] if found else None
