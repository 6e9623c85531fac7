"""The sandbox's portal page, over HTTP: sign in as a user, open the app in a frame whose document POSTs the
application form (AUTH_ID, REFRESH_ID, member_id, ...) to the app, the install URL on the first open, as
Bitrix24 opens a local application (docs: local-integrations/serverside-local-app-with-ui.md,
settings/oauth/simple-way.md). Names are HTML-escaped; tokens never reach a log."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sandbox.oauth import APPLICATION_TOKEN, MEMBER_ID
from connectors.sandbox.testing import RunningSandbox, running_sandbox

from .conftest import T0, FakeTime

REPO = Path(__file__).resolve().parents[2]
FIELDS = ["AUTH_ID", "AUTH_EXPIRES", "REFRESH_ID", "SERVER_ENDPOINT", "APPLICATION_TOKEN",
          "APPLICATION_SCOPE", "member_id", "status", "PLACEMENT", "PLACEMENT_OPTIONS"]


class Tags(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def posted_form(html: str) -> tuple[dict[str, str], dict[str, str]]:
    """(the form's attributes, its hidden fields) of the frame's document."""
    tags = Tags(html)
    (form,) = tags.all("form")
    return form, {i["name"]: i["value"] for i in tags.all("input")}


@pytest.fixture
def portal(store_path, fake_time: FakeTime) -> Iterator[RunningSandbox]:
    """A fresh portal (the app not installed yet) on the fake clock."""
    with running_sandbox(store_path=store_path, copy_store=False, timer=fake_time.timer) as sb:
        yield sb


@contextmanager
def signed_in(portal: RunningSandbox, user_id: int) -> Iterator[httpx.Client]:
    """A browser signed in to the portal as the user (httpx keeps the Set-Cookie)."""
    with httpx.Client(base_url=portal.base_url, timeout=30) as client:
        r = client.get("/portal/", params={"as": str(user_id)})
        assert r.status_code == 303 and r.headers["location"] == "/portal/"
        yield client


def test_portal_page_signs_in_as_a_user_with_a_cookie_and_out_again(portal, db):
    with httpx.Client(base_url=portal.base_url, timeout=30) as web:
        page = web.get("/portal/")
        assert page.status_code == 200 and "Вы не вошли" in page.text
        links = [a["href"] for a in Tags(page.text).all("a")]
        active = [r["ID"] for r in db.execute('select "ID" from users where "ACTIVE" = 1 order by "ID"')]
        sign_in_links = [link for link in links if link.startswith("/portal/?as=")]
        assert sign_in_links == [f"/portal/?as={i}" for i in active]
        assert "/portal/app/" in links  # the left menu's app item
        r = web.get("/portal/", params={"as": "2"})
        cookie = r.headers["set-cookie"]
        assert r.status_code == 303 and cookie.startswith("sandbox_portal_user=2;")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        name = db.execute('select "NAME", "LAST_NAME" from users where "ID" = 2').fetchone()
        assert f"Вы вошли как <b>{name['NAME']} {name['LAST_NAME']}</b>" in web.get("/portal/").text
        web.get("/portal/", params={"as": "0"})
        assert "Вы не вошли" in web.get("/portal/").text


def test_portal_refuses_a_dismissed_or_unknown_user_and_ignores_a_forged_cookie(portal, db):
    (dismissed,) = db.execute('select "ID" from users where "ACTIVE" = 0').fetchone()
    with httpx.Client(base_url=portal.base_url, timeout=30) as web:
        for choice in (str(dismissed), "9999", "abc"):
            r = web.get("/portal/", params={"as": choice})
            assert r.status_code == 400 and "set-cookie" not in r.headers
        web.cookies.set("sandbox_portal_user", str(dismissed))
        assert "Вы не вошли" in web.get("/portal/").text
        assert web.get("/portal/app/frame/").status_code == 403


def test_the_app_page_frames_the_sandboxs_form_page(portal):
    with httpx.Client(base_url=portal.base_url, timeout=30) as web:
        r = web.get("/portal/app/")
        assert r.status_code == 303 and r.headers["location"] == "/portal/"  # sign in first
    with signed_in(portal, 5) as web:
        (frame,) = Tags(web.get("/portal/app/").text).all("iframe")
        assert frame["src"] == "/portal/app/frame/" and frame["name"] == "app-frame"


def test_the_first_open_posts_the_install_call_then_the_handler(portal, fake_time):
    host = urlsplit(portal.base_url).netloc
    with signed_in(portal, 5) as web:
        first = web.get("/portal/app/frame/")
        assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
        form, fields = posted_form(first.text)
        action = urlsplit(form["action"])
        assert (form["method"], form["target"]) == ("post", "_self")
        assert (action.scheme, action.netloc, action.path) == ("http", "localhost:8501", "/b24/install")
        query = {k: v[0] for k, v in parse_qs(action.query).items()}
        assert re.fullmatch(r"[0-9a-f]{32}", query.pop("APP_SID"))
        assert query == {"DOMAIN": host, "PROTOCOL": "0", "LANG": "ru"}
        assert list(fields) == FIELDS
        assert {k: fields[k] for k in FIELDS[1:] if k != "REFRESH_ID"} == {
            "AUTH_EXPIRES": "3600", "SERVER_ENDPOINT": f"{portal.base_url}/rest/",
            "APPLICATION_TOKEN": APPLICATION_TOKEN, "APPLICATION_SCOPE": "crm,user,department",
            "member_id": MEMBER_ID, "status": "L", "PLACEMENT": "DEFAULT", "PLACEMENT_OPTIONS": "{}"}
        assert "document.getElementById('b24form').submit()" in first.text
        fake_time.advance(60)
        second_form, second = posted_form(web.get("/portal/app/frame/").text)
        assert urlsplit(second_form["action"]).path == "/b24/app"
        assert second["AUTH_ID"] != fields["AUTH_ID"] and second["REFRESH_ID"] != fields["REFRESH_ID"]
        for token in (fields["AUTH_ID"], second["AUTH_ID"]):  # each a live token of the signed-in user
            assert web.get("/rest/profile.json", params={"auth": token}).json()["result"]["ID"] == "5"
        info = web.get("/rest/app.info", params={"auth": second["AUTH_ID"]}).json()["result"]
        assert info["INSTALLED"] is True


def test_the_frames_refresh_id_is_a_refresh_token(portal):
    with signed_in(portal, 4) as web:
        _, fields = posted_form(web.get("/portal/app/frame/").text)
        r = web.post("/oauth/token/", data={
            "grant_type": "refresh_token", "client_id": "local.dozhim.sandbox",
            "client_secret": "sandbox-demo-secret", "refresh_token": fields["REFRESH_ID"]})
        assert r.status_code == 200 and r.json()["user_id"] == 4 and r.json()["expires"] == int(T0) + 3600


def test_app_url_moves_the_handler_install_and_callback(store_path, fake_time):
    with (running_sandbox(store_path=store_path, copy_store=False, timer=fake_time.timer,
                          app_url="https://dozhim.example.com:8443/b24/app", app_installed=True) as sb,
          signed_in(sb, 3) as web):
        form, _ = posted_form(web.get("/portal/app/frame/").text)
        assert form["action"].startswith("https://dozhim.example.com:8443/b24/app?DOMAIN=")
        r = web.get("/oauth/authorize/", params={"client_id": "local.dozhim.sandbox", "user_id": "3"})
        assert r.headers["location"].startswith("https://dozhim.example.com:8443/b24/callback?code=")


def test_user_names_are_escaped_on_every_page(store_path, fake_time, tmp_path):
    store = tmp_path / "portal.sqlite"
    src, dst = sqlite3.connect(store_path), sqlite3.connect(store)
    src.backup(dst)
    dst.execute("""update users set "NAME" = '<script>alert(1)</script>', "LAST_NAME" = '"&Co'
                   where "ID" = 3""")
    dst.execute("""update departments set "NAME" = '<b>Отдел</b>' where "UF_HEAD" = '3'""")
    dst.commit()
    src.close()
    dst.close()
    with (running_sandbox(store_path=store, copy_store=False, timer=fake_time.timer,
                          app_installed=True) as sb,
          signed_in(sb, 3) as web):
        pages = [web.get(p).text for p in ("/portal/", "/portal/app/")]
        pages.append(web.get("/oauth/authorize/", params={"client_id": "local.dozhim.sandbox"}).text)
    for page in pages:
        assert "<script>alert" not in page and "<b>Отдел</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;Co" in page
    assert "&lt;b&gt;Отдел&lt;/b&gt;" in pages[0]


def test_tokens_never_reach_the_log_or_stderr(portal, caplog, capfd):
    caplog.set_level(logging.DEBUG, logger="connectors")  # the sandbox's loggers (httpx here is the client)
    with signed_in(portal, 5) as web:
        _, fields = posted_form(web.get("/portal/app/frame/").text)
        code = parse_qs(urlsplit(web.get("/oauth/authorize/", params={
            "client_id": "local.dozhim.sandbox", "user_id": "5"}).headers.get("location", "")).query)
        web.get("/rest/profile", params={"auth": fields["AUTH_ID"]})
        web.get("/rest/profile", params={"auth": "forged-token"})
    out, err = capfd.readouterr()
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("connectors"))
    for secret in (fields["AUTH_ID"], fields["REFRESH_ID"], "forged-token", "sandbox-demo-secret",
                   *code.get("code", [])):
        assert secret not in server_log and secret not in out and secret not in err


def test_cli_refuses_a_bad_app_url_in_one_line():
    cmd = [sys.executable, "-m", "connectors.sandbox", "--port", "0", "--app-url", "localhost"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --app-url") and proc.stderr.strip().count("\n") == 0


def test_a_broken_store_gets_a_one_line_500_and_the_server_keeps_serving(store_path, fake_time, tmp_path):
    store = tmp_path / "broken.sqlite"
    src, dst = sqlite3.connect(store_path), sqlite3.connect(store)
    src.backup(dst)
    dst.execute("drop table departments")  # the people query joins it
    dst.commit()
    src.close()
    dst.close()
    with (running_sandbox(store_path=store, copy_store=False, timer=fake_time.timer) as sb,
          httpx.Client(base_url=sb.base_url, timeout=30) as web):
        r = web.get("/portal/")
        assert r.status_code == 500 and "Traceback" not in r.text
        assert len(Tags(r.text).all("p")) == 1
        assert web.post(sb.webhook_url + "server.time").status_code == 200


@contextmanager
def cli_portal(store: Path, cwd: Path, *args: str) -> Iterator[str]:
    """`python -m connectors.sandbox` on the store in `cwd`, until the block ends; yields its base URL."""
    cmd = [sys.executable, "-m", "connectors.sandbox", "--port", "0", "--store", str(store), "--no-limits",
           *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        webhook = proc.stdout.readline().strip()
        assert webhook.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else ""
        parts = urlsplit(webhook)
        yield f"{parts.scheme}://{parts.netloc}"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err


def first_open(base_url: str, user_id: int = 5) -> str:
    """The path the frame's form posts to on the user's first open in this run."""
    with httpx.Client(base_url=base_url, timeout=30) as web:
        web.get("/portal/", params={"as": str(user_id)})
        form, _ = posted_form(web.get("/portal/app/frame/").text)
    return urlsplit(form["action"]).path


def test_a_state_file_remembers_the_install_across_restarts(store_path, tmp_path):
    state = tmp_path / "portal" / "portal-state.json"  # its directory is made on the install call
    with cli_portal(store_path, tmp_path, "--state", str(state)) as base_url:
        assert not state.exists()  # nothing installed, nothing written at start
        assert first_open(base_url) == "/b24/install"
        assert json.loads(state.read_text()) == {"installed": ["local.dozhim.sandbox"]}
    with cli_portal(store_path, tmp_path, "--state", str(state)) as base_url:
        assert first_open(base_url, user_id=3) == "/b24/app"  # a restarted portal: straight to the handler
        r = httpx.get(f"{base_url}/oauth/authorize/", params={"client_id": "local.dozhim.sandbox"})
        assert r.status_code == 200  # the standalone sign-in works at once, as after the install call
    assert json.loads(state.read_text()) == {"installed": ["local.dozhim.sandbox"]}


def test_only_state_writes_and_only_its_file(store_path, tmp_path):
    """Without --state the portal forgets the install at a restart and writes nothing (the tests' harness
    relies on a first open being the install call); with it, the file and no leftover."""
    for _ in range(2):
        with cli_portal(store_path, tmp_path) as base_url:
            assert first_open(base_url) == "/b24/install"
    assert list(tmp_path.iterdir()) == []
    with cli_portal(store_path, tmp_path, "--state", "state.json") as base_url:
        assert first_open(base_url) == "/b24/install"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # the temporary file went by os.replace


def test_app_installed_needs_no_state_file_and_writes_none(store_path, tmp_path):
    state = tmp_path / "state.json"
    with cli_portal(store_path, tmp_path, "--state", str(state), "--app-installed") as base_url:
        assert first_open(base_url) == "/b24/app"
    assert not state.exists()
