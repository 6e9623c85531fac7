"""The deal card at /crm/deal/details/<id>/ (issue 8): the demo's deal links land on the deal's title, stage,
amount and manager; an unknown id is a 404; everything from the store is HTML-escaped."""

from __future__ import annotations

import sqlite3
from html import escape

import httpx
import pytest

from connectors.sandbox.testing import running_sandbox

HTTP = httpx.Client(timeout=30)


def page(sb, path: str) -> httpx.Response:
    return HTTP.get(sb.base_url + path)


def test_a_deal_page_shows_title_stage_amount_and_manager(sandbox, db):
    deal = db.execute('select "ID", "TITLE", "OPPORTUNITY", "CURRENCY_ID", "STAGE_ID", "CATEGORY_ID", '
                      '"ASSIGNED_BY_ID" from deals where "CATEGORY_ID" <> 0 order by "ID" limit 1').fetchone()
    entity = f"DEAL_STAGE_{deal['CATEGORY_ID']}"
    stage = db.execute('select "NAME" from statuses where "ENTITY_ID" = ? and "STATUS_ID" = ?',
                       (entity, deal["STAGE_ID"])).fetchone()[0]
    user = db.execute('select "NAME", "LAST_NAME" from users where "ID" = ?',
                      (deal["ASSIGNED_BY_ID"],)).fetchone()
    reply = page(sandbox, f"/crm/deal/details/{deal['ID']}/")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    text = reply.text
    amount = f"{deal['OPPORTUNITY']} {deal['CURRENCY_ID']}"
    for shown in (stage, f"{user['NAME']} {user['LAST_NAME']}", amount):
        assert f"<dd>{escape(shown)}</dd>" in text
    assert f"<h1>{escape(deal['TITLE'])}</h1>" in text


@pytest.mark.parametrize("path", ["/crm/deal/details/999999999/", "/crm/deal/details/abc/",
                                  "/crm/deal/details/", "/crm/deal/details/1/extra/",
                                  "/crm/deal/details/99999999999999999999999/"])
def test_an_unknown_deal_is_404(sandbox, path):
    reply = page(sandbox, path)
    assert reply.status_code == 404 and "не найдена" in reply.text


def test_everything_on_the_page_is_escaped(store_path):
    hostile = "<script>alert('x')</script> & \"Ко\" <img src=x onerror=alert(1)>"
    with running_sandbox(store_path=store_path) as sb:
        conn = sqlite3.connect(str(sb.store_path))
        with conn:
            deal, manager = conn.execute('select "ID", "ASSIGNED_BY_ID" from deals '
                                         'order by "ID" limit 1').fetchone()
            conn.execute('update deals set "TITLE" = ?, "OPPORTUNITY" = ? where "ID" = ?',
                         (hostile, "<b>1</b>", deal))
            conn.execute('update users set "NAME" = ?, "LAST_NAME" = ? where "ID" = ?',
                         ("<i>Ivan</i>", "</dd><script>", manager))
        conn.close()
        text = page(sb, f"/crm/deal/details/{deal}/").text
    assert "<script" not in text and "<img" not in text and "<b>" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Ко&quot;" in text
    assert "&lt;i&gt;Ivan&lt;/i&gt; &lt;/dd&gt;&lt;script&gt;" in text
