"""Fixtures for the TUI tests: a fixed workspace on a real SQLite file, and the app over it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_data import ACCOUNTS, NOW, write_account, write_profile

from pqa_tui.config import Config
from pqa_tui.tui.app import PqaApp
from pqa_tui.workspace import Workspace


@pytest.fixture
def workspace(db_path: Path) -> Workspace:
    for row in ACCOUNTS:
        write_account(db_path, *row)
    write_profile(db_path)
    return Workspace(db_path, Config(), "ana", clock=lambda: NOW)


@pytest.fixture
def make_app(workspace: Workspace):
    def make(**kwargs) -> PqaApp:
        kwargs.setdefault("poll_seconds", 3600)  # tests trigger the live check themselves
        app = PqaApp(workspace, **kwargs)
        app.animation_level = "none"  # the tab underline slides otherwise: unstable pictures
        return app

    return make
