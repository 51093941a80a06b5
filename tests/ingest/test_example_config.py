"""example.toml documents the ingest settings with their real defaults."""

from __future__ import annotations

from pathlib import Path

from pqa_tui.config import Config, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "example.toml"


def test_example_shows_the_ingest_defaults():
    example = load_config(EXAMPLE, required=True)
    defaults = Config()
    for section in ("me", "plugins_dir", "ingest", "events", "pages", "storage", "roles", "plans"):
        assert getattr(example, section) == getattr(defaults, section), section
