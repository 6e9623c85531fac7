"""The lead and client layer (issue 10): the rule table lead_rule and queries/sql/_leads.sql on a run's
connection, after context.setup has created ctx, d_user and d_deal (the runner calls it in prepare)."""

from __future__ import annotations

import functools
import re

import duckdb

from queries.rules import Rules
from queries.sqltext import SQL_DIR, split_statements

LEADS_SQL = SQL_DIR / "_leads.sql"
CLIENT_TYPES = ("company", "contact")


@functools.cache
def _names() -> re.Pattern[str]:
    """The objects _leads.sql defines, as one word pattern (lead_rule included)."""
    text = LEADS_SQL.read_text(encoding="utf-8")
    names = re.findall(r"create or replace temp (?:view|macro|table) (\w+)", text)
    return re.compile(r"\b(" + "|".join(["lead_rule", *names]) + r")\b")


def uses(sql: str) -> bool:
    """Whether a metric's SQL reads the layer: only those pay for it (~5-10 ms of binding per call)."""
    return _names().search(sql) is not None


@functools.cache
def _script() -> str:
    return ";\n".join(split_statements(LEADS_SQL.read_text(encoding="utf-8"))) + ";"


def setup(con: duckdb.DuckDBPyConnection, rules: Rules) -> None:
    con.execute(
        "create or replace temp table lead_rule as "
        "select $idle::integer as lead_idle_days, $reactivation::integer as reactivation_days",
        {"idle": rules.lead_idle_days, "reactivation": rules.reactivation_days},
    )
    con.execute(_script())
