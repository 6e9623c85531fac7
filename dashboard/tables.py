"""Tables: the app's one way to show a list, with translated headers, locale formats, a link to the deal in
Bitrix24, highlighted broken rules and CSV / Excel downloads (built by dashboard/exports.py).

Numbers stay numbers (so columns sort correctly); their Russian or English look comes from a pandas Styler.
Very long tables skip the Styler (it formats every cell in Python) and use Streamlit's own number formats.
Cells of st.dataframe are drawn as text, so portal names and titles need no escaping here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, tzinfo
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, exports, formatting, page_calls
from dashboard.i18n import has, lang, speaking, t

STYLER_MAX_ROWS = 1000
EMPTY = "—"  # an empty cell says so (Streamlit would print None)
RED = "background-color: rgba(255, 87, 87, 0.22)"
Kind = str  # text | int | num | money | pct | date | datetime | link | flag

# How a column is shown, by name, wherever it appears. Columns not listed are shown as text.
KINDS: dict[str, Kind] = {
    "deal_url": "link", "opportunity": "num", "amount_base": "money", "won_amount": "money",
    "deal_age_days": "int", "days_since_touch": "int", "win_rate": "pct", "priority": "int",
    "below_minimum": "flag", "activity_deadline": "datetime", "activity_created": "datetime",
    "last_touch_at": "datetime", "date_create": "datetime", "closedate": "date", "moved_time": "datetime",
    "weighted_amount": "money", "amount": "money", "share": "pct", "invoice_share": "pct",
    "deadline": "datetime", "created": "datetime", "snapshot_date": "date",
    "previous_closedate": "date", "pushed_days": "int", "close_date_pushes": "int", "weight": "pct",
    "started_at": "datetime", "finished_at": "datetime", "month": "month", "period_start": "date",
    "period_end": "date", "median_days_to_close": "dec1", "median_days_to_win": "dec1",
    "close_month": "month", "change": "delta", "duration_s": "dec1", "trigger_at": "datetime",
    "due_at": "datetime", "followup_trigger_at": "datetime",
    # issue 10: links to leads, contacts and companies; lead and client figures
    "lead_url": "link", "entity_url": "link", "client_url": "link", "speed_to_lead_hours": "dec1",
    "hours_waiting": "int", "days_idle": "int", "days_overdue": "int", "interval_days": "int",
    "last_won_at": "datetime", "closed_at": "datetime",
}
INT_COLUMNS = {"active_deals", "overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
               "unprocessed_incoming", "invoice_stuck", "missed_followups", "closed_deals", "won_deals",
               "lost_deals", "deals", "pushes", "run_id", "rows_total", "requests_total", "rejected_total",
               "value", "open_deals", "untouched_deals", "hammered_deals", "touches"}


def kind_of(column: str, series: pd.Series) -> Kind:
    if column in KINDS:
        return KINDS[column]
    if column in INT_COLUMNS or column.endswith("_count") or column.startswith("n_"):
        return "int"
    if column.endswith("_amount"):
        return "money"
    if column.endswith("_rate") or column.endswith("_share"):
        return "pct"
    if pd.api.types.is_bool_dtype(series):
        return "flag"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        return "num"
    return "text"


def label(column: str, currency: str) -> str:
    return t(column, cur=currency) if has(column) else column


def _formatter(kind: Kind, currency: str, tz: tzinfo) -> Callable[[Any], str] | None:
    lg = lang()
    table: dict[Kind, Callable[[Any], str]] = {
        "int": lambda v: formatting.integer(v, lg),
        "num": lambda v: formatting.number(v, lg, 0),
        "dec1": lambda v: formatting.number(v, lg, 1),
        "delta": lambda v: formatting.signed(v, lg) or "—",
        "month": lambda v: _month_label(v, lg),
        "money": lambda v: formatting.money(v, currency, lg),
        "pct": lambda v: formatting.percent(v, lg),
        "date": lambda v: formatting.day(v, lg),
        "datetime": lambda v: formatting.moment(v, tz, lg),
        "flag": lambda v: "✔" if v is True or v == 1 else "",
    }
    return table.get(kind)


def _month_label(value: Any, lg: str) -> str:
    """A close month (`2026-11`, a date, or `none` for deals without a close date) in words."""
    if isinstance(value, str) and not value[:4].isdigit():
        return t("no_close_month")
    return formatting.month(value, lg)


def _doubtful(fmt: Callable[[Any], str] | None) -> Callable[[Any], str]:
    """A zero from out-of-date data is shown as `0?`, never as a confident zero."""
    def show(value: Any) -> str:
        if not pd.isna(value) and value == 0:
            return t("unsure_zero")
        return fmt(value) if fmt else str(value)
    return show


def _column_config(kind: Kind, title: str, long: bool) -> Any:
    if kind == "link":
        return st.column_config.LinkColumn(title, display_text=t("open_link") + " ↗", width="small")
    if not long:
        return title
    # "localized": digits grouped as the reader's browser writes them (26 262), as the short tables' Babel
    # does; step 1 shows a whole number as one
    formats = {"int": "localized", "num": "localized", "money": "localized", "pct": "percent", "dec1": "%.1f"}
    if kind in formats:
        return st.column_config.NumberColumn(title, format=formats[kind], step=1 if kind == "int" else None)
    if kind in ("date", "datetime"):
        fmt = "DD.MM.YYYY" if kind == "date" else "DD.MM.YYYY HH:mm"
        return st.column_config.DatetimeColumn(title, format=fmt)
    return title


def prepare(df: pd.DataFrame, columns: list[str] | None, tz: tzinfo) -> pd.DataFrame:
    """Keep the wanted columns that exist, in order; instants moved to the portal's time zone. No copy of
    the data: pandas' copy-on-write copies a column only when it is changed here."""
    keep = [c for c in (columns or list(df.columns)) if c in df.columns]
    out = df[keep]
    for col in keep:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert(tz)
    return out


