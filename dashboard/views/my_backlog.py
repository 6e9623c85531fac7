"""My backlog (for a manager): pick yourself once (kept in the URL), then your deals that need action now,
most urgent first, each with what to do and the link to the deal."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components, data, filters
from dashboard.data import Context
from dashboard.i18n import t
from dashboard.rules_meta import RULES

COLUMNS = ["priority", "action", "deal_title", "deal_url", "rules_broken", "stage_name", "amount_base",
           "deal_age_days", "days_since_touch", "pipeline_name"]


def _rules_of(value: object) -> list[str]:
    """The rules one backlog row breaks, most urgent first, whatever shape queries gives them in."""
    if isinstance(value, str):
        items = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    elif value is None or (not hasattr(value, "__iter__")):
        items = []
    else:
        items = [str(v) for v in value]
    return sorted(items, key=lambda r: RULES.index(r) if r in RULES else len(RULES))


def with_actions(deals: pd.DataFrame) -> pd.DataFrame:
    """Adds `action` (what to do, for the most urgent rule) and `rules_broken` (all of them, in words)."""
    out = deals.copy()
    source = next((c for c in ("rules", "rules_broken", "broken_rules", "reasons") if c in out.columns), None)
    if source is None:
        flags = [r for r in RULES if f"is_{r}" in out.columns or r in out.columns]
        lists = [[r for r in flags if bool(row.get(f"is_{r}", row.get(r)))] for _, row in out.iterrows()]
    else:
        lists = [_rules_of(v) for v in out[source]]
    top = out["top_rule"].tolist() if "top_rule" in out.columns else [ls[0] if ls else None for ls in lists]
    out["action"] = [t(f"do_{r}") if r else "" for r in top]
    out["rules_broken"] = [", ".join(t(r) for r in ls) for ls in lists]
    return out


def render(ctx: Context) -> None:
    st.title(t("backlog_title"))
    components.freshness(ctx)
    options = filters.manager_options(ctx)
    manager_id = filters.pick("manager", "backlog_pick", "backlog_pick", options)
    if manager_id is None:
        st.info(t("backlog_pick_hint"), icon=":material/person:")
        data.warm("backlog")  # while the manager finds their name, the team's list gets computed
        return
    deals = data.metric("backlog", manager_id=manager_id)
    if "priority" in deals.columns:
        deals = deals.sort_values("priority", kind="stable")
    deals = with_actions(deals).reset_index(drop=True)
    st.subheader(t("backlog_count", n=len(deals)))
    components.table(ctx, deals, key="backlog_table", columns=COLUMNS,
                     file_name=f"backlog_{manager_id}")


components.guarded(render)
