"""The most common detector: count something over the last days and fire at a bar.

Most signals are "the account did X at least N times in the last D days": pricing views,
paywall hits, value events, active users, your own ``[events]`` kind. :class:`CountDetector`
holds that shape once (sum a rollup metric over a window, compare with the bar, yield one
signal with the usual strength, time and reason), so such a detector only names its options,
what it counts and the evidence a rep checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import AccountUsage, Detector, Signal, counted, strength_over_bar


class CountDetector(Detector):
    """Fires when a count over the last ``window_days`` days reaches the bar.

    Set ``bar_option`` to the option holding the bar (``options`` must also hold
    ``window_days``) and ``noun`` to one of what is counted. By default the count is the sum
    of the rollup metric named by the ``kind`` option; override :meth:`metrics` to sum others,
    :meth:`count` to count something else, :meth:`describe` for other words and
    :meth:`evidence` for the detail behind the claim.

    The signal: at the last day in the window the count moved (else the window's last day),
    value the count, strength :func:`strength_over_bar`, reason ``"3 paywall hits in the last
    14 days (bar: 3)"``. A count of zero never fires, even with a bar of 0.
    """

    bar_option: str = ""
    noun: str = ""
    # A count over a window is a level (its signal re-dates itself while the count holds) and
    # the count is the value compared at a sunset; counts of buying steps (pricing views,
    # paywall hits) set ``behavioural = True``.
    behavioural: bool = False

    def metrics(self, options: dict[str, Any]) -> list[str]:
        """The rollup metrics counted and dated: by default the ``kind`` option's metric."""
        return [options["kind"]]

    def count(self, usage: AccountUsage, days: int, options: dict[str, Any]) -> float:
        """The count over the last ``days`` days: the sum of :meth:`metrics`."""
        return sum(usage.total(metric, days) for metric in self.metrics(options))

    def describe(self, count: float, options: dict[str, Any]) -> str:
        """The count in words, leading the reason: "3 paywall hits"."""
        return counted(count, self.noun)

    def evidence(
        self, usage: AccountUsage, count: float, window: list[str], options: dict[str, Any]
    ) -> dict[str, Any]:
        """JSON-ready detail for the signal; ``window`` is its ``[first_day, last_day]``."""
        return {"count": count, "window": window}

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        """One signal when the count over ``window_days`` reaches the bar, else none."""
        days, bar = options["window_days"], options[self.bar_option]
        count = self.count(usage, days, options)
        if count < bar or count == 0:
            return
        first, last = usage.window(days)
        yield Signal(
            at=max(usage.last_day(metric, days) or "" for metric in self.metrics(options)) or last,
            strength=strength_over_bar(count, bar),
            reason=f"{self.describe(count, options)} in the last {days} days (bar: {bar})",
            evidence=self.evidence(usage, count, [first, last], options),
            value=count,
        )
