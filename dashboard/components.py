"""Small shared pieces of the pages: the freshness line, error messages, tiles and a page guard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import columns, data, followups, formatting, page_calls, plain, tables
from dashboard.data import Context
from dashboard.i18n import count_of, has, lang, reason, t
from queries import QueryError, RulesError

FRESHNESS_REFRESH = timedelta(seconds=60)
Shape = Callable[[pd.DataFrame], pd.DataFrame]
MARKED = "dozhim_dismissed_marked"


def unsure(ctx: Context) -> bool:
    """True when a zero may be a lie: the last sync failed, never succeeded, or is older than expected."""
    if getattr(ctx.info, "last_run_status", None) == "failed":
        return True
    age = data.sync_age(ctx)
    return age is None or age > timedelta(hours=ctx.settings.fresh_hours)


def count(value: Any, ctx: Context) -> str:
    """A count as text; a zero from out-of-date data is shown as `0?`, never as a confident zero."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if int(value) == 0 and unsure(ctx):
        return t("unsure_zero")
    return formatting.integer(value, lang())


def _freshness_body(ctx: Context) -> None:
    lg = lang()
    last = getattr(ctx.info, "last_ok_sync_at", None)
    age = data.sync_age(ctx)
    if last is None or age is None:
        st.warning(t("fresh_never"), icon=":material/warning:")
        return
    when = formatting.moment(last, ctx.tz, lg)
    age_text = formatting.age(age, lg)
    if getattr(ctx.info, "last_run_status", None) == "failed":
        error = plain.md(str(getattr(ctx.info, "last_error", None) or "?").splitlines()[0][:200])
        st.warning(t("fresh_failed", error=error, when=when, age=age_text),
                   icon=":material/sync_problem:")
    elif age > timedelta(hours=ctx.settings.fresh_hours):
        limit = formatting.number(ctx.settings.fresh_hours, lg)
        st.warning(t("fresh_old", when=when, age=age_text, limit=limit), icon=":material/schedule:")
    else:
        st.caption(":material/sync: " + t("fresh_ok", when=when, age=age_text))
    if getattr(ctx.info, "stored_layer", None) == "stale":
        st.caption(":material/hourglass_top: " + t("layer_stale"))
    if ctx.settings.as_of is not None:
        st.caption(t("as_of_pinned", when=formatting.moment(ctx.now, ctx.tz, lg)))


@st.fragment(run_every=FRESHNESS_REFRESH)
def _live_freshness() -> None:
    """Re-checks the file every minute: a finished sync reruns the whole page with the new snapshot."""
    ctx = data.context()
    try:
        current = data._file_stamp(ctx.settings.db_path)
    except data.NoDatabase:
        current = ctx.stamp
    if current != ctx.stamp:
        st.rerun(scope="app")
    fresh_ctx = data.build_context() if ctx.settings.as_of is None else ctx
    _freshness_body(fresh_ctx)


def freshness(ctx: Context) -> None:
    """The freshness line at the top of a page. Polls only when showing the real now (not a pinned time)."""
    if ctx.settings.as_of is None:
        _live_freshness()
    else:
        _freshness_body(ctx)


