"""The errors every part of queries/ raises: each message is one line, never a traceback."""

from __future__ import annotations


class QueryError(RuntimeError):
    """A metric cannot run: missing or foreign database, unknown metric. The message is one line."""


class ViewerError(QueryError):
    """The user cannot be a viewer: "user 99 is not in the snapshot", "user 9 is dismissed"."""


class ScopeError(QueryError):
    """A filter or a metric asks for what the viewer may not see."""
