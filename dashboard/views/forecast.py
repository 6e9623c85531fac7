"""Forecast meeting (monthly): month picker; pipeline by expected close month (chart and table), weighted
forecast, won and lost this month against last month, per-manager forecast and win rate, default and past
close dates flagged, close-date pushes."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, components, data, filters, formatting
from dashboard.data import Context
from dashboard.i18n import lang, t

FLAG_COLUMNS = ["deal_title", "deal_url", "manager_name", "stage_name", "amount_base", "closedate", "reason",
                "close_date_pushes", "deal_age_days"]
PUSH_COLUMNS = ["deal_title", "deal_url", "manager_name", "snapshot_date", "previous_closedate", "closedate",
                "pushed_days", "amount_base"]
MANAGER_COLUMNS = ["manager_name", "deals", "amount", "weighted_amount", "default_close_dates",
                   "past_close_dates", "won_deals", "lost_deals", "win_rate"]


def _month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _by_month_chart(forecast: pd.DataFrame, chosen: str, currency: str) -> None:
    lg = lang()
    labels = [formatting.month(m, lg) if m[:4].isdigit() else t("no_close_month")
              for m in forecast["close_month"]]
    colors = [charts.NAVY if m == chosen else charts.BLUE for m in forecast["close_month"]]
    fig = go.Figure([
        go.Bar(name=t("amount"), x=labels, y=forecast["amount"], marker_color=colors, opacity=0.45),
        go.Bar(name=t("weighted_amount"), x=labels, y=forecast["weighted_amount"], marker_color=colors),
    ])
    fig.update_layout(barmode="overlay", yaxis_title=t("amount_base", cur=formatting.currency_sign(currency)))
    charts.show(fig, key="forecast_chart")


def _month_tiles(ctx: Context, forecast: pd.DataFrame, month: date) -> None:
    lg = lang()
    row = forecast[forecast["close_month"] == _month_key(month)]
    pick = (lambda c: row[c].sum() if not row.empty else 0)  # noqa: E731 - a one-line reader
    st.caption(t("fc_month_tiles", month=formatting.month(month, lg)))
    cols = st.columns(5)
    components.tile(cols[0], t("fc_deals"), formatting.integer(pick("deals"), lg))
    components.money_tile(cols[1], ctx, t("fc_pipeline"), pick("amount"))
    components.money_tile(cols[2], ctx, t("fc_weighted"), pick("weighted_amount"))
    components.tile(cols[3], t("default_close_dates"), formatting.integer(pick("default_close_dates"), lg))
    components.tile(cols[4], t("past_close_dates"), formatting.integer(pick("past_close_dates"), lg))


def _won_lost(ctx: Context, month: date, chosen: filters.Filters) -> pd.DataFrame:
    """Won and lost in the picked month against the month before (tiles); returns the month's conversion.
    For the current month the won tiles compare with the same moment of last month (`won_pace`), since a
    month in progress against a whole month says little."""
    lg = lang()
    now = data.metric("conversion", month=month, **chosen.params())
    before = data.metric("conversion", month=filters.previous_month(month), **chosen.params())
    current = month == ctx.now.date().replace(day=1) and data.has_metric("won_pace")
    pace = data.metric("won_pace", **chosen.params()) if current else None
    cols = st.columns(3)
    for col, name in zip(cols, ("won_deals", "won_amount", "lost_deals"), strict=True):
        value, last, why = now[name].sum(), before[name].sum(), t("fc_vs_last_month")
        if pace is not None and name != "lost_deals":
            value, last, why = pace[name].sum(), pace[f"{name}_last_month"].sum(), t("fc_pace")
        title = f"{t(name)} · {formatting.month(month, lg)}"
        if name == "won_amount":
            components.money_tile(col, ctx, title, value, value - last, help=why)
        else:
            components.tile(col, title, formatting.integer(value, lg), value - last,
                            inverse=name == "lost_deals", help=why)
    return now


def _per_manager(ctx: Context, month: date, conversion: pd.DataFrame, chosen: filters.Filters) -> None:
    st.subheader(t("fc_by_manager"))
    by_manager = data.metric("forecast_by_manager", **chosen.params())
    rows = by_manager[by_manager["close_month"] == _month_key(month)]
    rates = conversion[["manager_id", "won_deals", "lost_deals", "win_rate"]]
    table = rows.merge(rates, on="manager_id", how="outer")  # managers with a forecast or a closed deal
    table["manager_name"] = table["manager_name"].fillna(
        table["manager_id"].map(dict(zip(conversion["manager_id"], conversion["manager_name"], strict=True))))
    components.table(ctx, table, key="forecast_managers", columns=MANAGER_COLUMNS,
                     file_name=f"forecast_managers_{_month_key(month)}")


def _needs(month: date, params: dict) -> list[tuple[str, dict]]:
    """The metric calls of this page, so they can be computed side by side."""
    return [("forecast", params), ("won_pace", params), ("conversion", {"month": month, **params}),
            ("conversion", {"month": filters.previous_month(month), **params}),
            ("forecast_by_manager", params), ("forecast_deals", params), ("close_date_pushes", params)]


def render(ctx: Context) -> None:
    st.title(t("forecast_title"))
    components.freshness(ctx)
    data.prefetch(("scorecard", {}), *_needs(filters.url_month(ctx.now.date()), {}))  # choices + no filter
    chosen = filters.bar(ctx, month_of=ctx.now.date(), ahead=6)
    month = chosen.month
    params = chosen.params()
    data.prefetch(*_needs(month, params))
    forecast = data.metric("forecast", **chosen.params())
    _month_tiles(ctx, forecast, month)
    st.subheader(t("fc_by_month"))
    if forecast.empty:
        st.caption(t("no_rows"))
    else:
        _by_month_chart(forecast, _month_key(month), ctx.base_currency)
        components.table(ctx, forecast, key="forecast_months", file_name="forecast_by_month")
    st.subheader(t("fc_won_vs_last"))
    conversion = _won_lost(ctx, month, chosen)
    _per_manager(ctx, month, conversion, chosen)
    st.subheader(t("fc_flags"))
    deals = data.metric("forecast_deals", **chosen.params())
    flagged = deals[deals["is_default_close"].fillna(False) | deals["is_past_close"].fillna(False)]
    components.table(ctx, components.with_reasons(flagged), key="forecast_flags", columns=FLAG_COLUMNS,
                     file_name="doubtful_close_dates")
    st.subheader(t("fc_pushes"))
    pushes = data.metric("close_date_pushes", **chosen.params())
    components.table(ctx, pushes, key="forecast_pushes", columns=PUSH_COLUMNS, file_name="close_date_pushes")


components.guarded(render)
