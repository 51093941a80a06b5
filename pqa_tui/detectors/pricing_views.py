"""Pricing views: pricing-page visits and pricing events (monetization awareness)."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage
from .counting import CountDetector


class PricingViews(CountDetector):
    name = "pricing_views"
    description = "Pricing-page views ([pages] group) plus pricing events ([events] kind)."
    options = {"window_days": 14, "min_views": 2, "page_group": "pricing", "kind": "pricing"}
    default_weight = 4.0
    intent = True
    behavioural = True
    bar_option, noun = "min_views", "pricing view"

    def metrics(self, options: dict[str, Any]) -> list[str]:
        return [f"page:{options['page_group']}", options["kind"]]

    def evidence(
        self, usage: AccountUsage, count: float, window: list[str], options: dict[str, Any]
    ) -> dict[str, Any]:
        days = options["window_days"]
        return {
            "counts": {m: usage.total(m, days) for m in self.metrics(options)},
            "window": window,
        }


@hookimpl
def register_detectors(register):
    register(PricingViews())
