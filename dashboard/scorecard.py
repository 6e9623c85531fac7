"""The scorecard table: the whole team in one narrow table, worst first (the metric's order), each rule cell
shaded by how many violations it holds, so 1 does not look like 45. Short headers; the full definition is
in each header's help. The month's results (won, lost, win rate) are a second table beside it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components, formatting, tables
from dashboard.columns import SCORE_RULES, SCORECARD
from dashboard.data import Context
from dashboard.i18n import has, lang, t

SHADED = (*SCORE_RULES, "issues_total")
LOW = "background-color: rgba(255, 169, 0, 0.25)"  # active deals below the minimum: amber, not a violation


def shade(value: Any, top: float) -> str:
    """A red whose strength grows with the count: none for 0, faint for 1, full at the table's largest."""
    if value is None or pd.isna(value) or float(value) <= 0:
        return ""
    alpha = 0.12 + 0.63 * min(1.0, float(value) / max(top, 1.0))
    return f"background-color: rgba(255, 87, 82, {alpha:.2f})"


def _header(ctx: Context, column: str) -> tuple[str, str | None]:
    """(short title, help) of a scorecard column."""
    short = next((t(k) for k in (f"sc_{column}", f"tile_{column}") if has(k)), t(column))
    definition = components.rule_help(ctx, "below_minimum" if column == "active_deals" else column)
    full = t(column)
    return short, " — ".join(p for p in (full if full != short else None, definition) if p) or None


def _styled(ctx: Context, view: pd.DataFrame, low: pd.Series) -> Any:
    lg = lang()
    unsure = components.unsure(ctx)

    def count(value: Any) -> str:
        if value is None or pd.isna(value):
            return "—"
        return t("unsure_zero") if unsure and value == 0 else formatting.integer(value, lg)

    numbers = [c for c in view.columns if c != "manager_name"]
    styler = view.style.format(count, subset=numbers, na_rep="—")
    rules = [c for c in SCORE_RULES if c in view.columns]
    top = float(view[rules].max().max()) if rules and not view.empty else 1.0
    styler = styler.map(lambda v: shade(v, top), subset=rules)
    total_top = float(view["issues_total"].max()) if not view.empty else 1.0
    styler = styler.map(lambda v: shade(v, total_top), subset=["issues_total"])
    return styler.apply(lambda s: [LOW if low.iloc[i] else "" for i in range(len(s))],
                        subset=["active_deals"])


def show(ctx: Context, score: pd.DataFrame) -> Any:
    """The scorecard with row and cell selection (for the drill-down); returns the selection state."""
    with st.container(key="table_scorecard"):
        if score.empty:
            st.caption(t("no_rows"))
            return None
        view = components.mark_dismissed(score)[list(SCORECARD.shown)].reset_index(drop=True)
        low = score["below_minimum"].fillna(False).astype(bool).reset_index(drop=True)
        name = st.column_config.TextColumn(t("manager_name"), width="medium")
        config: dict[str, Any] = {"manager_name": name}
        for column in SCORECARD.shown[1:]:
            title, help_text = _header(ctx, column)
            config[column] = st.column_config.NumberColumn(title, help=help_text, width="small")
        state = st.dataframe(_styled(ctx, view, low), key="scorecard", hide_index=True,
                             column_config=config, on_select="rerun",
                             selection_mode=["single-row", "single-cell"], height="content",
                             placeholder="—")  # the browser draws a missing cell itself, as "None"
        tables.downloads(lambda: (view.rename(columns={c: t(c) for c in view.columns}), {}), "scorecard",
                         key="scorecard")
    return state
