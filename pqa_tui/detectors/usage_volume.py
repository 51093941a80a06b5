"""Usage volume: the account does a lot of what the config calls value events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal, strength_over_bar


class UsageVolume(Detector):
    name = "usage_volume"
    description = "Value events ([events] kind) over a window reach a bar."
    options = {"window_days": 28, "min_events": 50, "kind": "value"}
    default_weight = 5.0

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, bar, kind = options["window_days"], options["min_events"], options["kind"]
        count = usage.total(kind, days)
        if count < bar or count == 0:
            return
        first, last = usage.window(days)
        yield Signal(
            at=usage.last_day(kind, days) or last,
            strength=strength_over_bar(count, bar),
            reason=f"{count:.0f} {kind} events in the last {days} days (bar: {bar})",
            evidence={
                "kind": kind,
                "event_names": usage.config.events.get(kind, []),
                "count": count,
                "window": [first, last],
            },
        )


@hookimpl
def register_detectors(register):
    register(UsageVolume())
