"""«Лиды» (for the lead QC desk and the sales head): leads in progress, unprocessed and hanging by
responsible with the speed to lead, the two lists behind those numbers, the funnel of the month's new leads
by source and by responsible, duplicate groups to route to the client's owner, and the day's and month's
planned deals with CSV / Excel (the table the forecast is built on)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import columns, components, data, filters, formatting, leads_shared, page_calls
from dashboard.data import Context
from dashboard.i18n import count_of, lang, t

NOW_TILES = ("in_progress_leads", "unprocessed_leads", "hanging_leads")  # leads as they stand
MONTH_TILES = ("leads_created", "leads_untouched")  # the month's new leads
BROKEN = {"unprocessed_leads": lambda s: s > 0, "hanging_leads": lambda s: s > 0}


def _help(ctx: Context, name: str) -> str | None:
    if name == "hanging_leads":
        return t("help_hanging_leads", days=count_of(_idle_days(ctx), "day"))
    if name in ("unprocessed_leads", "speed_to_lead_hours"):
        return t(f"help_{name}")
    if name == "leads_untouched":
        return t("help_speed_to_lead_hours")
    return None


def _idle_days(ctx: Context) -> int:
    return int(getattr(ctx.rules, "lead_idle_days", 3))  # the rules part adds it (contract: default 3)


def _tiles(ctx: Context, score: pd.DataFrame, month: date) -> None:
    """Team totals: the sums of lead_scorecard's columns (one row per responsible)."""
    st.caption(t("leads_tiles_caption", month=formatting.month(month, lang())))
    for names in (NOW_TILES, MONTH_TILES):  # a row each, as the caption reads them
        row = components.tiles()
        for name in names:
            value = score[name].sum() if not score.empty else 0
            components.tile(row, t(name), components.count(value, ctx), help=_help(ctx, name),
                            inverse=name != "leads_created")


def _by_responsible(ctx: Context, score: pd.DataFrame, month: date) -> None:
    st.subheader(t("leads_by_responsible"))
    st.caption(t("leads_by_responsible_hint", month=formatting.month(month, lang())))
    shown = leads_shared.mark_inactive(score, "responsible_name", "responsible_active")
    components.table(ctx, shown, key="lead_scorecard", columns=columns.LEAD_SCORECARD.columns,
                     highlight=BROKEN, file_name="lead_scorecard",
                     doubtful=("unprocessed_leads", "hanging_leads"))


def _lists(ctx: Context, scope: dict[str, Any]) -> None:
    """The leads behind the two numbers: unprocessed oldest first, hanging most idle first."""
    for name, uses in (("unprocessed", columns.LEADS_UNPROCESSED), ("hanging", columns.LEADS_HANGING)):
        frame, whole = components.long_list(uses.metric, **scope)
        st.subheader(f"{t(f'leads_{name}_title')} · {components.list_size(frame)}")
        st.caption(_help(ctx, f"{name}_leads") or "")
        components.table(ctx, frame, key=f"leads_{name}", columns=uses.columns, file_name=f"leads_{name}",
                         whole=whole, shape=_inactive_marked)


def _inactive_marked(frame: pd.DataFrame) -> pd.DataFrame:
    return leads_shared.mark_inactive(frame, "responsible_name", "responsible_active")


def _funnel(ctx: Context, month: date, params: dict[str, Any]) -> None:
    st.subheader(t("leads_funnel_title", month=formatting.month(month, lang())))
    st.caption(t("leads_funnel_hint"))
    by_source, by_manager = st.tabs([t("funnel_by_source"), t("funnel_by_manager")])
    with by_source:
        components.table(ctx, data.metric("lead_funnel", **params), key="lead_funnel",
                         columns=columns.LEAD_FUNNEL.columns, file_name=f"lead_funnel_{month:%Y-%m}")
    with by_manager:
        components.table(ctx, data.metric("lead_funnel_by_manager", **params), key="lead_funnel_managers",
                         columns=columns.LEAD_FUNNEL_MANAGERS.columns,
                         file_name=f"lead_funnel_by_manager_{month:%Y-%m}")


def _duplicates(ctx: Context, scope: dict[str, Any]) -> None:
    st.subheader(t("dupes_title"))
    st.caption(t("dupes_hint"))
    # the list's head from SQL (the large sandbox has 212k rows) and its counts from duplicates_summary; the
    # table puts the head in words, the whole list on a download's click: a group's rows are contiguous and
    # start with its owning record, so the head's rows read as they would in the whole list
    frame, whole = components.long_list("duplicates", **scope)
    summary = data.metric("duplicates_summary", **scope)
    counts = summary.iloc[0] if not summary.empty else None
    if counts is not None and counts["duplicate_records"] > 0:
        st.caption(t("dupes_count", groups=formatting.integer(counts["duplicate_groups"], lang()),
                     leads=formatting.integer(counts["leads_in_progress"], lang())))
    shown = ["match", *columns.DUPLICATES.shown[:4], "route_to", *columns.DUPLICATES.shown[4:]]
    components.table(ctx, frame, key="duplicates", columns=shown, file_name="duplicates", whole=whole,
                     shape=leads_shared.duplicate_groups)


def _planned(ctx: Context, title: str, frame: pd.DataFrame, key: str, file_name: str) -> None:
    st.subheader(title)
    if not frame.empty:
        amount = formatting.money(frame["amount_base"].sum(), ctx.base_currency, lang())
        st.caption(t("planned_total", deals=count_of(len(frame), "deal"), amount=amount))
    shown = frame.assign(client_type=frame["client_type"].map(leads_shared.kind_in_words))
    components.table(ctx, shown, key=key, columns=columns.PLANNED_DEALS.columns, file_name=file_name)


def render(ctx: Context) -> None:
    st.title(t("leads_title"))
    components.freshness(ctx)
    today = ctx.now.date()
    data.prefetch(*page_calls.CHOICES)
    chosen = filters.bar(ctx, pipeline=False, month_of=today, ahead=0)
    month = chosen.month or today.replace(day=1)
    scope = {"manager_id": chosen.manager_id, "department_id": chosen.department_id}
    data.prefetch(*page_calls.leads(scope, month))
    score = data.metric("lead_scorecard", **scope, month=month)
    _tiles(ctx, score, month)
    if components.unsure(ctx):
        st.caption(t("unsure_note"))
    _by_responsible(ctx, score, month)
    _lists(ctx, scope)
    _funnel(ctx, month, {**scope, "month": month})
    _duplicates(ctx, scope)
    st.caption(t("planned_hint"))
    day = data.metric("planned_deals", **scope)  # no period: deals created on T's day
    _planned(ctx, t("planned_day_title", day=formatting.day(today, lang())), day, "planned_day",
             f"planned_deals_{today:%Y-%m-%d}")
    in_month = data.metric("planned_deals", **scope, month=month)
    _planned(ctx, t("planned_month_title", month=formatting.month(month, lang())), in_month, "planned_month",
             f"planned_deals_{month:%Y-%m}")


components.guarded(render)
