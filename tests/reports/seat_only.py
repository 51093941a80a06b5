"""A config with only seat_count on (window 7 days, bar 2 users, weight 20): scores by hand."""

from __future__ import annotations

import tomli_w

DETECTORS_OFF = [
    "usage_volume",
    "velocity",
    "storage_velocity",
    "admin_switch",
    "legal_pages",
    "pricing_views",
    "paywall_hits",
    "buyer_persona",
    "invite_spike",
]


def settings(threshold: float) -> dict:
    return {
        "scoring": {"threshold": threshold, "min_account_age_days": 0, "exclude_domains": []},
        "detectors": {
            "seat_count": {"weight": 20.0, "window_days": 7, "min_users": 2},
            **{name: {"enabled": False} for name in DETECTORS_OFF},
        },
    }


def toml(data: dict) -> str:
    return tomli_w.dumps(data)
