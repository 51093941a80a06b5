"""The segments world (fit_world.py), built once per test in a real SQLite file."""

from __future__ import annotations

import pytest
from fit_world import build


@pytest.fixture
def world(db):
    """segment -> account ids, written into ``db``."""
    return build(db)
