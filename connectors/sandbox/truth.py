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
- unprocessed_incoming: incoming, not completed activities created before the start of T's day, on any deal;
- invoice_stuck (expected_scorecard): an open deal in an invoice stage (an in-progress deal stage whose name
  holds "счёт", "счет" or "invoice"), entered at E (its latest stage-history entry into the current stage,
  else MOVED_TIME), that either had no touch from E to T although E plus N working days is before T
  (Monday-Friday minus the given holidays; E on a working day keeps its time of day, E on another day
  counts from 00:00 of the next working day), or whose last touch since E, else E, is more than
  touch_interval_days*24h before T;
- missed_followups (expected_scorecard): (rule, deal) pairs of the two default follow-up rules, on open
  deals: "proposal" = the deal's current stage is an in-progress stage whose name holds "кп", "коммерческое
  предложение", "предложение" or "proposal", entered at E as for the invoice rule, N = 3 working days;
  "meeting" = E is the touch time of the latest completed meeting (TYPE_ID 1) bound to the deal at or
  before T, N = 2; broken when E plus N working days (counted as for the invoice) is before T and no touch
  is later than E;
- won_deals / lost_deals (expected_scorecard): deals whose final move (latest stage-history entry of type 3,
  else MOVED_TIME) into a success / failure stage falls in T's calendar month before T; win_rate = won /
  (won + lost), None when neither.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
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
# expected_scorecard's columns beyond RULES (win_rate is derived from the last two)
MORE_RULES = ("invoice_stuck", "missed_followups", "won_deals", "lost_deals")
INVOICE_PATTERNS = ("счёт", "счет", "invoice")
PROPOSAL_PATTERNS = ("кп", "коммерческое предложение", "предложение", "proposal")
MEETING_TYPE = 1
MONDAY_TO_FRIDAY = (1, 2, 3, 4, 5)


def _ts(value: str | None) -> datetime | None:
    if not value or value.startswith("9999"):
        return None
    return datetime.fromisoformat(value)


def expected_counts(
    path: Path | str, as_of: datetime, max_deal_age_days: int = 90, touch_interval_days: int = 14
) -> dict[int, dict[str, int]]:
    """Per ASSIGNED_BY_ID, the number of deals / activities breaking each rule at as_of."""
    items, owner_of = _evaluate(path, as_of, max_deal_age_days, touch_interval_days)
    return _count(items, owner_of, RULES)


def expected_scorecard(
    path: Path | str, as_of: datetime, max_deal_age_days: int = 90, touch_interval_days: int = 14,
    invoice_followup_business_days: int = 2, working_days: Collection[int] = MONDAY_TO_FRIDAY,
    holidays: Collection[date] = (), workdays: Collection[date] = (), proposal_business_days: int = 3,
    meeting_business_days: int = 2,
) -> dict[int, dict[str, int | float | None]]:
    """Per ASSIGNED_BY_ID, expected_counts' rules plus invoice_stuck, missed_followups, won_deals, lost_deals
    and win_rate. holidays: days off on a working weekday; workdays: working days on a weekend (a
    transferred Saturday)."""
    calendar = _Calendar(working_days, holidays, workdays)
    items, owner_of = _evaluate(path, as_of, max_deal_age_days, touch_interval_days,
                                invoice_followup_business_days, calendar,
                                (proposal_business_days, meeting_business_days))
    card: dict[int, dict] = _count(items, owner_of, RULES + MORE_RULES)
    for counts in card.values():
        closed = counts["won_deals"] + counts["lost_deals"]
        counts["win_rate"] = counts["won_deals"] / closed if closed else None
    return card


def _count(items: dict[str, set], owner_of: dict[int, int], rules: tuple[str, ...]) -> dict[int, dict]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules, 0))
    for rule in rules:
        for item in items[rule]:
            deal_id = item[1] if isinstance(item, tuple) else item
            counts[owner_of[deal_id]][rule] += 1
    return {owner: dict(c) for owner, c in sorted(counts.items())}


