"""URL forms, request encodings and the error shapes of auth, unknown methods, scopes and plan switches."""

from __future__ import annotations

import shutil
import sqlite3

import httpx

from connectors.sandbox.testing import running_sandbox

from .conftest import call, ids


def test_wrong_token_and_wrong_user(sandbox):
    base = sandbox.webhook_url.rsplit("/", 3)[0]
    for url in (
        f"{base}/1/wrongtoken/crm.deal.list",
        sandbox.webhook_url.replace("/rest/1/", "/rest/2/") + "crm.deal.list",
    ):
        r = httpx.post(url, json={})
        assert r.status_code == 401
        assert r.json()["error"] == "NO_AUTH_FOUND"
        assert r.json()["error_description"] == "Wrong authorization data"


def test_unknown_method(client):
    reply = call(client, "crm.deal.lst", status=404)
    assert reply["error"] == "ERROR_METHOD_NOT_FOUND"


def test_method_names_ignore_case_and_json_suffix(client):
    a = call(client, "crm.deal.list", {"select": ["ID"], "start": -1})["result"]
    assert call(client, "CRM.Deal.List.json", {"select": ["ID"], "start": -1})["result"] == a
    assert call(client, "crm.deal.list.json", {"select": ["ID"], "start": -1})["result"] == a


def test_form_encoded_and_get_query_like_php(client, db):
    expected = [
        r[0] for r in db.execute("select ID from deals where ID > 390 and IS_RECURRING = 'N' order by ID")
    ]
    form = client.post(
        "crm.deal.list",
        content="filter%5B%3EID%5D=390&select%5B%5D=ID&order%5BID%5D=ASC",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    get = client.get("crm.deal.list", params={"filter[>ID]": "390", "select[]": "ID", "order[ID]": "ASC"})
    for r in (form, get):
        assert r.status_code == 200 and ids(r.json()["result"]) == expected


def test_every_reply_has_a_time_block(client):
    reply = call(client, "server.time")
    block = reply["time"]
    assert set(block) == {
        "start",
        "finish",
        "duration",
        "processing",
        "date_start",
        "date_finish",
        "operating_reset_at",
        "operating",
    }
    assert block["finish"] >= block["start"] and isinstance(block["operating_reset_at"], int)
    assert block["date_start"].endswith("+03:00") and reply["result"].endswith("+03:00")


def _with_meta(store_path, tmp_path, **meta) -> str:
    copy = shutil.copy2(store_path, tmp_path / "portal.sqlite")
    conn = sqlite3.connect(copy)
    conn.executemany("update meta set VALUE = ? where KEY = ?", [(v, k) for k, v in meta.items()])
    conn.commit()
    conn.close()
    return copy


def test_method_outside_the_webhook_scopes(store_path, tmp_path):
    with running_sandbox(store_path=_with_meta(store_path, tmp_path, scopes="crm")) as sb:
        r = httpx.post(sb.webhook_url + "user.get", json={})
        assert r.status_code == 403 and r.json()["error"] == "insufficient_scope"
        assert httpx.post(sb.webhook_url + "crm.deal.list", json={"start": -1}).status_code == 200
        assert httpx.post(sb.webhook_url + "scope", json={}).json()["result"] == ["crm"]


def test_plan_and_https_switches(sandbox):
    portal = sandbox.portal
    try:
        portal.rest_available = False
        r = httpx.post(sandbox.webhook_url + "server.time")
        assert r.status_code == 403 and r.json()["error"] == "ACCESS_DENIED"
        portal.rest_available, portal.check_http = True, True
        r = httpx.post(sandbox.webhook_url + "server.time")
        assert r.status_code == 400 and r.json()["error"] == "INVALID_REQUEST"
    finally:
        portal.rest_available, portal.check_http = True, False


def test_other_paths_are_not_json(sandbox):
    r = httpx.get(sandbox.base_url + "/")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_stats_count_calls_per_method(store_path):
    with running_sandbox(store_path=store_path) as sb:
        httpx.post(sb.webhook_url + "crm.deal.list", json={"start": -1})
        httpx.post(sb.webhook_url + "batch", json={"cmd": {"a": "crm.deal.list?start=-1", "b": "profile"}})
        assert sb.stats == {"crm.deal.list": 2, "batch": 1, "profile": 1}
