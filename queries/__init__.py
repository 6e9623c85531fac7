"""Dozhim metrics: the rules of deal work as SQL (queries/sql/*.sql), run by a thin shared runner.

    from queries import load_rules, list_metrics, metric_columns, run_metric, snapshot_info
    from queries import Rules, RulesError, QueryError
    from queries import Viewer, viewer_for, ScopeError, ViewerError   # who sees what (queries/roles.py)
"""

from queries.errors import QueryError, ScopeError, ViewerError
from queries.roles import Role, Viewer, viewer_for, visible_manager_ids
from queries.rules import Access, FollowupRule, PipelineRules, Rules, RulesError, load_rules
from queries.runner import (
    MetricInfo,
    SnapshotInfo,
    list_metrics,
    metric_columns,
    run_metric,
    snapshot_info,
)

__all__ = ["Access", "FollowupRule", "MetricInfo", "PipelineRules", "QueryError", "Role", "Rules",
           "RulesError", "ScopeError", "SnapshotInfo", "Viewer", "ViewerError", "list_metrics", "load_rules",
           "metric_columns", "run_metric", "snapshot_info", "viewer_for", "visible_manager_ids"]
