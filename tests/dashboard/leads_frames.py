"""Hand-built results of the issue-10 metrics for the page tests, with exactly the columns each metric's
header states (queries.metric_columns: a frame here that drifts from the contract fails at build time).

The metric bodies (leads-metrics part) were placeholders when the pages were built, so `leads_metrics`
serves these frames in place of queries.run_metric for the issue-10 metrics only; every other metric comes
from the fixture snapshot as usual (managers 1 Anna Ivanova, 2 Boris Petrov, 3 Viktor Sidorov, dismissed).
A frame stands for what the SQL returns for the whole team; the fake keeps the rows of the asked manager the
way the scope macro does, so the pages' filters can be checked. No number here is computed: the page tests
assert what a person reads off these rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest
import streamlit as st

from dashboard import data
from queries import metric_columns

PORTAL = "https://fixture.bitrix24.ru"
MSK = timezone(timedelta(hours=3))
T = datetime(2026, 11, 20, 18, 0, tzinfo=MSK)  # the fixture's AS_OF


def _at(days: float = 0, hours: float = 0) -> pd.Timestamp:
    return pd.Timestamp(T - timedelta(days=days, hours=hours))


def lead_url(i: int) -> str:
    return f"{PORTAL}/crm/lead/details/{i}/"


def client_url(kind: str, i: int) -> str:
    return f"{PORTAL}/crm/{kind}/details/{i}/"


def deal_url(i: int) -> str:
    return f"{PORTAL}/crm/deal/details/{i}/"


def frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as the metric returns them: its stated columns in order, and no other."""
    stated = list(metric_columns(name))
    for row in rows:
        assert set(row) == set(stated), f"{name}: {sorted(set(row) ^ set(stated))}"
    return pd.DataFrame(rows, columns=stated)


def _scorecard(rid: int, name: str, active: bool, *counts: Any) -> dict[str, Any]:
    keys = ("in_progress_leads", "unprocessed_leads", "hanging_leads", "leads_created", "leads_untouched",
            "speed_to_lead_hours")
    return {"responsible_id": rid, "responsible_name": name, **dict(zip(keys, counts, strict=True)),
            "responsible_active": active, "department_id": 1}


# worst first (hanging + unprocessed): Boris 2 + 4, Viktor 0 + 2, Anna 1 + 0
LEAD_SCORECARD = [
    _scorecard(2, "Boris Petrov", True, 5, 2, 4, 5, 1, 26.0),
    _scorecard(3, "Viktor Sidorov", False, 2, 0, 2, 0, 0, None),
    _scorecard(1, "Anna Ivanova", True, 3, 1, 0, 4, 0, 0.5),
]


def _lead(i: int, title: str, rid: int, name: str, created: pd.Timestamp, **extra: Any) -> dict[str, Any]:
    return {"lead_id": i, "lead_title": title, "lead_url": lead_url(i), "responsible_id": rid,
            "responsible_name": name, "status_id": "NEW", "status_name": "Новый", "source_id": "WEB",
            "source_name": "Сайт", "date_create": created, "responsible_active": rid != 3, **extra}


# oldest first: L11 arrived 5 days ago, L12 21 hours ago (yesterday), L21 20 hours ago
LEADS_UNPROCESSED = [
    _lead(11, "Окна в офис", 2, "Boris Petrov", _at(days=5), hours_waiting=120),
    _lead(12, "Звонок: двери", 2, "Boris Petrov", _at(hours=21), hours_waiting=21),
    _lead(21, "Заявка Ивана", 1, "Anna Ivanova", _at(hours=20), hours_waiting=20),
]
# most idle first; L11 is unprocessed and hanging at once (five days, never touched)
LEADS_HANGING = [
    _lead(31, "Старый лид", 3, "Viktor Sidorov", _at(days=30), last_touch_at=_at(days=30), days_idle=30,
          never_touched=True),
    _lead(13, "Письмо без ответа", 2, "Boris Petrov", _at(days=12), last_touch_at=_at(days=12), days_idle=12,
          never_touched=True),
    _lead(32, "Брошенный лид", 3, "Viktor Sidorov", _at(days=20), last_touch_at=_at(days=7), days_idle=7,
          never_touched=False),
    _lead(11, "Окна в офис", 2, "Boris Petrov", _at(days=5), last_touch_at=_at(days=5), days_idle=5,
          never_touched=True),
    _lead(14, "Перезвонить", 2, "Boris Petrov", _at(days=9), last_touch_at=_at(days=5), days_idle=5,
          never_touched=False),
    _lead(15, "Коммерческое", 2, "Boris Petrov", _at(days=6), last_touch_at=_at(days=4), days_idle=4,
          never_touched=False),
]


