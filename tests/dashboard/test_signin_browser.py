"""Headless Chromium, third-party cookies blocked: the sandbox's portal page at 127.0.0.1 frames the app at
localhost (two sites, so the frame is cross-site), POSTs the application form to /b24/app, and the framed
app signs the portal's user in with the single-use ticket alone and shows their page. Then the standalone
way: "Войти через Bitrix24" -> the portal's authorize page -> pick the head -> back signed in by cookie.

The snapshot is a sync of the same sandbox portal, so the signed-in users are the snapshot's users. (On plain
http Chromium would keep no cookie for the cross-site frame even unblocked: SameSite=None needs Secure. The
profile blocks third-party cookies anyway, as a browser with that setting would on https.)"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.bitrix24.progress import LineReporter
from connectors.bitrix24.sync import SyncOptions, run_sync
from connectors.sandbox.oauth import CLIENT_ID, CLIENT_SECRET, MEMBER_ID
from connectors.sandbox.portal_people import Person, active_people
from connectors.sandbox.store import connect
from connectors.sandbox.testing import RunningSandbox, running_sandbox
from tests.connector_sync.conftest import fast_client
from tests.dashboard.browser import ARGS, CHROMIUM, MARKS, READY, ROOT, free_port, streamlit_server

pytestmark = MARKS
LOGS = ROOT / "artifacts"
SHOTS = LOGS / "screenshots"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningSandbox, str, Path]]:
    """The sandbox portal, its snapshot, and the dashboard signing in through it: (sandbox, app URL, db)."""
    port = free_port()
    app_url = f"http://localhost:{port}"
    with running_sandbox("tiny", 7, app_url=f"{app_url}/b24/app", app_installed=True) as sandbox:
        db = tmp_path_factory.mktemp("signin_browser") / "crm.duckdb"
        with open(os.devnull, "w") as quiet:
            run_sync(SyncOptions(db=db, webhook_url=sandbox.webhook_url, client_factory=fast_client,
                                 reporter=LineReporter(out=quiet)))
        env = {**os.environ, "DOZHIM_DB": str(db), "BITRIX24_WEBHOOK_URL": sandbox.webhook_url,
               "B24_CLIENT_ID": CLIENT_ID, "B24_CLIENT_SECRET": CLIENT_SECRET,
               "B24_PORTAL_URL": sandbox.base_url, "B24_OAUTH_URL": sandbox.base_url,
               "B24_MEMBER_ID": MEMBER_ID, "DOZHIM_SESSION_SECRET": "browser-test-secret",
               "DOZHIM_PUBLIC_URL": app_url}
        for name in ("DOZHIM_RULES", "DOZHIM_AS_OF"):
            env.pop(name, None)
        LOGS.mkdir(parents=True, exist_ok=True)
        with streamlit_server(env, LOGS / "streamlit-signin-test.log", port=port):
            yield sandbox, app_url, db


@pytest.fixture(scope="module")
def people(portal) -> tuple[Person, list[Person]]:
    """The portal's head of the top department, and the plain managers (heading nothing)."""
    conn = connect(portal[0].store_path)
    try:
        everyone = active_people(conn)
    finally:
        conn.close()
    heads = [p for p in everyone if p.heads]
    return heads[0], [p for p in everyone if not p.heads]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    """A fresh Chromium profile that blocks third-party cookies (the setting, and the 3PC phase-out)."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    prefs = {"profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}}
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=[*ARGS, "--test-third-party-cookie-phaseout"],
            viewport={"width": 1440, "height": 1600})
        yield context
        context.close()


def _frame(page):
    return page.frame_locator('iframe[name="app-frame"]')


def test_the_portal_frames_the_app_cross_site_and_signs_the_manager_in(portal, people, browser) -> None:
    sandbox, app_url, _db = portal
    _head, managers = people
    manager = managers[0]
    page = browser.new_page()
    page.goto(f"{sandbox.base_url}/portal/?as={manager.user_id}")  # sign in to the portal as the manager
    page.goto(f"{sandbox.base_url}/portal/app/")
    frame = _frame(page)
    frame.locator(READY).wait_for(timeout=60_000)
    sidebar = frame.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(manager.name, exact=True).wait_for(timeout=30_000)  # render_sign_out: who is in
    assert frame.locator('[data-testid="stException"]').count() == 0
    assert frame.get_by_text("Войти через Bitrix24").count() == 0
    app_frame = next(f for f in page.frames if f.url.startswith(app_url))
    assert "b24_ticket" not in app_frame.url  # the ticket left the address once redeemed
    assert not [c for c in browser.cookies(app_url) if c["name"] == "dozhim_session"]  # no cookie needed
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "signin_framed_manager.png"), full_page=True)


def test_the_framed_manager_sees_only_their_own_name(portal, people, browser) -> None:
    sandbox, _app_url, _db = portal
    _head, managers = people
    manager, other = managers[0], managers[1]
    page = browser.new_page()
    page.goto(f"{sandbox.base_url}/portal/?as={manager.user_id}")
    page.goto(f"{sandbox.base_url}/portal/app/")
    frame = _frame(page)
    frame.locator(READY).wait_for(timeout=60_000)
    frame.locator('[data-testid="stSidebar"]').get_by_text(manager.name, exact=True).wait_for(timeout=30_000)
    # the session is the manager's: a manager's navigation (no team review, no lead desk), and the home page
    # is their own list with no «Чьи сделки» to pick anyone else from (the tables draw names on a canvas)
    frame.get_by_text("Требуют действия сейчас").wait_for(timeout=30_000)
    nav = " ".join(frame.locator('[data-testid="stSidebarNavLink"]').all_inner_texts())
    assert "Мои сделки" in nav and "Ежедневный обзор" not in nav and "Лиды" not in nav, nav
    assert frame.locator('[data-testid="stSelectbox"]').filter(has_text="Чьи сделки").count() == 0
    sidebar = frame.locator('[data-testid="stSidebar"]').inner_text()
    assert manager.name in sidebar and other.name not in sidebar


def test_the_standalone_link_signs_the_head_in_with_a_cookie(portal, people, browser) -> None:
    sandbox, app_url, _db = portal
    head, _managers = people
    page = browser.new_page()
    page.goto(app_url + "/")
    page.get_by_text("Войти через Bitrix24").click()
    page.wait_for_url(f"{sandbox.base_url}/oauth/authorize/**", timeout=30_000)
    page.get_by_role("link", name=head.name).first.click()  # the portal's sign-in-as page
    page.wait_for_url(app_url + "/", timeout=30_000)
    page.locator(READY).wait_for(timeout=60_000)
    page.locator('[data-testid="stSidebar"]').get_by_text(head.name, exact=True).wait_for(timeout=30_000)
    session = [c for c in browser.cookies(app_url) if c["name"] == "dozhim_session"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Lax"
    page.screenshot(path=str(SHOTS / "signin_standalone_head.png"), full_page=True)
    value = session[0]["value"]
    page.locator('[data-testid="stSidebar"]').get_by_text("Выйти").click()  # sign out: the link only
    page.get_by_text("Войти через Bitrix24").wait_for(timeout=30_000)
    assert not [c for c in browser.cookies(app_url) if c["name"] == "dozhim_session"]

    body, mac = value.split(".")
    forged = body[:-2] + ("AA" if not body.endswith("AA") else "BB") + "." + mac  # another user, same MAC
    browser.add_cookies([{"name": "dozhim_session", "value": forged, "url": app_url}])
    page.goto(app_url + "/")
    page.get_by_text("Вход не выполнен: cookie сессии подписан не этим приложением").wait_for(timeout=30_000)
    assert page.get_by_text(head.name).count() == 0


def test_my_backlog_opens_on_the_signed_in_heads_own_list_and_leaves_the_review_unfiltered(
        portal, people, browser) -> None:
    sandbox, _app_url, _db = portal
    head, _managers = people
    page = browser.new_page()
    page.goto(f"{sandbox.base_url}/portal/?as={head.user_id}")
    page.goto(f"{sandbox.base_url}/portal/app/")
    frame = _frame(page)
    frame.locator(READY).wait_for(timeout=60_000)
    sidebar = frame.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(head.name, exact=True).wait_for(timeout=30_000)
    sidebar.get_by_text("Мои сделки").click()
    whose = frame.locator('[data-testid="stSelectbox"]').filter(has_text="Чьи сделки").locator("input")
    whose.wait_for(timeout=30_000)
    assert whose.input_value() == head.name  # the page knows who is signed in: their own list, not «Кто вы?»
    sidebar.get_by_text("Ежедневный обзор").click()  # the head's own name did not become the review's filter
    manager = frame.locator('[data-testid="stSelectbox"]').filter(has_text="Менеджер").locator("input")
    manager.wait_for(timeout=30_000)
    assert manager.input_value() == "" and manager.get_attribute("placeholder") == "Все менеджеры"
