"""My backlog (for a manager): your own list when signed in (a head may pick a manager), else pick yourself
once (kept in the URL); then every item behind your numbers on the daily review, closed deals with an
unanswered client included, each with what to do and the link to the deal, in the metric's order."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import columns, components, data, filters, followups, leads_shared, page_calls
from dashboard.data import Context
from dashboard.i18n import t


def _rules_in_words(rules: Any) -> str:
    """The rules a deal breaks, in the metric's priority order, by their scorecard names."""
    return ", ".join(t(str(r)) for r in (rules if rules is not None else []))


def in_words(deals: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """`action` and `rules` from keys to words in the current language; a missed follow-up's call names its
    rule and the day of the client's step."""
    action = deals["action"].map(lambda a: t(f"act_{a}"))
    calls = deals["action"] == "followup_call"
    action[calls] = [followups.action(name, at, ctx.rules.followups, ctx.tz) for name, at in
                     zip(deals.loc[calls, "followup_rule_name"], deals.loc[calls, "followup_trigger_at"],
                         strict=True)]
    return deals.assign(action=action, rules=deals["rules"].map(_rules_in_words))


def render(ctx: Context) -> None:
    st.title(t("backlog_title"))
    components.freshness(ctx)
    manager_id = _whose(ctx)
    if manager_id is None:
        return
    components.dismissed_note([manager_id])
    data.prefetch(*page_calls.my_backlog(manager_id))  # the deals, leads and clients side by side
    deals, whole = components.long_list("backlog", manager_id=manager_id)
    more = "+" if deals.attrs.get("cut") else ""  # fresh ones are counted in the shown head: at least so many
    st.subheader(t("backlog_count", n=components.list_size(deals)))
    fresh = int(deals["since_last_workday"].fillna(False).astype(bool).sum())
    st.caption(t("backlog_fresh", n=f"{fresh}{more}") + " " + t("backlog_order"))
    components.table(ctx, deals, key="backlog_table", columns=columns.BACKLOG.columns,
                     file_name=f"backlog_{manager_id}", height="content", whole=whole,
                     shape=lambda rows: in_words(rows, ctx))
    _leads_and_clients(ctx, manager_id)


def _whose(ctx: Context) -> int | None:
    """Whose list: a signed-in user's own from the start (a head or an admin may pick any manager they see; a
    manager, who sees only themselves, gets no picker); without sign-in, the user picks themselves once.
    None (with a hint) until someone is picked."""
    options = filters.manager_options()
    if ctx.viewer is None:
        manager_id = filters.pick("manager", "backlog_pick", "backlog_pick", options)
        if manager_id is None:
            st.info(t("backlog_pick_hint"), icon=":material/person:")
        return manager_id
    me = ctx.viewer.user_id
    if me not in options:  # no open deal (the managers list): their leads and clients to bring back still are
        options = {me: ctx.viewer.name, **options}
    if list(options) == [me]:  # a manager: their own list, nobody else's to pick
        return me
    return filters.pick("manager", "backlog_pick_whose", "backlog_pick_whose", options, default=me)


def _leads_and_clients(ctx: Context, manager_id: int) -> None:
    """After the deal items: the manager's leads to act on (unprocessed, then hanging) and their clients due
    for reactivation (nothing planned first), each with what to do (issue 10)."""
    mine = {"manager_id": manager_id}
    leads = leads_shared.lead_items(data.metric("lead_backlog", **mine))
    st.subheader(t("backlog_leads_title", n=len(leads)))
    st.caption(t("backlog_leads_order"))
    components.table(ctx, leads, key="backlog_leads", columns=list(leads_shared.LEAD_ITEMS),
                     file_name=f"backlog_leads_{manager_id}", height="content")
    clients = leads_shared.client_items(data.metric("reactivation", **mine))
    st.subheader(t("backlog_clients_title", n=len(clients)))
    st.caption(t("backlog_clients_order"))
    components.table(ctx, clients, key="backlog_clients", columns=list(leads_shared.CLIENT_ITEMS),
                     file_name=f"backlog_clients_{manager_id}", height="content")


components.guarded(render)
