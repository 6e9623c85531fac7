"""Small readers of an AppTest's output, so the tests read like what a person sees."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.audit_rows import export_audit  # noqa: F401 - the dashboard tests import it from here


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


def chart_data(at: AppTest, index: int = 0) -> list[dict[str, Any]]:
    """The traces of the page's index-th Plotly chart as drawn, numeric arrays decoded (Plotly sends them
    as {"dtype", "bdata"}: base64 of the raw values) to plain lists."""
    traces = json.loads(at.get("plotly_chart")[index].proto.spec)["data"]
    for trace in traces:
        for axis in ("x", "y"):
            value = trace.get(axis)
            if isinstance(value, dict) and "bdata" in value:
                trace[axis] = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return traces


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [t.value for t in at.title] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


def shown(at: AppTest, key: str) -> pd.DataFrame:
    """What the table shown by dashboard.tables.show(key=...) displays: the Styler's display values (the
    strings a user reads), else the data itself."""
    from streamlit import dataframe_util

    box = at.container(f"table_{key}")
    assert box.dataframe, f"table {key!r} is empty: {[c.value for c in box.caption]}"
    proto = box.dataframe[0].proto
    if proto.arrow_data.HasField("styler") and proto.arrow_data.styler.display_values:
        return dataframe_util.convert_arrow_bytes_to_pandas_df(proto.arrow_data.styler.display_values)
    return box.dataframe[0].value


def every_shown_text(at: AppTest) -> list[str]:
    """Every string on the page a user could read: texts, tiles, widget labels and every table cell."""
    from streamlit import dataframe_util

    parts = texts(at).splitlines() + [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    parts += [str(m.delta) for m in at.metric if m.delta is not None]
    for frame in at.dataframe:
        proto = frame.proto
        if proto.arrow_data.HasField("styler") and proto.arrow_data.styler.display_values:
            values = dataframe_util.convert_arrow_bytes_to_pandas_df(proto.arrow_data.styler.display_values)
        else:
            values = frame.value
        parts += [str(v) for v in values.to_numpy().ravel()]
    return parts


