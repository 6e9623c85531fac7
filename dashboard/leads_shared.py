"""What the leads and clients pages, the daily review and My backlog share (issue 10): record kinds in
words, the mark on dismissed people's names, the duplicate groups as the QC desk reads them, and a manager's
lead and client items with what to do about each.

No metric logic: every number and every order comes from queries/ (lead_scorecard, leads_unprocessed,
leads_hanging, lead_backlog, duplicates, reactivation); here the rows are only put in words.
"""

from __future__ import annotations

import pandas as pd

from dashboard import columns
from dashboard.i18n import count_of, t

# the action column the backlog's lead and client tables add in front of the metric's columns
LEAD_ITEMS = ("lead_title", "lead_url", "action", "status_name", "source_name", "date_create",
              "last_touch_at")
CLIENT_ITEMS = (*columns.BACKLOG_CLIENTS.shown[:2], "action", *columns.BACKLOG_CLIENTS.shown[2:])


def kind_in_words(kind: object) -> str:
    """`lead` / `contact` / `company` -> `Лид` / `Контакт` / `Компания`."""
    return t(f"entity_{kind}") if isinstance(kind, str) and kind else ""


def mark_inactive(frame: pd.DataFrame, name: str, active: str) -> pd.DataFrame:
    """The names of people no longer active in the portal get the dismissed mark (`⚠ Имя · уволен(а)`):
    their leads and clients are nobody's."""
    if frame.empty or name not in frame.columns or active not in frame.columns:
        return frame
    out = frame.copy()
    gone = out[active].eq(False).fillna(False).astype(bool)  # NULL (nobody) is not "dismissed"
    out.loc[gone, name] = [t("dismissed_mark", name=n) for n in out.loc[gone, name]]
    return out


def duplicate_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """Each group (one shared phone or e-mail) as the metric orders it, the owning record first: `match`
    names the shared value on the group's first row only (so the groups read apart), and `route_to` is whom
    the metric routes a lead in progress to (`route_to_name`: the owning record's responsible), marked when
    that person is no longer active; empty on every other row."""
    out = mark_inactive(frame, "owner_name", "owner_active")
    out = mark_inactive(out, "route_to_name", "route_to_active").reset_index(drop=True)
    if out.empty:
        return out.assign(match=pd.Series(dtype=str), route_to=pd.Series(dtype=str))
    first = out.groupby(["match_kind", "match_value"], sort=False, dropna=False).cumcount() == 0
    # words per distinct value, not per row: 211k rows of the large sandbox took 3.6 s one t() call a row
    kinds = {k: t(f"match_{k}") for k in out["match_kind"].dropna().unique()}
    match = out["match_kind"].map(kinds).fillna("") + ": " + out["match_value"].astype(str)
    out["match"] = match.where(first, "")
    out["route_to"] = out["route_to_name"].astype(object).where(out["route_to_name"].notna(), "")
    out["entity_type"] = out["entity_type"].map({k: kind_in_words(k) for k in out["entity_type"].unique()})
    return out


def _yes(value: object) -> bool:
    """A yes/no cell: NULL is no (numpy's True is not Python's, so no `is True`)."""
    return value is not None and not pd.isna(value) and bool(value)


def _whole(value: object) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def waiting(hours: int) -> str:
    """How long a lead has waited: hours up to two days, then whole days (`26 256 часов` reads as noise
    where `1 094 дня` says it)."""
    return count_of(hours, "hour") if hours < 48 else count_of(hours // 24, "day")


def _lead_action(row: pd.Series) -> str:
    if row["reason"] == "unprocessed":
        return t("act_lead_unprocessed", hours=waiting(_whole(row["hours_waiting"])))
    days = count_of(_whole(row["days_idle"]), "day")
    return t("act_lead_never" if _yes(row["never_touched"]) else "act_lead_hanging", days=days)


def lead_items(leads: pd.DataFrame) -> pd.DataFrame:
    """A manager's leads to act on (`lead_backlog`, in its order: the unprocessed ones newest first, then the
    hanging ones), each with what to do."""
    if leads.empty:
        return leads.assign(action=pd.Series(dtype=str))
    return leads.assign(action=leads.apply(_lead_action, axis=1))


def client_items(due: pd.DataFrame) -> pd.DataFrame:
    """Clients due for reactivation in the metric's order (nothing planned first, then most valuable
    first), each with what to do."""
    action = due["planned"].map(lambda p: t("act_reactivate_planned" if _yes(p) else "act_reactivate"))
    return due.assign(action=action)
