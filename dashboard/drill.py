"""The drill-down under the scorecard: a click on a manager or a number opens the deals behind it.

A click on a cell of a rule column picks that manager and that rule; a click on the row's name picks the
manager and keeps the rule from the selector. With nothing selected the list covers the filtered team.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components, filters, page_calls, plain
from dashboard.columns import DRILL, SCORE_RULES
from dashboard.data import Context
from dashboard.filters import Filters
from dashboard.i18n import t

RULE_KEY = "drill_rule"
DEFAULT_RULE = page_calls.DEFAULT_DRILL_RULE
SEEN_KEY = "_drill_seen_cell"


def _selected(score: pd.DataFrame, state: Any) -> tuple[int | None, str | None]:
    """(manager_id, rule column) from the scorecard's selection state."""
    selection = state.get("selection") if state else None
    if not selection:
        return None, None
    cells = list(selection.get("cells") or [])
    rows = list(selection.get("rows") or [])
    if cells:
        row, column = cells[0]
        rows = [row]
    else:
        column = None
    if not rows or rows[0] >= len(score):
        return None, None
    return int(score.iloc[rows[0]]["manager_id"]), column if column in SCORE_RULES else None


def section(ctx: Context, score: pd.DataFrame, state: Any, chosen: Filters) -> None:
    manager_id, rule = _selected(score, state)
    clicked = rule if rule is not None and st.session_state.get(SEEN_KEY) != (manager_id, rule) else None
    st.session_state[SEEN_KEY] = (manager_id, rule)  # a click picks its rule once; the selector rules after
    manager_id = manager_id if manager_id is not None else chosen.manager_id
    st.subheader(t("drill_title"))
    who = filters.manager_options().get(manager_id, str(manager_id)) if manager_id is not None else t("team")
    picked = components.translated_choice(st.selectbox, t("drill_pick"), list(SCORE_RULES), key=RULE_KEY,
                                          default=DEFAULT_RULE, force=clicked)
    st.caption(f"{plain.md(who)} · {t(picked)} — {components.rule_help(ctx, picked)}")
    deals, whole = components.long_list(picked, manager_id=manager_id, pipeline_id=chosen.pipeline_id,
                                        department_id=chosen.department_id)
    # in the metric's order (for incoming and overdue: what was left since the last working day first,
    # then newest first), with the columns that justify each row
    components.table(ctx, deals, key="drill_table", columns=DRILL[picked].columns,
                     file_name=f"{picked}_{manager_id or 'team'}", whole=whole, shape=components.with_reasons)

