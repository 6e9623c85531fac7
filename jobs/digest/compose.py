"""What each person gets, from queries only (no SQL here).

- A manager: today's backlog (deals breaking a rule, most urgent first, as `backlog` orders them), then
  their unprocessed and hanging leads when the lead metrics exist (as `lead_backlog` orders them), then
  their clients due to be brought back with nothing planned (`reactivation`; a planned call is in hand);
  "what changed since yesterday" compares today's list with the one the manager was sent on the previous
  working day (stored in the state file), else with the same list as the metrics give it for that day at
  the same time: fixed = on that list, not on today's; new = the other way.
- A head: one line per manager of their departments (the scorecard's seven rule counts and their change
  since the previous stored day: the `trend` metric over scorecard_history), worst first by those counts as
  the daily review orders them, leads apart as there; the team's leads; the five worst deals per rule
  (backlog over the departments), the team's won so far this month against the same moment of last month
  (won_pace); and, when the head owns deals or leads too, their own list first, as a manager gets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import pandas as pd

from jobs.digest import words
from jobs.digest.scope import Recipient, scoped
from queries import Rules, list_metrics, run_metric, viewer_for

WORST_PER_RULE = 5

Kind = Literal["manager", "head", "all_clear", "stale"]


@dataclass(frozen=True)
class Item:
    key: str  # "deal:101", "lead:7", "contact:12": what "fixed" and "new" compare
    title: str
    url: str
    action: str  # what to do, in words
    detail: str  # stage and amount
    rule: str  # the rule it breaks first (a backlog rule key, or lead_unprocessed / lead_hanging)
    new: bool = False


@dataclass(frozen=True)
class ManagerLine:
    manager_id: int
    name: str
    issues: int
    change: int | None  # issues since the previous stored day; None when that day is not stored
    counts: dict[str, int]  # rule key -> count (non-zero only)
    lead_counts: tuple[int, int] | None = None  # (unprocessed, hanging) leads, when the lead metrics exist

    @property
    def leads(self) -> int:
        return sum(self.lead_counts or ())

    active: bool = True


@dataclass(frozen=True)
class Won:
    deals: int
    amount: float
    amount_last_month: float


@dataclass
class Digest:
    recipient: Recipient
    day: date
    kind: Kind
    dashboard_url: str = ""
    items: list[Item] = field(default_factory=list)  # the recipient's own must-do list (a head's too)
    fixed: int | None = None  # since the previous working day (None: not compared)
    new: int | None = None
    lines: list[ManagerLine] = field(default_factory=list)  # a head's team
    worst: dict[str, list[Item]] = field(default_factory=dict)  # rule -> its worst deals (a head)
    worst_total: dict[str, int] = field(default_factory=dict)  # rule -> how many deals break it
    won: Won | None = None
    team_leads: tuple[int, int] | None = None  # a head's team: (unprocessed, hanging), lead metrics present
    stale_since: datetime | None = None  # the last good sync (stale digests)
    currency: str = "RUB"

    @property
    def item_count(self) -> int:
        if self.kind == "manager":
            return len(self.items)
        return sum(line.issues for line in self.lines)  # the deals' rule counts, as beside each name


def _metric_exists(name: str) -> bool:
    return any(m.name == name for m in list_metrics())


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def deal_item(row: pd.Series, currency: str) -> Item:
    action = words.ACTIONS.get(_text(row["action"]), _text(row["action"]))
    if row["action"] == "followup_call" and _text(row.get("followup_rule_name")):
        action = f"позвоните клиенту: «{row['followup_rule_name']}» без касания"
    amount = words.money(row["opportunity"], _text(row["currency_id"]) or currency)
    return Item(
        f"deal:{int(row['deal_id'])}",
        _text(row["deal_title"]) or f"Сделка {row['deal_id']}",
        _text(row["deal_url"]),
        action,
        f"{_text(row['stage_name'])} · {amount}",
        _text(row["reason"]),
    )


def lead_item(row: pd.Series, rule: str) -> Item:
    detail = _text(row.get("status_name"))
    return Item(
        f"lead:{int(row['lead_id'])}",
        _text(row["lead_title"]) or f"Лид {row['lead_id']}",
        _text(row["lead_url"]),
        words.ACTIONS[rule],
        detail,
        rule,
    )


def _unplanned(clients: pd.DataFrame) -> pd.DataFrame:
    """The `reactivation` clients that are on someone's list: nothing planned (a planned call is in hand)."""
    return clients[~clients["planned"].astype(bool)]


