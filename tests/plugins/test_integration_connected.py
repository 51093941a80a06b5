"""The repo's example detector plugin, tested the way a plugin author would test theirs."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest

from pqa_tui.config import config_from_dict
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import compute_scores
from pqa_tui.testing import AccountBuilder

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "integration_connected.py"
KIND = {"integration": ["Integration Connected"]}


def _detector():
    spec = importlib.util.spec_from_file_location("integration_connected_under_test", PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.IntegrationConnected()


@pytest.mark.parametrize("connected, fires", [(0, False), (1, True), (2, True)])
def test_fires_on_integrations_in_the_window(db, connected, fires):
    acct = AccountBuilder(db, events=KIND)
    acct.track("u1", "Signed In", "2026-03-20")
    if connected:
        acct.track("u1", "Integration Connected", "2026-03-20", count=connected)
    acct.track("u1", "Integration Connected", "2026-01-02")  # outside the 28-day window
    signals = acct.run(_detector(), as_of="2026-03-31")
    assert bool(signals) is fires
    if fires:
        plural = "s" if connected > 1 else ""
        assert signals[0].reason == (
            f"{connected} integration{plural} connected in the last 28 days (bar: 1)"
        )
        assert signals[0].strength == min(1.0, connected / 2)


def test_bar_is_an_option(db):
    acct = AccountBuilder(db, events=KIND).track("u1", "Integration Connected", "2026-03-30")
    assert acct.run(_detector(), as_of="2026-03-31", options={"min_integrations": 2}) == []


def test_scores_when_loaded_from_the_folder(db, monkeypatch):
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "integration_connected")
    plugins = load_plugins(PLUGIN.parent)
    config = config_from_dict(
        # Connecting an integration is usage, not buying intent: the config says it counts.
        {"events": KIND, "detectors": {"integration_connected": {"weight": 10.0, "intent": True}}}
    )
    acct = AccountBuilder(db, config=config, created="2026-01-01")
    acct.track("u1", "Integration Connected", "2026-03-31", count=2).save()
    (score,) = compute_scores(db, config, plugins, date(2026, 3, 31))
    (signal,) = [s for s in score.signals if s.detector == "integration_connected"]
    assert (signal.plugin, signal.points) == ("integration_connected", 10.0)
    assert score.qualified
