"""Strings from the portal (names, titles, stage names, the portal's error text) shown as plain text.

Any CRM user can name a deal or themselves `[Bitrix24 login](http://evil/phish) ![p](http://evil/x.png)`.
Streamlit reads captions, alerts, titles, widget labels and st.table cells as Markdown, and Plotly reads chart
labels as a little HTML, so such a name would become a live link and a loaded tracking image. Every portal
string goes through one of these before it reaches a Markdown or chart context (table cells of st.dataframe
are drawn as text already; exports have their own rules in dashboard/exports.py).
"""

from __future__ import annotations

import string
from typing import Any

import plotly.graph_objects as go

# CommonMark: any ASCII punctuation character may be backslash-escaped and then is a literal character;
# that stops links, images, HTML, emphasis, blocks and Streamlit's directives (`:red[...]`, `$...$`). Some
# rewriting happens after parsing, on plain text: GFM autolinks (`http://`, `www.`, `a@b.c`) and Streamlit's
# shortcodes (`:smile:`, `:material/home:`). A word joiner (U+2060: invisible, no width) beside each `:`,
# `.` and `@` keeps those patterns from matching.
_WJ = "\u2060"
_MARKDOWN = {ord(c): "\\" + c for c in string.punctuation}
_MARKDOWN.update({ord(":"): "\\:" + _WJ, ord("."): _WJ + "\\.", ord("@"): _WJ + "\\@"})
_CHART = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}


def _one_line(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())  # newlines and tabs would start Markdown blocks


def md(value: Any) -> str:
    """A portal string for a Markdown context (st.caption, st.warning, st.title, labels, st.table cells):
    shown exactly as typed, on one line, never as a link, an image, HTML or formatting."""
    text = _one_line(value)
    return "".join(ch if _inside_word(text, i) else ch.translate(_MARKDOWN) for i, ch in enumerate(text))


def _inside_word(text: str, i: int) -> bool:
    """An underscore between two letters or digits (`schema_version`) can neither open nor close emphasis
    (CommonMark 6.2), so it stays as it is and the text stays searchable."""
    return text[i] == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def chart(value: Any) -> str:
    """A portal string for a Plotly label (trace name, category, tick, hover): `<a href>` and friends are
    shown as typed, not drawn as a link."""
    return _one_line(value).translate(_CHART)


def figure(fig: go.Figure) -> go.Figure:
    """Every text a figure's traces carry (names, categories, labels, hover texts) made plain, in place."""
    for trace in fig.data:
        for attr in ("name", "x", "y", "labels", "text", "hovertext"):
            value = getattr(trace, attr, None)
            if isinstance(value, str):
                trace[attr] = chart(value)
            elif value is not None and _has_text(value):
                trace[attr] = [chart(v) if isinstance(v, str) else v for v in value]
    return fig


def _has_text(values: Any) -> bool:
    try:
        return any(isinstance(v, str) for v in values)
    except TypeError:
        return False
