"""Paywall hits: users running into paid features or upgrade prompts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal, counted, strength_over_bar


class PaywallHits(Detector):
    name = "paywall_hits"
    description = "Paywall / upgrade-prompt events ([events] kind) over a window reach a bar."
    options = {"window_days": 14, "min_hits": 3, "kind": "paywall"}
    default_weight = 2.0

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, bar, kind = options["window_days"], options["min_hits"], options["kind"]
        hits = usage.total(kind, days)
        if hits < bar or hits == 0:
            return
        first, last = usage.window(days)
        yield Signal(
            at=usage.last_day(kind, days) or last,
            strength=strength_over_bar(hits, bar),
            reason=f"{counted(hits, 'paywall hit')} in the last {days} days (bar: {bar})",
            evidence={
                "hits": hits,
                "event_names": usage.config.events.get(kind, []),
                "window": [first, last],
            },
        )


@hookimpl
def register_detectors(register):
    register(PaywallHits())
