"""Nothing a page renders reaches outside the server it came from (issue 15 item 10), and a deep link to a
page opens that page (issue 8 item 9): Debian's Chromium loads two pages of `streamlit run` on a database of
hostile names (a phishing link and a tracking image as a manager's name, the same in the last sync's error)
and records every request the pages make. The dashboard may run on a company server with no internet."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.dashboard.browser import ARGS, CHROMIUM, MARKS, READY, streamlit_server
from tests.dashboard.hostile_db import PHISH, build_hostile_db
from tests.queries.fixture_db import AS_OF, PORTAL_URL

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PORTAL_HOST = urlsplit(PORTAL_URL).hostname

pytestmark = MARKS


# Loaded into the server process (PYTHONPATH): every host name it looks up and every address it connects
# to, through Python's audit events, one per line.
AUDIT_HOOK = """
import os, sys

_log = os.environ["DOZHIM_NET_LOG"]

def _record(event, args):
    if event in ("socket.getaddrinfo", "socket.connect"):
        target = args[0] if event == "socket.getaddrinfo" else args[1]
        with open(_log, "a") as out:
            out.write(f"{event} {target!r}\\n")

sys.addaudithook(_record)
"""


@pytest.fixture(scope="module")
def net_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("offline_net") / "net.log"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, net_log: Path) -> Iterator[str]:
    db = build_hostile_db(tmp_path_factory.mktemp("offline") / "crm.duckdb")
    hook_dir = tmp_path_factory.mktemp("offline_hook")
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK)
    env = {**os.environ, "DOZHIM_DB": str(db), "DOZHIM_AS_OF": AS_OF.isoformat(),
           "DOZHIM_NET_LOG": str(net_log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(hook_dir), os.environ.get("PYTHONPATH")]))}
    env.pop("DOZHIM_RULES", None)
    log_path = tmp_path_factory.mktemp("offline_log") / "streamlit.log"
    with streamlit_server(env, log_path) as url:
        yield url


def _load(server: str, path: str) -> tuple[list[str], dict]:
    """Open one page in a fresh browser; (every URL the page asked for, what it shows)."""
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 2400})
        page.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda socket: requested.append(socket.url))
        page.goto(server + path)
        page.wait_for_selector("h1", timeout=30_000)
        page.wait_for_selector(READY, timeout=30_000)
        page.wait_for_load_state("networkidle")
        shown = {
            "title": page.locator("h1").first.inner_text(),
            # without the invisible word joiners dashboard.plain puts beside `:`, `.` and `@`
            "body": page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", ""),
            "links": page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"),
            "images": page.eval_on_selector_all("img", "els => els.map(e => e.src)"),
            "not_found": page.get_by_text("Page not found").count(),
        }
        browser.close()
    return requested, shown


def _outside(urls: list[str]) -> list[str]:
    """The requests that leave this machine (data: and blob: URLs are not requests to anyone)."""
    return [u for u in urls if urlsplit(u).scheme not in ("data", "blob")
            and urlsplit(u).hostname not in LOCAL_HOSTS]


def _foreign_links(shown: dict) -> list[str]:
    """Links and images to anywhere but this server and the portal (the About page links the portal)."""
    return [u for u in _outside(shown["links"] + shown["images"]) if urlsplit(u).hostname != PORTAL_HOST]


def test_daily_deep_link_with_a_hostile_manager_stays_local(server: str) -> None:
    requested, shown = _load(server, "/daily?manager=" + quote(PHISH))
    assert _outside(requested) == []
    assert requested  # the recorder saw the page's own requests
    assert shown["not_found"] == 0 and shown["title"] == "Ежедневный обзор"  # `/daily` opens the page
    assert PHISH in shown["body"]  # the drill-down names the manager as typed
    assert _foreign_links(shown) == []


def test_about_with_a_hostile_sync_error_stays_local(server: str) -> None:
    requested, shown = _load(server, "/about")
    assert _outside(requested) == []
    assert shown["not_found"] == 0 and shown["title"] == "О данных"
    assert "portal said: " + PHISH in shown["body"]  # the last sync's error, as the portal wrote it
    assert _foreign_links(shown) == []


def test_the_server_itself_calls_nobody_outside(server: str, net_log: Path) -> None:
    """The Streamlit process, from start-up through two page loads, looks up and connects to loopback only
    (with the default config a headless server asked checkip.amazonaws.com for its external address)."""
    _load(server, "/daily")
    lines = net_log.read_text().splitlines() if net_log.exists() else []
    local = ("'localhost'", "'127.0.0.1'", "'::1'", "('127.0.0.1'", "('::1'")
    outside = [line for line in lines if not line.split(" ", 1)[1].startswith(local)]
    assert outside == []
