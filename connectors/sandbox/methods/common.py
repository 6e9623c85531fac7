"""Shared pieces of the classic list methods: rendering rows and describing fields."""

from __future__ import annotations

import sqlite3
from typing import Any

from connectors.sandbox import render
from connectors.sandbox.fields import Field
from connectors.sandbox.listing import Column


def classic_row(row: sqlite3.Row, cols: list[Column], offset: str) -> dict[str, Any]:
    return {c.api: render.classic(c.type, row[c.store], offset, c.multiple) for c in cols}


def item_row(row: sqlite3.Row, cols: list[Column], offset: str) -> dict[str, Any]:
    return {c.api: render.item(c.type, row[c.store], offset, c.multiple) for c in cols}


def field_info(f: Field) -> dict[str, Any]:
    """One entry of `crm.deal.fields` / `crm.activity.fields`."""
    info: dict[str, Any] = {"type": f.type, "isRequired": False, "isReadOnly": f.read_only,
                            "isImmutable": False, "isMultiple": f.multiple, "isDynamic": False,
                            "title": f.title}
    if f.status_type:
        info["statusType"] = f.status_type
    return info
