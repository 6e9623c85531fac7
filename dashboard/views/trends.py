"""Trends: each rule's violations per day for the team and per manager, from the history stored after every
sync (so a past day shows what it showed that day, not a recomputation). The team's line has a chart of its
own (its total would flatten the managers' lines on one scale); past MAX_LINES managers only those with the
most of the rule on their last day are drawn, and the table below holds everyone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts, columns, components, data, filters, page_calls
from dashboard.columns import SCORE_RULES, TREND_RULES
from dashboard.data import Context
from dashboard.i18n import count_of, lang, t

RULE_KEY = "trend_rule"
MAX_LINES = 10  # managers drawn at most: more lines than this are a tangle no one reads


def _days_axis(history: pd.DataFrame) -> dict:
    days: dict = {"tickformat": "%d.%m" if lang() == "ru" else "%b %d"}
    if history["snapshot_date"].nunique() <= 14:
        days["dtick"] = 86_400_000  # one tick a day (ms), not hours between days
    return days


def _chart(history: pd.DataFrame, rule: str) -> None:
    fig = go.Figure(_lines(history, rule))
    fig.update_layout(yaxis={"title": t(rule), **charts.count_axis(history[rule])}, xaxis=_days_axis(history))
    charts.show(fig, key="trend_chart")


def _team_chart(team: pd.DataFrame, rule: str) -> None:
    values = pd.to_numeric(team[rule], errors="coerce").astype(float)  # a day before the rule was stored: NA
    fig = go.Figure(go.Scatter(name=t("trends_team"), x=team["snapshot_date"], y=values, mode="lines+markers",
                               line={"color": charts.NAVY, "width": 3}))
    fig.update_layout(yaxis={"title": t(rule), **charts.count_axis(team[rule])}, xaxis=_days_axis(team))
    charts.show(fig, key="trend_team_chart", height=260, legend=False)


def _most(history: pd.DataFrame, rule: str) -> list[int]:
    """The MAX_LINES managers with the highest value of the rule on their last recorded day (a day without
    the rule stored counts lowest), then by name."""
    last = history.sort_values("snapshot_date").groupby("manager_id", sort=False).tail(1)
    last = last.assign(_value=pd.to_numeric(last[rule], errors="coerce").astype(float).fillna(-1.0))
    ranked = last.sort_values(["_value", "manager_name"], ascending=[False, True], kind="stable")
    return ranked["manager_id"].head(MAX_LINES).tolist()


def _lines(history: pd.DataFrame, rule: str) -> list[go.Scatter]:
    """One line per manager (by name), days in order, each in the manager's own colour. Each trace is made
    once with all it needs: Plotly checks every property set, and with 401 managers that, not the data,
    was the page's time (1.1 s when each manager's rows were cut by a groupby and the lines then coloured;
    about 0.3 s this way)."""
    rows = history.sort_values(["manager_name", "snapshot_date"])
    names = rows["manager_name"].astype(str).to_numpy()
    days = rows["snapshot_date"].to_numpy()
    # a day before the rule was stored: NA, drawn as a gap
    values = pd.to_numeric(rows[rule], errors="coerce").astype(float).to_numpy()
    places = charts.manager_places()
    starts = [0, *(np.flatnonzero(names[1:] != names[:-1]) + 1)]
    lines = []
    for start, end in zip(starts, [*starts[1:], len(names)], strict=True):
        name = str(names[start])
        look = charts.manager_look(places[name]) if name in places else {}
        lines.append(go.Scatter(name=name, x=days[start:end], y=values[start:end], mode="lines+markers",
                                **look))
    return lines


def _picked(ctx: Context, history: pd.DataFrame, rule: str, chosen: filters.Filters) -> list[int]:
    """Past MAX_LINES managers, the ones to draw: the ten with the most of the rule to start with (_most),
    any others the viewer picks. One pick per rule and filter: another rule starts from its own ten."""
    names = history.drop_duplicates("manager_id").set_index("manager_id")["manager_name"].astype(str)
    options = sorted(names.index, key=lambda i: names[i].lower())
    key = f"trend_lines_{rule}_{chosen.department_id}"
    # the pick lives in session state alone (a widget given a default too makes Streamlit warn); a manager
    # picked before may have left the stored days since
    st.session_state[key] = [i for i in st.session_state.get(key, _most(history, rule)) if i in names.index]
    picked = st.multiselect(t("trends_lines"), options, format_func=lambda i: names[i], key=key)
    st.caption(t("trends_most", shown=components.count(len(picked), ctx),
                 total=components.count(len(names), ctx), rule=t(rule)))
    return picked


def _days_stored(history: pd.DataFrame) -> int:
    return int(history["snapshot_date"].nunique()) if not history.empty else 0


def render(ctx: Context) -> None:
    st.title(t("trends_title"))
    components.freshness(ctx)
    data.prefetch(*page_calls.CHOICES, *page_calls.trends())
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
    managers = history["manager_id"].nunique()
    if managers > 1:
        st.subheader(t("trends_team"))
        _team_chart(data.metric("trend_team", **chosen.params()), rule)
        st.subheader(t("trends_managers"))
    drawn = _picked(ctx, history, rule, chosen) if managers > MAX_LINES else history["manager_id"].unique()
    _chart(history[history["manager_id"].isin(drawn)], rule)
    table = history.sort_values(["snapshot_date", "manager_name"], ascending=[False, True])
    table = table.rename(columns={rule: "value", f"{rule}_change": "change"})
    components.table(ctx, table, key="trend_table", file_name=f"trend_{rule}",
                     columns=[*columns.TREND.shown, "value", "change"])


components.guarded(render)