def error(exc: BaseException) -> None:
    """One clear line for a data problem, never a traceback."""
    message = plain.md(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if isinstance(exc, RulesError):
        st.error(t("err_rules", error=message), icon=":material/rule:")
    else:
        st.error(t("err_query", error=message), icon=":material/database:")
        st.caption(t("err_retry"))


def guarded(render: Callable[[Context], None]) -> None:
    """Run a page body; a data error (old file, sync mid-replace) becomes one message, not a traceback."""
    try:
        ctx = data.context()
        render(ctx)
    except (QueryError, RulesError) as exc:
        error(exc)


def money_tile(column: Any, ctx: Context, title: str, value: Any, delta: Any = None, **kwargs: Any) -> None:
    """A money tile: the currency in the label (`Сумма, ₽`), a short number as the value (`380 тыс.`)."""
    lg = lang()
    shown = formatting.compact_number(value, lg) or "—"
    change = None if delta is None or pd.isna(delta) else formatting.compact_number(delta, lg)
    if change and float(delta) > 0:
        change = "+" + change
    elif change and float(delta) < 0:
        change = "-" + change.lstrip("-")  # ASCII minus: Streamlit reads it to colour the delta
    column.metric(f"{title}, {formatting.currency_sign(ctx.base_currency)}", shown, change,
                  delta_color="normal", border=True, help=kwargs.get("help"),
                  delta_arrow="off" if change in (None, "0") else "auto")


def tiles() -> Any:
    """A row of tiles that wraps onto more lines when the page is narrow (the app framed in Bitrix24 on a
    laptop): a tile is never narrower than its title and number, which fixed columns cut to «3…»; on a
    wide page the tiles share the row. A row holds what belongs together, at most four short tiles: a
    longer one wraps in the frame and leaves its last tile stretched across a line of its own."""
    return st.container(horizontal=True, gap="small")


def tile(column: Any, title: str, value: str, delta: Any = None, *, help: str | None = None,
         inverse: bool = True) -> None:
    """A metric tile; for rule counts a rise is bad, so the delta colour is inverted by default."""
    delta_text = None if delta is None or pd.isna(delta) else formatting.signed(delta, lang())
    column.metric(title, value, delta_text, delta_color="inverse" if inverse else "normal", help=help,
                  border=True, delta_arrow="off" if delta_text == "0" else "auto")


def rule_help(ctx: Context, name: str) -> str | None:
    """The rule's definition with this portal's thresholds filled in (`14 дней`, `2 рабочих дня`)."""
    key = f"help_{name}"
    if not has(key):
        return None
    rules = ctx.rules
    return t(key, max_deal_age_days=count_of(rules.max_deal_age_days, "day"),
             touch_interval_days=count_of(rules.touch_interval_days, "day"),
             invoice_followup_business_days=count_of(rules.invoice_followup_business_days, "working_day"),
             min_active_deals=formatting.integer(rules.min_active_deals, lang()),
             followup_rules=followups.help_list(rules.followups))


def with_reasons(frame: pd.DataFrame) -> pd.DataFrame:
    """Reason codes in words, in the current language."""
    if "reason" not in frame.columns:
        return frame
    out = frame.copy()
    # each distinct code worded once: a list holds a few codes over thousands of rows (wording each row took
    # 145 ms for the forecast's 2,000 flagged deals)
    labels = {code: reason(code) for code in out["reason"].dropna().unique()}
    out["reason"] = out["reason"].map(labels).fillna("")
    return out


def dismissed_with_deals() -> dict[int, int]:
    """Dismissed managers who still own open deals: manager_id -> open deals (the `managers` metric)."""
    managers = data.metric("managers")
    rows = managers[managers["dismissed_with_deals"].fillna(False).astype(bool)]
    return {int(i): int(n) for i, n in zip(rows["manager_id"], rows["active_deals"], strict=True)}


def mark_dismissed(frame: pd.DataFrame, dismissed: dict[int, int] | None = None) -> pd.DataFrame:
    """The names of dismissed managers who still own open deals get a mark (`⚠ Имя · уволен(а)`)."""
    if frame.empty or {"manager_id", "manager_name"} - set(frame.columns) or frame.attrs.get(MARKED):
        return frame
    dismissed = dismissed_with_deals() if dismissed is None else dismissed
    out = frame.copy()
    hit = out["manager_id"].isin(list(dismissed))
    out.loc[hit, "manager_name"] = [t("dismissed_mark", name=n) for n in out.loc[hit, "manager_name"]]
    out.attrs[MARKED] = True  # pandas carries attrs through copies, sorts and renames: never marked twice
    return out


def dismissed_note(manager_ids: Any = None) -> None:
    """One warning naming the dismissed managers who still own open deals (of `manager_ids` when given),
    with what to do about it."""
    dismissed = dismissed_with_deals()
    if manager_ids is not None:
        wanted = {int(i) for i in manager_ids if i == i}
        dismissed = {i: n for i, n in dismissed.items() if i in wanted}
    if not dismissed:
        return
    names = dict(zip(data.metric("managers")["manager_id"], data.metric("managers")["manager_name"],
                     strict=True))
    who = ", ".join(f"{plain.md(names.get(i, i))} ({count_of(n, 'deal')})" for i, n in dismissed.items())
    st.warning(t("dismissed_note", who=who), icon=":material/person_alert:")


def table(ctx: Context, frame: pd.DataFrame, *, key: str, columns: list[str] | None = None,
          highlight: dict | None = None, select: bool = False, file_name: str | None = None,
          doubtful: tuple[str, ...] = (), height: int | str = "auto", whole: tables.Whole | None = None,
          shape: Shape | None = None) -> Any:
    """tables.show with this snapshot's currency and time zone; dismissed managers who still own deals
    marked; `doubtful` columns show 0 as `0?` when the data may be out of date. `shape` is the page's own
    change to the rows (reasons in words, ...): it runs over the rows shown now, and over every row only
    when a download is clicked. A long list comes two ways: the head asked of SQL (long_list: attrs["cut"],
    `whole` builds its every row), or a whole frame longer than page_calls.SHOWN_MAX_ROWS (its head is shown,
    the caption says of how many)."""
    cut = bool(frame.attrs.get("cut"))
    rows = frame.attrs.get("rows") if cut else None  # how long a cut list is, when SQL counted it
    long = not cut and len(frame) > page_calls.SHOWN_MAX_ROWS
    deferred = long or (cut and whole is not None)  # some rows are shaped after the click, outside this run
    dismissed = dismissed_with_deals() if deferred else None  # so the marks are read now, in the page's run

    def shaped(rows: pd.DataFrame) -> pd.DataFrame:
        return mark_dismissed(shape(rows) if shape is not None else rows, dismissed)

    head = frame.head(page_calls.SHOWN_MAX_ROWS) if long else frame
    every: tables.Whole | None = (lambda: frame) if long else whole if cut else None
    build = (lambda: shaped(every())) if every is not None else None
    return tables.show(shaped(head), key=key, columns=columns, currency=ctx.base_currency, tz=ctx.tz,
                       highlight=highlight, select=select, file_name=file_name, height=height,
                       doubtful=doubtful if unsure(ctx) else (), whole=build, cut=cut and rows is None,
                       total=rows if cut else len(frame))


def long_list(name: str, **params: Any) -> tuple[pd.DataFrame, tables.Whole]:
    """A long list's head (its first page_calls.SHOWN_MAX_ROWS rows, from SQL; attrs["cut"] when there are
    more) and the builder of its every row, for `table`'s downloads."""
    return data.metric(name, **page_calls.head(params)), data.whole(name, **params)


def list_size(frame: pd.DataFrame) -> str:
    """How many rows a list has, for its title: the whole list's count when only its head was asked
    (attrs["rows"]), else the frame's length; `2 000+` when a head's count is unknown."""
    lg = lang()
    if not frame.attrs.get("cut"):
        return formatting.integer(len(frame), lg)
    rows = frame.attrs.get("rows")
    return formatting.integer(rows, lg) if rows is not None else f"{formatting.integer(len(frame), lg)}+"


@dataclass(frozen=True)
class TeamChange:
    """The team's change per scorecard column between its last two recorded days (trend_team: the change of
    the team's total, which a sum of the managers' own changes misses when one is recorded on one day
    only), and those two days."""

    counts: dict[str, float]
    day: date | None = None
    previous: date | None = None


def team_change(chosen: Any) -> TeamChange:
    frame = data.metric("trend_team", **chosen.params())
    if frame.empty:
        return TeamChange({})
    last = frame.loc[frame["snapshot_date"].idxmax()]
    changes = [c for c in columns.TEAM_CHANGE.read if c.endswith("_change")]
    counts = {c[: -len("_change")]: float(last[c]) for c in changes if not pd.isna(last[c])}
    previous = None if pd.isna(last["previous_date"]) else pd.Timestamp(last["previous_date"]).date()
    return TeamChange(counts, pd.Timestamp(last["snapshot_date"]).date(), previous)


def change_caption(ctx: Context, change: TeamChange) -> str:
    """What the tiles' changes compare: "since yesterday" only when they are today's against yesterday's
    recorded day; else the two days (a sync that failed yesterday, a morning before today's first sync)."""
    if change.day is None or change.previous is None:
        return t("tiles_caption_no_change")
    today = ctx.now.astimezone(ctx.tz).date()
    if change.day == today and change.previous == today - timedelta(days=1):
        return t("tiles_caption")
    return t("tiles_caption_days", day=formatting.day(change.day, lang()),
             previous=formatting.day(change.previous, lang()))


def translated_choice(widget: Callable[..., Any], label: str, options: list[str], *, key: str, default: str,
                      force: str | None = None, **kwargs: Any) -> str:
    """A selectbox / segmented control over ids shown in words, that keeps its choice across a language
    switch. Its widget key carries the language (the shown words change, so Streamlit would otherwise keep
    the old language's word); the choice itself lives in session state under `key`. `force` sets it."""
    widget_key = f"{key}_{lang()}"
    chosen = st.session_state.get(key, default)
    if force is not None:
        st.session_state[widget_key] = force
    elif widget_key not in st.session_state:  # first draw in this language: start from the last choice
        st.session_state[widget_key] = chosen
    picked = widget(label, options, key=widget_key, format_func=t, **kwargs) or chosen
    st.session_state[key] = picked
    return picked
