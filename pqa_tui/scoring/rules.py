"""The scoring rule, in one place: how far back a run reads, what a signal is worth, the gates.

Score = sum over an account's live signals of ``strength x weight x decay``, where decay
halves every ``scoring.half_life_days`` from the day of the evidence to the scoring day and a
signal older than ``scoring.max_signal_age_days`` no longer counts. An account qualifies (is a
PQA) when its score is above 0, reaches ``scoring.threshold`` and it passes every gate (old
enough, not paid, not an internal domain, not on the denylist, and, with
``scoring.require_intent``, at least one live signal from an intent detector); a gated account
keeps its score and says which gate held it back.

:func:`~pqa_tui.scoring.compute.compute_scores` and the backtest replay
(:func:`pqa_tui.backtest.replay`) both call these functions, so a replay scores exactly as
``pqa score`` would have on each day.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

import sqlite_utils

from ..config import Config, DetectorSettings, ScoringConfig


def lookback_days(config: Config, settings: list[DetectorSettings]) -> int:
    """How many days of usage a run reads: enough for every window and the one before it."""
    longest = max(
        (
            2 * sum(v for k, v in s.options.items() if k.endswith("_days"))
            for s in settings
            if s.enabled
        ),
        default=0,
    )
    return max(config.scoring.max_signal_age_days, int(math.ceil(longest)), 1)


def decay(age_days: float, half_life_days: float) -> float:
    """The share of a signal left after ``age_days``: halves every ``half_life_days``."""
    return 0.5 ** (max(0.0, age_days) / half_life_days)


def signal_age(at_ts: str, as_of: date) -> int:
    """Whole days from the signal's UTC day (``at_ts`` is stored time text) to ``as_of``."""
    return (as_of - date.fromisoformat(at_ts[:10])).days


def signal_decay(age_days: int, scoring: ScoringConfig) -> float | None:
    """The share of a signal ``age_days`` old that counts; None once it is past
    ``scoring.max_signal_age_days`` (it no longer counts at all)."""
    if age_days > scoring.max_signal_age_days:
        return None
    return decay(age_days, scoring.half_life_days)


def signal_points(strength: float, weight: float, share: float) -> float:
    """A signal's part of the score: ``strength x weight x decay``."""
    return strength * weight * share


def qualifies(score: float, threshold: float, gate: str | None = None) -> bool:
    """Whether a score makes a PQA: through every gate, above 0 and at the threshold or over."""
    return gate is None and score > 0 and score >= threshold


NO_INTENT = "no intent signal yet"


def intent_detectors(settings: list[DetectorSettings]) -> frozenset[str]:
    """The enabled detectors whose signals count as intent (``[detectors.NAME] intent``)."""
    return frozenset(s.name for s in settings if s.enabled and s.intent)


def intent_gate(
    scoring: ScoringConfig, points: Mapping[str, float], intent: Collection[str]
) -> str | None:
    """:data:`NO_INTENT` when ``scoring.require_intent`` is on and an account that scores has
    no live intent signal; ``points`` is detector -> points of its live signals.

    Usage alone (seats, volume, velocity) makes big free teams that never buy look like PQAs;
    a look at pricing or legal pages, an admin switch or a buyer in the account is what sets
    the ones that buy apart. An account that scores nothing needs no gate to explain it.
    """
    if not scoring.require_intent or not any(p > 0 for p in points.values()):
        return None
    if any(p > 0 for d, p in points.items() if d in intent):
        return None
    return NO_INTENT


def plans_as_of(db: sqlite_utils.Database, config: Config, as_of_ts: str) -> dict[str, str]:
    """Account -> plan as it was at ``as_of_ts``, from recorded plan changes."""
    plans: dict[str, str] = {}
    rows = db.conn.execute(
        "select entity_id, old_value, new_value, ts from trait_changes "
        "where entity = 'account' and trait = ? order by entity_id, ts, id",
        (config.plans.trait,),
    )
    for account_id, old, new, ts in rows:
        if ts <= as_of_ts:
            plans[account_id] = new or ""
        elif account_id not in plans:
            plans[account_id] = old or ""  # first change came later: the plan before it
    return plans


def gate_for(
    config: Config, account: dict[str, Any], plan: str, born: date | None, as_of: date
) -> str | None:
    """Why this account may not surface (None when it may)."""
    s = config.scoring
    name, domain = account.get("name") or "", (account.get("domain") or "").lower()
    denied = {d.lower() for d in s.denylist}
    for value in (account["account_id"], name, domain):
        if value and value.lower() in denied:
            return f"denylist: {value!r} is in scoring.denylist"
    for excluded in s.exclude_domains:
        excluded = excluded.lower()
        if domain and (domain == excluded or domain.endswith("." + excluded)):
            return f"internal domain: {domain} (scoring.exclude_domains)"
    free = {p.lower() for p in config.plans.free_plans}
    if s.exclude_paid and plan.lower() not in free:
        return f"paid: plan {plan!r} (scoring.exclude_paid)"
    if born is None or (as_of - born).days < s.min_account_age_days:
        age = "unknown age" if born is None else f"{(as_of - born).days} days old"
        return f"too new: {age} (min {s.min_account_age_days} days)"
    return None


def plan_then(plans: dict[str, str], account: dict[str, Any]) -> str:
    """The account's plan as of the day: its recorded change (from :func:`plans_as_of`), else
    its plan now."""
    return plans.get(account["account_id"], account.get("plan") or "")
