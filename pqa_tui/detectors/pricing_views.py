"""Pricing views: pricing-page visits and pricing events (monetization awareness)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal, counted, strength_over_bar


class PricingViews(Detector):
    name = "pricing_views"
    description = "Pricing-page views ([pages] group) plus pricing events ([events] kind)."
    options = {"window_days": 14, "min_views": 2, "page_group": "pricing", "kind": "pricing"}
    default_weight = 4.0

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, bar = options["window_days"], options["min_views"]
        metrics = [f"page:{options['page_group']}", options["kind"]]
        counts = {m: usage.total(m, days) for m in metrics}
        views = sum(counts.values())
        if views < bar or views == 0:
            return
        first, last = usage.window(days)
        yield Signal(
            at=max(usage.last_day(m, days) or "" for m in metrics) or last,
            strength=strength_over_bar(views, bar),
            reason=f"{counted(views, 'pricing view')} in the last {days} days (bar: {bar})",
            evidence={"counts": counts, "window": [first, last]},
        )


@hookimpl
def register_detectors(register):
    register(PricingViews())
