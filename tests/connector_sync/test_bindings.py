"""Deal bindings of activities a deal does not own: the grid of listings, its fallback, the packed pages."""

from __future__ import annotations

import sqlite3

import pytest

from connectors.bitrix24 import bindings
from connectors.bitrix24.paginate import collect_ids

from .conftest import db_rows, fast_client, store_rows, sync

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("count", [1, 2, 7, 400, 401, 160_001])
def test_every_deal_sits_on_one_row_and_one_column_that_cross_only_there(count):
    deals = list(range(1000, 1000 + count))
    grid = bindings.Grid.of(deals)
    where: dict[int, list[str]] = {}
    for key, line in grid.lines().items():
        assert 0 < len(line) <= bindings.MAX_PAIRS  # a command's pairs stay under max_input_vars
        for deal in line:
            where.setdefault(deal, []).append(key)
    cells = set()
    for deal in deals:
        row, col = sorted(where[deal], key=lambda k: k[0] == "c")
        assert (row[0], col[0]) == ("r", "c")
        assert grid.crossing(int(row[1:]), int(col[1:])) == deal
        cells.add((row, col))
    assert len(cells) == count  # two deals never share both a row and a column


def test_packed_listings_return_exactly_what_each_filter_matches(sandbox):
    """Listings of very different lengths packed into shared batches, the long one over several."""
    deals = [r[0] for r in store_rows(sandbox, 'select "ID" from deals order by 1 limit 3')]
    filters = {"all": {"BINDINGS": [{"OWNER_TYPE_ID": 2}]},
               **{f"d{d}": {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": d}]} for d in deals},
               "none": {"BINDINGS": [{"OWNER_TYPE_ID": 2, "OWNER_ID": 10**9}]}}
    client = fast_client(sandbox.webhook_url)
    found = collect_ids(client, "crm.activity.list", filters, stream="test")
    requests = client.stats.requests["test"]
    client.close()
    every = {r[0] for r in store_rows(sandbox, 'select "ACTIVITY_ID" from activity_bindings '
                                               'where "OWNER_TYPE_ID" = 2')}
    assert found["all"] == every and len(every) > 50 * 50  # more than one batch of pages
    for d in deals:
        bound = store_rows(sandbox, 'select "ACTIVITY_ID" from activity_bindings '
                                    'where "OWNER_TYPE_ID" = 2 and "OWNER_ID" = ?', [d])
        assert found[f"d{d}"] == {r[0] for r in bound} != set()
    assert found["none"] == set()
    # the long listing needs len(every) // 50 + 1 pages, the short ones one each: packed tightly that is
    # `tight` batches; room a batch has left over goes to every listing still open, so at most one more
    tight = -(-(len(every) // 50 + 1 + len(deals) + 1) // 50)
    assert tight <= requests <= tight + 1


def test_activities_bound_to_two_deals_are_asked_one_by_one(sandbox, tmp_path):
    """The grid cannot tell where an activity bound to two deals belongs: crm.activity.binding.list says."""
    deals = [r[0] for r in store_rows(sandbox, 'select "ID" from deals order by 1')]
    unbound = store_rows(sandbox, 'select a."ID", b."OWNER_ID" from activities a join activity_bindings b '
                                  'on b."ACTIVITY_ID" = a."ID" and b."OWNER_TYPE_ID" = 2 '
                                  'where a."OWNER_TYPE_ID" != 2 order by 1 limit 2')
    (first, first_deal), (second, second_deal) = unbound
    # 400 deals in a 20 x 20 square: the next deal sits on the same row, the one 21 further on another row
    # and another column
    same_row = deals[deals.index(first_deal) ^ 1]
    elsewhere = deals[(deals.index(second_deal) + 21) % len(deals)]
    conn = sqlite3.connect(str(sandbox.store_path))
    with conn:
        conn.executemany('insert into activity_bindings ("ACTIVITY_ID", "OWNER_TYPE_ID", "OWNER_ID") '
                         'values (?, 2, ?)', [(first, same_row), (second, elsewhere)])
    conn.close()
    result = sync(sandbox, tmp_path / "crm.duckdb")
    portal = store_rows(sandbox, 'select "ACTIVITY_ID", "OWNER_ID" from activity_bindings '
                                 'where "OWNER_TYPE_ID" = 2 order by 1, 2')
    assert db_rows(tmp_path / "crm.duckdb",
                   "select activity_id, deal_id from activity_bindings order by 1, 2") == portal
    ours = db_rows(tmp_path / "crm.duckdb", "select deal_id from activity_bindings where activity_id = ? "
                                            "order by 1", [first])
    assert ours == sorted([(first_deal,), (same_row,)])
    # one batch of listings, then one crm.activity.binding.list batch for the two
    assert result.requests["activity_bindings"] == 2


def test_find_by_id_only_lines_gives_what_asking_each_gives(sandbox):
    """An incremental run's way: the activities are listed already, rows and columns bring IDs only."""
    deals = [r[0] for r in store_rows(sandbox, 'select "ID" from deals order by 1')]
    unbound = [r[0] for r in store_rows(sandbox, 'select a."ID" from activities a '
                                                 'where a."OWNER_TYPE_ID" != 2 and exists ('
                                                 '  select 1 from activity_bindings b '
                                                 '  where b."ACTIVITY_ID" = a."ID" and b."OWNER_TYPE_ID" = 2'
                                                 ') order by 1')]
    client = fast_client(sandbox.webhook_url)
    by_lines = bindings.find(client, unbound, deals)
    requests = client.stats.requests[bindings.STREAM]
    each = bindings.ask_each(client, unbound)
    client.close()
    assert sorted((p["activity_id"], p["deal_id"]) for p in by_lines.pairs) == sorted(
        (p["activity_id"], p["deal_id"]) for p in each.pairs) != []
    # the small store's count (about 85) depends on the minute it was built: more than one batch of 50
    assert by_lines.by_grid == len(unbound) > 50
    # 40 listings of a few IDs each: one batch; asking each takes two
    assert requests == 1 < -(-len(unbound) // 50)
