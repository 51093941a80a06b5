"""`pqa backup FILE`: a consistent, complete copy, taken while other processes keep writing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from reliability_data import integrity, segment_events, table_counts
from typer.testing import CliRunner

from pqa_tui import triage
from pqa_tui.backup import BackupError, backup_db
from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.schema import SCHEMA_VERSION
from pqa_tui.store import open_db, schema_version

TABLES = ("events", "accounts", "users", "rollups", "notes", "activity")

NOTE_WRITER = r"""
import sys
from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.store import open_db

db_path, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = open_db(db_path)
for i in range(n):
    triage.add_note(db, Config(), "acct-1", me, f"{me} {i}")
"""


@pytest.fixture
def workspace(db, db_path):
    ingest_records(db, Config(), segment_events(3_000, accounts=10), source="seed.ndjson")
    triage.add_note(db, Config(), "acct-1", "ann", "first [b]note[/b]")
    return db_path


def test_backup_is_a_complete_openable_copy(workspace, tmp_path, tally):
    dest = tmp_path / "copy.db"
    result = backup_db(workspace, dest)
    assert result.integrity == "ok" and integrity(dest) == "ok"
    assert result.schema_version == schema_version(open_db(workspace))
    assert table_counts(dest, TABLES) == table_counts(workspace, TABLES)
    assert result.rows["events"] == table_counts(workspace, ("events",))["events"] > 0
    assert result.bytes == dest.stat().st_size
    # A standalone file: no -wal beside it, and open_db takes it up as a normal workspace.
    assert not dest.with_name("copy.db-wal").exists()
    copy = open_db(dest)
    assert [n["text"] for n in triage.notes(copy, "acct-1")] == ["first [b]note[/b]"]
    copy.close()
    tally.add("backup", "backups checked")


def test_backup_while_four_processes_write_notes(workspace, tmp_path, tally, pick):
    """Each backup is one snapshot: per writer, its notes form an unbroken prefix."""
    people, each = ["ann", "bob", "cy", "dee"], pick(60, 400)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", NOTE_WRITER, str(workspace), me, str(each)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in people
    ]
    backups = []
    try:
        while any(p.poll() is None for p in procs) or not backups:
            dest = tmp_path / f"b{len(backups)}.db"
            backup_db(workspace, dest)
            backups.append(dest)
            time.sleep(0.05)
    finally:
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
    backups.append(tmp_path / "final.db")
    backup_db(workspace, backups[-1])

    for dest in backups:
        assert integrity(dest) == "ok"
        copy = open_db(dest)
        texts = [n["text"] for n in triage.notes(copy, "acct-1")]
        logged = [a for a in triage.history(copy, "acct-1") if a["action"] == "note"]
        copy.close()
        assert len(logged) == len(texts)  # note and its log line were one transaction
        for me in people:
            mine = [int(t.split()[1]) for t in texts if t.startswith(me + " ")]
            assert mine == list(range(len(mine)))
    final = [n["text"] for n in triage.notes(open_db(backups[-1]), "acct-1")]
    assert len(final) == 1 + len(people) * each  # nothing written before the backup is missing
    tally.add("backup", "backups checked", len(backups))
    tally.add("backup", "notes written during backups", len(people) * each)


def test_backup_refuses_to_overwrite_or_invent(workspace, tmp_path, db_path):
    dest = tmp_path / "copy.db"
    dest.write_bytes(b"precious")
    with pytest.raises(BackupError, match="already exists; pass --force"):
        backup_db(workspace, dest)
    assert dest.read_bytes() == b"precious"
    with pytest.raises(BackupError, match="is the database itself"):
        backup_db(workspace, workspace, overwrite=True)
    missing = tmp_path / "nope.db"
    with pytest.raises(BackupError, match="no such database"):
        backup_db(missing, tmp_path / "x.db")
    assert not missing.exists() and not (tmp_path / "x.db").exists()
    backup_db(workspace, dest, overwrite=True)
    assert integrity(dest) == "ok"
    assert not list(tmp_path.glob(".copy.db.partial-*"))


def test_cli_backup_prints_what_it_wrote(workspace, tmp_path):
    runner = CliRunner()
    dest = tmp_path / "out.db"
    result = runner.invoke(app, ["--db", str(workspace), "backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert re.search(
        rf"Wrote {re.escape(str(dest))}: [\d,]+ bytes, schema v{SCHEMA_VERSION}, integrity ok",
        result.output,
    )
    events = table_counts(workspace, ("events",))["events"]
    assert f"{events:,} events" in result.output

    again = runner.invoke(app, ["--db", str(workspace), "backup", str(dest)])
    assert again.exit_code == 1
    assert "already exists; pass --force" in again.output

    forced = runner.invoke(app, ["--db", str(workspace), "backup", str(dest), "--force", "--json"])
    assert forced.exit_code == 0, forced.output
    data = json.loads(forced.output)
    assert data["integrity"] == "ok" and data["path"] == str(dest)
    assert data["rows"]["events"] == events and data["rows"]["notes"] == 1
    assert set(data) == {
        "source", "path", "bytes", "pages", "schema_version", "seconds", "integrity", "rows"
    }  # fmt: skip


def test_cli_backup_of_a_missing_database_creates_nothing(tmp_path):
    missing = tmp_path / "missing.db"
    result = CliRunner().invoke(app, ["--db", str(missing), "backup", str(tmp_path / "b.db")])
    assert result.exit_code == 1
    assert "no such database" in result.output
    assert list(tmp_path.iterdir()) == []
