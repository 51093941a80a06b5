"""Usage volume: the account does a lot of what the config calls value events."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage
from .counting import CountDetector


class UsageVolume(CountDetector):
    name = "usage_volume"
    description = "Value events ([events] kind) over a window reach a bar."
    options = {"window_days": 28, "min_events": 50, "kind": "value"}
    default_weight = 5.0
    behavioural = False
    bar_option = "min_events"

    def describe(self, count: float, options: dict[str, Any]) -> str:
        return f"{count:.0f} {options['kind']} events"

    def evidence(
        self, usage: AccountUsage, count: float, window: list[str], options: dict[str, Any]
    ) -> dict[str, Any]:
        kind = options["kind"]
        event_names = usage.config.events.get(kind, [])
        return {"kind": kind, "event_names": event_names, "count": count, "window": window}


@hookimpl
def register_detectors(register):
    register(UsageVolume())