def expected_items(
    path: Path | str, as_of: datetime, max_deal_age_days: int = 90, touch_interval_days: int = 14,
    holidays: Collection[date] = (), workdays: Collection[date] = (),
) -> dict[str, set]:
    """What each rule finds: deal ids for the deal rules, (activity id, deal id) pairs for
    overdue_activities and unprocessed_incoming; also invoice_stuck (with its two halves
    invoice_no_followup and invoice_stale), missed_followups and followups_done ((rule, deal id) pairs whose
    window ended: no touch after E / a touch after E), won_deals and
    lost_deals (Monday to Friday, less `holidays`, plus `workdays`). Handy to see which rows a metric gets
    wrong."""
    calendar = _Calendar(MONDAY_TO_FRIDAY, holidays, workdays)
    return _evaluate(path, as_of, max_deal_age_days, touch_interval_days, calendar=calendar)[0]


def _evaluate(
    path: Path | str, as_of: datetime, max_deal_age_days: int, touch_interval_days: int,
    invoice_followup_business_days: int = 2, calendar: _Calendar | None = None,
    followup_days: tuple[int, int] = (3, 2),
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
        last_meeting: dict[int, datetime] = {}
        for row in conn.execute(
            "select ID, COMPLETED, START_TIME, END_TIME, LAST_UPDATED, DEADLINE, CREATED, "
            "IS_INCOMING_CHANNEL, DIRECTION, TYPE_ID from activities"
        ):
            act_id, completed, start, end, updated, deadline, created, channel, direction, type_id = row
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
                    if (touch is not None and touch <= as_of and int(type_id) == MEETING_TYPE
                            and touch > last_meeting.get(deal_id, touch - _TICK)):
                        last_meeting[deal_id] = touch
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
        calendar = calendar or _Calendar(MONDAY_TO_FRIDAY, ())
        items |= _invoice_items(conn, deals, last_touch, as_of, tz, interval, invoice_followup_business_days,
                                calendar)
        items |= _followup_items(conn, deals, last_touch, last_meeting, as_of, tz, followup_days, calendar)
        items |= _closed_items(conn, as_of, tz)
        return items, {deal_id: owner for deal_id, (owner, _, _) in deals.items()}
    finally:
        conn.close()


_TICK = timedelta(seconds=1)


class _Calendar:
    """Working days: ISO weekdays in working_days and the extra workdays, minus holidays."""

    def __init__(self, working_days: Collection[int], holidays: Collection[date],
                 workdays: Collection[date] = ()) -> None:
        self.working_days = set(working_days)
        self.holidays = set(holidays)
        self.workdays = set(workdays)

    def is_working(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.isoweekday() in self.working_days or day in self.workdays

    def after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n = 0: `day` itself)."""
        while n > 0:
            day += timedelta(days=1)
            n -= int(self.is_working(day))
        return day

    def due(self, entered: datetime, n: int) -> datetime:
        """E (in the portal's offset) plus n working days."""
        if self.is_working(entered.date()):
            return datetime.combine(self.after(entered.date(), n), entered.timetz())
        first = self.after(entered.date(), 1)  # the next working day, from 00:00
        return datetime.combine(self.after(first, n), time(0, tzinfo=entered.tzinfo))


def _stages_named(conn: sqlite3.Connection, patterns: tuple[str, ...]) -> set[str]:
    """In-progress deal stages whose name contains one of the patterns (case-insensitive)."""
    return {
        status for status, name, semantics in conn.execute(
            "select STATUS_ID, NAME, SEMANTICS from statuses where ENTITY_ID like 'DEAL_STAGE%'")
        if semantics not in ("S", "F") and any(p in (name or "").casefold() for p in patterns)
    }


def _entered(conn: sqlite3.Connection, deals: dict, stages: set[str], tz) -> dict[int, datetime]:
    """Open deals whose current stage is one of `stages`: the latest stage-history entry into it, else
    MOVED_TIME, in the portal's offset."""
    stage_of: dict[int, tuple[str, datetime]] = {}  # (stage, MOVED_TIME)
    for deal_id, stage, moved in conn.execute("select ID, STAGE_ID, MOVED_TIME from deals"):
        if deal_id in deals and deals[deal_id][1] and stage in stages:
            stage_of[deal_id] = (stage, datetime.fromisoformat(moved))
    entered: dict[int, datetime] = {}
    for owner_id, stage, created in conn.execute(
        "select OWNER_ID, STAGE_ID, CREATED_TIME from stage_history where ENTITY_TYPE_ID = 2"
    ):
        if owner_id in stage_of and stage == stage_of[owner_id][0]:
            at = datetime.fromisoformat(created)
            entered[owner_id] = max(at, entered.get(owner_id, at))
    return {deal_id: entered.get(deal_id, moved).astimezone(tz) for deal_id, (_, moved) in stage_of.items()}


def _followup_items(
    conn: sqlite3.Connection, deals: dict, last_touch: dict[int, datetime], last_meeting: dict[int, datetime],
    as_of: datetime, tz, days: tuple[int, int], calendar: _Calendar,
) -> dict[str, set[tuple[str, int]]]:
    """(rule, deal id) for the default proposal and meeting rules whose window ended before as_of: broken
    (missed_followups) or kept (followups_done: a touch came after E)."""
    proposal = _entered(conn, deals, _stages_named(conn, PROPOSAL_PATTERNS), tz)
    meeting = {d: at.astimezone(tz) for d, at in last_meeting.items() if deals[d][1]}
    found: dict[str, set] = {"missed_followups": set(), "followups_done": set()}
    for rule, triggers, n in (("proposal", proposal, days[0]), ("meeting", meeting, days[1])):
        for deal_id, at in triggers.items():
            if calendar.due(at, n) >= as_of:
                continue
            touch = last_touch.get(deal_id)
            kept = touch is not None and touch > at
            found["followups_done" if kept else "missed_followups"].add((rule, deal_id))
    return found


def _invoice_items(
    conn: sqlite3.Connection, deals: dict, last_touch: dict[int, datetime], as_of: datetime, tz, interval,
    n: int, calendar: _Calendar,
) -> dict[str, set]:
    entered = _entered(conn, deals, _stages_named(conn, INVOICE_PATTERNS), tz)
    found: dict[str, set] = {"invoice_no_followup": set(), "invoice_stale": set()}
    for deal_id, at in entered.items():
        touch = last_touch.get(deal_id)
        touched_since = touch is not None and touch >= at
        if calendar.due(at, n) < as_of and not touched_since:
            found["invoice_no_followup"].add(deal_id)
        if as_of - (touch if touched_since else at) > interval:
            found["invoice_stale"].add(deal_id)
    found["invoice_stuck"] = found["invoice_no_followup"] | found["invoice_stale"]
    return found


def _closed_items(conn: sqlite3.Connection, as_of: datetime, tz) -> dict[str, set]:
    """Deals won / lost in T's calendar month (portal time) before T."""
    local = as_of.astimezone(tz)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    final_move: dict[int, datetime] = {}
    for owner_id, created in conn.execute(
        "select OWNER_ID, CREATED_TIME from stage_history where TYPE_ID = 3 and ENTITY_TYPE_ID = 2"
    ):
        at = datetime.fromisoformat(created)
        final_move[owner_id] = max(at, final_move.get(owner_id, at))
    found: dict[str, set] = {"won_deals": set(), "lost_deals": set()}
    for deal_id, semantic, recurring, moved in conn.execute(
        "select ID, STAGE_SEMANTIC_ID, IS_RECURRING, MOVED_TIME from deals"
    ):
        closed_at = final_move.get(deal_id) or datetime.fromisoformat(moved)
        if semantic in ("S", "F") and recurring != "Y" and month_start <= closed_at < as_of:
            found["won_deals" if semantic == "S" else "lost_deals"].add(deal_id)
    return found


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
