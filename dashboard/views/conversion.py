"""Conversion: won against lost per manager and period; loss reasons by group and by reason; the stage where
lost deals were lost (the invoice stage stands out); the trend by month."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, columns, components, data, filters, formatting
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
    cols = st.columns(4)
    components.tile(cols[0], t("won_deals"), formatting.integer(team.get("won_deals", 0), lg), inverse=False)
    components.tile(cols[1], t("lost_deals"), formatting.integer(team.get("lost_deals", 0), lg))
    components.tile(cols[2], t("win_rate"), formatting.percent(team.get("win_rate"), lg) or "—")
    components.tile(cols[3], t("conv_invoice_share"),
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


def _needs(month: date, params: dict) -> list[tuple[str, dict]]:
    monthly = ("conversion", "conversion_team", "loss_reasons", "lost_stage")
    return [*[(name, {"month": month, **params}) for name in monthly], ("conversion_by_month", params)]


def render(ctx: Context) -> None:
    st.title(t("conv_title"))
    components.freshness(ctx)
    # the filters' choices and, side by side, this page's metrics as the URL's month asks for them
    data.prefetch(*filters.CHOICES, *_needs(filters.url_month(ctx.now.date(), ahead=0), {}))
    chosen = filters.bar(ctx, month_of=ctx.now.date(), ahead=0)
    month: date = chosen.month
    params = chosen.params()
    data.prefetch(*_needs(month, params))
    team = data.metric("conversion_team", month=month, **params)
    _won_lost(ctx, components.mark_dismissed(data.metric("conversion", month=month, **params)),
              team.iloc[0].to_dict() if not team.empty else {})
    _reasons(ctx, data.metric("loss_reasons", month=month, **params))
    _stages(ctx, data.metric("lost_stage", month=month, **params))
    _by_month(ctx, data.metric("conversion_by_month", **params))


components.guarded(render)
