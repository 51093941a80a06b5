"""Seat count: how many people use the account (7+ active users is a common bar)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal, counted, strength_over_bar


class SeatCount(Detector):
    name = "seat_count"
    description = "Distinct active users over a window reach a bar."
    options = {"window_days": 28, "min_users": 7}
    default_weight = 8.0

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, bar = options["window_days"], options["min_users"]
        users = usage.active_users(days)
        if users < bar or users == 0:
            return
        first, last = usage.window(days)
        yield Signal(
            at=usage.last_day("active_users", days) or last,
            strength=strength_over_bar(users, bar),
            reason=f"{counted(users, 'active user')} in the last {days} days (bar: {bar})",
            evidence={
                "active_users": users,
                "window": [first, last],
                "users": usage.active_user_ids(days),
            },
        )


@hookimpl
def register_detectors(register):
    register(SeatCount())
