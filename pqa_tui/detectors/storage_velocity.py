"""Storage velocity: the account stores data faster than it did the window before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal
from .velocity import growth

# Growth past 100× the window before is told as "from almost nothing", not as a percentage.
FROM_NOTHING = 100.0


def human_bytes(n: float) -> str:
    """Bytes as a short human string (1.2 GB)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover - loop always returns


class StorageVelocity(Detector):
    name = "storage_velocity"
    description = "Bytes stored in a window grow against the window before."
    options = {"window_days": 14, "min_growth": 1.0, "min_bytes": 50_000_000}
    default_weight = 3.0
    behavioural = False

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        days, min_growth = options["window_days"], options["min_growth"]
        current = usage.total("storage", days)
        previous = usage.total("storage", days, offset=days)
        rate = growth(current, previous)
        if current < options["min_bytes"] or previous <= 0 or rate < min_growth:
            return
        first, last = usage.window(days)
        if rate >= FROM_NOTHING:  # "up 246952%" says less than where it started
            said = (
                f"storage added {human_bytes(current)} in the last {days} days, from almost "
                f"nothing before ({human_bytes(previous)}; bar: +{min_growth:.0%})"
            )
        else:
            said = (
                f"storage added up {rate:.0%} in the last {days} days "
                f"({human_bytes(current)} vs {human_bytes(previous)} before; "
                f"bar: +{min_growth:.0%})"
            )
        yield Signal(
            at=usage.last_day("storage", days) or last,
            strength=min(1.0, rate / (2 * min_growth)) if min_growth > 0 else 1.0,
            value=current,  # bytes stored in the window
            reason=said,
            evidence={
                "bytes": current,
                "previous_bytes": previous,
                "growth": round(rate, 3),
                "window": [first, last],
            },
        )


@hookimpl
def register_detectors(register):
    register(StorageVelocity())
