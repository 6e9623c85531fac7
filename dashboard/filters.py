"""The view-defining filters (pipeline, department, manager, month), bound to the URL with short keys so
any view can be shared as a link: `?pipeline=...&dept=...&manager=...&month=2026-11`.

A bound selectbox stores its shown label in the URL, so the options are ids and the labels are portal
names (the same in both languages); duplicate names get their id appended so every label is unique.

The lists are the viewer's (queries scopes `managers` and `departments`): a link naming a manager or a
department outside them gets one refusal line and the page stops (refuse_out_of_scope, from app.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import components, data, plain
from dashboard.i18n import DEFAULT_LANG, lang, t


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


# fixed widths, so a row of pickers that does not fit wraps instead of cutting «Все менеджеры» to «Все
# менеджер» (the app framed in Bitrix24 on a laptop has about 560 px)
PICKER_WIDTH = 260
MONTH_WIDTH = 130


def pick(key: str, label_key: str, all_key: str, options: Mapping[int, str], column=st,
         default: int | None = None) -> int | None:
    """One URL-bound selectbox over ids, starting on `default` when it is one of them and no link chose
    another; None means "all"."""
    ids = list(options)
    if default in ids and st.session_state.get(key) is None and key not in st.query_params:
        st.session_state.pop(key, None)  # another page's "all" (the key is shared) is no choice here
    return column.selectbox(
        t(label_key), ids, index=ids.index(default) if default in ids else None, placeholder=t(all_key),
        key=key, bind="query-params", format_func=lambda i: options.get(i, str(i)), width=PICKER_WIDTH,
    )


OUT_OF_SCOPE = {
    "ru": "Нет доступа: ссылка называет {what} вне вашей зоны видимости.",
    "en": "No access: the link names {what} outside what you may see.",
}
WHAT = {"manager": {"ru": "менеджера", "en": "a manager"}, "dept": {"ru": "отдел", "en": "a department"}}


def refuse_out_of_scope() -> None:
    """A signed-in head or manager whose link (?manager=, ?dept=) names someone or a department they may
    not see: one refusal line, nothing else (the lists hold only what they may see, so nothing to match)."""
    ctx = data.context()
    if ctx.sees_everything:
        return
    for key, options in (("manager", manager_options), ("dept", department_options)):
        asked = st.query_params.get(key)
        if asked is not None and asked not in options().values():
            text = OUT_OF_SCOPE.get(lang(), OUT_OF_SCOPE[DEFAULT_LANG])
            what = WHAT[key].get(lang(), WHAT[key][DEFAULT_LANG])
            st.error(text.format(what=what), icon=":material/block:")
            st.stop()


def manager_options(department_id: int | None = None) -> dict[int, str]:
    """Managers (the `managers` metric), of one department and below when given. Labels come from the
    whole list, so a manager's label (and the URL that carries it) is the same whatever the department."""
    everyone = names(data.metric("managers"), "manager_id", "manager_name")
    if department_id is None:
        return everyone
    ids = data.metric("managers", department_id=department_id)["manager_id"]
    return {int(i): everyone[int(i)] for i in ids if int(i) in everyone}


def pipeline_options() -> dict[int, str]:
    return names(data.metric("pipelines"), "pipeline_id", "pipeline_name")


def department_options() -> dict[int, str]:
    return names(data.metric("departments"), "department_id", "department_name")


def _requested_manager(everyone: Mapping[int, str]) -> int | None:
    """The manager this run asks for before its selectbox is drawn: the last choice, else the URL's label."""
    current = st.session_state.get("manager")
    if current in everyone:
        return int(current)
    by_label = {label: i for i, label in everyone.items()}
    return by_label.get(st.query_params.get("manager", ""))


def _choosable_managers() -> bool:
    """False when «all» is the one manager there is to choose: a manager sees only themselves."""
    return data.context().sees_everything or len(manager_options()) > 1


