"""Legal pages: visits to terms, privacy, security or DPA pages (evaluation behaviour)."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, counted
from .counting import CountDetector


class LegalPages(CountDetector):
    name = "legal_pages"
    description = "Views of the [pages] group of legal pages (terms, privacy, security, DPA)."
    options = {"window_days": 28, "min_views": 1, "page_group": "legal"}
    default_weight = 3.0
    intent = True
    behavioural = True
    bar_option = "min_views"

    def metrics(self, options: dict[str, Any]) -> list[str]:
        return [f"page:{options['page_group']}"]

    def describe(self, count: float, options: dict[str, Any]) -> str:
        return counted(count, options["page_group"] + "-page view")

    def evidence(
        self, usage: AccountUsage, count: float, window: list[str], options: dict[str, Any]
    ) -> dict[str, Any]:
        patterns = usage.config.pages.get(options["page_group"], [])
        return {"views": count, "patterns": patterns, "window": window}


@hookimpl
def register_detectors(register):
    register(LegalPages())
