"""CSV and Excel downloads: nothing in them runs as a formula, control characters cannot break the Excel file,
and numbers are rounded and formatted as the page shows them (issue 15 items 3 and 5, issue 8 item 9)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard import formatting, tables
from queries import run_metric
from tests.dashboard.hostile_db import CONTROL, FORMULA_DDE, FORMULA_LINK, build_hostile_db
from tests.queries.fixture_db import AS_OF

MSK = formatting.portal_tz("+03:00")
TITLES = [FORMULA_LINK, FORMULA_DDE, "+1+1", "-2+3", "@SUM(A1)", "\tTab first", "\rCR first", "Plain deal"]


def _frame() -> pd.DataFrame:
    """One row per title; amounts negative and positive, a share of 1/6, an instant, a count with a gap."""
    n = len(TITLES)
    return pd.DataFrame({
        "deal_title": TITLES,
        "amount_base": [-1500.456] + [1234.5678] * (n - 1),
        "win_rate": [1 / 6] * n,
        "deadline": pd.to_datetime(["2026-11-19 20:59"] * n).tz_localize("UTC").tz_convert(MSK),
        "won_deals": [3.0, None] + [1.0] * (n - 2),
    })


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_csv_neutralises_formulas_and_keeps_numbers_numbers() -> None:
    shown, kinds = tables.for_export(_frame())
    rows = _csv_rows(tables.to_csv(shown, kinds))
    assert rows[0] == ["Сделка", "Сумма, ₽", "Конверсия", "Срок", "Выиграно"]
    titles = [r[0] for r in rows[1:]]
    # OWASP: a cell that starts with = + - @ tab or CR gets a leading single quote; others stay as typed
    assert titles == ["'" + t for t in TITLES[:-1]] + ["Plain deal"]
    assert rows[1][1] == "-1500.46"  # a negative amount is a number, rounded to kopecks, no quote
    assert rows[2][1] == "1234.57"
    assert rows[1][2] == "0.17"  # 1/6 shown as 17 %: two places of the share
    assert rows[1][3] == "2026-11-19 23:59"  # portal-local wall time (20:59 UTC + 3 h), to the minute
    assert [r[4] for r in rows[1:3]] == ["3", ""]  # a count is a whole number, an empty one is empty


def test_excel_writes_text_as_strings_never_formulas() -> None:
    shown, kinds = tables.for_export(_frame())
    data = tables.to_excel(shown, kinds)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # not one formula cell in the file
    sheet = _sheet(data)
    cells = [sheet.cell(row=r, column=1) for r in range(2, len(TITLES) + 2)]
    # the title reads as typed (Excel's quote prefix, not a '); XML reads a CR back as a line feed
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in TITLES]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True] * 7 + [False]


def test_excel_numbers_have_formats_and_are_rounded() -> None:
    shown, kinds = tables.for_export(_frame())
    sheet = _sheet(tables.to_excel(shown, kinds))
    amount, share, deadline, won = (sheet.cell(row=2, column=c) for c in (2, 3, 4, 5))
    assert (amount.value, amount.number_format) == (-1500.46, "#,##0.00")
    assert (share.value, share.number_format) == (0.17, "0%")
    assert (deadline.value, deadline.number_format) == (datetime(2026, 11, 19, 23, 59), "DD.MM.YYYY HH:MM")
    assert (won.value, won.number_format) == (3, "#,##0")
    assert sheet.cell(row=3, column=5).value is None  # the missing count stays an empty cell


def test_excel_survives_control_characters() -> None:
    frame = pd.DataFrame({"deal_title": [CONTROL, "Null\x00byte"]})
    shown, kinds = tables.for_export(frame)
    sheet = _sheet(tables.to_excel(shown, kinds))  # openpyxl raised IllegalCharacterError here before
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == ["Belland escape in a title", "Nullbyte"]
    assert "Belland escape" in tables.to_csv(shown, kinds).decode("utf-8-sig")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_db(tmp_path_factory.mktemp("exports") / "crm.duckdb")


def test_a_real_list_with_a_hostile_title_downloads_safely(hostile_db: Path) -> None:
    # Anna's two overaged deals (fixture: D101 111 days, D104 90 days + 1 min) are titled as formulas
    deals = run_metric("overaged_deals", hostile_db, as_of=AS_OF, manager_id=1)
    shown, kinds = tables.for_export(tables.prepare(deals, ["deal_title", "amount_base"], MSK))
    titles = sorted(r[0] for r in _csv_rows(tables.to_csv(shown, kinds))[1:])
    assert titles == sorted(["'" + FORMULA_LINK, "'+1+1"])
    sheet = _sheet(tables.to_excel(shown, kinds))
    assert sorted(sheet.cell(row=r, column=1).value for r in (2, 3)) == sorted([FORMULA_LINK, "+1+1"])


def test_scorecard_win_rate_is_rounded_as_shown(tmp_path: Path) -> None:
    from tests.queries.fixture_db import build_fixture_db

    db = build_fixture_db(tmp_path / "crm.duckdb")
    score = run_metric("scorecard", db, as_of=AS_OF)
    shown, kinds = tables.for_export(tables.prepare(score, ["manager_name", "win_rate", "won_amount"], MSK))
    rows = {r[0]: r[1:] for r in _csv_rows(tables.to_csv(shown, kinds))[1:]}
    assert rows["Boris Petrov"] == ["0.33", "180000.0"]  # 1 won of 3 closed (fixture) = 33 %
    sheet = _sheet(tables.to_excel(shown, kinds))
    boris = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Boris Petrov")
    assert (boris[1].value, boris[1].number_format) == (0.33, "0%")
    assert (boris[2].value, boris[2].number_format) == (180000, "#,##0.00")
