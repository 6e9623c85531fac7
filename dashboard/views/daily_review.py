"""Daily review (home page, for the sales head every morning): freshness, team tiles with the change since
yesterday, the manager scorecard with broken rules in red, and the deals behind any number."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components, data, drill, filters, formatting
from dashboard.data import Context
from dashboard.i18n import has, lang, t
from dashboard.rules_meta import SCORE_COLUMNS, SCORE_RULES, scorecard_marks

TILE_COUNTS = ("active_deals", *SCORE_RULES, "won_deals", "lost_deals")


def _tiles(ctx: Context, score: pd.DataFrame, change: dict[str, float]) -> None:
    """Two rows of six: the rule counts, then the month's results (a rise in a rule count is red)."""
    st.caption(t("tiles_caption"))
    lg = lang()
    total = {c: score[c].sum() for c in score.columns if c in (*TILE_COUNTS, "won_amount")}
    rows = st.columns(6), st.columns([1, 1, 1, 1.5, 1.5])
    cells = [*rows[0], *rows[1]]
    for cell, name in zip(cells, TILE_COUNTS, strict=False):
        title = t(f"tile_{name}") if has(f"tile_{name}") else t(name)
        components.tile(cell, title, components.count(total.get(name), ctx), change.get(name),
                        help=components.rule_help(ctx, name), inverse=name != "won_deals")
    won_n, lost_n = total.get("won_deals", 0), total.get("lost_deals", 0)
    rate = won_n / (won_n + lost_n) if won_n + lost_n else None
    components.money_tile(cells[len(TILE_COUNTS)], ctx, t("won_amount"), total.get("won_amount"),
                          change.get("won_amount"))
    components.tile(cells[len(TILE_COUNTS) + 1], t("win_rate"), formatting.percent(rate, lg) or "—",
                    inverse=False)


def render(ctx: Context) -> None:
    st.title(t("daily_title"))
    components.freshness(ctx)
    data.prefetch(("scorecard", {}), ("forecast_deals", {}), ("trend", {}),
                  (str(st.session_state.get(drill.RULE_KEY, drill.DEFAULT_RULE)), {}))
    chosen = filters.bar(ctx, pipeline=True, dept=True, manager=True)
    score = data.metric("scorecard", pipeline_id=chosen.pipeline_id, department_id=chosen.department_id)
    if chosen.manager_id is not None:
        score = score[score["manager_id"] == chosen.manager_id]
    score = score.reset_index(drop=True)
    change = components.change_since_yesterday(chosen)
    _tiles(ctx, score, change)
    if components.unsure(ctx):
        st.caption(t("unsure_note"))
    st.subheader(t("scorecard_title"))
    st.caption(t("scorecard_hint"))
    state = components.table(ctx, score, key="scorecard", columns=list(SCORE_COLUMNS),
                             highlight=scorecard_marks(score), select=True, file_name="scorecard",
                             height=min(36 + 35 * len(score), 720),  # the whole team at once, up to ~20
                             doubtful=SCORE_RULES)
    drill.section(ctx, score, state, chosen)
    _attention(ctx, chosen)


def _attention(ctx: Context, chosen) -> None:
    """How each manager's touches spread over their open deals (folded: a second look, not the first)."""
    if not data.has_metric("attention"):
        return
    with st.expander(t("attention_title", days=ctx.rules.attention_window_days)):
        st.caption(t("attention_help", n=ctx.rules.attention_touches_per_week))
        frame = data.metric("attention", **chosen.params())
        components.table(ctx, frame, key="attention", file_name="attention",
                         columns=["manager_name", "open_deals", "untouched_deals", "untouched_share",
                                  "hammered_deals", "touches"])


components.guarded(render)
