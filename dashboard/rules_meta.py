"""What the app knows about the rules: their order, the scorecard's columns, and which scorecard cells are
marked as broken (the thresholds themselves are applied in queries/, the app only reads the verdicts)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

# Rule list metrics, in the backlog's priority order (most urgent first).
RULES = ("unprocessed_incoming", "overdue_activities", "invoice_stuck", "no_next_activity", "stale_deals",
         "overaged_deals")
# The order of the scorecard's rule columns and tiles (the order of the metrics issue).
SCORE_RULES = ("overaged_deals", "stale_deals", "no_next_activity", "overdue_activities",
               "unprocessed_incoming", "invoice_stuck")
SCORE_COLUMNS = ("manager_name", "active_deals", *SCORE_RULES, "won_deals", "won_amount", "lost_deals",
                 "win_rate")

Mark = Callable[[pd.Series], pd.Series]


def _positive(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").fillna(0) > 0


def scorecard_marks(score: pd.DataFrame) -> dict[str, Mark]:
    """Column -> which of its cells are red: any violation count above zero, and `active_deals` where the
    manager is below the minimum (the `below_minimum` verdict comes from the scorecard itself)."""
    marks: dict[str, Mark] = {rule: _positive for rule in SCORE_RULES}
    if "below_minimum" in score.columns:
        low = score["below_minimum"].fillna(False).astype(bool)
        marks["active_deals"] = lambda s: low.reindex(s.index).fillna(False)
    return marks
