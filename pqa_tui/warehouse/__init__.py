"""Rollups computed where the events live: generated SQL, the DuckDB engine, the loader."""
