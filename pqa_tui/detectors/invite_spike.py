"""Invite spike: many more invites this week than the account's usual pace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal, counted, strength_over_bar


class InviteSpike(Detector):
    name = "invite_spike"
    description = "Invites in a short window reach a bar and a multiple of the usual pace."
    options = {"window_days": 7, "baseline_days": 28, "min_invites": 5, "ratio": 3.0}
    default_weight = 2.0
    behavioural = True

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, base_days = options["window_days"], options["baseline_days"]
        bar, ratio = options["min_invites"], options["ratio"]
        current = usage.total("invite", days)
        if current < bar or current == 0:
            return
        # The usual pace: invites in the baseline window before, scaled to this window's length.
        usual = usage.total("invite", base_days, offset=days) * days / base_days
        if current < ratio * usual:
            return
        first, last = usage.window(days)
        yield Signal(
            at=usage.last_day("invite", days) or last,
            strength=strength_over_bar(current, bar),
            value=current,
            reason=(
                f"{counted(current, 'invite')} in the last {days} days vs {usual:.1f} usual "
                f"(bar: {bar} and {ratio:g}x usual)"
            ),
            evidence={"invites": current, "usual": round(usual, 2), "window": [first, last]},
        )


@hookimpl
def register_detectors(register):
    register(InviteSpike())
