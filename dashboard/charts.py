"""Plotly charts in the app's look: the theme's colours, locale number separators, no toolbar clutter."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import plain
from dashboard.i18n import lang

BLUE = "#2FC6F6"  # Bitrix24 blue, the theme's primary colour
NAVY = "#1F4E79"
RED = "#FF5752"
GREY = "#A8ADB4"
GREEN = "#9DCF00"
PALETTE = [BLUE, NAVY, GREEN, "#FFA900", RED, "#7C59D5", GREY, "#00B8A9"]


def style(fig: go.Figure, *, height: int = 360, legend: bool = True) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10}, colorway=PALETTE,
        separators=", " if lang() == "ru" else ".,",  # decimal mark, then thousands separator
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0} if legend else None,
        showlegend=legend,
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def count_axis(values: Any) -> dict[str, Any]:
    """An axis for whole counts: integer ticks only (no `0, 0, 1, 1` from fractional steps)."""
    top = max([float(v) for v in values if not pd.isna(v)] or [1])  # a day without the rule is NA
    return {"tickformat": "d", "dtick": max(1, math.ceil(top / 8)), "rangemode": "tozero"}


def show(fig: go.Figure, key: str, **kwargs: Any) -> None:
    """Draw a figure; its labels (manager, stage and reason names from the portal) as plain text."""
    st.plotly_chart(style(plain.figure(fig), **kwargs), key=key, config={"displaylogo": False},
                    width="stretch")
