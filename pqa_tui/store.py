"""Opening the SQLite file: WAL, busy timeout, migrations, and writes that wait their turn.

Several people and an ingest share one file. WAL lets readers go on while one writer writes;
:func:`write` takes the write lock up front (``BEGIN IMMEDIATE``) and retries with backoff, so
"database is locked" never reaches a user before ``LOCK_WAIT_SECONDS`` have passed.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import sqlite_utils

from .errors import PqaError
from .schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5_000
LOCK_WAIT_SECONDS = 30.0
# How long write() waits in this thread or task when not told; see lock_wait().
_lock_wait: ContextVar[float | None] = ContextVar("pqa_lock_wait", default=None)


class StoreError(PqaError):
    """The database cannot be used as asked (newer schema, lock held too long, ...)."""


class DatabaseBusy(StoreError):
    """Another process held the write lock for longer than we are willing to wait."""


def connect(path: str | Path) -> sqlite3.Connection:
    """A raw connection with the settings every connection here needs."""
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("pragma foreign_keys = on")
    conn.execute("pragma synchronous = normal")
    return conn


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the pqa database at ``path`` and bring its schema up to date."""
    conn = connect(path)
    if str(path) != ":memory:":
        mode = conn.execute("pragma journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("pragma journal_mode = wal")
    db = sqlite_utils.Database(conn)
    if migrate:
        migrate_db(db)
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    return db.conn.execute("pragma user_version").fetchone()[0]


def migrate_db(db: sqlite_utils.Database) -> int:
    """Apply the migrations this file lacks, each in its own transaction. Returns the version."""
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"database schema version {version} is newer than this pqa-tui "
            f"(knows up to {SCHEMA_VERSION}): upgrade pqa-tui"
        )
    while version < SCHEMA_VERSION:
        sql = MIGRATIONS[version]
        with write(db):
            # Re-check under the write lock: another process may have migrated meanwhile.
            version = schema_version(db)
            if version >= SCHEMA_VERSION:
                break
            for statement in _statements(sql):
                db.conn.execute(statement)
            db.conn.execute(f"pragma user_version = {version + 1}")
        version = schema_version(db)
    return version


def _statements(sql: str) -> Iterator[str]:
    """Split a migration script into statements (``executescript`` would commit on its own)."""
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf
            buf = ""
    if buf.strip():
        yield buf


@contextmanager
def lock_wait(seconds: float) -> Iterator[None]:
    """Inside the block (this thread or task only), :func:`write` gives up after ``seconds``.

    For a caller that retries by itself and must stay responsive between tries (the TUI, so
    that quitting never waits out a long lock wait).
    """
    token = _lock_wait.set(seconds)
    try:
        yield
    finally:
        _lock_wait.reset(token)


@contextmanager
def write(db: sqlite_utils.Database, *, wait: float | None = None) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken with ``BEGIN IMMEDIATE`` and retried while the file is busy.

    Commits on success, rolls back on any exception. Raises :class:`DatabaseBusy` with a clear
    message after ``wait`` seconds (default: :func:`lock_wait`'s, else ``LOCK_WAIT_SECONDS``).
    """
    if wait is None:
        wait = _lock_wait.get()
    if wait is None:
        wait = LOCK_WAIT_SECONDS
    conn = db.conn
    if conn.in_transaction:  # nested use: join the outer transaction
        yield conn
        return
    deadline = time.monotonic() + wait
    delay = 0.01
    # SQLite's own busy handler waits inside each try: never longer than this call may wait.
    short = wait * 1000 < BUSY_TIMEOUT_MS
    if short:
        conn.execute(f"pragma busy_timeout = {int(wait * 1000)}")
    try:
        while True:
            try:
                conn.execute("begin immediate")
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(
                        "the database is busy: another pqa process held the write lock for "
                        f"over {wait:.0f} s; try again when it finishes"
                    ) from None
                time.sleep(delay + random.random() * delay)
                delay = min(delay * 2, 0.5)
    finally:
        if short:
            conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        yield conn
    except BaseException:
        conn.execute("rollback")
        raise
    else:
        conn.execute("commit")
