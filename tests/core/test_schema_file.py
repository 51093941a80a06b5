"""docs/schema.sql shows the schema the migrations build, and stays equal to it."""

from __future__ import annotations

import re
from pathlib import Path

from pqa_tui.schema import SCHEMA_VERSION
from pqa_tui.store import open_db, schema_sql

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schema.sql"


def test_docs_schema_sql_is_what_the_migrations_build(db_path):
    db = open_db(db_path)
    built = schema_sql(db)
    db.close()
    assert built == SCHEMA_FILE.read_text(), (
        "docs/schema.sql differs from what pqa_tui/schema.py's migrations build: "
        "run `python scripts/write_schema.py` and commit docs/schema.sql"
    )


def test_schema_sql_lists_every_table_by_name_with_its_indexes_and_triggers(db):
    text = schema_sql(db)
    assert text.startswith(f"-- The schema of a pqa-tui database at version {SCHEMA_VERSION}:")
    tables = [r[0] for r in db.conn.execute("select name from sqlite_master where type='table'")]
    assert re.findall(r'^CREATE TABLE "?(\w+)"? \(', text, re.MULTILINE) == sorted(tables)
    activity, trigger, next_table = (
        text.index(s)
        for s in (
            "CREATE TABLE activity (",
            "CREATE TRIGGER activity_no_update",
            "CREATE TABLE demo",
        )
    )
    assert activity < trigger < next_table
    assert text.count("CREATE INDEX rollups_metric_day") == 1  # dropped and rebuilt: once
