import sqlite3
import threading
import time

import pytest

from pqa_tui.schema import SCHEMA_VERSION
from pqa_tui.store import (
    BUSY_TIMEOUT_MS,
    DatabaseBusy,
    lock_wait,
    open_db,
    schema_version,
    write,
)


def test_open_creates_schema_in_wal(db):
    assert schema_version(db) == SCHEMA_VERSION
    assert db.conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert {"events", "rollups", "signals", "triage", "activity"} <= set(db.table_names())


def test_reopen_is_idempotent(db_path):
    open_db(db_path).close()
    db = open_db(db_path)
    assert schema_version(db) == SCHEMA_VERSION


def test_newer_schema_is_refused(db_path):
    db = open_db(db_path)
    db.conn.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(Exception, match="newer than this pqa-tui"):
        open_db(db_path)


def test_write_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        with write(db) as conn:
            conn.execute("insert into rejects(source, line, reason, at) values ('f', 1, 'r', 'x')")
            raise RuntimeError("boom")
    assert db.conn.execute("select count(*) from rejects").fetchone()[0] == 0


def test_write_waits_for_lock_then_reports_busy(db_path):
    holder = open_db(db_path)
    holder.conn.execute("begin immediate")
    other = open_db(db_path)
    with pytest.raises(DatabaseBusy, match="busy"):
        with write(other, wait=0.3):
            pass
    released = threading.Timer(0.2, lambda: holder.conn.execute("commit"))
    released.start()
    with write(other, wait=5) as conn:
        conn.execute("insert into rejects(source, line, reason, at) values ('f', 1, 'r', 'x')")
    released.join()
    assert other.conn.execute("select count(*) from rejects").fetchone()[0] == 1


def test_a_short_wait_is_not_stretched_by_the_busy_handler(db_path):
    # SQLite's busy handler alone would wait BUSY_TIMEOUT_MS (5 s) inside the first try.
    holder = open_db(db_path)
    holder.conn.execute("begin immediate")
    other = open_db(db_path)
    with lock_wait(0.2):  # the TUI's way: no wait argument, a per-thread default
        started = time.monotonic()
        with pytest.raises(DatabaseBusy):
            with write(other):
                pass
        waited = time.monotonic() - started
    assert waited < BUSY_TIMEOUT_MS / 1000 / 2, waited
    # outside the block the connection is back to its own busy timeout and the default wait
    assert other.conn.execute("pragma busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    holder.conn.execute("commit")
    with write(other) as conn:
        conn.execute("insert into rejects(source, line, reason, at) values ('f', 1, 'r', 'x')")


def test_activity_log_is_append_only(db):
    with write(db) as conn:
        conn.execute(
            "insert into activity(account_id, at, actor, action) values ('a', 't', 'me', 'claim')"
        )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("update activity set actor = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.conn.execute("delete from activity")