def _item(lead: dict[str, Any], reason: str) -> dict[str, Any]:
    """A lead as lead_backlog lists it: every column of both lists, with why it is there."""
    blank = {"hours_waiting": None, "last_touch_at": None, "days_idle": None, "never_touched": None}
    ids = ("status_id", "source_id")  # the lists' ids: lead_backlog names status and source only
    return {**blank, **{k: v for k, v in lead.items() if k not in ids}, "reason": reason}


# lead_backlog: unprocessed newest first (L21 20 h, L12 21 h, L11 5 days), then hanging, the last to go quiet
# first (L15 4 days idle, L14 5, L32 7, L13 12, L31 30); L11, both, is listed once, as unprocessed
_UNPROCESSED = {lead["lead_id"]: lead for lead in LEADS_UNPROCESSED}
_HANGING = {lead["lead_id"]: lead for lead in LEADS_HANGING}
LEAD_BACKLOG = [
    *(_item({**_HANGING.get(i, {}), **_UNPROCESSED[i]}, "unprocessed") for i in (21, 12, 11)),
    *(_item(_HANGING[i], "hanging") for i in (15, 14, 32, 13, 31)),
]
FUNNEL_KEYS = ("leads_created", "in_progress", "converted", "junk", "to_deal", "to_won_deal")
LEAD_FUNNEL = [
    {"source_id": "WEB", "source_name": "Сайт", **dict(zip(FUNNEL_KEYS, (6, 3, 2, 1, 2, 1), strict=True))},
    {"source_id": "CALL", "source_name": "Звонок", **dict(zip(FUNNEL_KEYS, (3, 1, 1, 1, 1, 0), strict=True))},
]
LEAD_FUNNEL_BY_MANAGER = [
    {"responsible_id": 2, "responsible_name": "Boris Petrov",
     **dict(zip(FUNNEL_KEYS, (5, 3, 1, 1, 1, 0), strict=True))},
    {"responsible_id": 1, "responsible_name": "Anna Ivanova",
     **dict(zip(FUNNEL_KEYS, (4, 1, 2, 1, 2, 1), strict=True))},
]


def _dupe(kind: str, value: str, entity: str, i: int, title: str, owner: int, owner_name: str, *,
          in_progress: bool, days: float, route: tuple[int, str] | None = None) -> dict[str, Any]:
    url = lead_url(i) if entity == "lead" else client_url(entity, i)
    return {"match_kind": kind, "match_value": value, "entity_type": entity, "entity_id": i, "title": title,
            "entity_url": url, "owner_id": owner, "owner_name": owner_name, "owner_active": owner != 3,
            "lead_in_progress": in_progress, "date_create": _at(days=days),
            "route_to_id": route[0] if route else None, "route_to_name": route[1] if route else None,
            "route_to_active": route[0] != 3 if route else None}


# by group, the owning record first: a company and its contact own a phone Boris's new lead came from; a
# contact of dismissed Viktor owns the e-mail of Anna's lead; two of Boris's own leads share a phone. The
# route_to columns as the metric states them: Boris's lead 11 goes to Anna, Anna's lead 21 to Viktor
DUPLICATES = [
    _dupe("phone", "79123456789", "company", 501, "ООО Ромашка", 1, "Anna Ivanova", in_progress=False,
          days=400),
    _dupe("phone", "79123456789", "contact", 601, "Иван Петров", 1, "Anna Ivanova", in_progress=False,
          days=390),
    _dupe("phone", "79123456789", "lead", 11, "Окна в офис", 2, "Boris Petrov", in_progress=True, days=5,
          route=(1, "Anna Ivanova")),
    _dupe("email", "ivan@mail.ru", "contact", 602, "Иван Сидоров", 3, "Viktor Sidorov", in_progress=False,
          days=200),
    _dupe("email", "ivan@mail.ru", "lead", 21, "Заявка Ивана", 1, "Anna Ivanova", in_progress=True,
          days=0.8, route=(3, "Viktor Sidorov")),
    _dupe("phone", "79001112233", "lead", 14, "Перезвонить", 2, "Boris Petrov", in_progress=True, days=9),
    _dupe("phone", "79001112233", "lead", 15, "Коммерческое", 2, "Boris Petrov", in_progress=True, days=6),
]


