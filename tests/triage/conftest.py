"""Fixtures for the triage tests: the built-in default config."""

from __future__ import annotations

import pytest

from pqa_tui.config import Config


@pytest.fixture
def config() -> Config:
    return Config()
