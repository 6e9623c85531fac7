"""Where the SQL files live and how a script of several statements is split (shared by the modules that
run scripts: context for _base.sql, derived for _derived.sql, history for _history.sql)."""

from __future__ import annotations

import re
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


def split_statements(sql: str) -> list[str]:
    """Split a script on ';' at line ends (our SQL never has ';' inside strings)."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip()]
