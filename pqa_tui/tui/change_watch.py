"""Noticing writes by others, so every screen can show them.

Workers open a connection each (:meth:`pqa_tui.workspace.Workspace.connect`); :class:`ChangeWatch`
keeps one connection of its own because ``PRAGMA data_version`` only moves for commits made by
*other* connections.
"""

from __future__ import annotations

from pathlib import Path

from ..store import connect


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
