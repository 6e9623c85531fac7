"""Locale formats, reason codes in words, and the CSV / Excel files of a list."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pandas as pd

from dashboard import formatting as f
from dashboard.tables import to_csv, to_excel

NB = "\u00a0"


def test_numbers_and_money_in_both_languages() -> None:
    assert f.number(1234567.5, "ru", 1) == f"1{NB}234{NB}567,5"
    assert f.number(1234567.5, "en", 1) == "1,234,567.5"
    assert f.money(1234, "RUB", "ru") == f"1{NB}234{NB}₽"
    assert f.money(1234, "RUB", "en") == "₽1,234"
    assert f.money(-50, "USD", "en") == "−$50"
    assert f.compact_number(18_456_000, "ru") == f"18,5{NB}млн"
    assert f.compact_number(34_000, "ru") == f"34{NB}тыс."
    assert f.compact_number(380_000, "en") == "380K"
    assert f.percent(1 / 3, "ru") == f"33{NB}%"
    assert f.percent(1 / 3, "en") == "33%"
    assert f.signed(-2, "ru") == "-2" and f.signed(3, "en") == "+3" and f.signed(0, "en") == "0"
    assert f.integer(None, "ru") == "" and f.money(float("nan"), "RUB", "ru") == ""


def test_dates_in_the_portal_time_zone() -> None:
    tz = f.portal_tz("+03:00")
    moment = datetime(2026, 11, 20, 21, 30, tzinfo=UTC)  # 00:30 next day in Moscow
    assert f.moment(moment, tz, "ru") == "21.11.2026 00:30"
    assert f.moment(moment, tz, "en") == "Nov 21, 2026 12:30 AM"
    assert f.month("2026-11", "ru") == "ноябрь 2026"
    assert f.month("2026-11", "en") == "November 2026"
    assert f.portal_tz("Europe/Moscow").utcoffset(moment) == timedelta(hours=3)
    assert f.portal_tz("nonsense") == UTC
    assert f.age(timedelta(hours=3, minutes=10), "ru") == f"3{NB}ч 10{NB}мин"
    assert f.age(timedelta(days=2), "en") == "2 days"


def test_csv_and_excel_of_a_list() -> None:
    frame = pd.DataFrame({
        "Сделка": ["Поставка", "Аудит"], "Сумма, ₽": [1000.5, 20.0],
        "Срок": pd.to_datetime(["2026-11-19 20:59", "2026-11-20 07:00"]).tz_localize("UTC").tz_convert(
            f.portal_tz("+03:00")),
    })
    csv = to_csv(frame).decode("utf-8-sig")
    assert csv.splitlines()[0] == "Сделка,\"Сумма, ₽\",Срок"
    book = openpyxl.load_workbook(io.BytesIO(to_excel(frame)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("Сделка", "Сумма, ₽", "Срок")
    assert rows[1][:2] == ("Поставка", 1000.5)
    assert rows[1][2] == datetime(2026, 11, 19, 23, 59)  # portal-local wall time


def test_day_and_month_for_a_sentence_in_the_portal_time_zone() -> None:
    # Babel's CLDR skeletons: ru `dM` -> `02.11`, en `MMMd` -> `Nov 2`; 21:30 UTC on 11 Nov is already 12 Nov
    # in Moscow (+03:00), the day the manager saw
    tz = f.portal_tz("+03:00")
    assert f.day_month(datetime(2026, 11, 11, 21, 30, tzinfo=UTC), tz, "ru") == "12.11"
    assert f.day_month(datetime(2026, 11, 11, 21, 30, tzinfo=UTC), tz, "en") == "Nov 12"
    assert f.day_month(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tz, "ru") == "02.11"
    assert f.day_month(None, tz, "ru") == ""
