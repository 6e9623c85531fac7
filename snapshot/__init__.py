"""The DuckDB file's contract (tables, columns, schema version): below the connector that writes it and
the queries that read it, so both look down at it."""
