"""A config with only seat_count on (window 7 days, bar 2 users, weight 20): scores by hand.

Seats alone are usage, never intent: the intent gate (scoring.require_intent) is off here so
the hand-made sums stay about seats and thresholds.
"""

from __future__ import annotations

import tomli_w

from pqa_tui.detectors import BUILTIN_MODULES

# Every built-in but seat_count, so a detector added later cannot change the hand-made sums.
DETECTORS_OFF = [m.rsplit(".", 1)[1] for m in BUILTIN_MODULES if not m.endswith(".seat_count")]


def settings(threshold: float) -> dict:
    return {
        "scoring": {
            "threshold": threshold,
            "min_account_age_days": 0,
            "exclude_domains": [],
            "require_intent": False,
        },
        "detectors": {
            "seat_count": {"weight": 20.0, "window_days": 7, "min_users": 2},
            **{name: {"enabled": False} for name in DETECTORS_OFF},
        },
    }


def toml(data: dict) -> str:
    return tomli_w.dumps(data)
