"""The view-defining filters (pipeline, department, manager, month), bound to the URL with short keys so
any view can be shared as a link: `?pipeline=...&dept=...&manager=...&month=2026-11`.

A bound selectbox stores its shown label in the URL, so the options are ids and the labels are portal
names (the same in both languages); duplicate names get their id appended so every label is unique.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.i18n import t


@dataclass(frozen=True)
class Filters:
    pipeline_id: int | None = None
    department_id: int | None = None
    manager_id: int | None = None

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


def bar(ctx, *, pipeline: bool = True, dept: bool = True, manager: bool = True) -> Filters:
    """The filter row of a page; each filter is bound to its short URL key."""
    wanted = [(pipeline, "pipeline", "f_pipeline", "f_all_pipelines",
               lambda: _options(ctx, "pipelines", "pipeline_id", "pipeline_name")),
              (dept, "dept", "f_dept", "f_all_depts",
               lambda: _options(ctx, "departments", "department_id", "department_name")),
              (manager, "manager", "f_manager", "f_all_managers", lambda: manager_options(ctx))]
    shown = [(key, label, everyone, source()) for on, key, label, everyone, source in wanted if on]
    shown = [row for row in shown if row[3]]
    values: dict[str, int | None] = {}
    for column, (key, label, everyone, options) in zip(st.columns(max(len(shown), 1) + 1), shown,
                                                          strict=False):
        values[key] = pick(key, label, everyone, options, column=column)
    return Filters(pipeline_id=values.get("pipeline"), department_id=values.get("dept"),
                   manager_id=values.get("manager"))
