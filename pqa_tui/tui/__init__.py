"""The Textual triage TUI: work the queue from the keyboard.

Nothing in the core imports this package, so the library stays usable without Textual loaded.
"""

from __future__ import annotations

from ..workspace import Workspace


def run_tui(workspace: Workspace) -> None:
    """Open the TUI on the workspace's database as its actor; return when the rep quits."""
    from .app import PqaApp

    PqaApp(workspace).run()


__all__ = ["run_tui"]