def client_item(row: pd.Series) -> Item:
    late = int(row["days_overdue"])  # whole days past the client's usual interval since their last purchase
    by = f"на {words.plural(late, 'day')}" if late else "меньше чем на день"
    return Item(
        f"{_text(row['client_type'])}:{int(row['client_id'])}",
        _text(row["client_name"]) or f"Клиент {row['client_id']}",
        _text(row["client_url"]),
        words.ACTIONS["client_reactivate"],
        f"повторная покупка запаздывает {by}",
        "client_reactivate",
    )


def must_do(db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules, currency: str) -> list[Item]:
    """The recipient's own list at `as_of` (their deals, leads and clients, a head's too, not their team's):
    deals (backlog order), then leads when the lead metrics exist (lead_backlog's order: unprocessed newest
    first, then hanging), then the clients due to be brought back that nobody has planned anything with
    (reactivation's order: most valuable first)."""
    own = recipient.user_id
    backlog = scoped("backlog", db, recipient, as_of, rules, manager_id=own)
    items = [deal_item(row, currency) for _, row in backlog.iterrows()]
    if _metric_exists("lead_backlog"):
        leads = scoped("lead_backlog", db, recipient, as_of, rules, manager_id=own)
        items += [lead_item(row, f"lead_{row['reason']}") for _, row in leads.iterrows()]
    if _metric_exists("reactivation"):
        clients = scoped("reactivation", db, recipient, as_of, rules, manager_id=own)
        items += [client_item(row) for _, row in _unplanned(clients).iterrows()]
    return items


def manager_digest(
    db: Path | str,
    recipient: Recipient,
    as_of: datetime,
    previous_as_of: datetime,
    rules: Rules,
    day: date,
    currency: str,
    sent_before: set[str] | None = None,
) -> Digest:
    """`sent_before`: the items of the digest the manager got on the previous working day (the log keeps
    them); None (none was sent) compares with the list as the queries give it for the previous working day
    at the same time, which cannot see an activity completed since (completion has no history in the
    snapshot): such a fix is then not counted."""
    items, fixed, new = own_list(db, recipient, as_of, previous_as_of, rules, currency, sent_before)
    kind: Kind = "manager" if items else "all_clear"
    return Digest(recipient, day, kind, items=items, fixed=fixed, new=new, currency=currency)


def own_list(
    db: Path | str,
    recipient: Recipient,
    as_of: datetime,
    previous_as_of: datetime,
    rules: Rules,
    currency: str,
    sent_before: set[str] | None,
) -> tuple[list[Item], int, int]:
    """The recipient's own items (each marked new or not) and how many were fixed and are new since the
    previous working day (see manager_digest)."""
    today = must_do(db, recipient, as_of, rules, currency)
    before = sent_before
    if before is None:
        before = {item.key for item in must_do(db, recipient, previous_as_of, rules, currency)}
    now = {item.key for item in today}
    items = [replace(item, new=item.key not in before) for item in today]
    return items, len(before - now), len(now - before)


def _changes(
    db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules, day: date
) -> dict[int, int]:
    """manager_id -> the change of their seven rule counts since their previous stored day."""
    trend = scoped("trend", db, recipient, as_of, rules, period_start=day, period_end=day)
    out: dict[int, int] = {}
    for _, row in trend[trend["snapshot_date"] == pd.Timestamp(day)].iterrows():
        parts = [row.get(f"{column}_change") for column in words.SCORECARD_COUNTS]
        known = [p for p in parts if p is not None and not pd.isna(p)]
        if known and not pd.isna(row.get("previous_date")):
            out[int(row["manager_id"])] = int(sum(known))
    return out


def _lead_counts(
    db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules
) -> dict[int, tuple[int, int]] | None:
    if not _metric_exists("lead_scorecard"):
        return None
    frame = scoped("lead_scorecard", db, recipient, as_of, rules)
    return {
        int(r["responsible_id"]): (int(r["unprocessed_leads"] or 0), int(r["hanging_leads"] or 0))
        for _, r in frame.iterrows()
    }


def team_lines(
    db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules, day: date,
    leads: dict[int, tuple[int, int]] | None,
) -> list[ManagerLine]:
    """One line per manager in the scorecard's order, the daily review's: worst first by the deals' rule
    count (the number beside each name), then by name; the leads (`leads`: _lead_counts') do not reorder."""
    scorecard = scoped("scorecard", db, recipient, as_of, rules)
    changes = _changes(db, recipient, as_of, rules, day)
    lines = []
    for _, row in scorecard.iterrows():
        counts = {
            rule: int(row[column] or 0)
            for column, rule in words.SCORECARD_COUNTS.items()
            if int(row[column] or 0)
        }
        manager = int(row["manager_id"])
        lines.append(
            ManagerLine(
                manager,
                _text(row["manager_name"]),
                int(row["issues_total"] or 0),
                changes.get(manager),
                counts,
                None if leads is None else leads.get(manager, (0, 0)),
                bool(row["manager_active"]),
            )
        )
    return lines


