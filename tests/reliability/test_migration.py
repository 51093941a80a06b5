"""Safe upgrades: a database at the oldest schema version, full of data, opens in this version
with every row kept and every part of the product working on it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

from reliability_data import (
    integrity,
    recomputed_rollups,
    rollups_snapshot,
    segment_events,
)

from pqa_tui import triage
from pqa_tui.accounts import account_detail
from pqa_tui.config import Config, TriageConfig
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.plugins import load_plugins
from pqa_tui.schema import MIGRATIONS, SCHEMA_VERSION
from pqa_tui.scoring import score_all
from pqa_tui.store import _statements, open_db, schema_version
from pqa_tui.triage import QueueFilter
from pqa_tui.triage.queue_view import list_queue

OLDEST = 1
NOW = datetime(2026, 3, 9, 12, tzinfo=UTC)
HOSTILE_NOTE = "[bold red]not markup[/] \x1b]52;c;ZXZpbA==\x07 '); drop table notes; --"

# Rows as a version-1 pqa wrote them, in plain SQL against the version-1 columns.
V1_ROWS: dict[str, list[dict]] = {
    "accounts": [
        {"account_id": "acme", "name": "Acme", "domain": "acme.io", "plan": "free",
         "created_at": "2026-01-02T00:00:00.000000Z", "first_seen": "2026-01-02T09:00:00.000000Z",
         "last_seen": "2026-03-01T09:00:00.000000Z", "traits": '{"plan": "free"}',
         "traits_at": "2026-01-02T00:00:00.000000Z"},
    ],
    "users": [
        {"user_id": f"u{i}", "email": f"u{i}@acme.io", "role": "admin" if i == 0 else "member",
         "first_seen": "2026-01-02T09:00:00.000000Z", "last_seen": "2026-03-01T09:00:00.000000Z",
         "traits": "{}"}
        for i in range(8)
    ],
    "memberships": [
        {"user_id": f"u{i}", "account_id": "acme", "first_seen": "2026-01-02T09:00:00.000000Z",
         "last_seen": "2026-03-01T09:00:00.000000Z"}
        for i in range(8)
    ],
    "events": [
        {"dedupe_key": f"m{d}-{i}", "kind": "track", "account_id": "acme", "user_id": f"u{i}",
         "event": "Document Created", "ts": f"2026-02-{d:02d}T10:00:00.000000Z",
         "day": f"2026-02-{d:02d}", "properties": '{"n": 1}', "source": "old.ndjson",
         "line": d * 10 + i}
        for d in range(1, 28)
        for i in range(8)
    ],
    "scores": [
        {"account_id": "acme", "score": 24.5, "qualified": 1, "gate": None,
         "reasons": '["8 active users"]', "scored_at": "2026-03-01T00:00:00.000000Z",
         "as_of": "2026-03-01"},
    ],
    "pqa_moments": [
        {"account_id": "acme", "at": "2026-03-01T00:00:00.000000Z", "score": 24.5,
         "reasons": "[]", "ended_at": None},
    ],
    "score_history": [
        {"account_id": "acme", "day": "2026-03-01", "score": 24.5, "qualified": 1},
    ],
    "triage": [
        {"account_id": "acme", "state": "claimed", "owner": "ann", "version": 2,
         "updated_at": "2026-03-02T09:00:00.000000Z", "updated_by": "ann"},
    ],
    "activity": [
        {"account_id": "acme", "at": "2026-03-02T08:00:00.000000Z", "actor": "pqa",
         "action": "new", "from_state": None, "to_state": "new", "detail": "{}"},
        {"account_id": "acme", "at": "2026-03-02T09:00:00.000000Z", "actor": "ann",
         "action": "claim", "from_state": "new", "to_state": "claimed", "detail": "{}"},
    ],
    "notes": [
        {"account_id": "acme", "author": "ann", "at": "2026-03-02T09:05:00.000000Z",
         "text": HOSTILE_NOTE},
    ],
    "feedback": [
        {"account_id": "acme", "author": "ann", "at": "2026-03-02T09:06:00.000000Z",
         "verdict": "good", "reason": "buyer engaged", "text": "CTO replied"},
    ],
    "outcomes": [
        {"account_id": "acme", "at": "2026-03-03T09:00:00.000000Z", "outcome": "meeting",
         "source": "rep", "author": "ann", "detail": "{}"},
    ],
}  # fmt: skip


def _build_oldest(path) -> None:
    """A file exactly as pqa at schema version 1 left it: its migrations only, then its rows."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("pragma journal_mode = wal")
    conn.execute("begin")
    for sql in MIGRATIONS[:OLDEST]:
        for statement in _statements(sql):
            conn.execute(statement)
    conn.execute(f"pragma user_version = {OLDEST}")
    for table, rows in V1_ROWS.items():
        for row in rows:
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            conn.execute(f"insert into {table} ({cols}) values ({marks})", list(row.values()))
    # The rollups that version wrote for those events.
    conn.execute("insert into user_days select distinct account_id, day, user_id from events")
    conn.execute(
        "insert into rollups select account_id, day, 'events', count(*) from events "
        "group by account_id, day"
    )
    conn.execute(
        "insert into rollups select account_id, day, 'value', count(*) from events "
        "group by account_id, day"
    )
    conn.execute(
        "insert into rollups select account_id, day, 'active_users', count(*) from user_days "
        "group by account_id, day"
    )
    conn.execute("commit")
    conn.close()


