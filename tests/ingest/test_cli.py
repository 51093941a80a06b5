"""`pqa ingest`, `pqa rejects`, `pqa stats` through Typer's CliRunner, as a person runs them."""

from __future__ import annotations

import json

from ingest_data import count, track, write_ndjson
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.ingest.formats import RAW_LIMIT
from pqa_tui.store import open_db

runner = CliRunner()


def pqa(db_path, *args, input=None):
    return runner.invoke(app, ["--db", str(db_path), *args], input=input)


def flat(text: str) -> str:
    """Output with the terminal's line wrapping undone."""
    return " ".join(text.split())


def messy_file(tmp_path):
    lines = [
        json.dumps(track("Search", "u1")),
        "{not json",
        json.dumps(track("Search", None, None)),  # neither a user nor an account
        json.dumps(track("Search", "u2", ts="the day after tomorrow")),
        "",
        json.dumps(track("Search", "u3")),
    ]
    path = tmp_path / "messy.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_ingest_summary_and_rejects(db_path, tmp_path):
    path = messy_file(tmp_path)
    result = pqa(db_path, "ingest", str(path))
    assert result.exit_code == 0, result.output
    assert "Ingest summary" in result.output
    assert "3 lines were rejected: list them with `pqa rejects`." in result.output
    summary = pqa(db_path, "ingest", "--json", str(path))
    data = json.loads(summary.output)
    assert data["files"][0]["read"] == 5
    rows = json.loads(pqa(db_path, "rejects", "--json").output)
    assert sorted((r["line"], r["reason"].split(":")[0]) for r in rows) == [
        (2, "malformed JSON"),
        (3, "no user and no account (userId, anonymousId, groupId)"),
        (4, "bad timestamp"),
    ]
    assert rows[0]["source"] == str(path)
    assert "{not json" in {r["raw"] for r in rows}
    assert len(json.loads(pqa(db_path, "rejects", "--json", "--limit", "1").output)) == 1
    assert json.loads(pqa(db_path, "rejects", "--json", "--source", "other").output) == []
    listing = pqa(db_path, "rejects").output
    assert f"{path}:2: malformed JSON" in listing
    assert "    {not json" in listing


def test_rejects_are_not_doubled_by_a_rerun(db_path, tmp_path):
    path = messy_file(tmp_path)
    pqa(db_path, "ingest", str(path))
    path.write_text(path.read_text() + json.dumps(track("New", "u4")) + "\n")  # new bytes
    pqa(db_path, "ingest", str(path))
    stats = json.loads(pqa(db_path, "stats", "--json").output)
    assert (stats["events"], stats["rejected"]) == (3, 3)


def test_strict_fails_and_keeps_nothing_of_the_file(db_path, tmp_path):
    good = write_ndjson(tmp_path / "good.ndjson", [track("Search", "u1")])
    result = pqa(db_path, "ingest", "--strict", str(good), str(messy_file(tmp_path)))
    assert result.exit_code == 3
    assert "messy.ndjson:2: malformed JSON" in flat(result.output)
    db = open_db(db_path)
    assert count(db, "select count(*) from events") == 1  # good.ndjson only
    assert count(db, "select count(*) from rejects") == 0


def test_strict_refuses_an_identical_file_that_had_rejects(db_path, tmp_path):
    messy = messy_file(tmp_path)
    assert pqa(db_path, "ingest", str(messy)).exit_code == 0  # lenient: the rest goes in
    events = count(open_db(db_path), "select count(*) from events")
    result = pqa(db_path, "ingest", "--strict", str(messy))
    assert result.exit_code == 3
    assert "identical to the file of ingest run 1" in flat(result.output)
    assert "pqa rejects" in flat(result.output)
    assert count(open_db(db_path), "select count(*) from events") == events
    clean = write_ndjson(tmp_path / "clean.ndjson", [track("Search", "u9")])
    pqa(db_path, "ingest", str(clean))
    assert pqa(db_path, "ingest", "--strict", str(clean)).exit_code == 0  # no rejects: fine


def test_summary_per_file_with_totals(db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_ndjson(tmp_path / "a.ndjson", [track("Search", f"u{i}") for i in range(3)])
    pqa(db_path, "ingest", "a.ndjson")
    result = pqa(db_path, "ingest", "a.ndjson", "a.ndjson")
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert "a.ndjson (identical to run 1) 3 0 3 0" in " | ".join(lines)
    assert any(line.startswith("total 6 0 6 0") for line in lines)
    assert "2 file(s) in" in result.output


def test_stdin(db_path):
    data = "\n".join(json.dumps(track("Search", f"u{i}")) for i in range(3)) + "\n"
    result = pqa(db_path, "ingest", "-", input=data)
    assert result.exit_code == 0, result.output
    stats = json.loads(pqa(db_path, "stats", "--json").output)
    assert {k: stats[k] for k in ("events", "users", "accounts", "rejected")} == {
        "events": 3,
        "users": 3,
        "accounts": 1,
        "rejected": 0,
    }
    assert "events" in pqa(db_path, "stats").output


def test_huge_broken_line_is_kept_cut(db_path, tmp_path):
    path = tmp_path / "huge.ndjson"
    path.write_text(json.dumps(track("Search")) + '\n{"broken": "' + "x" * (RAW_LIMIT * 2) + "\n")
    pqa(db_path, "ingest", str(path))
    (row,) = json.loads(pqa(db_path, "rejects", "--json").output)
    assert len(row["raw"]) < RAW_LIMIT + 100
    assert "cut at 64 kB" in row["raw"]


def test_missing_file_and_unknown_format_are_clear_errors(db_path, tmp_path):
    result = pqa(db_path, "ingest", str(tmp_path / "nope.ndjson"))
    assert result.exit_code == 1 and "nope.ndjson: no such file" in flat(result.output)
    path = write_ndjson(tmp_path / "e.ndjson", [track("Search")])
    result = pqa(db_path, "ingest", "--format", "parquet", str(path))
    assert result.exit_code == 1 and "unknown format 'parquet'" in flat(result.output)


def test_markup_in_file_names_is_printed_as_text(db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_ndjson(tmp_path / "[b]x.ndjson", [track("Search")])
    result = pqa(db_path, "ingest", "[b]x.ndjson")
    assert "[b]x.ndjson" in result.output
