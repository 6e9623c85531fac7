"""Dozhim dashboard: `python -m streamlit run dashboard/app.py` from the repo root.

This file builds the shared chrome only: page config, the language switch, the navigation, and the choice
between the real pages, the first-run page (no database yet) and the one-line problem page (an old or
foreign database, a broken rules file). Each page lives in its own module under dashboard/views/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the repo root: add it for our packages.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import data  # noqa: E402
from dashboard.i18n import DEFAULT_LANG, LANG_KEY, LANGS, t  # noqa: E402
from queries import QueryError, RulesError  # noqa: E402

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="Dozhim", page_icon=":material/monitoring:", layout="wide")

with st.sidebar:
    st.segmented_control(
        "Язык / Language", LANGS, default=DEFAULT_LANG, required=True, key=LANG_KEY, bind="query-params",
        label_visibility="collapsed",
    )


def _page(file: str, title_key: str, icon: str, url: str, default: bool = False) -> st.Page:
    return st.Page(VIEWS / file, title=t(title_key), icon=icon, url_path=url, default=default)


def _pages() -> list[st.Page]:
    """The pages this run can show, depending on the state of the database and the rules file."""
    st.session_state.pop(data.PROBLEM_KEY, None)
    try:
        data.build_context()
    except data.NoDatabase:
        return [_page("setup.py", "page_setup", ":material/rocket_launch:", "setup", default=True)]
    except (QueryError, RulesError) as exc:
        st.session_state[data.PROBLEM_KEY] = exc
        return [_page("problem.py", "page_about", ":material/error:", "problem", default=True)]
    return [
        _page("daily_review.py", "page_daily", ":material/today:", "daily", default=True),
        _page("my_backlog.py", "page_backlog", ":material/checklist:", "backlog"),
        _page("forecast.py", "page_forecast", ":material/trending_up:", "forecast"),
        _page("conversion.py", "page_conversion", ":material/filter_alt:", "conversion"),
        _page("trends.py", "page_trends", ":material/show_chart:", "trends"),
        _page("about.py", "page_about", ":material/info:", "about"),
    ]


st.navigation(_pages(), position="sidebar").run()
