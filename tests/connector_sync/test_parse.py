"""Value parsing: every empty form to None, offsets honoured, date-only fields rounded, strict failures."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.bitrix24 import parse, streams


@pytest.mark.parametrize("value", [None, "", "  ", [], {}, "null"])
def test_every_empty_form_is_none(value):
    for kind, parser in parse.PARSERS.items():
        assert parser(value) is None, kind


def test_datetime_keeps_the_offset_and_returns_utc():
    assert parse.to_datetime("2024-08-30T14:29:00+02:00") == datetime(2024, 8, 30, 12, 29, tzinfo=UTC)
    assert parse.to_datetime("2024-08-30T01:00:00-05:00") == datetime(2024, 8, 30, 6, 0, tzinfo=UTC)
    assert parse.to_datetime("2024-08-30T14:29:00Z") == datetime(2024, 8, 30, 14, 29, tzinfo=UTC)


def test_year_9999_means_no_deadline():
    assert parse.to_datetime("9999-12-31T00:00:00+03:00") is None
    assert parse.to_date("9999-12-31T00:00:00+03:00") is None


def test_datetime_without_offset_is_rejected():
    with pytest.raises(ValueError, match="offset"):
        parse.to_datetime("2024-08-30T14:29:00")
    with pytest.raises(ValueError):
        parse.to_datetime("30 August")
    with pytest.raises(ValueError):
        parse.to_datetime(1724999999)


@pytest.mark.parametrize("text, expected", [
    ("2024-08-30T02:00:00+02:00", date(2024, 8, 30)),  # docs: UTC midnight written in the server's offset
    ("2024-08-30T00:00:00+03:00", date(2024, 8, 30)),  # local midnight with a positive offset
    ("2024-08-29T19:00:00-05:00", date(2024, 8, 30)),  # negative offset: the wall date reads a day early
    ("2024-08-30T00:00:00-05:00", date(2024, 8, 30)),  # local midnight with a negative offset
    ("2024-08-30T00:00:00+11:00", date(2024, 8, 30)),
    ("2024-08-30", date(2024, 8, 30)),
    ("30.08.2024", date(2024, 8, 30)),  # user fields of type date in the classic format
])
def test_date_only_fields_round_to_the_nearest_utc_day(text, expected):
    assert parse.to_date(text) == expected


def test_slicing_would_be_wrong_for_negative_offsets():
    text = "2024-08-29T19:00:00-05:00"
    assert text[:10] == "2024-08-29"
    assert parse.to_date(text) == date(2024, 8, 30)


def test_numbers_from_strings_and_json_numbers():
    assert parse.to_int("37") == 37
    assert parse.to_int(37) == 37
    assert parse.to_int(" 12 ") == 12
    assert parse.to_int("5.0") == 5
    assert parse.to_int(7.0) == 7
    for bad in ("12a", "1.5", 1.5, True):
        with pytest.raises(ValueError):
            parse.to_int(bad)


def test_links_treat_zero_as_empty_but_plain_ints_do_not():
    assert parse.to_link("0") is None
    assert parse.to_link(0) is None
    assert parse.to_link("15") == 15
    assert parse.to_int("0") == 0  # category 0 is the default pipeline


def test_money_is_decimal_exactly():
    assert parse.to_decimal("19999.99") == Decimal("19999.99")
    assert parse.to_decimal(0.1) == Decimal("0.1")  # from the float's repr, not binary math
    assert parse.to_decimal("1000000.00") == Decimal("1000000.00")
    for bad in ("12,5", "NaN", "inf", "abc", False):
        with pytest.raises(ValueError):
            parse.to_decimal(bad)


def test_booleans_in_all_three_forms():
    assert parse.to_bool("Y") is True
    assert parse.to_bool("N") is False
    assert parse.to_bool(True) is True
    assert parse.to_bool(False) is False
    assert parse.to_bool(1) is True
    assert parse.to_bool("0") is False
    with pytest.raises(ValueError):
        parse.to_bool("maybe")
    with pytest.raises(ValueError):
        parse.to_bool(2)


def test_strings_and_lists():
    assert parse.to_str("Deal") == "Deal"
    assert parse.to_str(15) == "15"
    assert parse.to_int_list([1, "2", 0]) == [1, 2, 0]
    assert parse.to_int_list("3") == [3]
    assert parse.list_of("link")(["0", "5"]) == [5]
    assert parse.list_of("date")(["2024-01-02T00:00:00+03:00"]) == [date(2024, 1, 2)]


def test_utc_offset_from_a_portal_time():
    assert parse.utc_offset_of("2026-11-22T08:53:00+03:00") == "+03:00"
    assert parse.utc_offset_of("2026-11-22T08:53:00-05:30") == "-05:30"
    assert parse.utc_offset_of("2026-11-22T08:53:00Z") == "+00:00"
    assert parse.utc_offset_of("2026-11-22T08:53:00") is None


def test_a_deal_row_parses_to_typed_columns():
    raw = {"ID": "37", "TITLE": "Big deal", "CATEGORY_ID": "0", "STAGE_ID": "C3:NEW",
           "OPPORTUNITY": "19999.99",
           "COMPANY_ID": "0", "LEAD_ID": None, "IS_RECURRING": "N", "CLOSEDATE": "2024-08-30T02:00:00+02:00",
           "DATE_MODIFY": "2024-08-30T14:29:00+02:00", "ASSIGNED_BY_ID": "5", "PROBABILITY": "",
           "COMMENTS": "[b]x[/b]"}
    row = parse.parse_record(raw, streams.DEALS.columns)
    assert row["id"] == 37
    assert row["category_id"] == 0
    assert row["company_id"] is None
    assert row["lead_id"] is None
    assert row["opportunity"] == Decimal("19999.99")
    assert row["is_recurring"] is False
    assert row["closedate"] == date(2024, 8, 30)
    assert row["date_modify"] == datetime(2024, 8, 30, 12, 29, tzinfo=UTC)
    assert row["probability"] is None
    assert row["assigned_by_id"] == 5
    assert "comments" not in row  # not part of the contract (narrow select)


def test_a_bad_record_names_its_field():
    raw = {"ID": "38", "OPPORTUNITY": "lots", "DATE_MODIFY": "2024-08-30T14:29:00+02:00"}
    with pytest.raises(parse.RecordError) as caught:
        parse.parse_record(raw, streams.DEALS.columns)
    assert caught.value.field == "OPPORTUNITY"


def test_an_invoice_row_reads_camel_case():
    raw = {"id": 5, "title": "Invoice #5", "parentId2": 37, "opportunity": 1500.5, "stageId": "DT31_1:P",
           "updatedTime": "2024-09-01T10:00:00+03:00", "begindate": "2024-08-30T00:00:00+03:00",
           "assignedById": 0, "categoryId": 1}
    row = parse.parse_record(raw, streams.INVOICES.columns)
    assert row["parent_id_2"] == 37
    assert row["opportunity"] == Decimal("1500.5")
    assert row["assigned_by_id"] is None
    assert row["begindate"] == date(2024, 8, 30)
    assert row["updated_time"] == datetime(2024, 9, 1, 7, 0, tzinfo=UTC)


def test_user_rows_take_json_booleans_and_arrays():
    raw = {"ID": "1", "ACTIVE": False, "UF_DEPARTMENT": [1, 3], "LAST_LOGIN": "2024-07-25T13:06:54+00:00",
           "DATE_REGISTER": {}, "NAME": "Vadim", "SECOND_NAME": ""}
    row = parse.parse_record(raw, streams.USERS_COLUMNS)
    assert row["active"] is False
    assert row["uf_department"] == [1, 3]
    assert row["date_register"] is None
    assert row["second_name"] is None


def test_stage_rows_derive_pipeline_and_semantics():
    row = streams.parse_stage({"ID": "113", "ENTITY_ID": "DEAL_STAGE_3", "STATUS_ID": "C3:LOSE", "SORT": "70",
                               "SEMANTICS": "F", "SYSTEM": "Y", "CATEGORY_ID": "3",
                               "EXTRA": {"SEMANTICS": "failure"}})
    assert (row["entity_type_id"], row["category_id"], row["semantics"], row["sort"]) == (2, 3, "F", 70)
    default = streams.parse_stage({"ID": "1", "ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "NEW",
                                   "SEMANTICS": None})
    assert (default["category_id"], default["semantics"]) == (0, "P")
    invoice = streams.parse_stage({"ID": "9", "ENTITY_ID": "SMART_INVOICE_STAGE_1", "STATUS_ID": "DT31_1:P"})
    assert (invoice["entity_type_id"], invoice["category_id"]) == (31, 1)


def test_user_field_definitions_type_their_columns():
    option = {"ID": "3151", "VALUE": "Too dear", "SORT": "10", "DEF": "N", "XML_ID": "l1"}
    field = streams.parse_user_field({"ID": "201", "FIELD_NAME": "UF_CRM_LOSS", "USER_TYPE_ID": "enumeration",
                                      "MULTIPLE": "N", "LIST": [option]})
    assert field["column_name"] == "uf_crm_loss"
    assert streams.user_field_sql_type(field) == "BIGINT"
    assert field["options"][0] == {"id": 3151, "value": "Too dear", "sort": 10, "is_default": False,
                                   "xml_id": "l1"}
    multi = streams.parse_user_field({"ID": "202", "FIELD_NAME": "UF_CRM_TAGS", "USER_TYPE_ID": "string",
                                      "MULTIPLE": "Y"})
    assert streams.user_field_sql_type(multi) == "VARCHAR[]"
    with pytest.raises(ValueError):
        streams.parse_user_field({"ID": "203", "FIELD_NAME": "UF_CRM_X; drop table deals"})


# --- issue 15.2: values at the limits of their type reject the record, never escape as another error ------

@pytest.mark.parametrize("parser, value, reason", [
    (parse.to_datetime, "0001-01-01T00:00:00+03:00", "date out of range"),  # year 0 in UTC: OverflowError
    (parse.to_date, "0001-01-01T00:00:00+03:00", "date out of range"),
    (parse.to_date, "31.02.2024", "not a valid date"),
    (parse.to_money, "99999999999999999999.99", "amount out of range"),  # DECIMAL(18,2) holds < 1e16
    (parse.to_money, "-10000000000000000", "amount out of range"),
    (parse.to_int, str(2**63), "integer out of range"),  # BIGINT
    (parse.to_int32, str(2**31), "integer out of range"),  # INTEGER
    (parse.to_int, "1" * 5000, "not an integer"),  # no 5000-digit int parsing
])
def test_values_at_their_limits_raise_value_error(parser, value, reason):
    with pytest.raises(ValueError, match=reason):
        parser(value)


def test_the_largest_values_that_fit_are_kept():
    assert parse.to_money("9999999999999999.99") == Decimal("9999999999999999.99")
    assert parse.to_int(str(2**63 - 1)) == 2**63 - 1
    assert parse.to_int32(str(-(2**31))) == -(2**31)
    assert parse.to_date("0001-01-02T00:00:00+03:00") == date(1, 1, 2)


def test_any_parser_failure_becomes_a_record_error_naming_field_and_value():
    def explodes(value):
        raise OverflowError("boom")

    with pytest.raises(parse.RecordError) as caught:
        parse.parse_record({"ID": "7", "CLOSEDATE": "x"}, {"id": ("ID", parse.to_int),
                                                         "closedate": ("CLOSEDATE", explodes)})
    assert caught.value.field == "CLOSEDATE"
    assert caught.value.error == "OverflowError: 'x'"
    entry = parse.rejection("7", caught.value)
    assert entry == {"id": "7", "field": "CLOSEDATE", "error": "OverflowError: 'x'"}
    with pytest.raises(parse.RecordError):
        parse.parse_record(["not", "a", "dict"], {"id": ("ID", parse.to_int)})


def test_a_rejection_is_one_short_line():
    with pytest.raises(parse.RecordError) as caught:
        parse.parse_record({"TITLE": None, "OPPORTUNITY": "9" * 300 + "\n"},
                           {"opportunity": ("OPPORTUNITY", parse.to_money)})
    entry = parse.rejection(None, caught.value)
    assert entry["id"] is None and "\n" not in entry["error"] and len(entry["error"]) < 100


def test_multifields_become_typed_rows_as_written():
    raw = {
        "PHONE": [{"ID": "156", "VALUE_TYPE": "WORK", "VALUE": "+7 (912) 345-67-89", "TYPE_ID": "PHONE"},
                  {"ID": "157", "VALUE_TYPE": "MOBILE", "VALUE": "", "TYPE_ID": "PHONE"}],  # empty: dropped
        # a PHP array with gaps in its keys comes as an object
        "EMAIL": {"0": {"ID": "158", "VALUE_TYPE": "HOME", "VALUE": "Ivan@Mail.RU ", "TYPE_ID": "EMAIL"}},
    }
    rows = streams.parse_multifields(raw, 3, 42, ("PHONE", "EMAIL"))
    assert rows == [
        {"entity_type_id": 3, "entity_id": 42, "id": 156, "type_id": "PHONE", "value_type": "WORK",
         "value": "+7 (912) 345-67-89"},
        {"entity_type_id": 3, "entity_id": 42, "id": 158, "type_id": "EMAIL", "value_type": "HOME",
         "value": "Ivan@Mail.RU "},  # not trimmed: comparing is the queries' job
    ]
    assert streams.parse_multifields({"ID": "42"}, 3, 42, ("PHONE", "EMAIL")) == []  # none: no key


@pytest.mark.parametrize(("value", "error"), [
    ("+7 912", "not a list of multi-field values: '+7 912'"),
    ([{"ID": "1", "VALUE": ["x"]}], "not a multi-field value: ['x']"),
    ([{"ID": "one", "VALUE": "x"}], "not a multi-field id: 'one'"),
])
def test_a_malformed_multifield_rejects_its_record(value, error):
    with pytest.raises(parse.RecordError) as caught:
        streams.parse_multifields({"PHONE": value}, 1, 7, ("PHONE",))
    assert (caught.value.field, caught.value.error) == ("PHONE", error)
