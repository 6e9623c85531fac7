"""Daily review (home page, for the sales head every morning): freshness, team tiles with the change since
yesterday, the manager scorecard worst first with severity by shade, the month's results, and the deals
behind any number."""

from __future__ import annotations

import contextlib
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard import columns, components, data, drill, filters, formatting, page_calls, scorecard
from dashboard.columns import SCORE_RULES
from dashboard.data import Context
from dashboard.i18n import count_of, has, lang, t

TILE_COUNTS = ("active_deals", *SCORE_RULES, "won_deals", "lost_deals")
ATTENTION_KEY = "attention_open"  # the attention fold's open state (st.expander with a key)


def _tiles(ctx: Context, team: dict[str, Any], team_change: components.TeamChange) -> None:
    """Three rows of four (each wraps on a narrow page): the deals in work and the rule counts, then the
    month's results (a rise in a rule count is red). The totals and the win rate come from
    `scorecard_team`."""
    st.caption(components.change_caption(ctx, team_change))
    change = team_change.counts
    # rows of four (a longer row that wraps would leave one tile stretched over a line of its own): the
    # deals in work and three rules, four rules, the month's results
    cells = [row for row in (components.tiles(), components.tiles(), components.tiles()) for _ in range(4)]
    for cell, name in zip(cells, TILE_COUNTS, strict=False):
        title = t(f"tile_{name}") if has(f"tile_{name}") else t(name)
        components.tile(cell, title, components.count(team.get(name), ctx), change.get(name),
                        help=components.rule_help(ctx, name), inverse=name != "won_deals")
    components.money_tile(cells[len(TILE_COUNTS)], ctx, t("won_amount"), team.get("won_amount"),
                          change.get("won_amount"))
    components.tile(cells[len(TILE_COUNTS) + 1], t("win_rate"),
                    formatting.percent(team.get("win_rate"), lang()) or "—", inverse=False)


def _leads_line(ctx: Context, chosen: filters.Filters) -> None:
    """One line for leads: unprocessed and hanging, the sums of lead_scorecard's columns (issue 10)."""
    score = data.metric("lead_scorecard", manager_id=chosen.manager_id, department_id=chosen.department_id)
    sums = {c: components.count(score[c].sum() if not score.empty else 0, ctx)
            for c in columns.LEADS_LINE.read}
    line = st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center")
    line.markdown(t("daily_leads_line", unprocessed=sums["unprocessed_leads"], hanging=sums["hanging_leads"]),
                  width="content")
    with contextlib.suppress(StreamlitAPIException):  # a viewer whose navigation has no «Лиды» page
        line.page_link("views/leads.py", label=t("daily_leads_link"), icon=":material/arrow_forward:")


def render(ctx: Context) -> None:
    st.title(t("daily_title"))
    components.freshness(ctx)
    drill_rule = str(st.session_state.get(drill.RULE_KEY, drill.DEFAULT_RULE))
    opened = bool(st.session_state.get(ATTENTION_KEY))  # the attention fold is computed once it was opened
    data.prefetch(*page_calls.CHOICES, *page_calls.daily_review(drill_rule, opened))
    chosen = filters.bar(ctx, pipeline=True, dept=True, manager=True)
    params = chosen.params()
    score = data.metric("scorecard", **params).reset_index(drop=True)
    team = data.metric("scorecard_team", **params)
    _tiles(ctx, team.iloc[0].to_dict() if not team.empty else {}, components.team_change(chosen))
    if components.unsure(ctx):
        st.caption(t("unsure_note"))
    _leads_line(ctx, chosen)
    st.subheader(t("scorecard_title"))
    st.caption(t("scorecard_hint"))
    state = scorecard.show(ctx, score)
    with st.expander(t("results_title")):
        components.table(ctx, score, key="results", columns=columns.RESULTS.columns, file_name="results",
                         height="content")
    drill.section(ctx, score, state, chosen)
    _attention(ctx, chosen)


def _attention(ctx: Context, chosen: filters.Filters) -> None:
    """How each manager's touches spread over their open deals (folded: a second look, not the first). The
    fold computes its metric only once opened (Streamlit's lazy expander): at 1M deals it is another pass
    over every deal's activity facts that the first look need not wait for."""
    window = count_of(ctx.rules.attention_window_days, "day")
    fold = st.expander(t("attention_title", days=window), key=ATTENTION_KEY, on_change="rerun")
    with fold:
        st.caption(t("attention_help", n=ctx.rules.attention_touches_per_week, days=window,
                     interval=count_of(ctx.rules.touch_interval_days, "day")))
        if fold.open:
            frame = data.metric("attention", **chosen.params())
            components.table(ctx, frame, key="attention", file_name="attention",
                             columns=columns.ATTENTION.columns)


components.guarded(render)
