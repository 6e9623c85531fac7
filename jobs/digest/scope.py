"""What one recipient may see, as metric filters: the one place to switch to the scope part's Viewer
(CONTRACT-9: run_metric(..., viewer=queries.viewer_for(db, user_id))) once it lands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd

from queries import Rules, run_metric
from queries.runner import metric_info


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str | None
    kind: Literal["manager", "head"]
    department_ids: tuple[int, ...] = ()  # a head's headed departments (their sub-departments included)


def scoped(
    name: str, db: Path | str, recipient: Recipient, as_of: datetime, rules: Rules, **kwargs: object
) -> pd.DataFrame:
    """`name` as the recipient sees it: their own rows (a manager), or their departments' (a head; one
    call per headed department, rows seen twice kept once)."""
    if recipient.kind == "manager":
        return run_metric(name, db, as_of=as_of, rules=rules, manager_id=recipient.user_id, **kwargs)
    frames = [
        run_metric(name, db, as_of=as_of, rules=rules, department_id=dept, **kwargs)
        for dept in recipient.department_ids
    ]
    frames = [f for f in frames if not f.empty] or frames[:1]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    grain = [c for c in metric_info(name).grain if c in frame.columns]
    return frame.drop_duplicates(subset=grain or None, ignore_index=True) if len(frames) > 1 else frame
