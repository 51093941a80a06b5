"""Seat count: how many people use the account (7+ active users is a common bar)."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage
from .counting import CountDetector


class SeatCount(CountDetector):
    name = "seat_count"
    description = "Distinct active users over a window reach a bar."
    options = {"window_days": 28, "min_users": 7}
    default_weight = 8.0
    behavioural = False
    bar_option, noun = "min_users", "active user"

    def metrics(self, options: dict[str, Any]) -> list[str]:
        return ["active_users"]  # dates the signal; the count is distinct users, not a sum

    def count(self, usage: AccountUsage, days: int, options: dict[str, Any]) -> float:
        return usage.active_users(days)

    def evidence(
        self, usage: AccountUsage, count: float, window: list[str], options: dict[str, Any]
    ) -> dict[str, Any]:
        users = usage.active_user_ids(options["window_days"])
        return {"active_users": count, "window": window, "users": users}


@hookimpl
def register_detectors(register):
    register(SeatCount())
