"""batch: references between commands, the short-page trap, halt, errors behind HTTP 200, limits on length."""

from __future__ import annotations

from urllib.parse import quote

from .conftest import call, ids


def batch(client, cmd, halt=0, status=200) -> dict:
    return call(client, "batch", {"halt": halt, "cmd": cmd}, status=status)


def test_chained_keyset_pages_follow_result_references(client, db):
    cmd = {"p0": "crm.activity.list?order[ID]=ASC&select[]=ID&start=-1&filter[>ID]=0"}
    for i in range(1, 5):
        cmd[f"p{i}"] = (
            f"crm.activity.list?order[ID]=ASC&select[]=ID&start=-1&filter[>ID]=$result[p{i - 1}][49][ID]"
        )
    reply = batch(client, cmd)["result"]
    got = [i for key in cmd for i in ids(reply["result"][key])]
    assert got == [r[0] for r in db.execute("select ID from activities order by ID limit 250")]
    assert reply["result_error"] == [] and reply["result_total"] == [] and reply["result_next"] == []
    assert set(reply["result_time"]) == set(cmd)
    assert {"operating", "operating_reset_at", "start", "finish"} <= set(reply["result_time"]["p3"])


def test_short_page_trap_substitutes_the_whole_page(client, db):
    """`[49]` after a 20-row page does not fail: the filter gets garbage and rows come back again."""
    last_ids = [
        r[0] for r in db.execute("select ID from deals where IS_RECURRING = 'N' order by ID desc limit 20")
    ]
    cut = min(last_ids) - 1
    cmd = {
        "a": f"crm.deal.list?order[ID]=ASC&select[]=ID&start=-1&filter[>ID]={cut}",
        "b": "crm.deal.list?order[ID]=ASC&select[]=ID&start=-1&filter[>ID]=$result[a][49][ID]",
    }
    reply = batch(client, cmd)["result"]
    first, second = ids(reply["result"]["a"]), ids(reply["result"]["b"])
    assert first == sorted(last_ids)
    assert second and set(second) <= set(first)  # repeated rows, no error anywhere
    assert reply["result_error"] == []


def test_totals_nexts_and_other_references(client, db):
    visible = db.execute("select count(*) from deals where IS_RECURRING = 'N'").fetchone()[0]
    cmd = {
        "list": "crm.deal.list?select[]=ID&order[ID]=ASC&start=0",
        "again": "crm.deal.list?select[]=ID&order[ID]=ASC&start=$next[list]",
        "one": "crm.deal.get?id=$result[list][3][ID]",
        "text": "crm.deal.list?select[]=ID&filter[TITLE]=deal $total[list]",
    }
    reply = batch(client, cmd)["result"]
    assert reply["result_total"]["list"] == visible and reply["result_next"] == {"list": 50, "again": 100}
    assert ids(reply["result"]["again"]) == ids(
        call(client, "crm.deal.list", {"select": ["ID"], "order": {"ID": "ASC"}, "start": 50})["result"]
    )
    assert reply["result"]["one"]["ID"] == reply["result"]["list"][3]["ID"]
    assert reply["result"]["text"] == []  # a title "deal 398": the reference was spliced into the text


def test_errors_come_back_with_200_and_halt_stops(client):
    cmd = {
        "ok": "crm.deal.list?select[]=ID&start=-1",
        "bad": "crm.deal.get?id=999999",
        "missing": "no.such.method",
        "after": "server.time",
    }
    reply = batch(client, cmd)["result"]
    assert set(reply["result"]) == {"ok", "after"}
    assert reply["result_error"]["bad"] == {"error": "", "error_description": "Not found"}
    assert reply["result_error"]["missing"]["error"] == "ERROR_METHOD_NOT_FOUND"
    halted = batch(client, cmd, halt=1)["result"]
    assert list(halted["result"]) == ["ok"] and list(halted["result_error"]) == ["bad"]


def test_cmd_as_list_gives_lists_and_method_case_is_ignored(client):
    reply = batch(
        client, ["crm.deal.List?select[]=ID&start=-1", "SERVER.TIME", "crm.deal.list.json?start=-1"]
    )
    assert isinstance(reply["result"]["result"], list) and len(reply["result"]["result"]) == 3


def test_length_limit_and_no_batch_in_batch(client):
    too_long = {f"c{i}": "server.time" for i in range(51)}
    reply = call(client, "batch", {"cmd": too_long}, status=400)
    assert reply["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"
    nested = batch(client, {"inner": "batch?cmd[x]=server.time"})["result"]
    assert nested["result_error"]["inner"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"


def test_url_encoded_cmd_and_item_wrapper_reference(client, db):
    first = quote(">id")
    cmd = {
        "a": f"crm.item.list?entityTypeId=31&order[id]=ASC&select[]=id&start=-1&filter[{first}]=0",
        "b": f"crm.item.list?entityTypeId=31&order[id]=ASC&select[]=id&start=-1"
        f"&filter[{first}]=%24result%5Ba%5D%5Bitems%5D%5B49%5D%5Bid%5D",
    }
    reply = batch(client, cmd)["result"]
    got = [r["id"] for key in ("a", "b") for r in reply["result"][key]["items"]]
    assert got == [r[0] for r in db.execute("select ID from invoices order by ID limit 100")]
