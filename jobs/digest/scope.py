"""What one recipient may see: every metric runs under their Viewer (queries.viewer_for), the same scope
the dashboard gives them when they sign in, so a digest never holds what its reader may not open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd

from queries import Rules, Viewer, run_metric


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str | None
    kind: Literal["manager", "head"]
    department_ids: tuple[int, ...] = ()  # a head's headed departments (their sub-departments included)
    viewer: Viewer | None = None  # their scope (queries.viewer_for); None only in render-only tests


def scoped(
    name: str, db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules, **kwargs: object
) -> pd.DataFrame:
    """`name` as the recipient sees it (their own rows, or their departments' for a head)."""
    if recipient.viewer is None:
        raise ValueError(f"recipient {recipient.user_id} has no viewer: build it with compose.recipients")
    return run_metric(name, db, as_of=as_of, rules=rules, viewer=recipient.viewer, **kwargs)
