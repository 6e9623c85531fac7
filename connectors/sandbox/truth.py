"""The sandbox's own answer to "how many deals break each rule, per manager", computed in plain Python.

It reads the store row by row and applies the rule definitions directly, without SQL aggregation, so that
it can check the dashboard's SQL metrics independently. Definitions (T = as_of; day boundaries in the
portal's offset; recurring templates excluded; open = STAGE_SEMANTIC_ID "P"; an activity belongs to a deal
through activity_bindings with OWNER_TYPE_ID 2):
- touch: a completed activity bound to the deal, at END_TIME, else START_TIME, else LAST_UPDATED; only
  touches at or before T count;
- incoming: IS_INCOMING_CHANNEL Y or DIRECTION 1; planned: not completed, not incoming, deadline not 9999;
- active_deals: open deals; overaged_deals: open deals created more than max_deal_age_days*24h before T;
- stale_deals: open deals whose last touch (or creation, if never touched) is more than
  touch_interval_days*24h before T;
- no_next_activity: open deals without a planned activity (an overdue one still counts as planned);
- overdue_activities: planned activities on open deals with a deadline before the start of T's day;
- unprocessed_incoming: incoming, not completed activities created before the start of T's day, on any deal.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from connectors.sandbox.clock import parse_offset

RULES = (
    "active_deals",
    "overaged_deals",
    "stale_deals",
    "no_next_activity",
    "overdue_activities",
    "unprocessed_incoming",
)


def _ts(value: str | None) -> datetime | None:
    if not value or value.startswith("9999"):
        return None
    return datetime.fromisoformat(value)


def expected_counts(
    path: Path | str, as_of: datetime, max_deal_age_days: int = 90, touch_interval_days: int = 14
) -> dict[int, dict[str, int]]:
    """Per ASSIGNED_BY_ID, the number of deals / activities breaking each rule at as_of."""
    items, owner_of = _evaluate(path, as_of, max_deal_age_days, touch_interval_days)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(RULES, 0))
    for rule, found in items.items():
        for item in found:
            deal_id = item[1] if isinstance(item, tuple) else item
            counts[owner_of[deal_id]][rule] += 1
    return {owner: dict(c) for owner, c in sorted(counts.items())}


def expected_items(
    path: Path | str, as_of: datetime, max_deal_age_days: int = 90, touch_interval_days: int = 14
) -> dict[str, set]:
    """What each rule finds: deal ids for the deal rules, (activity id, deal id) pairs for
    overdue_activities and unprocessed_incoming. Handy to see which rows a metric gets wrong."""
    return _evaluate(path, as_of, max_deal_age_days, touch_interval_days)[0]


def _evaluate(
    path: Path | str, as_of: datetime, max_deal_age_days: int, touch_interval_days: int
) -> tuple[dict[str, set], dict[int, int]]:
    conn = sqlite3.connect(str(path))
    try:
        tz = parse_offset(conn.execute("select VALUE from meta where KEY = 'utc_offset'").fetchone()[0])
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=tz)
        day_start = as_of.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        deals = _deals(conn)
        deal_of = _deal_bindings(conn, deals)
        items: dict[str, set] = {rule: set() for rule in RULES}
        last_touch: dict[int, datetime] = {}
        has_planned: set[int] = set()
        for row in conn.execute(
            "select ID, COMPLETED, START_TIME, END_TIME, LAST_UPDATED, DEADLINE, CREATED, "
            "IS_INCOMING_CHANNEL, DIRECTION from activities"
        ):
            act_id, completed, start, end, updated, deadline, created, channel, direction = row
            incoming = channel == "Y" or direction == 1
            for deal_id in deal_of.get(act_id, ()):
                is_open = deals[deal_id][1]
                if completed == "Y":
                    touch = _ts(end) or _ts(start) or _ts(updated)
                    if (
                        touch is not None
                        and touch <= as_of
                        and touch > last_touch.get(deal_id, touch - _TICK)
                    ):
                        last_touch[deal_id] = touch
                elif incoming:
                    created_at = _ts(created)
                    if created_at is not None and created_at < day_start:
                        items["unprocessed_incoming"].add((act_id, deal_id))
                elif _ts(deadline) is not None and is_open:
                    has_planned.add(deal_id)
                    if _ts(deadline) < day_start:
                        items["overdue_activities"].add((act_id, deal_id))
        max_age = timedelta(days=max_deal_age_days)
        interval = timedelta(days=touch_interval_days)
        for deal_id, (_, is_open, created) in deals.items():
            if not is_open:
                continue
            items["active_deals"].add(deal_id)
            if as_of - created > max_age:
                items["overaged_deals"].add(deal_id)
            if as_of - last_touch.get(deal_id, created) > interval:
                items["stale_deals"].add(deal_id)
            if deal_id not in has_planned:
                items["no_next_activity"].add(deal_id)
        return items, {deal_id: owner for deal_id, (owner, _, _) in deals.items()}
    finally:
        conn.close()


_TICK = timedelta(seconds=1)


def _deals(conn: sqlite3.Connection) -> dict[int, tuple[int, bool, datetime]]:
    """Deal id -> (manager, open?, created), recurring templates left out."""
    deals = {}
    for deal_id, owner, semantic, recurring, created in conn.execute(
        "select ID, ASSIGNED_BY_ID, STAGE_SEMANTIC_ID, IS_RECURRING, DATE_CREATE from deals"
    ):
        if recurring != "Y":
            deals[deal_id] = (owner, semantic == "P", datetime.fromisoformat(created))
    return deals


def _deal_bindings(conn: sqlite3.Connection, deals: dict) -> dict[int, list[int]]:
    """Activity id -> the (non-template) deals it is bound to, each once."""
    bound: dict[int, list[int]] = defaultdict(list)
    for act_id, owner_type, owner_id in conn.execute(
        "select ACTIVITY_ID, OWNER_TYPE_ID, OWNER_ID from activity_bindings"
    ):
        if owner_type == 2 and owner_id in deals and owner_id not in bound[act_id]:
            bound[act_id].append(owner_id)
    return bound


def summary(path: Path | str) -> dict:
    """Headline counts of a store, for the docs and the tests."""
    conn = sqlite3.connect(str(path))
    try:

        def one(sql: str) -> int:
            return conn.execute(sql).fetchone()[0]

        profiles: dict[str, int] = defaultdict(int)
        for (profile,) in conn.execute("select PROFILE from manager_profiles"):
            profiles[profile] += 1
        return {
            "deals": one("select count(*) from deals where IS_RECURRING = 'N'"),
            "recurring_templates": one("select count(*) from deals where IS_RECURRING = 'Y'"),
            "open_deals": one(
                "select count(*) from deals where STAGE_SEMANTIC_ID = 'P' and IS_RECURRING = 'N'"
            ),
            "won_deals": one("select count(*) from deals where STAGE_SEMANTIC_ID = 'S'"),
            "lost_deals": one("select count(*) from deals where STAGE_SEMANTIC_ID = 'F'"),
            "activities": one("select count(*) from activities"),
            "activity_bindings": one("select count(*) from activity_bindings"),
            "stage_history": one("select count(*) from stage_history"),
            "invoices": one("select count(*) from invoices"),
            "users": one("select count(*) from users"),
            "managers_by_profile": dict(sorted(profiles.items())),
        }
    finally:
        conn.close()
