"""Dozhim dashboard: `python -m streamlit run dashboard/app.py` from the repo root.

This file builds the shared chrome only: page config, the language switch, the sign-in (dashboard.auth), the
navigation for the viewer's role, and the choice between the real pages, the first-run page (no database
yet) and the one-line problem page (an old or foreign database, a broken rules file). A signed-in user who
is not in the snapshot or dismissed, and a link naming a manager or department outside the viewer's scope,
get one refusal line and nothing else. Each page lives in its own module under dashboard/views/.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import streamlit as st

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the repo root: add it for our packages.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import auth, data, filters, plain  # noqa: E402
from dashboard.i18n import DEFAULT_LANG, LANG_KEY, LANGS, lang, t  # noqa: E402
from queries import QueryError, RulesError, ViewerError  # noqa: E402

VIEWS = Path(__file__).parent / "views"
# An emoji favicon is drawn by the browser itself; a `:material/...:` page icon would be fetched from
# fonts.gstatic.com on every page load, and the dashboard may run on a server with no internet.
PAGE_ICON = "📊"
# (file, title, icon, URL path). The first is the home page: Streamlit serves the default page at `/` only,
# so it gets a hidden twin at its own path and a shared `/daily` link opens it too.
PAGES = [
    ("daily_review.py", "page_daily", ":material/today:", "daily"),
    ("my_backlog.py", "page_backlog", ":material/checklist:", "backlog"),
    ("leads.py", "page_leads", ":material/filter_list:", "leads"),
    ("clients.py", "page_clients", ":material/groups:", "clients"),
    ("forecast.py", "page_forecast", ":material/trending_up:", "forecast"),
    ("conversion.py", "page_conversion", ":material/filter_alt:", "conversion"),
    ("trends.py", "page_trends", ":material/show_chart:", "trends"),
    ("about.py", "page_about", ":material/info:", "about"),
]
# A manager's navigation: their own backlog first, the pages that work in their scope; no team-wide daily
# review and no lead desk (heads and admins have every page; About hides its admin parts from all but admins);
# «Клиенты» shows only their own clients
MANAGER_PAGES = ("backlog", "clients", "forecast", "conversion", "trends", "about")
NOT_SIGNED_UP = {
    "ru": "Нет доступа: {reason}. Обратитесь к администратору Dozhim.",
    "en": "No access: {reason}. Ask the Dozhim administrator.",
}
# An address no page has (a mistyped link, an old bookmark): Streamlit's frontend answers it with its own
# English "Page not found" dialog (its text is in Streamlit's JavaScript; nothing in the Python API words or
# silences it) and runs the home page. So the address asked for, when it is one path segment no page has,
# gets a hidden twin of the home page: Streamlit finds a page and draws no dialog, and the app says in the
# UI's language that there is no such page.
ADDRESS = re.compile(r"[\w.~-]{1,64}")  # one path segment, as a page's url_path can be
NO_SUCH_PAGE = {
    "ru": "Страницы «/{path}» нет — открыта страница «{home}».",
    "en": "There is no page at “/{path}” — showing “{home}” instead.",
}
Home = tuple[str, str, str]  # (file, title key, icon) of the page at `/`

st.set_page_config(page_title="Dozhim", page_icon=PAGE_ICON, layout="wide")

with st.sidebar:
    st.segmented_control(
        "Язык / Language", LANGS, default=DEFAULT_LANG, required=True, key=LANG_KEY, bind="query-params",
        label_visibility="collapsed",
    )

auth.establish()  # the signed-in Bitrix24 user, or a refusal / the sign-in link and st.stop()
auth.render_sign_out()


def _page(file: str, title_key: str, icon: str, url: str, *, default: bool = False,
          hidden: bool = False) -> st.Page:
    return st.Page(VIEWS / file, title=t(title_key), icon=icon, url_path=url, default=default,
                   visibility="hidden" if hidden else "visible")


def _only(home: Home) -> tuple[list[st.Page], Home]:
    """One page for every address: at `/` and, hidden, at each page's path, so a link to any page (a
    bookmark, a shared view) lands on this explanation rather than on Streamlit's "Page not found"."""
    return [_page(*home, "", default=True), *[_page(*home, url, hidden=True) for *_, url in PAGES]], home


def _pages() -> tuple[list[st.Page], Home]:
    """The pages this run can show, depending on the state of the database and the rules file, and the
    home page's (file, title key, icon)."""
    st.session_state.pop(data.PROBLEM_KEY, None)
    try:
        data.build_context()
    except data.NoDatabase:
        return _only(("setup.py", "page_setup", ":material/rocket_launch:"))
    except ViewerError as exc:  # signed in, but not someone this snapshot lets see anything
        st.error(NOT_SIGNED_UP.get(lang(), NOT_SIGNED_UP[DEFAULT_LANG]).format(reason=plain.md(str(exc))),
                 icon=":material/block:")
        st.stop()
    except (QueryError, RulesError) as exc:
        st.session_state[data.PROBLEM_KEY] = exc
        return _only(("problem.py", "page_about", ":material/error:"))
    (home_file, home_title, home_icon, home_url), *others = _role_pages()
    home = (home_file, home_title, home_icon)
    return [_page(*home, "", default=True), *[_page(*page) for page in others],
            _page(*home, home_url, hidden=True)], home


def _role_pages() -> list[tuple[str, str, str, str]]:
    """The pages of the viewer's navigation, the home page first."""
    if data.context().role == "manager":
        return [page for page in PAGES if page[3] in MANAGER_PAGES]
    return PAGES


def _unknown_address(known: set[str]) -> str | None:
    """The last path segment of the address the browser asked for (`nosuchpage` in
    http://host:8501/nosuchpage) when no page has it and a page could."""
    path = unquote(urlsplit(st.context.url or "").path).strip("/")
    asked = path.rsplit("/", 1)[-1]
    return asked if asked not in known and ADDRESS.fullmatch(asked) else None


def _navigate() -> None:
    pages, home = _pages()
    unknown = _unknown_address({page.url_path for page in pages})
    if unknown:
        pages.append(_page(*home, unknown, hidden=True))
    page = st.navigation(pages, position="sidebar")
    if unknown and page.url_path == unknown:
        text = NO_SUCH_PAGE.get(lang(), NO_SUCH_PAGE[DEFAULT_LANG])
        st.toast(text.format(path=plain.md(unknown), home=t(home[1])), icon=":material/link_off:")
    if home[0] not in ("setup.py", "problem.py"):
        filters.refuse_out_of_scope()
    page.run()


_navigate()
