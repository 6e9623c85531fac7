"""Forecast meeting (monthly): the whole open pipeline (with the deals whose close date has passed), then
the picked month: its deals, the pipeline by expected close month (chart and table), won and lost against
last month (a month that has not started has none), per-manager forecast and win rate, doubtful close dates
and close-date pushes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, columns, components, data, filters, formatting, page_calls, plain
from dashboard.data import Context
from dashboard.i18n import count_of, lang, t

AHEAD = 6  # months after the current one in the picker
# This page's own words, until they move to dashboard/i18n.py.
TEXTS = {
    "won_lost": {"ru": "Выиграно и проиграно — {month}", "en": "Won and lost in {month}"},
    "none_expected": {
        "ru": "{month}: ни одна сделка не ожидается к закрытию в этом месяце — прогнозировать пока нечего.",
        "en": "{month}: no deals are expected to close in that month — nothing to forecast yet.",
    },
    "none_in_month": {
        "ru": "{month}: ни одна сделка не ожидается к закрытию в этом месяце и ни одна в нём не закрыта.",
        "en": "{month}: no deals are expected to close in that month and none were closed in it.",
    },
    "no_open_deals": {"ru": "Открытых сделок нет — воронка пуста.",
                      "en": "No open deals — the pipeline is empty."},
}


def _say(key: str, **fields: object) -> str:
    text = TEXTS[key].get(lang()) or TEXTS[key]["ru"]
    return text.format(**fields)


def _month_name(month: date) -> str:
    return formatting.month(month, lang()).capitalize()


def _bad_month_notice(today: date) -> None:
    """A link whose month the picker does not offer is said on its own line above the filter row (in the
    picker's narrow column it was squeezed), and dropped from the link, so the picker starts from the
    current month without saying it again."""
    raw = st.query_params.get("month")
    if raw is None or raw in filters.month_options(today, ahead=AHEAD):
        return
    st.query_params.pop("month", None)
    st.session_state.pop("month", None)
    shown = plain.md(raw[:20]).replace("\\-", "-")  # a hyphen inside a sentence is no Markdown
    st.info(t("f_month_bad", raw=shown), icon=":material/event_busy:")


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


def _summary_tiles(ctx: Context, summary: dict[str, Any]) -> None:
    """The whole open pipeline; the deals whose close date has passed are in no month ahead, so they get
    their own tiles."""
    lg = lang()
    no_date = int(summary.get("no_close_date_deals") or 0)
    caption = t("fc_summary")
    if no_date:
        caption += " · " + t("fc_no_close_date", n=formatting.integer(no_date, lg))
    st.caption(caption)
    pipeline, past_close = components.tiles(), components.tiles()
    components.tile(pipeline, t("fc_open_deals"), formatting.integer(summary.get("open_deals"), lg) or "—")
    components.money_tile(pipeline, ctx, t("fc_pipeline"), summary.get("open_amount"))
    components.money_tile(pipeline, ctx, t("fc_weighted"), summary.get("weighted_amount"))
    past = formatting.integer(summary.get("past_close_deals"), lg) or "—"
    components.tile(past_close, t("fc_past_close"), past, help=t("fc_past_close_help"))
    components.money_tile(past_close, ctx, t("fc_past_close_amount"), summary.get("past_close_amount"),
                          help=t("fc_past_close_help"))


def _month_tiles(ctx: Context, forecast: pd.DataFrame, month: date) -> None:
    lg = lang()
    row = forecast[forecast["close_month"] == _month_key(month)]
    pick = (lambda c: row[c].sum() if not row.empty else 0)  # noqa: E731 - a one-line reader
    st.caption(t("fc_month_tiles", month=formatting.month(month, lg)))
    amounts, dates = components.tiles(), components.tiles()  # the month's deals; whose close date to check
    components.tile(amounts, t("fc_deals"), formatting.integer(pick("deals"), lg))
    components.money_tile(amounts, ctx, t("fc_pipeline"), pick("amount"))
    components.money_tile(amounts, ctx, t("fc_weighted"), pick("weighted_amount"))
    components.tile(dates, t("default_close_dates"), formatting.integer(pick("default_close_dates"), lg))
    components.tile(dates, t("past_close_dates"), formatting.integer(pick("past_close_dates"), lg))


def _won_lost(ctx: Context, month: date, chosen: filters.Filters) -> None:
    """Won and lost in the picked month against the month before (tiles). For the current month the won
    tiles compare with the same moment of last month (`won_pace`), since a month in progress against a
    whole month says little."""
    lg = lang()
    now = data.metric("conversion_team", month=month, **chosen.params())
    before = data.metric("conversion_team", month=page_calls.previous_month(month), **chosen.params())
    current = month == ctx.now.date().replace(day=1)
    pace = data.metric("won_pace", **chosen.params()) if current else None
    tile_row = components.tiles()
    for name in ("won_deals", "won_amount", "lost_deals"):
        value, last, why = now[name].sum(), before[name].sum(), t("fc_vs_last_month")
        if pace is not None and name != "lost_deals":
            value, last, why = pace[name].sum(), pace[f"{name}_last_month"].sum(), t("fc_pace")
        title = t(name)  # the month is in the heading above: in each title it made a third tile wrap
        if name == "won_amount":
            components.money_tile(tile_row, ctx, title, value, value - last, help=why)
        else:
            components.tile(tile_row, title, formatting.integer(value, lg), value - last,
                            inverse=name == "lost_deals", help=why)


def _per_manager(ctx: Context, month: date, future: bool, chosen: filters.Filters) -> None:
    """The month's forecast per manager in the metric's order (biggest weighted first), then, for a month
    that has started, the managers who only closed deals in it; won, lost and win rate beside."""
    st.subheader(t("fc_by_manager"))
    by_manager = data.metric("forecast_by_manager", **chosen.params())
    rows = by_manager[by_manager["close_month"] == _month_key(month)].reset_index(drop=True)
    shown = columns.FORECAST_MANAGERS.columns
    if future:
        if rows.empty:  # nothing planned for a month ahead is not "all good": say what is (not) there
            st.info(_say("none_expected", month=_month_name(month)), icon=":material/event_upcoming:")
            return
        st.caption(t("fc_no_conversion_future"))
        table = rows
    else:
        rates = data.metric("conversion", month=month, **chosen.params())
        table = rows.merge(rates[["manager_id", *columns.FORECAST_RATES.shown]], on="manager_id", how="left")
        table[["won_deals", "lost_deals"]] = table[["won_deals", "lost_deals"]].fillna(0)  # closed none yet
        closed_only = rates[~rates["manager_id"].isin(rows["manager_id"])]
        table = pd.concat([table, closed_only[["manager_id", "manager_name", *columns.FORECAST_RATES.shown]]],
                          ignore_index=True)
        shown = [*shown, *columns.FORECAST_RATES.shown]
    if table.empty:
        st.info(_say("none_in_month", month=_month_name(month)), icon=":material/event:")
        return
    components.table(ctx, table, key="forecast_managers", columns=shown,
                     file_name=f"forecast_managers_{_month_key(month)}")


def _pushes(ctx: Context, summary: dict[str, Any], chosen: filters.Filters) -> None:
    st.subheader(t("fc_pushes"))
    days = int(summary.get("history_days") or 0)
    if days < 2:  # a push is seen between two stored days: with fewer, "none" would be a lie
        st.info(t("fc_short_history", days=count_of(days, "day")), icon=":material/history:")
        return
    pushes, whole = components.long_list("close_date_pushes", **chosen.params())
    components.table(ctx, pushes, key="forecast_pushes", columns=columns.PUSHES.columns,
                     file_name="close_date_pushes", whole=whole)


def render(ctx: Context) -> None:
    st.title(t("forecast_title"))
    components.freshness(ctx)
    today = ctx.now.date()
    _bad_month_notice(today)
    # the first render (no filter) side by side, before the filter bar is drawn
    data.prefetch(*page_calls.CHOICES, *page_calls.forecast(filters.url_month(today, ahead=AHEAD), {}))
    chosen = filters.bar(ctx, month_of=today, ahead=AHEAD)
    month = chosen.month
    params = chosen.params()
    future = month > today.replace(day=1)
    data.prefetch(*page_calls.forecast(month, params))
    summary_frame = data.metric("forecast_summary", **params)
    summary = summary_frame.iloc[0].to_dict() if not summary_frame.empty else {}
    _summary_tiles(ctx, summary)
    forecast = data.metric("forecast", **params)
    _month_tiles(ctx, forecast, month)
    st.subheader(t("fc_by_month"))
    if forecast.empty:
        st.caption(_say("no_open_deals"))
    else:
        _by_month_chart(forecast, _month_key(month), ctx.base_currency)
        components.table(ctx, forecast, key="forecast_months", columns=columns.FORECAST.columns,
                         file_name="forecast_by_month")
    st.subheader(_say("won_lost", month=formatting.month(month, lang())))
    if future:
        st.info(t("fc_future_month", month=_month_name(month)), icon=":material/event_upcoming:")
    else:
        _won_lost(ctx, month, chosen)
    _per_manager(ctx, month, future, chosen)
    st.subheader(t("fc_flags"))
    st.caption(t("fc_flags_all_months"))
    flagged, whole = components.long_list("forecast_flags", **params)
    components.table(ctx, flagged, key="forecast_flags", columns=columns.FORECAST_FLAGS.columns,
                     file_name="doubtful_close_dates", whole=whole, shape=components.with_reasons)
    _pushes(ctx, summary, chosen)


components.guarded(render)