def worst_deals(
    db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules, currency: str
) -> tuple[dict[str, list[Item]], dict[str, int]]:
    """rule -> its first WORST_PER_RULE deals in the backlog's order of urgency, and how many break it."""
    backlog = scoped("backlog", db, recipient, as_of, rules)
    worst: dict[str, list[Item]] = {}
    totals: dict[str, int] = {}
    for rule in words.RULES:
        rows = backlog[[rule in (r or []) for r in backlog["rules"]]]
        if len(rows):
            totals[rule] = len(rows)
            worst[rule] = [_head_item(r, rule, currency) for _, r in rows.head(WORST_PER_RULE).iterrows()]
    return worst, totals


def _head_item(row: pd.Series, rule: str, currency: str) -> Item:
    """A deal in a head's list: whose it is first."""
    item = deal_item(row, currency)
    return replace(item, rule=rule, detail=f"{_text(row['manager_name'])} · {item.detail}")


def team_won(db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules) -> Won:
    pace = scoped("won_pace", db, recipient, as_of, rules)
    return Won(
        int(pace["won_deals"].fillna(0).sum()),
        float(pace["won_amount"].fillna(0).sum()),
        float(pace["won_amount_last_month"].fillna(0).sum()),
    )


def head_digest(
    db: Path | str,
    recipient: Recipient,
    as_of: datetime,
    rules: Rules,
    day: date,
    currency: str,
    previous_as_of: datetime | None = None,
    sent_before: set[str] | None = None,
) -> Digest:
    """The team's digest, with the head's own list (`previous_as_of` and `sent_before` as for
    manager_digest; without a previous moment the own list is not compared, so none is marked new)."""
    leads = _lead_counts(db, recipient, as_of, rules)
    lines = team_lines(db, recipient, as_of, rules, day, leads)
    worst, totals = worst_deals(db, recipient, as_of, rules, currency)
    fixed = new = None
    if previous_as_of is None:
        items = must_do(db, recipient, as_of, rules, currency)
    else:
        items, fixed, new = own_list(db, recipient, as_of, previous_as_of, rules, currency, sent_before)
    digest = Digest(
        recipient,
        day,
        "head",
        items=items,
        fixed=fixed,
        new=new,
        lines=lines,
        worst=worst,
        worst_total=totals,
        won=team_won(db, recipient, as_of, rules),
        team_leads=None if leads is None else (sum(u for u, _ in leads.values()),
                                               sum(h for _, h in leads.values())),
        currency=currency,
    )
    if not items and not any(line.issues or line.leads for line in lines):
        digest.kind = "all_clear"
    return digest


def recipients(db: Path | str, as_of: datetime, rules: Rules, users: pd.DataFrame) -> list[Recipient]:
    """Heads (active users heading a department, by the same role map as sign-in: queries.viewer_for) and
    every other active manager who owns open deals, leads in progress or clients due to be brought back
    with nothing planned (what their list holds); the rules' digest.opt_out left out. A head who also owns
    deals or leads gets the head's digest with their own list in it: one digest per person per day. Each
    recipient carries their Viewer, so every metric runs in their scope."""
    users = users[users["active"].astype(bool)]
    opt_out = set(rules.digest.opt_out)
    owners = run_metric("managers", db, as_of=as_of, rules=rules)
    owner_ids = {int(m) for m in owners.loc[owners["active_deals"] > 0, "manager_id"]}
    if _metric_exists("lead_scorecard"):
        leads = run_metric("lead_scorecard", db, as_of=as_of, rules=rules)
        owner_ids |= {int(m) for m in leads.loc[leads["in_progress_leads"] > 0, "responsible_id"]}
    if _metric_exists("reactivation"):
        due = run_metric("reactivation", db, as_of=as_of, rules=rules)
        owner_ids |= {int(m) for m in _unplanned(due)["owner_id"]}
    out: list[Recipient] = []
    for _, u in users.iterrows():
        uid = int(u["user_id"])
        if uid in opt_out:
            continue
        viewer = viewer_for(db, uid, rules)
        headed = viewer.headed_department_ids  # an admin who heads one (the director) gets the head's digest
        if headed:
            out.append(Recipient(uid, u["user_name"], _text(u["email"]) or None, "head", headed, viewer))
        elif uid in owner_ids:
            out.append(Recipient(uid, u["user_name"], _text(u["email"]) or None, "manager", (), viewer))
    return out


def previous_moment(as_of: datetime, day: date, previous_day: date) -> datetime:
    """The same time of day on the previous working day."""
    return as_of - timedelta(days=(day - previous_day).days)
