"""The app's data layer: a manager filter applied to the cached team result gives exactly what queries gives
for that manager, for every metric the app filters that way."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.data import ROW_PER_MANAGER
from queries import list_metrics, run_metric
from tests.queries.fixture_db import AS_OF


@pytest.mark.parametrize("name", sorted(ROW_PER_MANAGER & {m.name for m in list_metrics()}))
def test_manager_rows_equal_the_manager_parameter(fixture_db, history_db, name: str) -> None:
    db = history_db if name == "trend" else fixture_db
    team = run_metric(name, db, as_of=AS_OF)
    assert "manager_id" in team.columns
    for manager_id in (1, 2):  # Anna has open and closed deals, Boris incoming and a lost-at-invoice deal
        mine = team[team["manager_id"] == manager_id].reset_index(drop=True)
        direct = run_metric(name, db, as_of=AS_OF, manager_id=manager_id).reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, direct, check_dtype=False)
