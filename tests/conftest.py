"""Shared fixtures: real SQLite files in tmp_path, hermetic plugin loading."""

from __future__ import annotations

import os

import pytest

# Only the built-ins (and what a test loads on purpose): installed entry points stay out.
os.environ["PQA_LOAD_PLUGINS"] = ""


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "pqa.db"


@pytest.fixture
def db(db_path):
    from pqa_tui.store import open_db

    database = open_db(db_path)
    yield database
    database.close()