def _deal(i: int, title: str, mid: int, manager: str, kind: str, cid: int, client: str, amount: float,
          created: pd.Timestamp, lead: tuple[int, str] | None) -> dict[str, Any]:
    return {"deal_id": i, "deal_title": title, "deal_url": deal_url(i), "manager_id": mid,
            "manager_name": manager, "client_type": kind, "client_id": cid, "client_name": client,
            "pipeline_name": "Продажи", "stage_name": "Новая", "opportunity": amount, "currency_id": "RUB",
            "amount_base": amount, "closedate": pd.Timestamp("2026-12-15"), "date_create": created,
            "lead_id": lead[0] if lead else None, "lead_title": lead[1] if lead else None,
            "lead_url": lead_url(lead[0]) if lead else None}


PLANNED_DAY = [_deal(201, "Окна для Ромашки", 1, "Anna Ivanova", "company", 501, "ООО Ромашка", 120000,
                     _at(hours=3), (7, "Заявка: окна"))]
PLANNED_MONTH = [*PLANNED_DAY,
                 _deal(202, "Двери Петрову", 2, "Boris Petrov", "contact", 601, "Иван Петров", 80000,
                       _at(days=10), None)]


def _due(kind: str, i: int, name: str, owner: int, owner_name: str, wins: int, amount: float, interval: float,
         overdue: float, planned: bool) -> dict[str, Any]:
    last = _at(days=interval + overdue)
    return {"client_type": kind, "client_id": i, "client_name": name, "client_url": client_url(kind, i),
            "owner_id": owner, "owner_name": owner_name, "won_deals": wins, "won_amount": amount,
            "last_won_at": last, "interval_days": interval, "due_at": _at(days=overdue),
            "days_overdue": overdue, "planned": planned, "owner_active": owner != 3}


# the metric's order: nothing planned first, then most valuable first (Ромашка, the most valuable, has a
# planned activity)
REACTIVATION = [
    _due("company", 502, "ООО Лютик", 3, "Viktor Sidorov", 2, 300000, 120, 15, False),
    _due("contact", 603, "Пётр Ильин", 2, "Boris Petrov", 1, 50000, 90, 20, False),
    _due("company", 501, "ООО Ромашка", 1, "Anna Ivanova", 5, 900000, 60, 10, True),
]


def _found(kind: str, i: int, name: str, owner: int, owner_name: str, on: str, value: str) -> dict[str, Any]:
    return {"client_type": kind, "client_id": i, "client_name": name, "client_url": client_url(kind, i),
            "owner_id": owner, "owner_name": owner_name, "matched_on": on, "matched_value": value}


# search text -> what client_search returns for it
CLIENT_SEARCH = {
    "8 (912) 345-67-89": [_found("company", 501, "ООО Ромашка", 1, "Anna Ivanova", "phone", "79123456789")],
    "иван": [_found("contact", 601, "Иван Петров", 1, "Anna Ivanova", "name", "Иван Петров"),
             _found("contact", 602, "Иван Сидоров", 3, "Viktor Sidorov", "name", "Иван Сидоров")],
}
CLIENT_CARD = {
    ("company", 501): {
        "client_type": "company", "client_id": 501, "client_name": "ООО Ромашка",
        "client_url": client_url("company", 501), "owner_id": 1, "owner_name": "Anna Ivanova",
        "contacts": ["Иван Петров, +7 (912) 345-67-89, Ivan@Mail.RU"], "open_deals": 0, "won_deals": 5,
        "lost_deals": 1, "won_amount": 900000.0, "avg_won_amount": 180000.0,
        "last_won_at": _at(days=70), "last_activity_at": _at(days=19), "last_activity_subject": "Звонок: КП",
        "next_activity_at": None, "next_activity_subject": None, "next_activity_overdue": None},
    ("contact", 602): {
        "client_type": "contact", "client_id": 602, "client_name": "Иван Сидоров",
        "client_url": client_url("contact", 602), "owner_id": 3, "owner_name": "Viktor Sidorov",
        "contacts": ["Иван Сидоров, , ivan@mail.ru"], "open_deals": 1, "won_deals": 0, "lost_deals": 0,
        "won_amount": 0.0, "avg_won_amount": None, "last_won_at": None, "last_activity_at": None,
        "last_activity_subject": None, "next_activity_at": _at(days=-2), "next_activity_subject": "Встреча",
        "next_activity_overdue": False},
}


