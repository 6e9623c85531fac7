"""bench.queries' read-back figure: the time to hand a long list's finished rows over in its own order, the
part of a list's time no query logic can remove. What can go wrong without a wrong figure showing it: rows
read back in another order, or a column changed on the way."""

from __future__ import annotations

import pandas as pd

from bench.queries import read_back


def test_the_rows_come_back_in_the_metrics_order():
    # 500 rows in an order no column gives (the metric's keys are not at hand): they must come back exactly
    # as given, text, numbers, NULLs and all
    rows = pd.DataFrame({
        "deal_id": [(i * 7919) % 500 for i in range(500)],
        "deal_title": [f"Deal {i}" for i in range(500)],
        "amount_base": [float(i % 13) for i in range(500)],
    })
    rows.loc[3, "deal_title"] = None
    back, ms = read_back(rows, repeat=1)
    assert ms >= 0
    assert back["deal_id"].tolist() == rows["deal_id"].tolist()
    titles = back["deal_title"].tolist()
    assert titles[:3] + titles[4:6] == ["Deal 0", "Deal 1", "Deal 2", "Deal 4", "Deal 5"]
    assert pd.isna(titles[3])
    assert back["amount_base"].tolist() == rows["amount_base"].tolist()
    assert back.columns.tolist() == ["deal_id", "deal_title", "amount_base"]


def test_the_benchmark_reads_back_every_long_list_over_its_goal(fixture_db, monkeypatch):
    """measure_metrics as `make bench` runs it, on the hand-built fixture: with a goal of 0 ms and a "long
    list" of one row, every list with a row is over its goal and gets its read-back figure. (The dict of
    figures once shadowed the read_back function, and `make bench` stopped at the first long list.)"""
    import bench.queries
    from queries import list_metrics
    from tests.queries.fixture_db import AS_OF

    monkeypatch.setattr(bench.queries, "LONG_LIST", 1)
    figures, backs = bench.queries.measure_metrics(fixture_db, AS_OF, repeat=1, goal=0)
    assert sorted(figures) == sorted(m.name for m in list_metrics())
    with_rows = {name for name, (_, _, rows) in figures.items() if rows >= 1}
    assert "backlog" in with_rows and sorted(backs) == sorted(with_rows)
    assert all(ms >= 0 for ms in backs.values())
