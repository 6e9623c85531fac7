"""Conversion: won against lost per manager and period; loss reasons by group and by reason; the stage where
lost deals were lost (the invoice stage stands out); follow-ups on time against late, per rule; the trend by
month."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, columns, components, data, filters, formatting, page_calls, plain
from dashboard.data import Context
from dashboard.i18n import lang, t

# a reason group keeps its colour whatever the filter shows (the pie draws only the groups present)
GROUP_COLORS = {"manager_closed": charts.GREY, "client_declined": charts.RED, "client_silent": "#FFA900",
                "unspecified": charts.NAVY}


def _won_lost(ctx: Context, conv: pd.DataFrame, team: dict[str, Any]) -> None:
    """Team tiles from `conversion_team` (win rate and the share lost at the invoice stage are computed
    there), the per-manager chart and table from `conversion`."""
    st.subheader(t("conv_won_lost"))
    lg = lang()
    counts, shares = components.tiles(), components.tiles()
    components.tile(counts, t("won_deals"), formatting.integer(team.get("won_deals", 0), lg), inverse=False)
    components.tile(counts, t("lost_deals"), formatting.integer(team.get("lost_deals", 0), lg))
    components.tile(shares, t("win_rate"), formatting.percent(team.get("win_rate"), lg) or "—")
    components.tile(shares, t("conv_invoice_share"),
                    formatting.percent(team.get("lost_at_invoice_share"), lg) or "—")
    if not conv.empty:
        fig = go.Figure([
            go.Bar(name=t("won_deals"), y=conv["manager_name"], x=conv["won_deals"], orientation="h",
                   marker_color=charts.GREEN),
            go.Bar(name=t("lost_deals"), y=conv["manager_name"], x=conv["lost_deals"], orientation="h",
                   marker_color=charts.RED),
        ])
        top = [*conv["won_deals"], *conv["lost_deals"]]
        fig.update_layout(barmode="group", yaxis={"autorange": "reversed"}, xaxis=charts.count_axis(top))
        charts.show(fig, key="conversion_chart", height=max(220, 60 * len(conv)))
    components.table(ctx, conv, key="conversion_managers", columns=columns.CONVERSION.columns,
                     file_name="conversion_by_manager")


def _reasons(ctx: Context, reasons: pd.DataFrame) -> None:
    st.subheader(t("conv_reasons_group"))
    shown = reasons.assign(reason_group=reasons["reason_group"].map(lambda g: t(f"rg_{g}")))
    if not reasons.empty:
        by_group = reasons.groupby("reason_group", sort=False)["lost_deals"].sum()  # chart of the rows below
        fig = go.Figure([go.Pie(labels=[t(f"rg_{g}") for g in by_group.index], values=by_group.values,
                                hole=0.5, sort=False,
                                marker_colors=[GROUP_COLORS.get(g, charts.BLUE) for g in by_group.index])])
        left, right = st.columns([1, 2])
        with left:
            charts.show(fig, key="reason_group_chart", height=300)
        with right:
            by_reason = shown.groupby(["reason_group", "reason_name"], sort=False)["lost_deals"].sum()
            fig = go.Figure([go.Bar(x=by_reason.values, y=[r for _, r in by_reason.index], orientation="h",
                                    marker_color=charts.NAVY)])
            fig.update_layout(yaxis={"autorange": "reversed"}, xaxis=charts.count_axis(by_reason.values))
            charts.show(fig, key="reason_chart", height=300, legend=False)
    st.caption(t("conv_reasons"))
    components.table(ctx, shown, key="loss_reasons", columns=columns.LOSS_REASONS.columns,
                     file_name="loss_reasons")


def _stages(ctx: Context, stages: pd.DataFrame) -> None:
    st.subheader(t("conv_stage"))
    if not stages.empty:
        by_stage = stages.groupby(["stage_name", "at_invoice_stage"], sort=False)["lost_deals"].sum()
        by_stage = by_stage.reset_index().sort_values("lost_deals", ascending=False)
        fig = go.Figure([go.Bar(
            x=by_stage["stage_name"], y=by_stage["lost_deals"],
            marker_color=[charts.RED if inv else charts.GREY for inv in by_stage["at_invoice_stage"]],
        )])
        fig.update_layout(yaxis=charts.count_axis(by_stage["lost_deals"]))
        charts.show(fig, key="lost_stage_chart", height=300, legend=False)
    marks = {"stage_name": lambda s: stages["at_invoice_stage"].reindex(s.index).fillna(False).astype(bool)}
    components.table(ctx, stages, key="lost_stages", columns=columns.LOST_STAGE.columns, highlight=marks,
                     file_name="lost_stage")


def _side(rows: pd.DataFrame, on_time: bool) -> dict[str, Any] | None:
    """One side (on time / late) of a rule's outcome: its row as a dict, None when no deal closed there."""
    side = rows[rows["on_time"].fillna(False).astype(bool) == on_time]
    if side.empty or not int(side["closed_deals"].sum()):
        return None
    return side.iloc[0].to_dict()


