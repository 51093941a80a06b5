"""Velocity: active users and value events growing, this window against the one before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal


def growth(current: float, previous: float) -> float:
    """Relative growth of ``current`` over ``previous`` (0 when there was nothing before)."""
    return (current - previous) / previous if previous > 0 else 0.0


class Velocity(Detector):
    name = "velocity"
    description = "Active users or value events grow from one window to the next."
    options = {
        "window_days": 14,
        "min_growth": 0.5,
        "min_users": 4,
        "min_value_events": 10,
        "kind": "value",
    }
    default_weight = 4.0
    behavioural = False

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, min_growth, kind = options["window_days"], options["min_growth"], options["kind"]
        users_metric = ("active users", "active_users", options["min_users"])
        value_metric = (f"{kind} events", kind, options["min_value_events"])
        grown = []
        for label, metric, floor in (users_metric, value_metric):
            if metric == "active_users":
                current, previous = usage.active_users(days), usage.active_users(days, offset=days)
            else:
                current, previous = (
                    usage.total(metric, days),
                    usage.total(metric, days, offset=days),
                )
            rate = growth(current, previous)
            if current >= floor and previous > 0 and rate >= min_growth:
                grown.append((label, current, previous, rate, metric))
        if not grown:
            return
        best = max(rate for _, _, _, rate, _ in grown)
        parts = [
            f"{label} up {rate:.0%} in the last {days} days ({cur:.0f} vs {prev:.0f} before)"
            for label, cur, prev, rate, _ in grown
        ]
        first, last = usage.window(days)
        at = max(usage.last_day(metric, days) or last for *_, metric in grown)
        yield Signal(
            at=at,
            strength=min(1.0, best / (2 * min_growth)) if min_growth > 0 else 1.0,
            value=round(best, 3),  # the growth rate: what a return after a sunset compares
            reason="; ".join(parts) + f" (bar: +{min_growth:.0%})",
            evidence={
                "window": [first, last],
                "previous_window": list(usage.window(days, offset=days)),
                "grown": [
                    {"measure": label, "current": cur, "previous": prev, "growth": round(rate, 3)}
                    for label, cur, prev, rate, _ in grown
                ],
            },
        )


@hookimpl
def register_detectors(register):
    register(Velocity())
