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
# An emoji favicon is drawn by the browser itself; a `:material/...:` page icon would be fetched from
# fonts.gstatic.com on every page load, and the dashboard may run on a server with no internet.
PAGE_ICON = "📊"
# (file, title, icon, URL path). The first is the home page: Streamlit serves the default page at `/` only,
# so it gets a hidden twin at its own path and a shared `/daily` link opens it too.
PAGES = [
    ("daily_review.py", "page_daily", ":material/today:", "daily"),
    ("my_backlog.py", "page_backlog", ":material/checklist:", "backlog"),
    ("forecast.py", "page_forecast", ":material/trending_up:", "forecast"),
    ("conversion.py", "page_conversion", ":material/filter_alt:", "conversion"),
    ("trends.py", "page_trends", ":material/show_chart:", "trends"),
    ("about.py", "page_about", ":material/info:", "about"),
]

st.set_page_config(page_title="Dozhim", page_icon=PAGE_ICON, layout="wide")

with st.sidebar:
    st.segmented_control(
        "Язык / Language", LANGS, default=DEFAULT_LANG, required=True, key=LANG_KEY, bind="query-params",
        label_visibility="collapsed",
    )


def _page(file: str, title_key: str, icon: str, url: str, *, default: bool = False,
          hidden: bool = False) -> st.Page:
    return st.Page(VIEWS / file, title=t(title_key), icon=icon, url_path=url, default=default,
                   visibility="hidden" if hidden else "visible")


def _only(file: str, title_key: str, icon: str) -> list[st.Page]:
    """One page for every address: at `/` and, hidden, at each page's path, so a link to any page (a
    bookmark, a shared view) lands on this explanation rather than on Streamlit's "Page not found"."""
    return [_page(file, title_key, icon, "", default=True),
            *[_page(file, title_key, icon, url, hidden=True) for *_, url in PAGES]]


def _pages() -> list[st.Page]:
    """The pages this run can show, depending on the state of the database and the rules file."""
    st.session_state.pop(data.PROBLEM_KEY, None)
    try:
        data.build_context()
    except data.NoDatabase:
        return _only("setup.py", "page_setup", ":material/rocket_launch:")
    except (QueryError, RulesError) as exc:
        st.session_state[data.PROBLEM_KEY] = exc
        return _only("problem.py", "page_about", ":material/error:")
    (home_file, home_title, home_icon, home_url), *others = PAGES
    return [
        _page(home_file, home_title, home_icon, "", default=True),
        *[_page(*page) for page in others],
        _page(home_file, home_title, home_icon, home_url, hidden=True),
    ]


st.navigation(_pages(), position="sidebar").run()
