"""The ``ingest_runs`` ledger: one row per input file, and what it did (a :class:`FileSummary`).

A finished run keeps its file's sha256 and size, so the identical bytes ingested again are
answered from the ledger (every line a duplicate) instead of being read again. A run's counts
are those of its committed chunks (each chunk adds to them in its own transaction), so an
unfinished run says how far a killed ingest got: ``read`` lines, where a resumed run goes on.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

from .. import store
from ..timestamps import now_ts


@dataclass
class FileSummary:
    """What one input file did to the database (one row of the summary table)."""

    source: str
    format: str
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    bytes: int | None = None
    # Set when the identical file (same sha256) was already ingested: nothing was re-read.
    already_ingested_run: int | None = None

    @property
    def rate(self) -> float:
        """Lines per second."""
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate"] = round(self.rate, 1)
        return data


# The counts a run adds up over its chunks, in FileSummary's and ingest_runs' names.
COUNTS = ("read", "inserted", "duplicates", "rejected")


def start_run(conn: sqlite3.Connection, source: str, digest: str | None, size: int | None) -> int:
    """The ``ingest_runs`` row of this file; its id is every inserted event's ``run_id``."""
    return conn.execute(
        "insert into ingest_runs(source, sha256, bytes, started_at, read, inserted, duplicates,"
        " rejected) values (?, ?, ?, ?, 0, 0, 0, 0)",
        (source, digest, size, now_ts()),
    ).lastrowid


def add_counts(
    conn: sqlite3.Connection, run_id: int, added: dict[str, int], digest: str | None = None
) -> None:
    """Add one chunk's counts to its run (in the chunk's transaction) and count the chunk."""
    conn.execute(
        "update ingest_runs set read = read + ?, inserted = inserted + ?, "
        "duplicates = duplicates + ?, rejected = rejected + ?, chunks = chunks + 1, "
        "sha256 = coalesce(sha256, ?) where id = ?",
        (*(added.get(name, 0) for name in COUNTS), digest, run_id),
    )


def run_counts(conn: sqlite3.Connection, run_id: int) -> dict[str, int]:
    """The counts a run has committed so far."""
    row = conn.execute(
        f"select {', '.join(COUNTS)} from ingest_runs where id = ?", (run_id,)
    ).fetchone()
    return dict(zip(COUNTS, row, strict=True))


def finish_run(conn: sqlite3.Connection, run_id: int, digest: str | None = None) -> None:
    """Close the run (its counts are in already), with the digest if computed meanwhile."""
    conn.execute(
        "update ingest_runs set finished_at = ?, sha256 = coalesce(?, sha256) where id = ?",
        (now_ts(), digest, run_id),
    )


def resumable_run(db: sqlite_utils.Database, digest: str, size: int) -> int | None:
    """The latest unfinished run of these very bytes that committed chunks: resume it."""
    row = db.conn.execute(
        "select id from ingest_runs where finished_at is null and sha256 = ? and bytes = ? "
        "and chunks > 0 and mode is null order by id desc limit 1",
        (digest, size),
    ).fetchone()
    return row[0] if row else None


def unfinished_of_size(db: sqlite_utils.Database, size: int) -> bool:
    """Whether a killed run of a file of this size may be resumed (then hash the file first)."""
    return (
        db.conn.execute(
            "select 1 from ingest_runs where finished_at is null and bytes = ? and chunks > 0 "
            "and mode is null limit 1",
            (size,),
        ).fetchone()
        is not None
    )


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def sha256_meanwhile(path: str) -> Callable[[bool], str | None]:
    """Hash ``path`` in a thread (reads and hashlib release the GIL) while the file is ingested.

    Returns a function giving the digest (``None`` if the file could not be read); called with
    ``False`` it does not wait (``None`` until the thread is done), so each committed chunk can
    record the digest as soon as it is known: a killed run is then found again to resume.
    """
    found: list[str] = []

    def run() -> None:
        with suppress(OSError):
            found.append(sha256(path))

    thread = threading.Thread(target=run, name=f"pqa sha256: {path}", daemon=True)
    thread.start()

    def result(wait: bool = True) -> str | None:
        if wait:
            thread.join()
        return found[0] if found else None

    return result


def may_be_ingested(db: sqlite_utils.Database, size: int) -> bool:
    """Whether a finished run may have read these very bytes: only one of the same size can.

    Runs recorded before sizes were kept (``bytes`` null) count as maybe.
    """
    return (
        db.conn.execute(
            "select 1 from ingest_runs where finished_at is not null and sha256 is not null "
            "and (bytes = ? or bytes is null) limit 1",
            (size,),
        ).fetchone()
        is not None
    )


def identical_run(db: sqlite_utils.Database, digest: str) -> tuple | None:
    """The first finished run of the file with this sha256: ``(id, read, rejected, source)``."""
    return db.conn.execute(
        "select id, read, rejected, source from ingest_runs where sha256 = ? and "
        "finished_at is not null order by id limit 1",
        (digest,),
    ).fetchone()


def already_ingested(db, path, done, digest, size, start) -> FileSummary:
    """The identical bytes were ingested before: every line is a duplicate (or a known reject)."""
    run_id, read, rejected, _ = done
    summary = FileSummary(
        source=path,
        format="(unchanged)",
        read=read or 0,
        inserted=0,
        duplicates=(read or 0) - (rejected or 0),
        rejected=rejected or 0,
        bytes=size,
        already_ingested_run=run_id,
    )
    summary.seconds = time.perf_counter() - start
    with store.write(db) as conn:
        conn.execute(
            "insert into ingest_runs(source, sha256, bytes, started_at, finished_at, read, "
            "inserted, duplicates, rejected) values (?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (
                path,
                digest,
                size,
                now_ts(),
                now_ts(),
                summary.read,
                summary.duplicates,
                summary.rejected,
            ),
        )
    return summary
