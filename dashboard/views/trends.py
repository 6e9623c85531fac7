"""Trends: each rule's violations per manager per day, from the history stored after every sync (so a past
day shows what it showed that day, not a recomputation)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, columns, components, data, filters
from dashboard.columns import SCORE_RULES, TREND_RULES
from dashboard.data import Context
from dashboard.i18n import count_of, lang, t

RULE_KEY = "trend_rule"


def _chart(history: pd.DataFrame, rule: str) -> None:
    fig = go.Figure()
    for name, rows in history.groupby("manager_name", sort=True):
        rows = rows.sort_values("snapshot_date")
        values = pd.to_numeric(rows[rule], errors="coerce").astype(float)  # a day before the rule: a gap
        fig.add_trace(go.Scatter(name=str(name), x=rows["snapshot_date"], y=values, mode="lines+markers"))
    days: dict = {"tickformat": "%d.%m" if lang() == "ru" else "%b %d"}
    if history["snapshot_date"].nunique() <= 14:
        days["dtick"] = 86_400_000  # one tick a day (ms), not hours between days
    fig.update_layout(yaxis={"title": t(rule), **charts.count_axis(history[rule])}, xaxis=days)
    charts.show(fig, key="trend_chart")


def _days_stored(history: pd.DataFrame) -> int:
    return int(history["snapshot_date"].nunique()) if not history.empty else 0


def render(ctx: Context) -> None:
    st.title(t("trends_title"))
    components.freshness(ctx)
    data.prefetch(*filters.CHOICES, ("trend", {}))
    chosen = filters.bar(ctx, pipeline=False, dept=True, manager=True)
    rule = components.translated_choice(st.segmented_control, t("trends_rule"), list(TREND_RULES),
                                        key=RULE_KEY, default=SCORE_RULES[1], required=True)
    st.caption(components.rule_help(ctx, rule) or "")
    history = components.mark_dismissed(data.metric("trend", **chosen.params()))
    days = _days_stored(history)
    if days < 2:
        st.info(t("trends_empty", days=count_of(days, "day")), icon=":material/history:")
    if history.empty:
        return
    _chart(history, rule)
    table = history.sort_values(["snapshot_date", "manager_name"], ascending=[False, True])
    table = table.rename(columns={rule: "value", f"{rule}_change": "change"})
    components.table(ctx, table, key="trend_table", file_name=f"trend_{rule}",
                     columns=[*columns.TREND.shown, "value", "change"])


components.guarded(render)