def _of(side: dict[str, Any] | None) -> str:
    lg = lang()
    if side is None:
        return t("conv_followups_no_deals")
    return t("conv_followups_of", won=formatting.integer(side["won_deals"], lg),
             closed=formatting.integer(side["closed_deals"], lg),
             rate=formatting.percent(side["win_rate"], lg) or "—")


def _verdict(on: dict[str, Any] | None, late: dict[str, Any] | None) -> str:
    """The difference a sales head acts on: the on-time win rate against the late one, in points."""
    if on is None or late is None or pd.isna(on["win_rate"]) or pd.isna(late["win_rate"]):
        return t("conv_followups_one_side")
    points = round((float(on["win_rate"]) - float(late["win_rate"])) * 100)
    if points == 0:
        return t("conv_followups_same")
    key = "conv_followups_better" if points > 0 else "conv_followups_worse"
    return t(key, pp=formatting.integer(abs(points), lang()))


def _followups(ctx: Context, outcomes: pd.DataFrame, month: date) -> None:
    """Per follow-up rule: deals closed in the period that got their call on time against those that did
    not, won share of each, in a sentence; the metric's rows below."""
    st.subheader(t("conv_followups"))
    st.caption(t("conv_followups_help"))
    closed = outcomes[outcomes["closed_deals"].fillna(0) > 0]
    if closed.empty:
        st.info(t("conv_followups_none", period=formatting.month(month, lang())), icon=":material/call:")
        return
    with st.container(key="followup_verdicts"):
        for _, rows in closed.groupby("rule_key", sort=False):
            on, late = _side(rows, True), _side(rows, False)
            rule = plain.md(rows["rule_name"].iloc[0])
            st.markdown(t("conv_followups_rule", rule=rule, on=_of(on), late=_of(late)) + " "
                        + _verdict(on, late))
    shown = closed.assign(on_time=closed["on_time"].map(
        lambda v: t("on_time_yes") if v is True or v == 1 else t("on_time_no")))
    components.table(ctx, shown, key="followup_outcomes", columns=columns.FOLLOWUP_OUTCOMES.columns,
                     file_name="followup_outcomes")


def _by_month(ctx: Context, months: pd.DataFrame) -> None:
    st.subheader(t("conv_trend"))
    if not months.empty:
        team = months.groupby("month", sort=True)[["won_deals", "lost_deals"]].sum().reset_index()
        labels = [formatting.month(m, lang()) for m in team["month"]]
        rate = team["won_deals"] / (team["won_deals"] + team["lost_deals"]).where(lambda s: s > 0)
        fig = go.Figure([
            go.Bar(name=t("won_deals"), x=labels, y=team["won_deals"], marker_color=charts.GREEN),
            go.Bar(name=t("lost_deals"), x=labels, y=team["lost_deals"], marker_color=charts.RED),
            go.Scatter(name=t("win_rate"), x=labels, y=rate, yaxis="y2", mode="lines+markers",
                       line={"color": charts.NAVY}),
        ])
        fig.update_layout(barmode="group", yaxis=charts.count_axis([*team["won_deals"], *team["lost_deals"]]),
                          yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1]})
        charts.show(fig, key="conversion_month_chart")
    components.table(ctx, months, key="conversion_months", columns=columns.BY_MONTH.columns,
                     file_name="conversion_by_month")


def render(ctx: Context) -> None:
    st.title(t("conv_title"))
    components.freshness(ctx)
    # the filters' choices and, side by side, this page's metrics as the URL's month asks for them
    data.prefetch(*page_calls.CHOICES, *page_calls.conversion(filters.url_month(ctx.now.date(), ahead=0), {}))
    chosen = filters.bar(ctx, month_of=ctx.now.date(), ahead=0)
    month: date = chosen.month
    params = chosen.params()
    data.prefetch(*page_calls.conversion(month, params))
    team = data.metric("conversion_team", month=month, **params)
    _won_lost(ctx, components.mark_dismissed(data.metric("conversion", month=month, **params)),
              team.iloc[0].to_dict() if not team.empty else {})
    _reasons(ctx, data.metric("loss_reasons", month=month, **params))
    _stages(ctx, data.metric("lost_stage", month=month, **params))
    _followups(ctx, data.metric("followup_outcomes", month=month, **params), month)
    _by_month(ctx, data.metric("conversion_by_month", **params))


components.guarded(render)
