"""«Лиды» and «Клиенты» in a real browser (Debian's Chromium driving `streamlit run` on the fixture snapshot,
whose leads and clients are tests/queries/fixture_leads.py): each page renders without an exception, a
phone search opens the client's card, the language switch works, and screenshots go to
artifacts/screenshots/. The data itself is asserted in the AppTests (test_leads*.py, test_clients.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.browser import ARGS, CHROMIUM, MARKS, READY, ROOT, streamlit_server
from tests.queries.fixture_db import AS_OF

SHOTS = ROOT / "artifacts" / "screenshots"

pytestmark = MARKS


@pytest.fixture(scope="module")
def server(fixture_db: Path) -> Iterator[str]:
    env = {**os.environ, "DOZHIM_DB": str(fixture_db), "DOZHIM_AS_OF": AS_OF.isoformat()}
    env.pop("DOZHIM_RULES", None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(env, SHOTS.parent / "streamlit-leads-browser-test.log") as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        tab = browser.new_page(viewport={"width": 1440, "height": 3000})
        yield tab
        browser.close()


def _settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_timeout(800)  # let the data grids paint before the screenshot


def _open(page, server: str, path: str, heading: str) -> None:
    page.goto(server + path)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    _settle(page)


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0


def test_leads_page_renders(page, server: str) -> None:
    _open(page, server, "/leads", "Лиды")
    _no_exception(page)
    for key in ("lead_scorecard", "leads_unprocessed", "leads_hanging", "duplicates", "planned_month"):
        assert page.locator(f".st-key-table_{key} [data-testid='stDataFrame']").count() == 1, key
    page.get_by_text("Плановые сделки месяца — ноябрь 2026").wait_for(timeout=10_000)
    page.screenshot(path=str(SHOTS / "leads.png"), full_page=True)


def test_clients_page_search_opens_the_card(page, server: str) -> None:
    _open(page, server, "/clients", "Клиенты")
    _no_exception(page)
    box = page.get_by_placeholder("Название, телефон или e-mail — в любом виде")
    box.fill("8 912 345-67-89")
    box.press("Enter")
    page.get_by_role("heading", name="ООО Альфа · Компания").wait_for(timeout=30_000)
    _settle(page)
    _no_exception(page)
    link = page.get_by_role("link", name="Открыть в Bitrix24 ↗")
    assert link.get_attribute("href") == "https://fixture.bitrix24.ru/crm/company/details/1/"
    page.screenshot(path=str(SHOTS / "clients.png"), full_page=True)


def test_both_pages_in_english(page, server: str) -> None:
    for path, heading in (("/leads?lang=en", "Leads"), ("/clients?lang=en", "Clients")):
        _open(page, server, path, heading)
        _no_exception(page)
    page.screenshot(path=str(SHOTS / "clients_en.png"), full_page=True)


def test_the_sidebar_lists_both_pages(page, server: str) -> None:
    _open(page, server, "/", "Ежедневный обзор")
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.get_by_text("Лиды", exact=True).count() == 1
    assert nav.get_by_text("Клиенты", exact=True).count() == 1
    nav.get_by_text("Лиды", exact=True).click()
    page.get_by_role("heading", name="Лиды").first.wait_for(timeout=30_000)
    _settle(page)
    _no_exception(page)
    assert page.url.rstrip("/").endswith("/leads")
