"""Every page's address answers (issue 8 item 9): Streamlit serves the default page at `/` only, so `/daily`
was "Page not found". The browser test opens `/daily` for real; here, the addresses registered in each state
of the app (AppTest has no way to request a URL path, so this reads the registry st.navigation filled)."""

from __future__ import annotations

from pathlib import Path

PATHS = {"daily", "backlog", "leads", "clients", "forecast", "conversion", "trends", "about"}


def _addresses(at) -> dict[str, str]:
    """URL path -> the page file it runs (AppTest keeps the pages st.navigation registered)."""
    return {info["url_pathname"]: Path(info["script_path"]).name for info in at._registered_pages.values()}


def test_every_page_has_its_address_and_home_is_the_daily_review(app) -> None:
    at = app()
    addresses = _addresses(at)
    assert set(addresses) == PATHS | {""}
    assert addresses[""] == addresses["daily"] == "daily_review.py"
    assert addresses["about"] == "about.py"


def test_before_the_first_sync_every_address_explains_how_to_make_one(app, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DOZHIM_DB", str(tmp_path / "missing.duckdb"))
    at = app()
    addresses = _addresses(at)
    assert set(addresses) == PATHS | {""}
    assert set(addresses.values()) == {"setup.py"}  # a bookmark of any page lands on the first-run page
