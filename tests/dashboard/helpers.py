"""Small readers of an AppTest's output, so the tests read like what a person sees."""

from __future__ import annotations

from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deltas(at: AppTest) -> dict[str, Any]:
    return {m.label: m.delta for m in at.metric}


def table(at: AppTest, key: str) -> pd.DataFrame:
    """The data behind the table shown by dashboard.tables.show(key=...) (a Styler's data when styled)."""
    box = at.container(f"table_{key}")
    assert box.dataframe, f"table {key!r} is empty: {[c.value for c in box.caption]}"
    return box.dataframe[0].value


def widget(at: AppTest, kind: str, key: str) -> Any:
    for w in getattr(at, kind):
        if w.key == key:
            return w
    raise AssertionError(f"no {kind} {key!r}")


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [t.value for t in at.title] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)
