"""The reasons that tell one account from the next, in short forms that fit a queue row.

Every PQA in a queue tends to share the same opening reason ("12 active users in the last 28
days"), which the Users column already shows. A rep scanning rows wants what differs: buying
intent first (pricing, legal pages, an admin switch, a buyer persona), then the newest signal,
then the rest; the everyday usage counts come last. The CLI's ``pqa queue``, the TUI's queue
and notifications all read :func:`distinguishing_reasons`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Buying intent, in the order a rep cares about it.
INTENT = ("pricing_views", "legal_pages", "admin_switch", "buyer_persona")
# Counts nearly every PQA has (and the Users column shows): said last.
COMMONPLACE = ("seat_count", "usage_volume")

_WINDOW = re.compile(r",? (?:active )?in the last \d+ days?")
_BAR = re.compile(r"(?:\s*\(bar: [^)]*\)|;\s*bar: [^)]*)")
_BUYER = re.compile(r"^buyer in the account: ")
_ADMIN = re.compile(r"^\d+ admin role changes? \((.*)\)$")


@dataclass(frozen=True)
class ReasonSignal:
    """One live signal as the queue reads it from ``signals``."""

    detector: str
    at: str
    points: float
    reason: str


def short_reason(detector: str, reason: str) -> str:
    """``reason`` without the window and the bar, which every row repeats:
    ``"4 pricing views in the last 14 days (bar: 2)"`` -> ``"4 pricing views"``."""
    text = _BAR.sub("", _WINDOW.sub("", reason)).strip()
    if detector == "buyer_persona":
        text = _BUYER.sub("buyer: ", text)
    elif detector == "admin_switch" and (m := _ADMIN.match(text)):
        text = f"admin: {m.group(1)}"
    return text


def distinguishing_reasons(signals: list[ReasonSignal]) -> list[str]:
    """The account's reasons, the telling ones first, each in its short form.

    Order: intent signals (:data:`INTENT` order), then the others newest first (ties by
    points), then the :data:`COMMONPLACE` counts.
    """
    intent = sorted(
        (s for s in signals if s.detector in INTENT), key=lambda s: INTENT.index(s.detector)
    )
    common = sorted(
        (s for s in signals if s.detector in COMMONPLACE),
        key=lambda s: COMMONPLACE.index(s.detector),
    )
    others = sorted(
        (s for s in signals if s.detector not in INTENT and s.detector not in COMMONPLACE),
        key=lambda s: (s.at, s.points),
        reverse=True,
    )
    return [short_reason(s.detector, s.reason) for s in (*intent, *others, *common)]
