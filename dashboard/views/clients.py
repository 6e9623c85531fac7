"""«Клиенты» (client retention): the clients due for reactivation, nothing planned first; a search by name,
phone or e-mail written any way; a picked client's card (owner, contacts, deals won and lost, the usual
order, the last and the next activity) and deal history, with links into Bitrix24, so any manager can take a
client over."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import columns, components, data, filters, formatting, leads_shared, page_calls, plain
from dashboard.data import Context
from dashboard.i18n import count_of, lang, t

OPEN_KEY = "client_open"  # (client_type, client_id) of the card shown
SEARCH_KEY = "client_q"
Client = tuple[str, int]


def _row_client(frame: pd.DataFrame, state: Any) -> Client | None:
    """The client of the row selected in a table (its selection state), if any."""
    rows = list(((state or {}).get("selection") or {}).get("rows") or [])
    if not rows or rows[0] >= len(frame):
        return None
    row = frame.iloc[rows[0]]
    return str(row["client_type"]), int(row["client_id"])


def _newly_picked(key: str, frame: pd.DataFrame, state: Any) -> Client | None:
    """A table's selection when it changed in this run (so the table clicked last decides the card)."""
    current = _row_client(frame, state)
    seen = f"_{key}_seen"
    changed = st.session_state.get(seen) != current
    st.session_state[seen] = current
    return current if changed else None


def _reactivation(ctx: Context, scope: dict[str, Any]) -> Client | None:
    st.subheader(t("reactivation_title"))
    st.caption(t("reactivation_hint", days=count_of(int(getattr(ctx.rules, "reactivation_days", 90)), "day")))
    due = data.metric("reactivation", **scope)  # nothing planned first: the metric's order
    if not due.empty:
        idle = int((~due["planned"].eq(True)).sum())
        st.caption(t("reactivation_count", n=count_of(len(due), "client"),
                     m=formatting.integer(idle, lang())))
    shown = leads_shared.mark_inactive(due, "owner_name", "owner_active")
    state = components.table(ctx, shown, key="reactivation", columns=columns.REACTIVATION.columns,
                             select=True, file_name="reactivation")
    return _newly_picked("reactivation", due, state)


def _search(ctx: Context, scope: dict[str, Any]) -> Client | None:
    st.subheader(t("search_label"))
    query = st.text_input(t("search_label"), key=SEARCH_KEY, placeholder=t("search_placeholder"),
                          label_visibility="collapsed").strip()
    if not query:
        return None
    found = data.metric("client_search", search=query, **scope)
    if found.empty:
        st.info(t("search_none", q=plain.md(query[:80])), icon=":material/search_off:")
        return None
    st.caption(t("search_found", n=formatting.integer(len(found), lang())))
    shown = found.assign(client_type=found["client_type"].map(leads_shared.kind_in_words),
                         matched_on=found["matched_on"].map(lambda m: t(f"match_{m}")))
    state = components.table(ctx, shown, key="client_results", columns=columns.CLIENT_SEARCH.columns,
                             select=True, file_name="client_search")
    picked = _newly_picked("client_results", found, state)
    only = (str(found.iloc[0]["client_type"]), int(found.iloc[0]["client_id"])) if len(found) == 1 else None
    if picked is None and only is not None and st.session_state.get("_client_q_seen") != query:
        picked = only  # one client found: open it straight away, once per search
    st.session_state["_client_q_seen"] = query
    return picked


def _activity(row: pd.Series, ctx: Context, which: str) -> str:
    when = row[f"{which}_activity_at"]
    if when is None or pd.isna(when):
        return t(f"card_no_{which}")
    subject = plain.md(row[f"{which}_activity_subject"] or "—")
    overdue = which == "next" and bool(row["next_activity_overdue"])  # known whenever a next activity is
    key = "card_next_overdue" if overdue else f"card_{which}_activity"
    return t(key, subject=subject, when=formatting.moment(when, ctx.tz, lang()))


def _tiles(ctx: Context, row: pd.Series) -> None:
    lg = lang()
    deals, purchases = components.tiles(), components.tiles()
    for name in ("open_deals", "won_deals", "lost_deals"):
        components.tile(deals, t(name), formatting.integer(row[name], lg) or "0", inverse=False)
    components.money_tile(purchases, ctx, t("won_amount"), row["won_amount"])
    components.money_tile(purchases, ctx, t("avg_won_amount"), row["avg_won_amount"])
    components.tile(purchases, t("last_won_at"), formatting.day(row["last_won_at"], lg) or "—", inverse=False)


def _card(ctx: Context, client: Client) -> None:
    kind, client_id = client
    card = data.metric("client_card", client_type=kind, client_id=client_id)
    if card.empty:
        st.info(t("card_missing"), icon=":material/person_off:")
        return
    row = card.iloc[0]
    st.subheader(f"{plain.md(row['client_name'])} · {leads_shared.kind_in_words(kind)}")
    owner = plain.md(row["owner_name"] or "—")
    st.markdown(f"[{t('card_open')} ↗]({row['client_url']}) · {t('card_owner', owner=owner)}")
    _tiles(ctx, row)
    st.caption(_activity(row, ctx, "last") + "  \n" + _activity(row, ctx, "next"))
    raw = row["contacts"]  # a DuckDB list arrives as an array; NULL as None
    contacts = [str(c) for c in raw] if isinstance(raw, list | tuple | np.ndarray) else []
    if contacts:  # a company may have dozens: folded, the count in the title
        with st.expander(f"{t('card_contacts')} · {formatting.integer(len(contacts), lang())}"):
            st.markdown("  \n".join(plain.md(c) for c in contacts))
    st.markdown(f"**{t('card_history')}**")
    history = data.metric("client_history", client_type=kind, client_id=client_id)
    history = history.assign(outcome=history["outcome"].map(lambda o: t(f"outcome_{o}")))
    components.table(ctx, history, key="client_history", columns=columns.CLIENT_HISTORY.columns,
                     file_name=f"client_{kind}_{client_id}")


def render(ctx: Context) -> None:
    st.title(t("clients_title"))
    components.freshness(ctx)
    data.prefetch(*page_calls.CHOICES, *page_calls.clients())
    chosen = filters.bar(ctx, pipeline=False)
    scope = {"manager_id": chosen.manager_id, "department_id": chosen.department_id}
    from_list = _reactivation(ctx, scope)
    from_search = _search(ctx, scope)
    picked = from_search or from_list
    if picked is not None:
        st.session_state[OPEN_KEY] = picked
    client = st.session_state.get(OPEN_KEY)
    if client is None:
        st.caption(t("client_pick_hint"))
        return
    _card(ctx, client)


components.guarded(render)