def _manager_pick(department_id: int | None, column) -> int | None:
    """The manager selectbox, listing the department's managers. A manager from elsewhere that the URL or
    the last choice asks for stays selectable, so the page can say the combination selects nobody."""
    everyone = manager_options()
    options = manager_options(department_id)
    wanted = _requested_manager(everyone)
    if wanted is not None and wanted not in options:
        options = {**options, wanted: everyone[wanted]}
    return pick("manager", "f_manager", "f_all_managers", options, column=column)


def bar(ctx, *, pipeline: bool = True, dept: bool = True, manager: bool = True, month_of: date | None = None,
        ahead: int = 6) -> Filters:
    """The filter row of a page; each filter is bound to its short URL key. With `month_of` (the as-of
    day) a month picker comes first. A picker with nothing to choose is left out (a manager has no department
    to pick and only themselves as manager). A department and manager that select nobody are said so, and
    the page stops there (never zeros and "all good" for nobody)."""
    row = st.container(horizontal=True, gap="small")  # wraps on a narrow page: no choice cut to «Все воро»
    month = month_pick(month_of, ahead=ahead, column=row) if month_of is not None else None
    values: dict[str, int | None] = {}
    if pipeline:
        values["pipeline"] = pick("pipeline", "f_pipeline", "f_all_pipelines", pipeline_options(), column=row)
    departments = department_options() if dept else {}
    if departments:  # a manager has no department to choose: no picker
        values["dept"] = pick("dept", "f_dept", "f_all_depts", departments, column=row)
    if manager and _choosable_managers():
        values["manager"] = _manager_pick(values.get("dept"), row)
    chosen = Filters(pipeline_id=values.get("pipeline"), department_id=values.get("dept"),
                     manager_id=values.get("manager"), month=month)
    _stop_if_nobody(chosen)
    in_scope = manager_options(chosen.department_id) if chosen.manager_id is None else [chosen.manager_id]
    components.dismissed_note(list(in_scope))
    return chosen


def _stop_if_nobody(chosen: Filters) -> None:
    """A department without managers, or a manager from another department, selects nobody: say so and
    stop the page there."""
    if chosen.department_id is None:
        return
    in_dept = manager_options(chosen.department_id)
    dept = plain.md(department_options().get(chosen.department_id, chosen.department_id))
    if chosen.manager_id is not None and chosen.manager_id not in in_dept:
        text = t("nobody_selected", manager=plain.md(manager_options()[chosen.manager_id]), dept=dept)
    elif not in_dept:
        text = t("nobody_in_dept", dept=dept)
    else:
        return
    st.warning(text, icon=":material/person_off:")
    st.stop()


def month_options(today: date, back: int = 12, ahead: int = 6) -> list[str]:
    """`YYYY-MM` strings from `back` months before today's month to `ahead` months after, newest first."""
    first = today.replace(day=1)
    months = []
    for shift in range(ahead, -back - 1, -1):
        index = first.year * 12 + first.month - 1 + shift
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
    return months


def month_pick(today: date, *, ahead: int = 6, column=st) -> date:
    """The month picker, bound to `?month=YYYY-MM`; defaults to the as-of month. A link whose month is not
    one of the choices (malformed, `9999-12`, `0001-01`) gets the current month and one line saying so."""
    options = month_options(today, ahead=ahead)
    current = f"{today.year:04d}-{today.month:02d}"
    raw = st.query_params.get("month")
    if raw is not None and raw not in options:
        st.query_params.pop("month", None)
        st.session_state.pop("month", None)
        column.caption(t("f_month_bad", raw=raw[:20]))
    chosen = column.selectbox(t("f_month"), options, index=options.index(current), key="month",
                              bind="query-params", width=MONTH_WIDTH,
                              format_func=lambda m: m)  # the URL keeps the ISO month in any language
    return date.fromisoformat(f"{chosen or current}-01")


def url_month(today: date, *, ahead: int = 6) -> date:
    """The month the URL asks for (before the picker is drawn) when it is one of the picker's, else
    today's; for prefetching."""
    raw = st.query_params.get("month")
    if raw in month_options(today, ahead=ahead):
        return date.fromisoformat(f"{raw}-01")
    return today.replace(day=1)