Whole = Callable[[], pd.DataFrame]  # builds a list's every row, for a download (after the click)
Writer = Callable[[pd.DataFrame, Mapping[str, Kind], str], bytes]  # to_csv / to_excel


def show(df: pd.DataFrame, *, key: str, columns: list[str] | None = None, currency: str = "RUB",
         tz: tzinfo = UTC, highlight: Mapping[str, Callable[[pd.Series], pd.Series]] | None = None,
         select: bool = False, height: int | str = "auto", file_name: str | None = None,
         doubtful: tuple[str, ...] = (), whole: Whole | None = None, cut: bool | None = None,
         total: int | None = None) -> Any:
    """Show a table (with downloads) in a container keyed `table_<key>`; returns the selection state when
    `select` is on. `df` may be the head of a longer list: one cut by SQL (`cut`, by default its
    attrs["cut"]; how long the list is, is not known), or one `total` rows long. `whole` then builds the
    list's every row, shaped as `df` was, when a download is clicked."""
    cut = bool(df.attrs.get("cut")) if cut is None else cut
    total = len(df) if total is None or cut else max(total, len(df))
    head = cut or total > len(df)
    with st.container(key=f"table_{key}"):
        return _show(df, key=key, columns=columns, currency=currency, tz=tz, highlight=highlight,
                     select=select, height=height, file_name=file_name, doubtful=doubtful,
                     whole=whole if head else None, cut=cut, total=total)


