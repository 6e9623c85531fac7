"""Names, titles and errors a hostile CRM user or portal can type are shown as text on every page: never a
live link, a loaded image, HTML or formatting (issue 15 item 4).

Streamlit reads captions, alerts, titles, labels and st.table cells as Markdown; the test reads every such
string of every page the way a CommonMark renderer does and looks for what the hostile values would become.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from streamlit.testing.v1 import AppTest

from dashboard import plain
from tests.dashboard.helpers import no_errors
from tests.dashboard.hostile_db import DIRECTIVES, ERROR, HTML, PHISH, build_hostile_db

PAGES = [None, "my_backlog", "forecast", "conversion", "trends", "about"]
RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# What Streamlit also turns into markup after parsing: GFM autolinks and its own shortcodes
AUTOLINK = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.\w+")
HOSTILE_SHORTCODES = (":smile:", ":material/home:")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_hostile_db(tmp_path_factory.mktemp("hostile") / "crm.duckdb")


@pytest.fixture
def hostile_app(app, hostile_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DOZHIM_DB", str(hostile_db))
    return app


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def rendered(source: str) -> tuple[str, list[str]]:
    """(the text a reader sees, the live markup found: link targets, images, HTML, autolinks, shortcodes)."""
    text, markup = [], []
    for token in _tokens(RENDERER.parse(source)):
        if token.type == "link_open":
            markup.append(str(token.attrs.get("href")))
        elif token.type == "image":
            markup.append(str(token.attrs.get("src")))
        elif token.type in ("html_inline", "html_block"):
            markup.append(token.content)
        elif token.type in ("text", "code_inline"):
            text.append(token.content)
            markup += AUTOLINK.findall(token.content)
            markup += [code for code in HOSTILE_SHORTCODES if code in token.content]
    return "".join(text).replace("\u2060", ""), markup


def markdown_strings(at: AppTest) -> list[str]:
    """Every string of the page that Streamlit reads as Markdown."""
    out = [e.value for kind in ("markdown", "caption", "warning", "info", "error", "success", "title",
                                "subheader", "header") for e in getattr(at, kind)]
    out += [m.label for m in at.metric] + [e.label for e in at.expander]
    widgets = ("selectbox", "segmented_control", "radio", "multiselect")
    out += [w.label for kind in widgets for w in getattr(at, kind)]
    for shown in at.table:
        out += [str(v) for v in shown.value.to_numpy().ravel()]
    return [s for s in out if isinstance(s, str)]


def _evil(markup: list[str]) -> list[str]:
    return [m for m in markup if "evil" in m or m in HOSTILE_SHORTCODES]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_turns_portal_text_into_markup(hostile_app, page: str | None) -> None:
    at = hostile_app(page)
    no_errors(at)
    found = [(s, _evil(rendered(s)[1])) for s in markdown_strings(at)]
    assert [f for f in found if f[1]] == []
    # the failed sync's message (the portal's own error text) is in the warning, as the portal wrote it
    assert any(ERROR in rendered(w.value)[0] for w in at.warning)


@pytest.mark.parametrize("name", [PHISH, HTML, DIRECTIVES])
def test_drill_down_caption_names_the_manager_as_typed(hostile_app, name: str) -> None:
    at = hostile_app(manager=name)  # a shared link to one manager's view (the URL carries the name)
    no_errors(at)
    captions = [c.value for c in at.caption if "·" in c.value]
    assert captions, [c.value for c in at.caption]
    text, markup = rendered(captions[0])
    assert text.startswith(name + " · ")
    assert _evil(markup) == []


def test_plain_md_is_literal_text_for_any_punctuation() -> None:
    nasty = PHISH + " " + HTML + " " + DIRECTIVES + " # h 1. > q ~~s~~ | t | a@evil.com \\ & ! _x_ snake_case"
    text, markup = rendered(plain.md(nasty))
    assert text == nasty and markup == []
    assert plain.md("line one\nline two\t!") == "line one line two \\!"  # one line: no Markdown blocks
    assert plain.md("schema_version") == "schema_version"  # an inner underscore cannot start emphasis


def test_plain_figure_escapes_every_label() -> None:
    fig = plain.figure(go.Figure([go.Bar(name=HTML, y=[HTML, "R&D"], x=[1, 2], orientation="h"),
                                  go.Pie(labels=[PHISH, HTML], values=[1, 2])]))
    bar, pie = fig.data
    assert bar.name.startswith("&lt;img src=") and "<" not in bar.name
    assert list(bar.y) == [plain.chart(HTML), "R&amp;D"]  # Plotly shows &lt; as < and &amp; as &
    assert list(bar.x) == [1, 2]  # numbers untouched
    assert list(pie.labels) == [PHISH, plain.chart(HTML)]


def _chart_texts(at: AppTest) -> list[str]:
    import json

    texts = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec.get("data", []):
            for attr in ("name", "x", "y", "labels", "text"):
                value = trace.get(attr)
                texts += [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]
    return texts


def test_chart_labels_carry_no_html(hostile_app) -> None:
    at = hostile_app("conversion")
    no_errors(at)
    texts = _chart_texts(at)
    assert texts, "the conversion page draws its charts"
    assert not [s for s in texts if "<a " in s or "<img" in s or "<b>" in s]
