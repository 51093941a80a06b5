"""Example detector plugin: an account that connects integrations is wiring the product in.

Copy this file into your plugins folder (``plugins_dir`` in pqa.toml, default ./plugins) and
tell pqa-tui which events count, so ingest rolls them up into a daily metric::

    [events]
    integration = ["Integration Connected", "Slack Connected"]

    [detectors.integration_connected]   # optional: these are the defaults
    window_days = 28
    min_integrations = 1
    weight = 3.0
"""

from __future__ import annotations

from typing import Any

from pqa_tui import AccountUsage, CountDetector, counted, hookimpl


class IntegrationConnected(CountDetector):
    name = "integration_connected"
    description = "Integrations connected over a window (the [events] kind `integration`)."
    options = {"window_days": 28, "min_integrations": 1, "kind": "integration"}
    default_weight = 3.0
    bar_option = "min_integrations"  # the option holding the bar
    behavioural = True  # a connection happens on a day: one after a sunset is news

    def describe(self, count: float, options: dict[str, Any]) -> str:
        return counted(count, "integration") + " connected"  # "2 integrations connected"

    def evidence(
        self, usage: AccountUsage, count: float, window: list[str], options: dict[str, Any]
    ) -> dict[str, Any]:
        event_names = usage.config.events.get(options["kind"], [])
        return {"connected": count, "event_names": event_names, "window": window}


@hookimpl
def register_detectors(register):
    register(IntegrationConnected())
