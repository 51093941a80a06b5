"""The Textual triage TUI: work the queue from the keyboard.

Nothing in the core imports this package, so the library stays usable without Textual loaded.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config


def run_tui(db_path: str | Path, config: Config, actor: str) -> None:
    """Open the TUI on ``db_path`` as ``actor`` and return when the rep quits."""
    from .app import PqaApp
    from .workspace import Workspace

    PqaApp(Workspace(Path(db_path), config, actor)).run()


__all__ = ["run_tui"]
