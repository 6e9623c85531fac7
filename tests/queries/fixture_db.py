# ruff: noqa: E501  (one activity / deal per line reads best as a table)
"""A small hand-built Dozhim snapshot where every metric's number is known by hand.

    from tests.queries.fixture_db import build_fixture_db, AS_OF
    path = build_fixture_db(tmp_path / "crm.duckdb")

AS_OF is Friday 2026-11-20 18:00 in the portal's time zone (+03:00). The expected numbers (default rules)
are in EXPECTED_SCORECARD and in the tests beside this file; the comments on each deal say why.

Managers: 1 Anna Ivanova (active, dept 10 Sales), 2 Boris Petrov (active, dept 11 Sales East, a child of 10),
3 Viktor Sidorov (dismissed, dept 11, still owns open deals), 4 Galina Orlova (active, only closed deals, so
not a manager by default). Currencies: RUB (base) and USD at 9000 RUB per 100 USD (amount / amount_cnt).
Pipelines: 0 "General" and 3 "Projects". Edge cases: weekends and the business-day rule (D107, D108),
midnight in the portal zone vs UTC (D105, D201), never-touched deals (D101, D105, D107, D108, D201), the 9999
deadline (D104), a dismissed manager (3), two currencies (D102, D107, D201, D204), a deal moved between
pipelines (D202), a recurring template (D203), activities on a deleted deal (bound to deal 9999), one loss
reason in two pipelines (D209, D210, June 2025), records rejected by the first sync run (REJECTED).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from snapshot.schema import SCHEMA_VERSION, TABLES, ddl
from tests.queries.fixture_leads import fill_leads

MSK = timezone(timedelta(hours=3))
AS_OF = datetime(2026, 11, 20, 18, 0, tzinfo=MSK)  # Friday, 15:00 UTC
# the metrics that read the recorded scorecard_history: a snapshot with recorded days and one without differ
# there by design (the stored-layer comparisons leave them out)
HISTORY_METRICS = ("trend", "trend_team")
PORTAL_URL = "https://fixture.bitrix24.ru"

# scorecard with the default rules at AS_OF: (manager_id, manager_name, active_deals, below_minimum,
# overaged_deals, stale_deals, no_next_activity, overdue_activities, unprocessed_incoming, invoice_stuck,
# won_deals, won_amount, lost_deals, win_rate)
EXPECTED_SCORECARD = [
    (1, "Anna Ivanova", 7, True, 2, 2, 2, 2, 0, 1, 1, 200000.0, 1, 0.5),
    (2, "Boris Petrov", 2, True, 1, 0, 1, 0, 3, 0, 1, 180000.0, 2, 1 / 3),
    (3, "Viktor Sidorov", 2, True, 0, 2, 1, 0, 0, 1, 0, 0.0, 1, 0.0),
]


def t(text: str) -> datetime:
    """'2026-11-20 18:00' in the portal zone (+03:00)."""
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


def _deal(id_: int, title: str, cat: int, stage: str, sem: str, who: int, amount: float, cur: str,
          created: str, moved: str | None = None, closedate: str | None = None, prob: int | None = None,
          recurring: bool = False, loss: int | None = None) -> dict:
    return {
        "id": id_, "title": title, "category_id": cat, "stage_id": stage, "stage_semantic_id": sem,
        "assigned_by_id": who, "opportunity": amount, "currency_id": cur, "date_create": t(created),
        "moved_time": t(moved or created), "closedate": date.fromisoformat(closedate) if closedate else None,
        "probability": prob, "is_recurring": recurring, "closed": sem != "P", "uf_crm_loss_reason": loss,
    }


DEALS = [
    # Anna (1): 7 open deals
    # never touched, 111 days old, no activity: overaged, stale, no next; default close date (created + 7), past
    _deal(101, "Old never touched", 0, "NEW", "P", 1, 100000, "RUB", "2026-08-01 10:00", closedate="2026-08-08"),
    # touched 3 times this week (attention), planned next step; USD 1000 = 90000 RUB
    _deal(102, "Fresh and busy", 0, "PREPARATION", "P", 1, 1000, "USD", "2026-11-01 10:00",
          closedate="2026-12-15", prob=40),
    # created exactly 90 x 24 h before T: not overaged; planned activity due yesterday: overdue
    _deal(103, "Exactly ninety days", 0, "PREPARATION", "P", 1, 30000, "RUB", "2026-08-22 18:00",
          closedate="2026-11-30"),
    # one minute older than 90 days: overaged; last touch (start_time, no end_time) 14 d + 1 min ago: stale;
    # its only open activity has the 9999 deadline (NULL): no next activity
    _deal(104, "Ninety days and a minute", 0, "PREPARATION", "P", 1, 20000, "RUB", "2026-08-22 17:59"),
    # planned 00:30 today (21:30 UTC yesterday): not overdue; planned 23:59 yesterday: overdue;
    # its one completed activity ends after T, so it is never touched as of T
    _deal(105, "Midnight", 0, "EXECUTING", "P", 1, 10000, "RUB", "2026-11-10 10:00", closedate="2026-11-17"),
    # invoice stage re-entered Wed 18 Nov 15:00 (the latest entry counts, not the first on 2 Nov);
    # + 2 working days = Fri 20 Nov 15:00 < T; last touch 17 Nov: invoice_stuck
    _deal(106, "Invoice since Wednesday", 0, "PREPAYMENT_INVOICE", "P", 1, 40000, "RUB", "2026-11-01 10:00",
          moved="2026-11-18 15:00", closedate="2026-11-25", prob=60),
    # invoice stage entered Fri 20 Nov 12:00: due Tue 24 Nov 12:00 (weekend skipped): not stuck at T nor on
    # Monday 23 Nov; stuck from Tue 24 Nov 12:00. USD 100 = 9000 RUB. Default close date (16 + 7)
    _deal(107, "Invoice on Friday", 3, "C3:INVOICE", "P", 1, 100, "USD", "2026-11-16 10:00",
          moved="2026-11-20 12:00", closedate="2026-11-23"),
    # Anna closed: won this month, won last month (pace), lost this month with the generic "Deal failed"
    _deal(109, "Won in November", 0, "WON", "S", 1, 200000, "RUB", "2026-10-20 10:00", moved="2026-11-19 16:00"),
    _deal(110, "Won in October", 0, "WON", "S", 1, 50000, "RUB", "2026-09-10 10:00", moved="2026-10-10 10:00"),
    _deal(208, "Lost, generic stage", 0, "LOSE", "F", 1, 15000, "RUB", "2026-10-25 10:00",
          moved="2026-11-03 10:00"),
    # Boris (2): 2 open deals (+ a recurring template)
    # 3 incoming: 23:30 yesterday (unprocessed), 00:10 today = 21:10 UTC yesterday (not unprocessed),
    # direction = 1 without the channel flag, 18 Nov (unprocessed); no planned activity; USD 500
    _deal(201, "Incoming calls", 3, "C3:NEW", "P", 2, 500, "USD", "2026-11-15 12:00", closedate="2026-12-01"),
    # created in pipeline 0 on 1 Jul, moved to pipeline 3 on 10 Nov, invoice stage since Mon 16 Nov 10:00,
    # touched 17 Nov (after entering): not stuck; 142 days old: overaged (not with a 180-day pipeline 3 rule)
    _deal(202, "Moved to projects", 3, "C3:INVOICE", "P", 2, 70000, "RUB", "2026-07-01 10:00",
          moved="2026-11-16 10:00", closedate="2026-12-20", prob=80),
    # recurring template: excluded from everything although it breaks every rule
    _deal(203, "Monthly template", 0, "NEW", "P", 2, 5000, "RUB", "2026-01-01 10:00", recurring=True),
    # won 5 Nov (USD 2000 = 180000 RUB)
    _deal(204, "Won in USD", 3, "C3:WON", "S", 2, 2000, "USD", "2026-10-01 10:00", moved="2026-11-05 12:00"),
    # lost with no final-stage history entry: moved_time 1 Nov 00:30 (+03:00) = 31 Oct UTC counts as
    # November; it was in the invoice stage before; loss field option 501 "Дорого"
    _deal(205, "Lost at invoice", 3, "C3:LOSE", "F", 2, 12000, "RUB", "2026-10-01 10:00",
          moved="2026-11-01 00:30", loss=501),
    # lost 31 Oct 23:30 (+03:00): October
    _deal(206, "Lost in October", 3, "C3:LOSE", "F", 2, 8000, "RUB", "2026-10-01 10:00",
          moved="2026-10-31 23:30"),
    # lost as a duplicate: manager_closed
    _deal(207, "Duplicate", 3, "C3:DUP", "F", 2, 1000, "RUB", "2026-11-09 10:00", moved="2026-11-11 10:00"),
    # Viktor (3, dismissed): 2 open deals
    # last touch 1 Nov: stale; no planned: no next activity
    _deal(301, "Dismissed owner", 0, "NEW", "P", 3, 50000, "RUB", "2026-09-01 10:00"),
    # invoice stage since Saturday 14 Nov 12:00 (moved_time only, no history): counts from Mon 16 00:00,
    # due Wed 18 00:00: stuck; never touched 17 days: stale; planned for Saturday 21 Nov: has next
    _deal(108, "Invoice on Saturday", 0, "PREPAYMENT_INVOICE", "P", 3, 25000, "RUB", "2026-11-03 10:00",
          moved="2026-11-14 12:00", closedate="2026-11-10"),
    # lost "Клиент не отвечает" (client_silent); loss field option 502 "Выбрали конкурента"
    _deal(302, "Client went silent", 0, "APOLOGY", "F", 3, 60000, "RUB", "2026-10-10 10:00",
          moved="2026-11-10 10:00", loss=502),
    # Boris's losses of June 2025, out of every default window (month, 12 months, win-rate look-back): the
    # same loss-field reason 501 "Дорого" in two pipelines, so loss_reasons must tell them apart
    _deal(209, "Lost long ago, general", 0, "LOSE", "F", 2, 3000, "RUB", "2025-05-01 10:00",
          moved="2025-06-10 10:00", loss=501),
    _deal(210, "Lost long ago, projects", 3, "C3:LOSE", "F", 2, 4000, "RUB", "2025-05-01 10:00",
          moved="2025-06-20 10:00", loss=501),
    # Galina (4): only a won deal
    _deal(401, "Galina's win", 0, "WON", "S", 4, 30000, "RUB", "2026-11-02 10:00", moved="2026-11-12 10:00"),
]

# (id, deal ids bound, type_id, subject, completed, direction, incoming_channel, start, end, deadline, created)
ACTIVITIES = [
    (1021, [102], 2, "Call 1", True, 2, False, "2026-11-16 10:00", "2026-11-16 10:10", None, "2026-11-16 10:00"),
    (1022, [102], 2, "Call 2", True, 2, False, "2026-11-17 10:00", "2026-11-17 10:10", None, "2026-11-17 10:00"),
    (1023, [102], 2, "Call 3", True, 2, False, "2026-11-18 10:00", "2026-11-18 10:10", None, "2026-11-18 10:00"),
    (1024, [102], 6, "Send proposal", False, 0, False, None, None, "2026-11-25 12:00", "2026-11-18 10:20"),
    (1031, [103], 4, "Email", True, 2, False, "2026-11-19 11:00", "2026-11-19 11:00", None, "2026-11-19 11:00"),
    (1032, [103], 6, "Call back", False, 0, False, None, None, "2026-11-19 10:00", "2026-11-12 10:00"),
    (1041, [104], 1, "Meeting", True, 0, False, "2026-11-06 17:59", None, None, "2026-11-01 10:00"),
    (1042, [104], 6, "Someday", False, 0, False, None, None, None, "2026-11-06 18:00"),
    (1051, [105], 6, "Early today", False, 0, False, None, None, "2026-11-20 00:30", "2026-11-11 10:00"),
    (1052, [105], 6, "Late yesterday", False, 0, False, None, None, "2026-11-19 23:59", "2026-11-11 10:00"),
    (1053, [105], 4, "Reply tonight", True, 2, False, "2026-11-20 19:00", "2026-11-20 19:00", None,
     "2026-11-20 19:00"),
    (1061, [106], 2, "Call", True, 2, False, "2026-11-10 12:00", "2026-11-10 12:05", None, "2026-11-10 12:00"),
    (1062, [106], 2, "Call", True, 2, False, "2026-11-17 12:00", "2026-11-17 12:05", None, "2026-11-17 12:00"),
    (1063, [106], 6, "Check payment", False, 0, False, None, None, "2026-11-27 10:00", "2026-11-18 15:00"),
    (1071, [107], 6, "Check payment", False, 0, False, None, None, "2026-11-24 10:00", "2026-11-20 12:00"),
    (1081, [108], 6, "Saturday call", False, 0, False, None, None, "2026-11-21 11:00", "2026-11-14 12:00"),
    (2011, [201], 2, "Incoming call", False, 1, True, "2026-11-19 23:30", None, None, "2026-11-19 23:30"),
    (2012, [201], 4, "Incoming email", False, 1, True, "2026-11-20 00:10", None, None, "2026-11-20 00:10"),
    (2013, [201], 2, "Call, direction only", False, 1, False, "2026-11-18 09:00", None, None, "2026-11-18 09:00"),
    (2021, [202], 2, "Call", True, 2, False, "2026-11-17 12:00", "2026-11-17 12:10", None, "2026-11-17 12:00"),
    (2022, [202], 6, "Follow up", False, 0, False, None, None, "2026-11-30 10:00", "2026-11-17 12:10"),
    (2031, [203], 6, "Template task", False, 0, False, None, None, "2026-11-01 10:00", "2026-10-01 10:00"),
    (2032, [203], 2, "Template call", False, 1, True, "2026-11-01 10:00", None, None, "2026-11-01 10:00"),
    (2051, [205], 4, "Late reply", False, 1, True, "2026-11-10 10:00", None, None, "2026-11-10 10:00"),
    (3011, [301], 2, "Call", True, 2, False, "2026-11-01 10:00", "2026-11-01 10:05", None, "2026-11-01 10:00"),
    # on a deleted deal: bound to deal 9999, which is not in deals
    (9001, [9999], 6, "Orphan task", False, 0, False, None, None, "2026-11-10 10:00", "2026-11-01 10:00"),
    (9002, [9999], 2, "Orphan call", False, 1, True, "2026-11-10 10:00", None, None, "2026-11-10 10:00"),
]

# (deal id, type_id, stage_id, category_id, semantic, created)
STAGE_HISTORY = [
    (101, 1, "NEW", 0, "P", "2026-08-01 10:00"),
    (106, 1, "NEW", 0, "P", "2026-11-01 10:00"),
    (106, 2, "PREPAYMENT_INVOICE", 0, "P", "2026-11-02 10:00"),
    (106, 2, "PREPARATION", 0, "P", "2026-11-05 10:00"),
    (106, 2, "PREPAYMENT_INVOICE", 0, "P", "2026-11-18 15:00"),
    (107, 1, "C3:NEW", 3, "P", "2026-11-16 10:00"),
    (107, 2, "C3:INVOICE", 3, "P", "2026-11-20 12:00"),
    (109, 1, "NEW", 0, "P", "2026-10-20 10:00"),
    (109, 2, "PREPARATION", 0, "P", "2026-11-01 10:00"),
    (109, 3, "WON", 0, "S", "2026-11-19 16:00"),
    (110, 1, "NEW", 0, "P", "2026-09-10 10:00"),
    (110, 3, "WON", 0, "S", "2026-10-10 10:00"),
    (208, 1, "NEW", 0, "P", "2026-10-25 10:00"),
    (208, 2, "PREPARATION", 0, "P", "2026-10-28 10:00"),
    (208, 3, "LOSE", 0, "F", "2026-11-03 10:00"),
    (202, 1, "NEW", 0, "P", "2026-07-01 10:00"),
    (202, 5, "C3:NEW", 3, "P", "2026-11-10 10:00"),
    (202, 2, "C3:INVOICE", 3, "P", "2026-11-16 10:00"),
    (204, 1, "C3:NEW", 3, "P", "2026-10-01 10:00"),
    (204, 3, "C3:WON", 3, "S", "2026-11-05 12:00"),
    (205, 1, "C3:NEW", 3, "P", "2026-10-01 10:00"),
    (205, 2, "C3:INVOICE", 3, "P", "2026-10-20 10:00"),
    (206, 1, "C3:NEW", 3, "P", "2026-10-01 10:00"),
    (206, 3, "C3:LOSE", 3, "F", "2026-10-31 23:30"),
    (207, 1, "C3:NEW", 3, "P", "2026-11-09 10:00"),
    (207, 3, "C3:DUP", 3, "F", "2026-11-11 10:00"),
    (302, 1, "NEW", 0, "P", "2026-10-10 10:00"),
    (302, 2, "PREPARATION", 0, "P", "2026-10-15 10:00"),
    (302, 3, "APOLOGY", 0, "F", "2026-11-10 10:00"),
    (401, 1, "NEW", 0, "P", "2026-11-02 10:00"),
    (401, 3, "WON", 0, "S", "2026-11-12 10:00"),
]

# (status_id, entity_id, category_id, name, sort, semantics)
STAGES = [
    ("NEW", "DEAL_STAGE", 0, "New", 10, "P"),
    ("PREPARATION", "DEAL_STAGE", 0, "Proposal", 20, "P"),
    ("PREPAYMENT_INVOICE", "DEAL_STAGE", 0, "Выставлен счёт", 30, "P"),
    ("EXECUTING", "DEAL_STAGE", 0, "In progress", 40, "P"),
    ("WON", "DEAL_STAGE", 0, "Deal won", 50, "S"),
    ("LOSE", "DEAL_STAGE", 0, "Deal failed", 60, "F"),
    ("APOLOGY", "DEAL_STAGE", 0, "Клиент не отвечает", 70, "F"),
    ("C3:NEW", "DEAL_STAGE_3", 3, "New project", 10, "P"),
    ("C3:INVOICE", "DEAL_STAGE_3", 3, "Invoice sent", 20, "P"),
    ("C3:WON", "DEAL_STAGE_3", 3, "Won", 30, "S"),
    ("C3:LOSE", "DEAL_STAGE_3", 3, "Отказ клиента", 40, "F"),
    ("C3:DUP", "DEAL_STAGE_3", 3, "Дубль", 50, "F"),
    # a smart-invoice stage named like an invoice: not a deal stage, never an invoice stage of deals
    ("DT31_1:N", "SMART_INVOICE_STAGE_1", 1, "Новый счет", 10, "P"),
]

# sync_runs.rejected of run 1 (CONTRACT.md section 3); run 2, the latest, rejected nothing
REJECTED = {
    "deals": [{"id": "777", "field": "DATE_CREATE", "error": "date out of range: '0001-01-01'"}],
    "activities": [{"id": "8881", "field": "DEADLINE", "error": "not a date: 'soon'"},
                   {"id": "8882", "field": "OWNER_ID", "error": "not a number: 'x'"}],
    "users": [],
}

# deal_snapshots: (day, deal id, closedate); D102 and D106 are pushed later on 19 Nov, D201 pulled earlier
SNAPSHOTS = [
    ("2026-11-18", 102, "2026-11-30"), ("2026-11-19", 102, "2026-12-15"), ("2026-11-20", 102, "2026-12-15"),
    ("2026-11-18", 106, "2026-11-20"), ("2026-11-19", 106, "2026-11-25"), ("2026-11-20", 106, "2026-11-25"),
    ("2026-11-18", 201, "2026-12-05"), ("2026-11-19", 201, "2026-12-01"), ("2026-11-20", 201, "2026-12-01"),
]


# --- follow-up rules (issue 14): build_fixture_db(path, followups=True) adds these rows --------------------
# A fifth manager, Dmitry Kozlov (5, active, department 12 "Partners", top level), owns them all, so every
# number of managers 1-4 above stays as it is. Default rules: proposal = entering a stage named like "КП" /
# "proposal" (here PREPARATION "Proposal"), 3 working days; meeting = the end of a completed meeting (type
# 1), 2 working days. Working days: Mon-Fri minus Russia's holidays: Wed 4 Nov 2026 (Unity Day) is off.
# The due moment: E on a working day keeps its time of day on the N-th working day after; E on a weekend
# counts from the next working day's start. T = Fri 20 Nov 18:00.
FOLLOWUP_USER = {"id": 5, "active": True, "name": "Dmitry", "last_name": "Kozlov", "uf_department": [12]}
FOLLOWUP_DEPARTMENT = {"id": 12, "name": "Partners", "sort": 30, "parent": None, "uf_head": 5}
FOLLOWUP_DEALS = [
    # proposal entered Tue 17 Nov 18:00: + Wed 18, Thu 19, Fri 20 = due Fri 20 Nov 18:00 = T: not before T,
    # not missed (yet)
    _deal(501, "Proposal due at T", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-16 10:00",
          moved="2026-11-17 18:00"),
    # one minute earlier: due Fri 20 Nov 17:59 < T: missed
    _deal(502, "Proposal due a minute before T", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-16 10:00",
          moved="2026-11-17 17:59"),
    # entered Saturday 14 Nov 12:00: counts from Mon 16 00:00, + Mon 16, Tue 17, Wed 18 = due the start of
    # Thu 19 Nov (00:00): missed at T; not yet at Wed 18 Nov 23:59
    _deal(503, "Proposal on Saturday", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-10 10:00",
          moved="2026-11-14 12:00"),
    # entered Mon 2 Nov 10:00: Tue 3 (1), Wed 4 is a holiday, Thu 5 (2), Fri 6 (3) = due Fri 6 Nov 10:00:
    # not missed on Thu 5 Nov 12:00 (it would be without the holiday), missed from Fri 6 10:00 on
    _deal(504, "Proposal over the holiday", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-02 10:00"),
    # entered 2 Nov, left for NEW on 5 Nov, re-entered Thu 19 Nov 10:00: the latest entry counts, due Tue
    # 24 Nov 10:00: not missed at T (the first entry's window ended on 6 Nov); missed on Tue 24 Nov 10:01
    _deal(505, "Proposal re-entered", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-19 10:00"),
    # a call Mon 16 Nov 09:00, then the proposal at 10:00: the call came before E and does not count; due
    # Thu 19 Nov 10:00: missed
    _deal(506, "Touched before the proposal", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-12 10:00",
          moved="2026-11-16 10:00"),
    # proposal Mon 16 Nov 10:00 (due Thu 19 10:00), called Fri 20 Nov 12:00: late, but the call was made:
    # not missed (the rule asks for a touch after E; followup_outcomes tells on time from late)
    _deal(507, "Called late", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-12 10:00",
          moved="2026-11-16 10:00"),
    # proposal 2 Nov 10:00, never touched, lost Thu 12 Nov: closed, not missed; followup_outcomes: its
    # window ended Fri 6 Nov 10:00 with no touch, it was still open: late (lost)
    _deal(508, "Lost after a silent proposal", 0, "LOSE", "F", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-12 10:00"),
    # proposal Mon 9 Nov, moved on to EXECUTING Thu 12 Nov, never touched: not judged by the proposal rule
    _deal(509, "Moved past the proposal", 0, "EXECUTING", "P", 5, 10000, "RUB", "2026-11-06 10:00",
          moved="2026-11-12 10:00"),
    # meeting Wed 18 Nov 10:00-11:00, nothing after: E = its end 11:00, due Fri 20 Nov 11:00: missed
    _deal(511, "Meeting, no call after", 0, "NEW", "P", 5, 10000, "RUB", "2026-11-10 10:00"),
    # meeting ends Wed 18 Nov 18:00: due Fri 20 Nov 18:00 = T: not missed
    _deal(512, "Meeting due at T", 0, "NEW", "P", 5, 10000, "RUB", "2026-11-10 10:00"),
    # meeting ends Mon 16 Nov 12:00, a call Tue 17 Nov: not missed
    _deal(513, "Meeting then a call", 0, "NEW", "P", 5, 10000, "RUB", "2026-11-10 10:00"),
    # meeting 9 Nov, a call 10 Nov, a second meeting ends Tue 17 Nov 12:00 with nothing after: the latest
    # meeting counts: E = 17 Nov 12:00, due Thu 19 Nov 12:00: missed
    _deal(514, "Two meetings", 0, "NEW", "P", 5, 10000, "RUB", "2026-11-05 10:00"),
    # a meeting planned for Mon 16 Nov, never completed: no trigger (it is an overdue activity instead)
    _deal(515, "Meeting not held", 0, "NEW", "P", 5, 10000, "RUB", "2026-11-10 10:00"),
    # both rules: meeting ends Fri 13 Nov 15:00 (due Tue 17 Nov 15:00), proposal Mon 16 Nov 10:00 (due Thu
    # 19 Nov 10:00); the meeting is before the proposal's E, nothing after either: two rows; the backlog
    # names the one due first, the meeting
    _deal(516, "Meeting and proposal", 0, "PREPARATION", "P", 5, 10000, "RUB", "2026-11-10 10:00",
          moved="2026-11-16 10:00"),
    # closed in November, for followup_outcomes:
    # proposal Mon 2 Nov 10:00 (due Fri 6 Nov 10:00), called Thu 5 Nov: on time; won Tue 10 Nov
    _deal(521, "Proposal, called on time, won", 0, "WON", "S", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-10 10:00"),
    # proposal Mon 9 Nov 10:00 (due Thu 12 Nov 10:00), called Fri 13 Nov: late; won Mon 16 Nov
    _deal(522, "Proposal, called late, won", 0, "WON", "S", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-16 10:00"),
    # proposal Wed 18 Nov 10:00 (due Mon 23 Nov), won Thu 19 Nov with no touch: closed before the window
    # ended, left out
    _deal(523, "Won before the call was due", 0, "WON", "S", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-19 12:00"),
    # meeting ends Tue 3 Nov 12:00: Thu 5 (1), Fri 6 (2) = due Fri 6 Nov 12:00 (4 Nov off); called Fri 6 Nov
    # 11:00: on time; lost Tue 10 Nov
    _deal(524, "Meeting, called on time, lost", 0, "LOSE", "F", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-10 10:00"),
    # meeting ends Mon 9 Nov 12:00 (due Wed 11 Nov 12:00), no touch; won Fri 13 Nov: late, won
    _deal(525, "Meeting, no call, won", 0, "WON", "S", 5, 10000, "RUB", "2026-11-01 10:00",
          moved="2026-11-13 10:00"),
]
FOLLOWUP_ACTIVITIES = [
    (5041, [504], 6, "Plan the call", False, 0, False, None, None, "2026-11-30 10:00", "2026-11-02 10:00"),
    (5051, [505], 2, "Call", True, 2, False, "2026-11-03 10:00", "2026-11-03 10:05", None, "2026-11-03 10:00"),
    (5061, [506], 2, "Call", True, 2, False, "2026-11-16 09:00", "2026-11-16 09:05", None, "2026-11-16 09:00"),
    (5071, [507], 2, "Call", True, 2, False, "2026-11-20 12:00", "2026-11-20 12:05", None, "2026-11-20 12:00"),
    (5111, [511], 1, "Meeting", True, 0, False, "2026-11-18 10:00", "2026-11-18 11:00", "2026-11-18 10:00", "2026-11-12 10:00"),
    (5121, [512], 1, "Meeting", True, 0, False, "2026-11-18 17:00", "2026-11-18 18:00", "2026-11-18 17:00", "2026-11-12 10:00"),
    (5131, [513], 1, "Meeting", True, 0, False, "2026-11-16 11:00", "2026-11-16 12:00", "2026-11-16 11:00", "2026-11-12 10:00"),
    (5132, [513], 2, "Call", True, 2, False, "2026-11-17 10:00", "2026-11-17 10:05", None, "2026-11-17 10:00"),
    (5141, [514], 1, "Meeting", True, 0, False, "2026-11-09 11:00", "2026-11-09 12:00", "2026-11-09 11:00", "2026-11-06 10:00"),
    (5142, [514], 2, "Call", True, 2, False, "2026-11-10 10:00", "2026-11-10 10:05", None, "2026-11-10 10:00"),
    (5143, [514], 1, "Meeting", True, 0, False, "2026-11-17 11:00", "2026-11-17 12:00", "2026-11-17 11:00", "2026-11-10 10:00"),
    (5151, [515], 1, "Meeting", False, 0, False, "2026-11-16 11:00", "2026-11-16 12:00", "2026-11-16 11:00", "2026-11-10 10:00"),
    (5161, [516], 1, "Meeting", True, 0, False, "2026-11-13 14:00", "2026-11-13 15:00", "2026-11-13 14:00", "2026-11-11 10:00"),
    (5211, [521], 2, "Call", True, 2, False, "2026-11-05 10:00", "2026-11-05 10:05", None, "2026-11-05 10:00"),
    (5221, [522], 2, "Call", True, 2, False, "2026-11-13 10:00", "2026-11-13 10:05", None, "2026-11-13 10:00"),
    (5241, [524], 1, "Meeting", True, 0, False, "2026-11-03 11:00", "2026-11-03 12:00", "2026-11-03 11:00", "2026-11-02 10:00"),
    (5242, [524], 2, "Call", True, 2, False, "2026-11-06 11:00", "2026-11-06 11:05", None, "2026-11-06 11:00"),
    (5251, [525], 1, "Meeting", True, 0, False, "2026-11-09 11:00", "2026-11-09 12:00", "2026-11-09 11:00", "2026-11-06 10:00"),
]
FOLLOWUP_STAGE_HISTORY = [
    (501, 2, "PREPARATION", 0, "P", "2026-11-17 18:00"),
    (502, 2, "PREPARATION", 0, "P", "2026-11-17 17:59"),
    (503, 2, "PREPARATION", 0, "P", "2026-11-14 12:00"),
    (504, 2, "PREPARATION", 0, "P", "2026-11-02 10:00"),
    (505, 2, "PREPARATION", 0, "P", "2026-11-02 10:00"),
    (505, 2, "NEW", 0, "P", "2026-11-05 10:00"),
    (505, 2, "PREPARATION", 0, "P", "2026-11-19 10:00"),
    (506, 2, "PREPARATION", 0, "P", "2026-11-16 10:00"),
    (507, 2, "PREPARATION", 0, "P", "2026-11-16 10:00"),
    (508, 2, "PREPARATION", 0, "P", "2026-11-02 10:00"),
    (508, 3, "LOSE", 0, "F", "2026-11-12 10:00"),
    (509, 2, "PREPARATION", 0, "P", "2026-11-09 10:00"),
    (509, 2, "EXECUTING", 0, "P", "2026-11-12 10:00"),
    (516, 2, "PREPARATION", 0, "P", "2026-11-16 10:00"),
    (521, 2, "PREPARATION", 0, "P", "2026-11-02 10:00"),
    (521, 3, "WON", 0, "S", "2026-11-10 10:00"),
    (522, 2, "PREPARATION", 0, "P", "2026-11-09 10:00"),
    (522, 3, "WON", 0, "S", "2026-11-16 10:00"),
    (523, 2, "PREPARATION", 0, "P", "2026-11-18 10:00"),
    (523, 3, "WON", 0, "S", "2026-11-19 12:00"),
    (524, 3, "LOSE", 0, "F", "2026-11-10 10:00"),
    (525, 3, "WON", 0, "S", "2026-11-13 10:00"),
]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    for row in rows:
        cols = ", ".join(row)
        marks = ", ".join(f"${c}" for c in row)
        con.execute(f"insert into {table} ({cols}) values ({marks})", row)


def build_fixture_db(path: str | Path, followups: bool = False) -> Path:
    """Write the fixture snapshot to `path` (replaced if present) and return the path; `followups` adds the
    follow-up rule cases (FOLLOWUP_*: a fifth manager's deals)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        for table in TABLES:
            con.execute(ddl(table))
        con.execute("alter table deals add column uf_crm_loss_reason bigint")
        _fill(con)
        if followups:
            _fill_followups(con)
    finally:
        con.close()
    return path


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    _insert(con, "meta", [
        {"key": "schema_version", "value": str(SCHEMA_VERSION)}, {"key": "portal_url", "value": PORTAL_URL},
        {"key": "portal_utc_offset", "value": "+03:00"}, {"key": "base_currency", "value": "RUB"},
        {"key": "last_sync_run_id", "value": "2"},
    ])
    _insert(con, "sync_runs", [
        {"id": 1, "started_at": t("2026-11-20 17:00"), "finished_at": t("2026-11-20 17:05"), "mode": "full",
         "status": "ok", "portal": "fixture.bitrix24.ru", "rejected": json.dumps(REJECTED)},
        {"id": 2, "started_at": t("2026-11-20 17:50"), "finished_at": t("2026-11-20 17:51"),
         "mode": "incremental", "status": "ok", "portal": "fixture.bitrix24.ru"},
    ])
    _insert(con, "currencies", [
        {"currency": "RUB", "amount_cnt": 1, "amount": 1, "base": True, "sort": 10, "full_name": "Ruble"},
        {"currency": "USD", "amount_cnt": 100, "amount": 9000, "base": False, "sort": 20, "full_name": "Dollar"},
    ])
    _insert(con, "departments", [
        {"id": 10, "name": "Sales", "sort": 10, "parent": None, "uf_head": 1},
        {"id": 11, "name": "Sales East", "sort": 20, "parent": 10, "uf_head": 2},
    ])
    _insert(con, "users", [
        {"id": 1, "active": True, "name": "Anna", "last_name": "Ivanova", "uf_department": [10]},
        {"id": 2, "active": True, "name": "Boris", "last_name": "Petrov", "uf_department": [11]},
        {"id": 3, "active": False, "name": "Viktor", "last_name": "Sidorov", "uf_department": [11]},
        {"id": 4, "active": True, "name": "Galina", "last_name": "Orlova", "uf_department": [10]},
    ])
    _insert(con, "pipelines", [
        {"entity_type_id": 2, "id": 0, "name": "General", "sort": 10, "is_default": True},
        {"entity_type_id": 2, "id": 3, "name": "Projects", "sort": 20, "is_default": False},
        {"entity_type_id": 31, "id": 1, "name": "Invoices", "sort": 10, "is_default": True},
    ])
    _insert(con, "stages", [
        {"id": i + 1, "status_id": sid, "entity_id": ent, "entity_type_id": 31 if "INVOICE_STAGE" in ent else 2,
         "category_id": cat, "name": name, "name_init": name, "sort": sort, "semantics": sem}
        for i, (sid, ent, cat, name, sort, sem) in enumerate(STAGES)
    ])
    _insert(con, "deal_user_fields", [{
        "id": 1, "field_name": "UF_CRM_LOSS_REASON", "column_name": "uf_crm_loss_reason",
        "user_type_id": "enumeration", "multiple": False, "mandatory": False, "label": "Loss reason",
        "options": [{"id": 501, "value": "Дорого", "sort": 10, "is_default": False, "xml_id": "PRICE"},
                    {"id": 502, "value": "Выбрали конкурента", "sort": 20, "is_default": False, "xml_id": "COMP"}],
    }])
    _insert(con, "deals", DEALS)
    _fill_activities(con, ACTIVITIES, STAGE_HISTORY, first_history_id=1)
    _insert(con, "deal_snapshots", [
        {"snapshot_date": date.fromisoformat(day), "id": deal, "closedate": date.fromisoformat(close)}
        for day, deal, close in SNAPSHOTS
    ])
    fill_leads(con, t)  # leads, contacts, companies and the deals' clients (tests/queries/fixture_leads.py)


def _fill_followups(con: duckdb.DuckDBPyConnection) -> None:
    _insert(con, "departments", [FOLLOWUP_DEPARTMENT])
    _insert(con, "users", [FOLLOWUP_USER])
    _insert(con, "deals", FOLLOWUP_DEALS)
    _fill_activities(con, FOLLOWUP_ACTIVITIES, FOLLOWUP_STAGE_HISTORY, first_history_id=1001)


def _fill_activities(con: duckdb.DuckDBPyConnection, activities: list[tuple], history: list[tuple],
                     first_history_id: int) -> None:
    for aid, deals, type_id, subject, done, direction, channel, start, end, deadline, created in activities:
        _insert(con, "activities", [{
            "id": aid, "owner_type_id": 2, "owner_id": deals[0], "type_id": type_id, "subject": subject,
            "completed": done, "direction": direction, "is_incoming_channel": channel,
            "start_time": t(start) if start else None, "end_time": t(end) if end else None,
            "deadline": t(deadline) if deadline else None, "created": t(created),
            "last_updated": t(end or start or created), "responsible_id": 1,
        }])
        _insert(con, "activity_bindings", [{"activity_id": aid, "deal_id": d} for d in deals])
    _insert(con, "stage_history", [
        {"id": first_history_id + i, "owner_id": deal, "type_id": type_id, "stage_id": stage, "category_id": cat,
         "stage_semantic_id": sem, "created_time": t(created)}
        for i, (deal, type_id, stage, cat, sem, created) in enumerate(history)
    ])


if __name__ == "__main__":  # python -m tests.queries.fixture_db data/fixture.duckdb
    import sys

    print(build_fixture_db(sys.argv[1] if len(sys.argv) > 1 else "fixture.duckdb"))
