"""PHP-style parameter parsing, as Bitrix24 reads form bodies, query strings and batch commands."""

from __future__ import annotations

from urllib.parse import urlencode

from connectors.sandbox.params import parse_php_query, php_int, php_str


def test_nested_maps_lists_and_appends():
    query = "filter%5B%3EID%5D=100&select%5B%5D=ID&select%5B%5D=TITLE&order%5BID%5D=ASC&start=-1"
    assert parse_php_query(query) == {
        "filter": {">ID": "100"},
        "select": ["ID", "TITLE"],
        "order": {"ID": "ASC"},
        "start": "-1",
    }


def test_numbered_keys_become_lists_mixed_keys_stay_maps():
    parsed = parse_php_query(urlencode({"cmd[0]": "a", "cmd[1]": "b", "f[logic]": "OR", "f[0][id]": "1"}))
    assert parsed == {"cmd": ["a", "b"], "f": {"logic": "OR", "0": {"id": "1"}}}


def test_fast_bitrix24_encoding_round_trips():
    from fast_bitrix24.utils import http_build_query

    params = {"filter": {">=DATE_MODIFY": "2026-01-01T00:00:00+03:00", "@ID": [1, 2]}, "select": ["ID"]}
    assert parse_php_query(http_build_query(params)) == {
        "filter": {">=DATE_MODIFY": "2026-01-01T00:00:00+03:00", "@ID": ["1", "2"]},
        "select": ["ID"],
    }


def test_php_casts():
    assert php_int("12abc") == 12 and php_int("abc") == 0 and php_int([{"ID": 1}]) == 1 and php_int(None) == 0
    assert php_str([1]) == "Array" and php_str(True) == "1" and php_str(None) == ""
