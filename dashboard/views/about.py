"""About the data: the portal, the rules in effect (from the rules file), sync history and errors."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import components, data, formatting
from dashboard.data import Context
from dashboard.i18n import lang, t

SYNC_COLUMNS = ["run_id", "started_at", "finished_at", "duration_s", "mode", "status", "rows_total",
                "requests_total", "rejected_total", "error"]


def _facts(ctx: Context) -> None:
    info = ctx.info
    lg = lang()
    last = getattr(info, "last_ok_sync_at", None)
    rows = [
        (t("about_portal"), ctx.portal_url or "—"),
        (t("about_db"), ctx.db),
        (t("about_tz"), str(ctx.rules.timezone or getattr(info, "utc_offset", None) or "UTC")),
        (t("about_currency"), ctx.base_currency),
        (t("about_version"), str(ctx.version if ctx.version is not None else "—")),
        (t("about_last_ok"), formatting.moment(last, ctx.tz, lg) if last is not None else "—"),
    ]
    st.table(pd.DataFrame(rows, columns=[t("rule_key"), t("rule_value")]).set_index(t("rule_key")))


def _flat(prefix: str, value: Any) -> list[tuple[str, str]]:
    """Rules as `key = value` lines, nested tables flattened with dots (as in the rules file)."""
    if isinstance(value, dict):
        out: list[tuple[str, str]] = []
        for key, sub in value.items():
            out += _flat(f"{prefix}.{key}" if prefix else str(key), sub)
        return out
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value) or "—"
    return [(prefix, "—" if value is None else str(value))]


def _rules(ctx: Context) -> None:
    st.subheader(t("about_rules"))
    path = ctx.settings.rules_path
    st.caption(t("about_rules_file", path=path) if path else t("about_rules_default"))
    rows = _flat("", asdict(ctx.rules))
    st.dataframe(pd.DataFrame(rows, columns=[t("rule_key"), t("rule_value")]), hide_index=True,
                 key="rules_table")


def _syncs(ctx: Context) -> None:
    st.subheader(t("about_syncs"))
    runs = data.metric("sync_history")
    components.table(ctx, runs, key="sync_table", columns=SYNC_COLUMNS, file_name="sync_history")
    failed = runs[runs["status"] != "ok"] if "status" in runs.columns else runs.iloc[0:0]
    if not failed.empty:
        st.subheader(t("about_errors"))
        components.table(ctx, failed, key="sync_errors", columns=["run_id", "started_at", "error"],
                         file_name="sync_errors")


def render(ctx: Context) -> None:
    st.title(t("about_title"))
    components.freshness(ctx)
    _facts(ctx)
    _rules(ctx)
    _syncs(ctx)


components.guarded(render)
