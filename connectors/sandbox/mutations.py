"""Changes to a live store, as users make them while a connector exports: new deals, edits, deletions.

Used by the server's "changes during export" fault and by the benchmark. One call is one transaction, so
readers (WAL) see all of it or none. New ids come from the meta counters, above every id ever used, like an
auto-increment; a deletion removes the deal's own activities and only unlinks what is bound elsewhere, as
Bitrix24 does.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.sandbox import tables
from connectors.sandbox.clock import DAY, parse_offset


@dataclass(frozen=True)
class Change:
    kind: str  # "add" | "update" | "delete"
    entity: str  # "deal" | "activity" | "invoice"
    id: int


def apply_changes(conn: sqlite3.Connection, rng: random.Random, count: int, now: datetime) -> list[Change]:
    """Apply `count` random changes at time `now` in one transaction; returns what changed."""
    changes: list[Change] = []
    if conn.in_transaction:
        conn.commit()
    conn.execute("begin immediate")
    try:
        m = _Mutator(conn, rng, now)
        for _ in range(count):
            r = rng.random()
            if r < 0.3:
                changes += m.add_deal()
            elif r < 0.6:
                changes += m.update_deal()
            elif r < 0.85:
                changes += m.update_activity()
            else:
                changes += m.delete_deal()
        m.save_counters()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return changes


class _Mutator:
    def __init__(self, conn: sqlite3.Connection, rng: random.Random, now: datetime):
        self.conn, self.rng = conn, rng
        meta = {k: v for k, v in conn.execute("select KEY, VALUE from meta")}
        tz = parse_offset(meta["utc_offset"])
        if now.tzinfo is None:
            now = now.replace(tzinfo=tz)
        self.now = now.astimezone(tz).replace(microsecond=0)
        self.stamp = self.now.isoformat()
        self.counters = {k: int(v) for k, v in meta.items() if k.startswith("next_")}
        self.managers = [
            r[0]
            for r in conn.execute(
                "select p.USER_ID from manager_profiles p join users u on u.ID = p.USER_ID "
                "where u.ACTIVE = 1 order by p.USER_ID"
            )
        ]

    def _next(self, name: str) -> int:
        value = self.counters[name]
        self.counters[name] = value + 1
        return value

    def save_counters(self) -> None:
        self.conn.executemany(
            "update meta set VALUE = ? where KEY = ?", [(str(v), k) for k, v in sorted(self.counters.items())]
        )

    def _random_id(self, table: str, where: str = "1 = 1") -> int | None:
        """A random matching row id: the first one at or after a random point of the table's id range
        (min/max of the primary key are instant; a filtered min/max would scan a big table)."""
        # two subqueries: SQLite answers a lone min() or max() from the index, but scans for "min(), max()"
        lo, hi = self.conn.execute(
            f"select (select min(ID) from {table}), (select max(ID) from {table})"
        ).fetchone()
        if lo is None:
            return None
        pick = self.rng.randint(lo, hi)
        for sql, args in (
            (f"select ID from {table} where ID >= ? and {where} order by ID limit 1", (pick,)),
            (f"select ID from {table} where {where} order by ID limit 1", ()),
        ):
            row = self.conn.execute(sql, args).fetchone()
            if row is not None:
                return row[0]
        return None

    # --- deals ------------------------------------------------------------------------------------------
    def add_deal(self) -> list[Change]:
        rng, now = self.rng, self.stamp
        deal_id = self._next("next_deal_id")
        manager = rng.choice(self.managers)
        stage = self.conn.execute(
            "select STATUS_ID from statuses where ENTITY_ID = 'DEAL_STAGE' "
            "and SEMANTICS is null order by SORT limit 1"
        ).fetchone()[0]
        contact = self._random_id("contacts")
        amount = round(rng.lognormvariate(11.8, 1.0), -2)
        row = dict.fromkeys(tables.DEAL_COLUMNS, "")
        row.update(
            {
                "ID": deal_id,
                "TITLE": f"Новая заявка #{deal_id}",
                "TYPE_ID": "SALE",
                "CATEGORY_ID": 0,
                "STAGE_ID": stage,
                "STAGE_SEMANTIC_ID": "P",
                "IS_NEW": "Y",
                "IS_RECURRING": "N",
                "IS_RETURN_CUSTOMER": "N",
                "IS_REPEATED_APPROACH": "N",
                "PROBABILITY": None,
                "CURRENCY_ID": "RUB",
                "OPPORTUNITY": f"{amount:.2f}",
                "IS_MANUAL_OPPORTUNITY": "N",
                "TAX_VALUE": "0.00",
                "COMPANY_ID": 0,
                "CONTACT_ID": contact,
                "QUOTE_ID": None,
                "BEGINDATE": self.now.date().isoformat(),
                "CLOSEDATE": (self.now + timedelta(days=7)).date().isoformat(),
                "OPENED": "Y",
                "CLOSED": "N",
                "ASSIGNED_BY_ID": manager,
                "CREATED_BY_ID": manager,
                "MODIFY_BY_ID": manager,
                "MOVED_BY_ID": manager,
                "DATE_CREATE": now,
                "DATE_MODIFY": now,
                "MOVED_TIME": now,
                "SOURCE_ID": "WEBFORM",
                "LEAD_ID": None,
                "LAST_ACTIVITY_TIME": now,
                "LAST_ACTIVITY_BY": manager,
                "UF_CRM_LOSS_REASON": None,
            }
        )
        self.conn.execute(tables.insert_sql("deals", tables.DEAL_COLUMNS), tuple(row.values()))
        self._history(deal_id, 1, 0, "P", stage)
        act_id = self._add_todo(deal_id, manager)
        return [Change("add", "deal", deal_id), Change("add", "activity", act_id)]

    def update_deal(self) -> list[Change]:
        deal_id = self._random_id("deals", "IS_RECURRING = 'N'")
        if deal_id is None:
            return []
        deal = self.conn.execute(
            "select ASSIGNED_BY_ID, CATEGORY_ID, STAGE_ID, STAGE_SEMANTIC_ID from deals where ID = ?",
            (deal_id,),
        ).fetchone()
        manager, category, stage, semantic = deal
        self.conn.execute(
            "update deals set DATE_MODIFY = ?, MODIFY_BY_ID = ? where ID = ?", (self.stamp, manager, deal_id)
        )
        if semantic == "P" and self.rng.random() < 0.4:
            self._move_stage(deal_id, manager, category, stage)
        else:
            self.conn.execute(
                "update deals set OPPORTUNITY = printf('%.2f', OPPORTUNITY * ?) where ID = ?",
                (self.rng.choice((0.9, 1.1, 1.25)), deal_id),
            )
        return [Change("update", "deal", deal_id)]

    def _move_stage(self, deal_id: int, manager: int, category: int, stage: str) -> None:
        """One step forward in the deal's pipeline (to the success stage after the last in-progress one)."""
        entity = "DEAL_STAGE" if category == 0 else f"DEAL_STAGE_{category}"
        stages = self.conn.execute(
            "select STATUS_ID, SEMANTICS from statuses where ENTITY_ID = ? "
            "and coalesce(SEMANTICS, 'S') != 'F' order by SORT",
            (entity,),
        ).fetchall()
        ids = [s[0] for s in stages]
        if stage not in ids or ids.index(stage) + 1 >= len(ids):
            return
        new_stage, new_sem = stages[ids.index(stage) + 1]
        semantic = new_sem or "P"
        self.conn.execute(
            "update deals set STAGE_ID = ?, STAGE_SEMANTIC_ID = ?, CLOSED = ?, IS_NEW = 'N', "
            "MOVED_TIME = ?, MOVED_BY_ID = ? where ID = ?",
            (new_stage, semantic, "N" if semantic == "P" else "Y", self.stamp, manager, deal_id),
        )
        self._history(deal_id, 2 if semantic == "P" else 3, category, semantic, new_stage)

    def delete_deal(self) -> list[Change]:
        deal_id = self._random_id("deals", "IS_RECURRING = 'N'")
        if deal_id is None:
            return []
        own = [
            r[0]
            for r in self.conn.execute(
                "select ID from activities where OWNER_TYPE_ID = 2 and OWNER_ID = ?", (deal_id,)
            )
        ]
        self.conn.executemany("delete from activity_bindings where ACTIVITY_ID = ?", [(a,) for a in own])
        self.conn.executemany("delete from activities where ID = ?", [(a,) for a in own])
        # activities owned elsewhere (a contact) only lose their link to the deal
        self.conn.execute(
            "delete from activity_bindings where OWNER_TYPE_ID = 2 and OWNER_ID = ?", (deal_id,)
        )
        self.conn.execute("delete from stage_history where ENTITY_TYPE_ID = 2 and OWNER_ID = ?", (deal_id,))
        invoices = [
            r[0] for r in self.conn.execute("select ID from invoices where PARENT_ID_2 = ?", (deal_id,))
        ]
        self.conn.execute(
            "update invoices set PARENT_ID_2 = null, UPDATED_TIME = ? where PARENT_ID_2 = ?",
            (self.stamp, deal_id),
        )
        self.conn.execute("delete from deals where ID = ?", (deal_id,))
        return (
            [Change("delete", "deal", deal_id)]
            + [Change("delete", "activity", a) for a in own]
            + [Change("update", "invoice", i) for i in invoices]
        )

    # --- activities ------------------------------------------------------------------------------------
    def update_activity(self) -> list[Change]:
        """Complete an open activity (a call returned, a to-do done) and touch the deals it is bound to."""
        act_id = self._random_id("activities", "COMPLETED = 'N'")
        if act_id is None:
            return []
        self.conn.execute(
            "update activities set COMPLETED = 'Y', STATUS = 2, END_TIME = ?, LAST_UPDATED = ?, "
            "EDITOR_ID = RESPONSIBLE_ID where ID = ?",
            (self.stamp, self.stamp, act_id),
        )
        self.conn.execute(
            "update deals set LAST_ACTIVITY_TIME = ?, "
            "LAST_ACTIVITY_BY = (select RESPONSIBLE_ID from activities where ID = ?) "
            "where ID in (select OWNER_ID from activity_bindings "
            "where ACTIVITY_ID = ? and OWNER_TYPE_ID = 2)",
            (self.stamp, act_id, act_id),
        )
        return [Change("update", "activity", act_id)]

    def _add_todo(self, deal_id: int, manager: int) -> int:
        act_id = self._next("next_activity_id")
        deadline = datetime.fromtimestamp(self.now.timestamp() + DAY, self.now.tzinfo).isoformat()
        row = dict.fromkeys(tables.ACTIVITY_COLUMNS, "")
        row.update(
            {
                "ID": act_id,
                "OWNER_ID": deal_id,
                "OWNER_TYPE_ID": 2,
                "TYPE_ID": 6,
                "PROVIDER_ID": "CRM_TODO",
                "PROVIDER_TYPE_ID": "TODO",
                "ASSOCIATED_ENTITY_ID": 0,
                "SUBJECT": "Связаться с клиентом",
                "START_TIME": deadline,
                "END_TIME": deadline,
                "DEADLINE": deadline,
                "COMPLETED": "N",
                "STATUS": 1,
                "RESPONSIBLE_ID": manager,
                "PRIORITY": 2,
                "NOTIFY_TYPE": 1,
                "NOTIFY_VALUE": 15,
                "DESCRIPTION_TYPE": 1,
                "DIRECTION": 0,
                "CREATED": self.stamp,
                "AUTHOR_ID": manager,
                "LAST_UPDATED": self.stamp,
                "EDITOR_ID": manager,
                "IS_INCOMING_CHANNEL": "N",
            }
        )
        self.conn.execute(tables.insert_sql("activities", tables.ACTIVITY_COLUMNS), tuple(row.values()))
        self.conn.execute("insert into activity_bindings values (?, 2, ?)", (act_id, deal_id))
        return act_id

    def _history(self, owner_id: int, type_id: int, category: int, semantic: str, stage: str) -> None:
        self.conn.execute(
            tables.insert_sql("stage_history", tables.STAGE_HISTORY_COLUMNS),
            (
                self._next("next_stage_history_id"),
                type_id,
                owner_id,
                self.stamp,
                category,
                semantic,
                stage,
                2,
            ),
        )
