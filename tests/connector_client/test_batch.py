from datetime import datetime, timedelta, timezone

from connectors.bitrix24.batch import BatchReply, build_query, command


def test_php_style_query():
    query = build_query({"filter": {">ID": 100, "=IS_RECURRING": "N", "@STAGE_ID": ["NEW", "C3:WON"]},
                         "order": {"ID": "ASC"}, "select": ["ID", "UF_*"], "start": -1, "empty": {}})
    assert query == ("filter[%3EID]=100&filter[%3DIS_RECURRING]=N&filter[%40STAGE_ID][0]=NEW"
                     "&filter[%40STAGE_ID][1]=C3%3AWON&order[ID]=ASC&select[0]=ID&select[1]=UF_%2A&start=-1")


def test_references_stay_verbatim_and_values_are_encoded():
    assert build_query({"filter": {">ID": "$result[c0][items][49][id]"}}) == \
        "filter[%3EID]=$result[c0][items][49][id]"
    moment = datetime(2026, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    assert build_query({"filter": {">=DATE_MODIFY": moment}}) == \
        "filter[%3E%3DDATE_MODIFY]=2026-01-15T09%3A30%3A00%2B03%3A00"
    assert build_query({"a": True, "b": False, "c": None, "d": "x y&z"}) == "a=1&b=0&c=&d=x%20y%26z"
    assert command("user.current", {}) == "user.current"


def test_reply_accepts_lists_for_empty_maps():
    reply = BatchReply.from_reply({"result": {"result": [], "result_error": [], "result_total": [],
                                              "result_next": [], "result_time": []}, "time": {"duration": 1}})
    assert (reply.result, reply.errors, reply.total, reply.next, reply.time) == ({}, {}, {}, {}, {})
    assert reply.batch_time == {"duration": 1}
    listed = BatchReply.from_reply({"result": {"result": [[{"ID": "1"}], []],
                                               "result_error": {"2": "boom"}}})
    assert listed.result == {"0": [{"ID": "1"}], "1": []}  # a `cmd` sent as a list comes back keyed 0..n
    assert listed.errors == {"2": {"error": "", "error_description": "boom"}}
    assert BatchReply.from_reply({"result": None}).result == {}
