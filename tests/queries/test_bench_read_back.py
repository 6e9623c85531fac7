"""bench.queries' read-back figure: the time to hand a long list's finished rows over in its own order, the
part of a list's time no query logic can remove. Its two pieces that can go wrong without a wrong figure
showing it: the order it sorts by, and an ORDER BY it cannot run on the finished rows."""

from __future__ import annotations

import pandas as pd

from bench.queries import final_order_by, read_back_ms


def test_the_order_is_the_metrics_own_last_clause():
    # close_date_pushes.sql ends with this clause on its own line; client_search's last ORDER BY is followed
    # by LIMIT 50 (it picks the rows, it is not the list's order) and stays in the metric
    assert final_order_by("close_date_pushes") == "\norder by snapshot_date desc, deal_id"
    assert final_order_by("client_search") == ""


def test_an_order_on_the_metrics_own_aliases_reads_the_rows_as_they_are():
    # duplicates ends with `order by m.position`: m is its CTE, not a column of the finished rows. Before the
    # fallback this raised duckdb's BinderException and stopped the benchmark; now a figure comes back.
    rows = pd.DataFrame({"entity_id": [2, 1], "match_kind": ["phone", "email"]})
    assert read_back_ms(rows, final_order_by("duplicates"), repeat=1) >= 0
    assert read_back_ms(rows, "\norder by entity_id", repeat=1) >= 0
