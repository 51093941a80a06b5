"""Buyer persona: a member whose profile says director / VP / C-level or a buying department.

The user is not the buyer: an account with a buyer in it is one a conversation can close.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ..hookspecs import hookimpl
from .base import AccountUsage, Detector, Signal

_NON_WORD = re.compile(r"[^a-z0-9]+")


def _words(value: Any) -> str:
    """Lower-case words padded with spaces, so ``" vp "`` matches whole words only."""
    return _padded_words(str(value)) if value else ""


# Cached: the same profile answers and terms come back for every account at every scoring day
# (a backtest replays 52 of them), and the regex was most of the scoring time.
@lru_cache(maxsize=16384)
def _padded_words(text: str) -> str:
    return " " + _NON_WORD.sub(" ", text.lower()) + " "


@lru_cache(maxsize=256)
def _term_words(terms: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((term, _words(term)) for term in terms if _words(term))


def _matches(value: Any, terms: tuple[str, ...]) -> str | None:
    text = _words(value)
    if not text:
        return None
    for term, words in _term_words(terms):
        if words in text:
            return term
    return None


def buyer_match(
    user: dict[str, Any], seniorities: tuple[str, ...], departments: tuple[str, ...]
) -> tuple[str | None, str | None]:
    """The seniority term (seniority, role or title) and department term a profile matches.

    Public so the exporters list the same people as CRM contacts that this detector counts.
    """
    title = (user.get("traits") or {}).get("title")
    profile = (user.get("seniority"), user.get("role"), title, user.get("department"))
    try:
        return _match_profile(*profile, seniorities, departments)
    except TypeError:  # an answer that cannot be a cache key (a list in traits)
        return _match_profile.__wrapped__(*profile, seniorities, departments)


# Cached by profile: the same people come back at every scoring day of a backtest replay.
@lru_cache(maxsize=65536)
def _match_profile(
    seniority: Any,
    role: Any,
    title: Any,
    department: Any,
    seniorities: tuple[str, ...],
    departments: tuple[str, ...],
) -> tuple[str | None, str | None]:
    senior = (
        _matches(seniority, seniorities)
        or _matches(role, seniorities)
        or _matches(title, seniorities)
    )
    return senior, _matches(department, departments)


class BuyerPersona(Detector):
    name = "buyer_persona"
    description = "A member's profile (seniority, role, title, department) says buyer."
    # "owner" is left out on purpose: in most products it is the workspace role of whoever
    # signed up (the `role` trait is matched too), not a sign of a buyer.
    options = {
        "window_days": 28,
        "seniorities": [
            "director", "head", "vp", "vice president", "chief", "c-level", "ceo", "cto",
            "cfo", "coo", "cio", "cmo", "founder", "co-founder", "president",
        ],
        "departments": ["finance", "procurement", "purchasing", "it", "operations", "executive"],
        "department_strength": 0.6,
    }  # fmt: skip
    default_weight = 5.0
    intent = True
    behavioural = False

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterator[Signal]:
        buyers = []
        seniorities, departments = tuple(options["seniorities"]), tuple(options["departments"])
        for user in usage.users:
            senior, dept = buyer_match(user, seniorities, departments)
            if senior or dept:
                buyers.append((user, senior, dept))
        if not buyers:
            return
        # Only a buyer active in the window counts: a VP who left months ago is no buyer now.
        seen = usage.last_active([u["user_id"] for u, _, _ in buyers], options["window_days"])
        live = [(u, s, d, seen[u["user_id"]]) for u, s, d in buyers if u["user_id"] in seen]
        if not live:
            return
        live.sort(key=lambda b: (b[1] is None, b[3]), reverse=False)
        user, senior, dept, _ = live[0]
        who = user.get("email") or user.get("name") or user["user_id"]
        profile = ", ".join(
            str(user[f]) for f in ("seniority", "role", "department") if user.get(f)
        )
        strength = 1.0 if any(s for _, s, _, _ in live) else options["department_strength"]
        more = f" and {len(live) - 1} more" if len(live) > 1 else ""
        yield Signal(
            at=max(day for *_, day in live),
            strength=strength,
            value=len(live),  # buyers active: a second one joining is a rise
            reason=f"buyer in the account: {who} ({profile}){more}, active in the last "
            f"{options['window_days']} days",
            evidence={
                "buyers": [
                    {
                        "user_id": u["user_id"],
                        "email": u.get("email"),
                        "seniority": u.get("seniority"),
                        "role": u.get("role"),
                        "department": u.get("department"),
                        "matched": s or d,
                        "last_active": day,
                    }
                    for u, s, d, day in live
                ]
            },
        )


@hookimpl
def register_detectors(register):
    register(BuyerPersona())
