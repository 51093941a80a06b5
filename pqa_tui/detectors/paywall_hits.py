"""Paywall hits: users running into paid features or upgrade prompts."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage
from .counting import CountDetector


class PaywallHits(CountDetector):
    name = "paywall_hits"
    description = "Paywall / upgrade-prompt events ([events] kind) over a window reach a bar."
    options = {"window_days": 14, "min_hits": 3, "kind": "paywall"}
    default_weight = 2.0
    behavioural = True
    bar_option, noun = "min_hits", "paywall hit"

    def evidence(
        self, usage: AccountUsage, count: float, window: list[str], options: dict[str, Any]
    ) -> dict[str, Any]:
        event_names = usage.config.events.get(options["kind"], [])
        return {"hits": count, "event_names": event_names, "window": window}


@hookimpl
def register_detectors(register):
    register(PaywallHits())
