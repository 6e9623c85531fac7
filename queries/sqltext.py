"""Where the SQL files live and how a script of several statements is split (shared by the modules that
run scripts: context for _base.sql, derived for _derived.sql, history for _history.sql)."""

from __future__ import annotations

import re
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


def split_statements(sql: str) -> list[str]:
    """Split a script on ';' at line ends, a comment after it allowed (our SQL never has ';' inside strings):
    read as part of the line, `...;  -- a note` joined two statements into one, and the second's objects
    were never created."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";[ \t]*(?:--[^\n]*)?(?:\n|$)", body) if s.strip()]


def without_final_order_by(sql: str) -> str:
    """`sql` without its last clause when that is an ORDER BY on a line of its own (our SQL's layout): a sort
    that changes nothing where the rows are only counted or kept as a view. Kept when a LIMIT or a bracket
    follows it (then it decides which rows there are, or is not the statement's own)."""
    at = sql.rfind("\norder by ")
    tail = sql[at:] if at >= 0 else ""
    if not tail or any(word in tail.lower() for word in ("limit", "offset", ")")):
        return sql
    return sql[:at]
