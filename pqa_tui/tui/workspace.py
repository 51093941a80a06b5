"""What the TUI works on: the database file, the config and who is acting.

sqlite3 connections belong to one thread, so every worker opens its own connection with
:meth:`Workspace.connect` and closes it when done. :class:`ChangeWatch` keeps one connection of
its own because ``PRAGMA data_version`` only moves for commits made by *other* connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from ..config import Config
from ..store import connect, open_db


@dataclass(frozen=True)
class Workspace:
    """The database, config and actor of one TUI session.

    ``clock`` pins "now" (tests and snapshots need a picture that does not change by the
    day); ``None`` means the real time, decided by the core functions.
    """

    db_path: Path
    config: Config
    actor: str
    clock: Callable[[], datetime] | None = None

    def now(self) -> datetime | None:
        """The pinned time, or ``None`` to let the core use the current time."""
        return self.clock() if self.clock else None

    @contextmanager
    def connect(self) -> Iterator[sqlite_utils.Database]:
        """A connection for the calling thread only, closed on exit."""
        db = open_db(self.db_path)
        try:
            yield db
        finally:
            db.close()


class ChangeWatch:
    """Says whether anyone else has committed to the database since the last look.

    ``PRAGMA data_version`` is a cheap in-memory read, so polling it every few seconds costs
    nothing even on a large file.
    """

    def __init__(self, db_path: Path) -> None:
        self._conn = connect(db_path)
        self._seen = self._version()

    def _version(self) -> int:
        return self._conn.execute("pragma data_version").fetchone()[0]

    def changed(self) -> bool:
        """True once per batch of commits made by other connections since the last call."""
        version = self._version()
        if version == self._seen:
            return False
        self._seen = version
        return True

    def close(self) -> None:
        self._conn.close()
