"""One pqa workspace: the database file, the config, who is acting, the clock and the plugins.

Both faces wrap the same object: the CLI builds one from its global options
(:class:`pqa_tui.cli.app.State`), and the TUI is handed it (:func:`pqa_tui.tui.run_tui`), so the
plugins load once per process and the config is checked once, whichever face asks first.

sqlite3 connections belong to one thread, so every worker opens its own with
:meth:`Workspace.connect` and closes it when done.
"""

from __future__ import annotations

import getpass
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from .config import Config, check_config
from .store import open_db

if TYPE_CHECKING:
    from .plugins import Plugins


def resolve_actor(given: str | None, config: Config) -> str:
    """Who is acting: the name given (``--as`` / ``PQA_USER``), else the config's ``me``, else
    the OS user."""
    if given:
        return given
    if config.me:
        return config.me
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


@dataclass
class Workspace:
    """The database, config, actor and plugins one session works with.

    ``clock`` pins "now" (tests and snapshots need a picture that does not change by the
    day); ``None`` means the real time, decided by the core functions. The plugins are loaded
    on first use, once, from any thread.
    """

    db_path: Path
    config: Config
    actor: str
    clock: Callable[[], datetime] | None = None
    _plugins: Plugins | None = field(default=None, init=False, repr=False, compare=False)
    _checked: bool = field(default=False, init=False, repr=False, compare=False)
    _lock: threading.RLock = field(
        default_factory=threading.RLock, init=False, repr=False, compare=False
    )

    def now(self) -> datetime | None:
        """The pinned time, or ``None`` to let the core use the current time."""
        return self.clock() if self.clock else None

    @property
    def plugins(self) -> Plugins:
        """Built-ins, entry points and the config's plugins folder, loaded once."""
        with self._lock:
            if self._plugins is None:
                # Deferred: pluggy and every built-in plugin load only for commands that use
                # them, which keeps `pqa --help` fast.
                from .plugins import load_plugins

                self._plugins = load_plugins(self.config.plugins_path())
            return self._plugins

    def check(self) -> None:
        """Check the config in full, once: ``[detectors.*]`` tables need the plugins loaded.

        Raises :class:`pqa_tui.config.ConfigError`.
        """
        with self._lock:
            if self._checked:
                return
            if self.config.detectors:
                check_config(self.config, self.plugins)
            self._checked = True

    def open_db(self) -> sqlite_utils.Database:
        """A new connection, opened only once the config has been checked in full.

        A wrong config must stop before the file is created, migrated or written.
        """
        self.check()
        return open_db(self.db_path)

    @contextmanager
    def connect(self) -> Iterator[sqlite_utils.Database]:
        """A connection for the calling thread only, closed on exit."""
        db = self.open_db()
        try:
            yield db
        finally:
            db.close()
