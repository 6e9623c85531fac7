"""Moved to snapshot/schema.py (contract 5). Kept only until tests/queries/fixture_db.py and
bench/queries.py import from `snapshot.schema`; nothing in connectors/ uses it."""

from snapshot.schema import MONEY, SCHEMA_VERSION, TABLES, USER_FIELD_TYPES, ddl

__all__ = ["MONEY", "SCHEMA_VERSION", "TABLES", "USER_FIELD_TYPES", "ddl"]
