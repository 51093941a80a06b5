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

from collections.abc import Iterator
from typing import Any

from pqa_tui.detectors.base import AccountUsage, Detector, Signal, strength_over_bar
from pqa_tui.hookspecs import hookimpl


class IntegrationConnected(Detector):
    name = "integration_connected"
    description = "Integrations connected over a window (the [events] kind `integration`)."
    options = {"window_days": 28, "min_integrations": 1, "kind": "integration"}
    default_weight = 3.0

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, bar, kind = options["window_days"], options["min_integrations"], options["kind"]
        connected = usage.total(kind, days)  # a rollup metric: no raw events are read
        if connected < bar or connected == 0:
            return
        first, last = usage.window(days)
        plural = "s" if connected != 1 else ""
        yield Signal(
            at=usage.last_day(kind, days) or last,
            strength=strength_over_bar(connected, bar),
            reason=f"{connected:.0f} integration{plural} connected in the last {days} days "
            f"(bar: {bar})",
            evidence={
                "connected": connected,
                "event_names": usage.config.events.get(kind, []),
                "window": [first, last],
            },
        )


@hookimpl
def register_detectors(register):
    register(IntegrationConnected())
