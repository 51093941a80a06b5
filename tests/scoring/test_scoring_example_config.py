"""example.toml stays true: it loads, passes `config check`, and shows the real defaults."""

from __future__ import annotations

from pathlib import Path

from pqa_tui.config import Config, load_config
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import check_config, detector_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "example.toml"


def test_example_scoring_and_detectors_are_the_defaults():
    config = load_config(EXAMPLE, required=True)
    plugins = load_plugins(None)
    check_config(config, plugins)
    assert config.scoring == Config().scoring
    shown = {s.name: s for s in detector_settings(config, plugins)}
    defaults = {s.name: s for s in detector_settings(Config(), plugins)}
    assert set(config.detectors) == set(defaults)  # every built-in is documented
    for name, default in defaults.items():
        assert (shown[name].weight, shown[name].options) == (default.weight, default.options)
