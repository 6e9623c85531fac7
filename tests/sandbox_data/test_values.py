"""Values sit in the store in the forms fields.py promises (what the server renders as Bitrix24 does)."""

from __future__ import annotations

import json
import re

import pytest

from connectors.sandbox.fields import ACTIVITY_FIELDS, DEAL_FIELDS, INVOICE_FIELDS, USER_FIELDS
from connectors.sandbox.store import connect

DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
MONEY = re.compile(r"^\d+\.\d\d$")
PATTERNS = {"datetime": DATETIME, "date": DATE, "double": MONEY}


@pytest.fixture(scope="module")
def db(small_store):
    conn = connect(small_store)
    yield conn
    conn.close()


@pytest.mark.parametrize(
    "table, fields", [("deals", DEAL_FIELDS), ("activities", ACTIVITY_FIELDS), ("invoices", INVOICE_FIELDS)]
)
def test_typed_columns_have_their_form(db, table, fields):
    for f in fields:
        values = [r[0] for r in db.execute(f'select distinct "{f.name}" from {table}')]
        pattern = PATTERNS.get(f.type)
        if pattern:
            bad = [v for v in values if v is not None and not pattern.match(v)]
            assert bad == [], (table, f.name, bad[:3])
        elif f.type == "char":
            assert set(values) <= {"Y", "N"}, (table, f.name, values)
        elif f.type in ("integer", "user"):
            assert all(v is None or isinstance(v, int) for v in values), (table, f.name)


def test_column_names_are_the_rest_names(db):
    for table, fields in (
        ("deals", DEAL_FIELDS),
        ("activities", ACTIVITY_FIELDS),
        ("invoices", INVOICE_FIELDS),
        ("users", USER_FIELDS),
    ):
        cols = [r[1] for r in db.execute(f"pragma table_info({table})")]
        assert cols[: len(fields)] == [f.name for f in fields]
    deal_cols = [r[1] for r in db.execute("pragma table_info(deals)")]
    ufs = [r[0] for r in db.execute("select FIELD_NAME from deal_userfields")]
    assert deal_cols[len(DEAL_FIELDS) :] == ufs


def test_incoming_channel_activities_have_no_deadline(db):
    deadlines = {r[0] for r in db.execute("select DEADLINE from activities where IS_INCOMING_CHANNEL = 'Y'")}
    assert deadlines == {"9999-12-31T00:00:00+03:00"}


def test_calls_and_meetings_copy_start_time_into_deadline(db):
    rows = db.execute(
        "select count(*) from activities where PROVIDER_ID in ('CRM_MEETING', 'VOXIMPLANT_CALL') "
        "and IS_INCOMING_CHANNEL = 'N' and DEADLINE != START_TIME"
    ).fetchone()[0]
    assert rows == 0


def test_activity_kinds(db):
    kinds = {tuple(r) for r in db.execute("select distinct PROVIDER_ID, TYPE_ID from activities")}
    assert kinds == {
        ("VOXIMPLANT_CALL", 2),
        ("CRM_EMAIL", 4),
        ("CRM_MEETING", 1),
        ("CRM_TODO", 6),
        ("IMOPENLINES_SESSION", 6),
    }
    directions = {tuple(r) for r in db.execute("select distinct PROVIDER_ID, DIRECTION from activities")}
    assert ("VOXIMPLANT_CALL", 1) in directions and ("VOXIMPLANT_CALL", 2) in directions
    assert ("CRM_EMAIL", 1) in directions and ("CRM_EMAIL", 2) in directions
    assert (
        db.execute("select count(*) from activities where COMPLETED = 'Y' and STATUS != 2").fetchone()[0] == 0
    )


def test_users(db):
    for active, dept, stamp in db.execute("select ACTIVE, UF_DEPARTMENT, TIMESTAMP_X from users"):
        assert active in (0, 1)
        assert isinstance(json.loads(dept), list) and all(isinstance(d, int) for d in json.loads(dept))
        assert stamp == "{}"
    names = [r[0] for r in db.execute("select LAST_NAME from users")]
    assert all(re.match(r"^[А-ЯЁ][а-яё]+$", n) for n in names)


def test_currencies_and_userfields(db):
    cur = {r[0]: tuple(r) for r in db.execute("select * from currencies")}
    assert cur["RUB"][2:5] == ("1.0000", 100, "Y") and cur["USD"][4] == "N"
    assert float(cur["USD"][2]) > 1
    uf = {r["FIELD_NAME"]: r for r in db.execute("select * from deal_userfields")}
    options = json.loads(uf["UF_CRM_LOSS_REASON"]["LIST_JSON"])
    assert uf["UF_CRM_LOSS_REASON"]["USER_TYPE_ID"] == "enumeration"
    assert {"ID", "VALUE", "SORT", "DEF", "XML_ID"} == set(options[0])
    used = {
        r[0]
        for r in db.execute(
            "select distinct UF_CRM_LOSS_REASON from deals where UF_CRM_LOSS_REASON is not null"
        )
    }
    assert used and used <= {int(o["ID"]) for o in options}
    assert uf["UF_CRM_CITY"]["USER_TYPE_ID"] == "string"


def test_meta(db):
    meta = {r[0]: r[1] for r in db.execute("select KEY, VALUE from meta")}
    assert meta["portal_host"] == "sandbox.bitrix24.test" and meta["webhook_user_id"] == "1"
    assert len(meta["webhook_token"]) >= 16 and meta["scopes"] == "crm,user,department"
    assert DATETIME.match(meta["now"]) and meta["utc_offset"] == "+03:00"
    assert (meta["seed"], meta["size"]) == ("7", "small")
    for key, table in (
        ("next_deal_id", "deals"),
        ("next_activity_id", "activities"),
        ("next_invoice_id", "invoices"),
        ("next_stage_history_id", "stage_history"),
    ):
        assert int(meta[key]) > db.execute(f"select max(ID) from {table}").fetchone()[0]


def test_store_is_wal(db):
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
