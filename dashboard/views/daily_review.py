"""Daily review (home page, for the sales head every morning): freshness, team tiles with the change since
yesterday, the manager scorecard with broken rules in red, and the deals behind any number."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components, data, drill, filters, formatting
from dashboard.data import Context
from dashboard.i18n import lang, t
from dashboard.rules_meta import SCORE_COLUMNS, SCORE_RULES, scorecard_marks


def _tiles(ctx: Context, score: pd.DataFrame, change: dict[str, float]) -> None:
    st.caption(t("tiles_caption"))
    names = ("active_deals", *SCORE_RULES)
    cols = st.columns(len(names))
    for col, name in zip(cols, names, strict=True):
        total = score[name].sum() if name in score.columns else None
        components.tile(col, t(name), components.count(total, ctx), change.get(name),
                        help=components.rule_help(ctx, name), inverse=name != "active_deals")
    won_cols = st.columns(4)
    won = score["won_amount"].sum() if "won_amount" in score.columns else None
    components.tile(won_cols[0], t("won_deals"), components.count(score["won_deals"].sum(), ctx),
                    change.get("won_deals"), inverse=False)
    components.tile(won_cols[1], t("won_amount"), formatting.compact_money(won, ctx.base_currency, lang()),
                    inverse=False)
    components.tile(won_cols[2], t("lost_deals"), components.count(score["lost_deals"].sum(), ctx),
                    change.get("lost_deals"))
    won_n, lost_n = score["won_deals"].sum(), score["lost_deals"].sum()
    rate = won_n / (won_n + lost_n) if won_n + lost_n else None
    components.tile(won_cols[3], t("win_rate"), formatting.percent(rate, lang()) or "—", inverse=False)


def render(ctx: Context) -> None:
    st.title(t("daily_title"))
    components.freshness(ctx)
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
                             doubtful=SCORE_RULES)
    drill.section(ctx, score, state, chosen)


components.guarded(render)