# Version-1 event columns that later versions derive: the day from ts (v2), the file from the
# event's ingest run (v2).
DERIVED = {
    "day": "substr(ts, 1, 10)",
    "source": "(select r.source from ingest_runs r where r.id = events.run_id)",
}


def _rows(path, table: str, columns: list[str]) -> list[tuple]:
    conn = sqlite3.connect(str(path))
    try:
        have = {r[1] for r in conn.execute(f"pragma table_info({table})")}
        cols = ", ".join(c if c in have else DERIVED[c] for c in columns)
        return sorted(conn.execute(f"select {cols} from {table}").fetchall(), key=repr)
    finally:
        conn.close()


def test_oldest_schema_with_data_opens_and_keeps_every_row(tmp_path, tally):
    path = tmp_path / "old.db"
    _build_oldest(path)
    before = {t: _rows(path, t, list(rows[0])) for t, rows in V1_ROWS.items()}

    db = open_db(path)
    assert schema_version(db) == SCHEMA_VERSION
    db.close()
    assert integrity(path) == "ok"
    after = {t: _rows(path, t, list(rows[0])) for t, rows in V1_ROWS.items()}
    assert after == before
    tally.add("migration", "rows carried over", sum(len(r) for r in before.values()))


def test_every_part_works_on_an_upgraded_database(tmp_path, tally):
    path = tmp_path / "old.db"
    _build_oldest(path)
    # Ann's claim is 7 days old at NOW: claims that expire would hand it back to the pool.
    config = Config(triage=TriageConfig(claim_expiry_days=0))
    db = open_db(path)

    # Reads: the triage state, notes, queue and account detail written by the old version.
    live = triage.live_state(db, config, "acme", now=NOW)
    assert (live.state, live.owner, live.version) == ("claimed", "ann", 2)
    assert [n["text"] for n in triage.notes(db, "acme")] == [HOSTILE_NOTE]
    assert [r.account for r in list_queue(db, config, QueueFilter(view="all"), now=NOW)] == ["acme"]
    detail = account_detail(db, config, "acme")
    assert detail["name"] == "Acme" and detail["owner"] == "ann"

    # Writes: triage goes on from the old version's state, ingest adds to the old rollups.
    triage.add_note(db, config, "acme", "ann", "after the upgrade", now=NOW)
    triage.mark_contacted(db, config, "acme", "ann", now=NOW)
    assert triage.live_state(db, config, "acme", now=NOW).version == 3
    summary = ingest_records(db, config, segment_events(500, accounts=3), source="new.ndjson")
    assert summary.inserted == 500
    assert rollups_snapshot(db.conn) == recomputed_rollups(path, config)

    # Scoring runs over old and new data alike.
    run = score_all(db, config, load_plugins(entry_points_too=False))
    assert run.accounts >= 1 and not run.failures
    db.close()
    assert integrity(path) == "ok"
    tally.add("migration", "upgraded databases worked")


OPENER = r"""
import sys
from pqa_tui.store import open_db, schema_version
db = open_db(sys.argv[1])
print(schema_version(db))
"""


def test_processes_opening_one_new_file_at_once_create_the_schema_once(tmp_path, tally):
    path = tmp_path / "new.db"
    procs = [
        subprocess.Popen([sys.executable, "-c", OPENER, str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert int(out) == SCHEMA_VERSION
    conn = sqlite3.connect(str(path))
    tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    conn.close()
    assert len(tables) == len(set(tables)) and "events" in tables
    assert integrity(path) == "ok"
    tally.add("migration", "racing openers", len(procs))


def test_newer_schema_is_refused_without_writing(tmp_path):
    path = tmp_path / "future.db"
    _build_oldest(path)
    conn = sqlite3.connect(str(path))
    conn.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    try:
        open_db(path)
    except Exception as e:  # noqa: BLE001 - checked below
        assert "newer than this pqa-tui" in str(e) and "upgrade pqa-tui" in str(e)
    else:
        raise AssertionError("a newer schema was opened")
    assert path.read_bytes() == before
