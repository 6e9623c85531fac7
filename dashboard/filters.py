"""The view-defining filters (pipeline, department, manager, month), bound to the URL with short keys so
any view can be shared as a link: `?pipeline=...&dept=...&manager=...&month=2026-11`.

A bound selectbox stores its shown label in the URL, so the options are ids and the labels are portal
names (the same in both languages); duplicate names get their id appended so every label is unique.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard.i18n import t


@dataclass(frozen=True)
class Filters:
    pipeline_id: int | None = None
    department_id: int | None = None
    manager_id: int | None = None
    month: date | None = None  # the first day of the picked month, on pages with a month picker

    def params(self) -> dict[str, int | None]:
        return {"pipeline_id": self.pipeline_id, "department_id": self.department_id,
                "manager_id": self.manager_id}


def names(frame: pd.DataFrame, id_col: str, name_col: str) -> dict[int, str]:
    """id -> unique label, in the frame's order of names."""
    if frame is None or frame.empty or id_col not in frame.columns:
        return {}
    pairs = frame[[id_col, name_col]].dropna(subset=[id_col]).drop_duplicates(id_col)
    pairs = pairs.sort_values(name_col, key=lambda s: s.astype(str).str.lower())
    counts = pairs[name_col].value_counts()
    return {
        int(i): (f"{n} #{int(i)}" if counts.get(n, 0) > 1 else str(n))
        for i, n in zip(pairs[id_col], pairs[name_col], strict=True)
    }


def pick(key: str, label_key: str, all_key: str, options: Mapping[int, str], column=st) -> int | None:
    """One URL-bound selectbox over ids; None means "all"."""
    ids = list(options)
    return column.selectbox(
        t(label_key), ids, index=None, placeholder=t(all_key), key=key, bind="query-params",
        format_func=lambda i: options.get(i, str(i)),
    )


def _options(ctx, metric: str, id_col: str, name_col: str) -> dict[int, str]:
    """Filter choices from a small dimension metric; empty (filter hidden) when queries has none."""
    from dashboard import data

    if not data.has_metric(metric):
        return {}
    return names(data.metric(metric), id_col, name_col)


def manager_options(ctx) -> dict[int, str]:
    from dashboard import data

    return names(data.metric("scorecard"), "manager_id", "manager_name")


def pipeline_options(ctx) -> dict[int, str]:
    """Pipelines with open deals (from the forecast's deal list), unless queries has a `pipelines` metric."""
    from dashboard import data

    if data.has_metric("pipelines"):
        return _options(ctx, "pipelines", "pipeline_id", "pipeline_name")
    return names(data.metric("forecast_deals"), "pipeline_id", "pipeline_name")


def department_options(ctx) -> dict[int, str]:
    """Departments of the managers; named when queries has a `departments` metric, else `Отдел 10`."""
    from dashboard import data

    if data.has_metric("departments"):
        return _options(ctx, "departments", "department_id", "department_name")
    score = data.metric("scorecard")
    if "department_id" not in score.columns:
        return {}
    ids = sorted({int(i) for i in score["department_id"].dropna()})
    return {i: t("dept_n", id=i) for i in ids}


def bar(ctx, *, pipeline: bool = True, dept: bool = True, manager: bool = True, month_of: date | None = None,
        ahead: int = 6) -> Filters:
    """The filter row of a page; each filter is bound to its short URL key. With `month_of` (the as-of
    day) a month picker comes first."""
    wanted = [(pipeline, "pipeline", "f_pipeline", "f_all_pipelines", lambda: pipeline_options(ctx)),
              (dept, "dept", "f_dept", "f_all_depts", lambda: department_options(ctx)),
              (manager, "manager", "f_manager", "f_all_managers", lambda: manager_options(ctx))]
    shown = [(key, label, everyone, source()) for on, key, label, everyone, source in wanted if on]
    shown = [row for row in shown if row[3]]
    columns = list(st.columns(4))
    month = month_pick(month_of, ahead=ahead, column=columns.pop(0)) if month_of is not None else None
    values: dict[str, int | None] = {}
    for column, (key, label, everyone, options) in zip(columns, shown, strict=False):
        values[key] = pick(key, label, everyone, options, column=column)
    return Filters(pipeline_id=values.get("pipeline"), department_id=values.get("dept"),
                   manager_id=values.get("manager"), month=month)


def month_options(today: date, back: int = 12, ahead: int = 6) -> list[str]:
    """`YYYY-MM` strings from `back` months before today's month to `ahead` months after, newest first."""
    first = today.replace(day=1)
    months = []
    for shift in range(ahead, -back - 1, -1):
        index = first.year * 12 + first.month - 1 + shift
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return months


def month_pick(today: date, *, ahead: int = 6, column=st) -> date:
    """The month picker, bound to `?month=YYYY-MM`; defaults to the as-of month."""
    options = month_options(today, ahead=ahead)
    current = f"{today.year:04d}-{today.month:02d}"
    chosen = column.selectbox(t("f_month"), options, index=options.index(current), key="month",
                              bind="query-params",
                              format_func=lambda m: m)  # the URL keeps the ISO month in any language
    return date.fromisoformat(f"{chosen or current}-01")


def url_month(today: date) -> date:
    """The month the URL asks for (before the picker is drawn), else today's; for prefetching."""
    raw = st.query_params.get("month")
    try:
        return date.fromisoformat(f"{raw}-01") if raw else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)