def _show(df: pd.DataFrame, *, key: str, columns: list[str] | None, currency: str, tz: tzinfo,
          highlight: Mapping[str, Callable[[pd.Series], pd.Series]] | None, select: bool,
          height: int | str, file_name: str | None, doubtful: tuple[str, ...], whole: Whole | None,
          cut: bool, total: int) -> Any:
    if df.empty:
        st.caption(t("no_rows"))
        return None
    view = prepare(df.head(page_calls.SHOWN_MAX_ROWS), columns, tz)
    long = len(view) > STYLER_MAX_ROWS
    kinds = {c: kind_of(c, view[c]) for c in view.columns}
    titles = {c: label(c, formatting.currency_sign(currency)) for c in view.columns}
    config = {c: _column_config(kinds[c], titles[c], long) for c in view.columns}
    data: Any = view
    if not long:
        styler = view.style.format(na_rep=EMPTY)
        for col, kind in kinds.items():
            fmt = _formatter(kind, currency, tz)
            if col in doubtful:
                fmt = _doubtful(fmt)
            if fmt is not None:
                styler = styler.format(fmt, subset=[col], na_rep=EMPTY)
        for col, broken in (highlight or {}).items():
            if col in view.columns:
                styler = styler.apply(lambda s, b=broken: [RED if x else "" for x in b(s)], subset=[col])
        data = styler
    kwargs: dict[str, Any] = {"hide_index": True, "column_config": config, "key": key, "height": height,
                              "placeholder": EMPTY}  # the grid draws a null as None whatever the Styler says
    if select:
        kwargs.update(on_select="rerun", selection_mode=["single-row", "single-cell"])
    state = st.dataframe(data, **kwargs)
    lg = lang()
    if cut:
        st.caption(t("rows_head", shown=formatting.integer(len(view), lg)))
    elif total > len(view):
        shown, whole_list = formatting.integer(len(view), lg), formatting.integer(total, lg)
        st.caption(t("rows_cut", shown=shown, total=whole_list))
    rows = whole or (lambda: df)
    downloads(lambda: for_export(prepare(rows(), columns, tz), currency), file_name or key, key=key)
    return state


def for_export(df: pd.DataFrame, currency: str = "RUB") -> tuple[pd.DataFrame, dict[str, Kind]]:
    """The table with its shown headers, and each header's kind (how the file rounds and formats it)."""
    titles = {c: label(c, formatting.currency_sign(currency)) for c in df.columns}
    return df.rename(columns=titles), {titles[c]: kind_of(c, df[c]) for c in df.columns}


def to_excel(df: pd.DataFrame, kinds: Mapping[str, Kind] | None = None, lg: str = "ru") -> bytes:
    return exports.to_excel(df, kinds, lg)


def to_csv(df: pd.DataFrame, kinds: Mapping[str, Kind] | None = None, lg: str = "ru") -> bytes:
    return exports.to_csv(df, kinds, lg)


def downloads(table: Callable[[], tuple[pd.DataFrame, Mapping[str, Kind]]], name: str, *, key: str) -> None:
    """CSV and Excel buttons, only for a viewer with the export right. `table` gives the file's frame with
    its shown headers and their kinds (for_export); it and the files are built only when clicked (outside
    this run: the language is read now), and each build writes its export audit row with the file's rows."""
    ctx = data.context()
    if not ctx.can_export:
        return
    lg = lang()

    def build(write: Writer) -> Callable[[], tuple[bytes, int]]:
        def file() -> tuple[bytes, int]:
            with speaking(lg):
                frame, kinds = table()
                return write(frame, kinds, lg), len(frame)

        return file

    csv_file = data.audited(ctx, name, "csv", build(to_csv))
    xlsx_file = data.audited(ctx, name, "xlsx", build(to_excel))
    # side by side at their own width: fixed column shares cut the labels to "C." in a narrow frame
    with st.container(horizontal=True, gap="small"):
        st.download_button(t("download_csv"), csv_file, file_name=f"{name}.csv",
                           mime="text/csv", key=f"{key}_csv", on_click="ignore", icon=":material/download:")
        st.download_button(
            t("download_xlsx"), xlsx_file, file_name=f"{name}.xlsx", key=f"{key}_xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
            icon=":material/download:")