def _history(i: int, title: str, outcome: str, amount: float, days: float) -> dict[str, Any]:
    closed = _at(days=days - 5) if outcome != "open" else None
    return {"deal_id": i, "deal_title": title, "deal_url": deal_url(i), "manager_id": 1,
            "manager_name": "Anna Ivanova", "outcome": outcome, "stage_name": "Сделка успешна",
            "opportunity": amount, "currency_id": "RUB", "amount_base": amount, "date_create": _at(days=days),
            "closed_at": closed}


CLIENT_HISTORY = {("company", 501): [_history(150, "Пятая поставка", "won", 200000, 75),
                                     _history(140, "Не сложилось", "lost", 90000, 140),
                                     _history(130, "Первая поставка", "won", 100000, 400)]}

ROW_OWNER = {"lead_scorecard": "responsible_id", "leads_unprocessed": "responsible_id",
             "leads_hanging": "responsible_id", "lead_backlog": "responsible_id",
             "lead_funnel_by_manager": "responsible_id",
             "planned_deals": "manager_id", "reactivation": "owner_id", "client_search": "owner_id"}


class Served:
    """The frames served per metric (a test may swap one: `served.rows["duplicates"] = []`) and the calls
    the pages made, with their parameters."""

    def __init__(self) -> None:
        self.rows: dict[str, Any] = {
            "lead_scorecard": LEAD_SCORECARD, "leads_unprocessed": LEADS_UNPROCESSED,
            "leads_hanging": LEADS_HANGING, "lead_backlog": LEAD_BACKLOG, "lead_funnel": LEAD_FUNNEL,
            "lead_funnel_by_manager": LEAD_FUNNEL_BY_MANAGER, "duplicates": DUPLICATES,
            "duplicates_summary": None,  # counted from the served duplicates (result), as SQL counts them
            "reactivation": REACTIVATION, "client_search": CLIENT_SEARCH, "client_card": CLIENT_CARD,
            "client_history": CLIENT_HISTORY, "planned_deals": {"day": PLANNED_DAY, "month": PLANNED_MONTH},
        }
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def result(self, name: str, params: dict[str, Any]) -> pd.DataFrame:
        self.calls.append((name, params))
        rows = self.rows[name]
        if name == "duplicates_summary":
            return _duplicates_summary(self.rows["duplicates"])
        if name == "planned_deals":
            rows = rows["month" if params.get("month") else "day"]
        elif name == "client_search":
            rows = rows.get(params.get("search"), [])
        elif name in ("client_card", "client_history"):
            rows = [r for r in [rows.get((params.get("client_type"), params.get("client_id")))] if r]
            rows = rows[0] if name == "client_history" and rows else rows
        result = frame(name, list(rows))
        owner = ROW_OWNER.get(name)
        if owner and params.get("manager_id") is not None:
            result = result[result[owner] == params["manager_id"]].reset_index(drop=True)
        limit = params.get("limit")  # as queries does: the head, whether more rows exist and how many
        cut = limit is not None and len(result) > limit
        rows = len(result)
        result = result.head(limit) if cut else result
        result.attrs["cut"] = cut
        if limit is not None:
            result.attrs["rows"] = rows
        return result


def _duplicates_summary(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """duplicates_summary of the served duplicates: their groups, records and leads in progress."""
    groups = {(r["match_kind"], r["match_value"]) for r in rows}
    leads = sum(1 for r in rows if r["lead_in_progress"])
    return frame("duplicates_summary", [{"duplicate_groups": len(groups), "duplicate_records": len(rows),
                                         "leads_in_progress": leads}])


@pytest.fixture
def leads_metrics(monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """The issue-10 metrics served from the frames above; the cache emptied before and after."""
    served = Served()
    real: Callable[..., pd.DataFrame] = data.run_metric

    def run(name: str, db_path: Any, **kwargs: Any) -> pd.DataFrame:
        if name not in served.rows:
            return real(name, db_path, **kwargs)
        params = {k: v for k, v in kwargs.items() if k not in ("as_of", "rules")}
        return served.result(name, params)

    monkeypatch.setattr(data, "run_metric", run)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield served
    st.cache_data.clear()
    st.cache_resource.clear()
