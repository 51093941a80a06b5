"""`pqa ingest --engine duckdb`: gzip and Parquet inputs, and rejects reported as ingest does."""

from __future__ import annotations

import gzip
import json
import shutil

import duckdb
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.store import open_db

runner = CliRunner()
ROLLUPS = "select account_id, day, metric, round(value, 6) from rollups order by 1, 2, 3"


def engine(db_path, *files: str):
    result = runner.invoke(
        app, ["--db", str(db_path), "ingest", "--engine", "duckdb", "--json", *files]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_gzip_and_parquet_give_the_rollups_of_the_ndjson(default_db, segment_file, tmp_path):
    expected = default_db.conn.execute(ROLLUPS).fetchall()
    gz = tmp_path / "segment.ndjson.gz"
    with open(segment_file, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    parquet = tmp_path / "segment.parquet"
    con = duckdb.connect()
    con.execute(
        f"copy (select * from read_json('{segment_file}', format = 'newline_delimited')) "
        f"to '{parquet}' (format parquet)"
    )
    for i, path in enumerate((gz, parquet)):
        db_path = tmp_path / f"{i}.db"
        summary = engine(db_path, str(path))
        assert summary["read_events"] == sum(1 for _ in open(segment_file))
        assert open_db(db_path).conn.execute(ROLLUPS).fetchall() == expected, path.name


def test_unusable_lines_are_rejects_with_their_line_numbers(tmp_path):
    good = {"type": "track", "messageId": "m1", "userId": "u1", "event": "Document Created",
            "timestamp": "2026-05-01T10:00:00.000Z", "context": {"groupId": "acme"}}  # fmt: skip
    lines = [
        json.dumps(good),
        "",
        "{not json",
        json.dumps({**good, "messageId": "m2", "timestamp": None}),
        json.dumps({**good, "messageId": "m3", "timestamp": "yesterday"}),
        json.dumps({**good, "messageId": "m4", "type": "shout"}),
        json.dumps({**good, "messageId": "m5", "event": None}),
        "[1, 2]",
    ]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(lines) + "\n")
    db_path = tmp_path / "pqa.db"
    summary = engine(db_path, str(path))
    assert summary["rejected"] == 6
    db = open_db(db_path)
    assert db.conn.execute(
        "select metric, value from rollups where metric in ('events', 'value') order by 1"
    ).fetchall() == [("events", 1.0), ("value", 1.0)]
    rejects = db.conn.execute("select line, reason from rejects order by line").fetchall()
    assert rejects == [
        (3, "malformed JSON"),
        (4, "no timestamp"),
        (5, "bad timestamp"),
        (6, "unknown Segment call type"),
        (7, "track call without an event name"),
        (8, "expected a JSON object"),
    ]
    assert db.conn.execute("select count(*) from events").fetchone() == (0,)


def test_a_missing_file_is_an_error(tmp_path):
    result = runner.invoke(
        app, ["--db", str(tmp_path / "pqa.db"), "ingest", "--engine", "duckdb", "nope.ndjson"]
    )
    assert result.exit_code == 1
    assert "nope.ndjson: no such file" in result.output
