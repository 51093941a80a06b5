"""Per-account features read back from generated Segment records, the way a detector sees them.

The planted-correlation tests compute these from the records alone (not from the plan), so they
check what ingest and the detectors will actually receive.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

BUYER_SENIORITIES = {"director", "vp", "c-level"}


def account_features(records: Iterable[dict]) -> dict[str, dict[str, float]]:
    """account id -> seats, buyer, pricing, legal, admin switches, noise and velocity counts."""
    users: dict[str, set[str]] = defaultdict(set)
    buyer: dict[str, int] = defaultdict(int)
    counts: dict[str, Counter] = defaultdict(Counter)
    invites_per_day: dict[str, Counter] = defaultdict(Counter)
    joins: dict[str, list[datetime]] = defaultdict(list)
    for r in records:
        account = r.get("groupId") or r.get("context", {}).get("groupId")
        kind = r["type"]
        if kind == "identify":
            traits = r["traits"]
            if traits.get("seniority") in BUYER_SENIORITIES:
                buyer[account] = 1
            if set(traits) == {"role"}:
                counts[account]["admin_switches"] += 1
        elif kind == "group":
            if r["userId"] not in users[account]:
                users[account].add(r["userId"])
                joins[account].append(datetime.fromisoformat(r["timestamp"].replace("Z", "")))
        elif kind == "page":
            path = r["properties"]["path"]
            if path in ("/pricing", "/plans", "/upgrade"):
                counts[account]["pricing"] += 1
            elif path in ("/terms", "/privacy", "/security", "/dpa"):
                counts[account]["legal"] += 1
        elif r["event"] == "File Uploaded" and r["properties"]["kind"] == "import":
            counts[account]["imported"] += 1
        elif r["event"] == "Paywall Hit":
            counts[account]["paywall"] += 1
        elif r["event"] == "User Invited":
            invites_per_day[account][r["timestamp"][:10]] += 1
        elif r["event"] == "Subscription Started":
            counts[account]["subscribed"] += 1
    out = {}
    for account, members in users.items():
        c = counts[account]
        out[account] = {
            "seats": len(members),
            "buyer": buyer[account],
            "pricing": c["pricing"],
            "legal": c["legal"],
            "admin_switches": c["admin_switches"],
            "paywall": c["paywall"],
            "invite_spike": max(invites_per_day[account].values(), default=0),
            "subscribed": c["subscribed"],
            "velocity": _most_joins_in_28_days(joins[account]),
            "imported": c["imported"],
        }
    return out


def correlation(xs: list[float], ys: list[float]) -> float:
    """Pearson correlation (point-biserial when ``ys`` is 0/1)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0


def _most_joins_in_28_days(times: list[datetime]) -> int:
    """Velocity: the most users who joined within any 28 days."""
    times = sorted(times)
    best = 0
    lo = 0
    for hi, t in enumerate(times):
        while (t - times[lo]).days >= 28:
            lo += 1
        best = max(best, hi - lo + 1)
    return best
