"""Plotly charts in the app's look: the theme's colours, locale number separators, no toolbar clutter; a
manager keeps one colour of their own on every chart, whatever the filter shows."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data, plain
from dashboard.i18n import lang, t

BLUE = "#2FC6F6"  # Bitrix24 blue, the theme's primary colour
NAVY = "#1F4E79"
RED = "#FF5752"
GREY = "#A8ADB4"
GREEN = "#9DCF00"
PALETTE = [BLUE, NAVY, GREEN, "#FFA900", RED, "#7C59D5", GREY, "#00B8A9"]
# One colour per manager: the theme's eight, then colours from Plotly's qualitative sets (Dark24, Alphabet,
# Light24, Set1, ...) kept only when at least 22 CIELAB units (ΔE 1976) from every colour before them and
# dark enough to read on a white page (L* <= 85): 33 colours, any two told apart at a glance.
SERIES = [
    *PALETTE, "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#222A2A", "#B68100", "#750D86",
    "#511CFB", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#862A16", "#620042", "#1616A7", "#DA60CA",
    "#6C4516", "#AF0038", "#3283FE", "#1C8356", "#C4451C", "#DEA0FD", "#F8A19F", "#B00068",
]
DASHES = ["solid", "dash", "dot"]  # past 33 managers the colours come round again, dashed, then dotted


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
    """An axis for whole counts: integer ticks only (no `0, 0, 1, 1` from fractional steps), at most about
    eight, on a round step (a team's 424 gets 0, 100, ... 400, not 0, 53, 106), thousands grouped with the
    language's separator (style(): `300 000`, `300,000`)."""
    top = max([float(v) for v in values if not pd.isna(v)] or [1])  # a day without the rule is NA
    return {"tickformat": ",d", "dtick": round_step(top / 8), "rangemode": "tozero"}


def round_step(least: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least `least`."""
    scale = 1
    while True:
        for step in (scale, 2 * scale, 5 * scale):
            if step >= least:
                return step
        scale *= 10


def series_style(place: int) -> tuple[str, str]:
    """The colour and line dash of the series in this place: 33 colours, then the same dashed, then dotted."""
    return SERIES[place % len(SERIES)], DASHES[(place // len(SERIES)) % len(DASHES)]


def manager_places() -> dict[str, int]:
    """Each manager's name (also as marked when dismissed) -> their place among all the portal's managers
    by id. The whole list, not the filtered one, so a manager's place is the same under every filter; a
    new manager (a higher id) takes a new place and moves nobody."""
    managers = data.metric("managers").sort_values("manager_id")
    places: dict[str, int] = {}
    for place, name in enumerate(managers["manager_name"].astype(str)):
        places.setdefault(name, place)
        places.setdefault(t("dismissed_mark", name=name), place)
    return places


def colour_managers(fig: go.Figure) -> go.Figure:
    """A line or bar series named after a manager, with no colour of its own, gets the manager's colour
    (Plotly's colorway would colour by position in this figure, which changes with the filter)."""
    places: dict[str, int] | None = None
    for trace in fig.data:
        if trace.type not in ("scatter", "bar") or trace.marker.color is not None:
            continue
        if trace.type == "scatter" and trace.line.color is not None:
            continue
        places = manager_places() if places is None else places
        place = places.get(str(trace.name))
        if place is None:
            continue
        trace.update(manager_look(place, trace.type))
    return fig


def manager_look(place: int, kind: str = "scatter") -> dict[str, Any]:
    """The trace properties of the manager in this place (series_style): the marker's colour, and for a
    line its colour and dash. A chart of many managers passes them when it makes each trace: setting them
    afterwards costs Plotly a check per property (0.3-0.6 s for 401 lines)."""
    colour, dash = series_style(place)
    look: dict[str, Any] = {"marker": {"color": colour}}
    if kind == "scatter":
        look["line"] = {"color": colour, "dash": dash}
    return look


def show(fig: go.Figure, key: str, **kwargs: Any) -> None:
    """Draw a figure: managers in their own colours; its labels (manager, stage and reason names from the
    portal) as plain text."""
    st.plotly_chart(style(plain.figure(colour_managers(fig)), **kwargs), key=key,
                    config={"displaylogo": False}, width="stretch")
