"""Rewrite docs/schema.sql: the schema the migrations build, as a new database gets it.

Run it after adding a migration to pqa_tui/schema.py (tests/core/test_schema_file.py fails until
you do): ``python scripts/write_schema.py``.
"""

from __future__ import annotations

from pathlib import Path

from pqa_tui.store import open_db, schema_sql

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "docs" / "schema.sql"


def main() -> None:
    db = open_db(":memory:")
    SCHEMA_FILE.write_text(schema_sql(db))
    db.close()
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
