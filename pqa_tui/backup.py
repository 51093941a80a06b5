"""A consistent copy of the database, taken while others keep writing.

SQLite's online backup API copies the file page by page from inside one read transaction. In
WAL mode a reader never blocks writers and sees one snapshot, so a single-step backup is a
consistent copy of the moment it started while ingests, claims and notes go on. The copy is
written next to its destination under a temporary name, checked with ``integrity_check`` and
only then renamed into place, so a crash or a full disk never leaves a half-written backup
under the name the user asked for.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PqaError
from .store import BUSY_TIMEOUT_MS

# The tables a person checks a backup by: what was ingested and what the team wrote.
COUNTED_TABLES = ("events", "accounts", "users", "signals", "scores", "triage", "activity",
                  "notes", "feedback", "outcomes")  # fmt: skip


class BackupError(PqaError):
    """The backup could not be written (no source, destination exists, check failed, ...)."""


@dataclass
class BackupResult:
    """What ``pqa backup`` wrote: where, how big, which schema, and the rows it holds."""

    source: str
    path: str
    bytes: int
    pages: int
    schema_version: int
    seconds: float
    integrity: str
    rows: dict[str, int] = field(default_factory=dict)


def backup_db(source: str | Path, dest: str | Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the database at ``source`` to ``dest`` with the online backup API.

    The source is opened read-only (a backup never creates or migrates a database). The copy
    is a standalone file (rollback journal, no ``-wal`` beside it) that ``open_db`` opens as
    usual. Raises :class:`BackupError` when ``source`` is missing, ``dest`` exists and
    ``overwrite`` is false, or the copy fails its integrity check.
    """
    src_path, dest_path = Path(source), Path(dest)
    if not src_path.is_file():
        raise BackupError(f"{src_path}: no such database; pass --db with the file to back up")
    if dest_path.exists() and dest_path.resolve() == src_path.resolve():
        raise BackupError(f"{dest_path}: is the database itself; name another file")
    if dest_path.exists() and not overwrite:
        raise BackupError(f"{dest_path} already exists; pass --force to overwrite it")
    if dest_path.is_dir():
        raise BackupError(f"{dest_path} is a folder; name a file inside it")
    if not dest_path.parent.is_dir():
        raise BackupError(f"{dest_path.parent}: no such folder")
    start = time.perf_counter()
    tmp = dest_path.with_name(f".{dest_path.name}.partial-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(
            f"{src_path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            copy = sqlite3.connect(str(tmp))
            try:
                # pages=-1: one step inside one read transaction, so one consistent snapshot.
                src.backup(copy, pages=-1)
                copy.execute("pragma journal_mode = delete")
                result = _describe(copy, src_path, dest_path)
            finally:
                copy.close()
        finally:
            src.close()
        if result.integrity != "ok":
            raise BackupError(
                f"the copy of {src_path} failed its integrity check ({result.integrity}); "
                f"the source may be damaged: run `sqlite3 {src_path} 'pragma integrity_check'`"
            )
        os.replace(tmp, dest_path)
    except sqlite3.Error as e:
        raise BackupError(f"backing up {src_path} to {dest_path} failed: {e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    result.bytes = dest_path.stat().st_size
    result.seconds = time.perf_counter() - start
    return result


def _describe(copy: sqlite3.Connection, src_path: Path, dest_path: Path) -> BackupResult:
    """Integrity, schema version, size and row counts of the freshly written copy."""
    integrity = "; ".join(row[0] for row in copy.execute("pragma integrity_check").fetchall())
    tables = {row[0] for row in copy.execute("select name from sqlite_master where type='table'")}
    rows = {
        name: copy.execute(f'select count(*) from "{name}"').fetchone()[0]
        for name in COUNTED_TABLES
        if name in tables
    }
    return BackupResult(
        source=str(src_path),
        path=str(dest_path),
        bytes=0,
        pages=copy.execute("pragma page_count").fetchone()[0],
        schema_version=copy.execute("pragma user_version").fetchone()[0],
        seconds=0.0,
        integrity=integrity,
        rows=rows,
    )
