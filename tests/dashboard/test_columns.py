"""Every column a page names is one its metric states (queries.metric_columns): the app never guesses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import columns
from queries import metric_columns


@pytest.mark.parametrize("uses", columns.everything(), ids=lambda u: f"{u.metric}:{','.join(u.shown[:2])}")
def test_every_named_column_is_stated_by_its_metric(uses: columns.Uses) -> None:
    stated = set(metric_columns(uses.metric))
    missing = [c for c in (*uses.shown, *uses.read) if c not in stated]
    assert not missing, f"{uses.metric} does not state {missing}"


def test_every_metric_a_page_reads_is_in_the_list() -> None:
    # a metric read outside columns.py would escape the check above (about.py is the sync history's page)
    root = Path(columns.__file__).parent
    used = {u.metric for u in columns.everything()}
    for module in [*root.glob("*.py"), *root.glob("views/*.py")]:
        if module.name == "about.py":
            continue
        for metric in re.findall(r"metric\(\s*\"(\w+)\"", module.read_text(encoding="utf-8")):
            assert metric in used, f"{module.name} reads {metric}, which columns.py does not list"


def test_drill_down_shows_what_justifies_a_row_before_who_owns_it() -> None:
    # at 1440 px the columns after the first seven scroll out of sight: they were the invoice rule's halves,
    # the activity's deadline, the reason. Now the deal, then its evidence, then manager, stage and amount.
    from dashboard.columns import DRILL, FORECAST_FLAGS, OWNER

    for uses in (*DRILL.values(), FORECAST_FLAGS):
        shown = uses.shown
        assert shown[:2] == ("deal_title", "deal_url"), uses.metric
        assert shown[-len(OWNER):] == OWNER, uses.metric
        assert "reason" in shown[2:-len(OWNER)], uses.metric
