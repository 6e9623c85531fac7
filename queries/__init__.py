"""Dozhim metrics: the rules of deal work as SQL (queries/sql/*.sql), run by a thin shared runner.

    from queries import load_rules, list_metrics, metric_columns, run_metric, snapshot_info
    from queries import Rules, RulesError, QueryError
"""

from queries.rules import FollowupRule, PipelineRules, Rules, RulesError, load_rules
from queries.runner import (
    MetricInfo,
    QueryError,
    SnapshotInfo,
    list_metrics,
    metric_columns,
    run_metric,
    snapshot_info,
)

__all__ = ["FollowupRule", "MetricInfo", "PipelineRules", "QueryError", "Rules", "RulesError", "SnapshotInfo",
           "list_metrics", "load_rules", "metric_columns", "run_metric", "snapshot_info"]
