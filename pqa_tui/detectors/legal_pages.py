"""Legal pages: visits to terms, privacy, security or DPA pages (evaluation behaviour)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal, counted, strength_over_bar


class LegalPages(Detector):
    name = "legal_pages"
    description = "Views of the [pages] group of legal pages (terms, privacy, security, DPA)."
    options = {"window_days": 28, "min_views": 1, "page_group": "legal"}
    default_weight = 3.0

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, bar, group = options["window_days"], options["min_views"], options["page_group"]
        metric = f"page:{group}"
        views = usage.total(metric, days)
        if views < bar or views == 0:
            return
        first, last = usage.window(days)
        yield Signal(
            at=usage.last_day(metric, days) or last,
            strength=strength_over_bar(views, bar),
            reason=f"{counted(views, group + '-page view')} in the last {days} days (bar: {bar})",
            evidence={
                "views": views,
                "patterns": usage.config.pages.get(group, []),
                "window": [first, last],
            },
        )


@hookimpl
def register_detectors(register):
    register(LegalPages())
