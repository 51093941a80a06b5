"""A simulated team's past work on the demo: claims, contacts, feedback and outcomes.

Reports and backtests judge a PQA definition by what the people selling said about the
accounts it surfaced. A fresh demo has no such past, so :func:`simulate_team` plays one out
through the real triage functions (:mod:`pqa_tui.triage`), dated after each account's first
PQA moment. The verdicts follow the planted truth (``demo_accounts``, through
:func:`pqa_tui.demo.archetypes.simulated_feedback`): accounts that convert were worth the
conversation, the others were not (too early, no buyer, hobby, internal). Seeded, so the
same demo gets the same history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from .. import triage
from ..config import Config
from ..timestamps import ts_to_datetime
from .archetypes import simulated_feedback

DEFAULT_TEAM = ("ana", "ben", "chloe")
# Moments this close to the demo's end are left for the person opening the demo to work.
FRESH_DAYS = 10
CLAIM_SHARE = 0.8  # share of surfaced accounts someone got to
FEEDBACK_SHARE = 0.85  # share of contacted accounts whose rep said good or bad


@dataclass
class TeamHistory:
    """What :func:`simulate_team` recorded, by step."""

    claimed: int = 0
    contacted: int = 0
    feedback: dict[str, int] = field(default_factory=lambda: {"good": 0, "bad": 0})
    outcomes: dict[str, int] = field(default_factory=dict)


def simulate_team(
    db: sqlite_utils.Database, config: Config, *, end: datetime, seed: int = 42
) -> TeamHistory:
    """Play out a team's triage of the demo's past PQA moments, up to ``end``.

    Call after the demo is ingested and scored with history (``build_demo``): it reads
    ``pqa_moments`` and ``demo_accounts``. Every write goes through the triage functions.
    """
    rng = random.Random(f"{seed}:team")
    team = config.triage.team or list(DEFAULT_TEAM)
    done = TeamHistory()
    last_moment = end - timedelta(days=FRESH_DAYS)
    rows = db.conn.execute(
        "select m.account_id, min(m.at), d.archetype, d.converts, d.converted_at, d.has_buyer "
        "from pqa_moments m join demo_accounts d using (account_id) "
        "group by m.account_id order by min(m.at), m.account_id"
    ).fetchall()
    for account_id, moment_at, archetype, converts, converted_at, has_buyer in rows:
        surfaced = ts_to_datetime(moment_at)
        if surfaced > last_moment or rng.random() > CLAIM_SHARE:
            continue
        rep = rng.choice(team)
        converted = _as_datetime(converted_at)
        truth = {"archetype": archetype, "converts": converts, "has_buyer": has_buyer}
        verdict, reason = simulated_feedback(truth)
        _work(db, config, done, rng, account_id, rep, surfaced, converted, verdict, reason, end)
    return done


def _work(
    db: sqlite_utils.Database,
    config: Config,
    done: TeamHistory,
    rng: random.Random,
    account_id: str,
    rep: str,
    surfaced: datetime,
    converted: datetime | None,
    verdict: str,
    reason: str,
    end: datetime,
) -> None:
    """One account's life in the queue: claim, contact, feedback, outcome (as time allows)."""
    at = surfaced + timedelta(hours=rng.uniform(2, 40))
    if at >= end:
        return
    triage.claim(db, config, account_id, rep, now=at)
    done.claimed += 1
    at += timedelta(hours=rng.uniform(4, 72))
    if at >= end or (converted is not None and converted <= at):
        return  # it bought on its own before anyone reached out
    triage.mark_contacted(db, config, account_id, rep, now=at)
    done.contacted += 1
    if rng.random() < FEEDBACK_SHARE:
        at += timedelta(days=rng.uniform(1, 5))
        if at < end:
            triage.give_feedback(db, config, account_id, rep, verdict, reason=reason, now=at)
            done.feedback[verdict] += 1
    for outcome, when in _outcomes(rng, verdict, at, converted):
        if when >= end:
            break
        triage.record_outcome(db, config, account_id, rep, outcome, now=when)
        done.outcomes[outcome] = done.outcomes.get(outcome, 0) + 1


def _outcomes(
    rng: random.Random, verdict: str, contacted: datetime, converted: datetime | None
) -> list[tuple[str, datetime]]:
    """The outcomes a rep records after contact, with when."""
    meeting = contacted + timedelta(days=rng.uniform(2, 10))
    if converted is not None and converted > contacted:
        steps = [("meeting", meeting), ("qualified", meeting + timedelta(days=3))]
        steps = [(o, t) for o, t in steps if t < converted]
        return [*steps, ("won", converted)]
    if verdict == "good":
        last = "qualified" if rng.random() < 0.5 else "lost"
        return [("meeting", meeting), (last, meeting + timedelta(days=rng.uniform(5, 30)))]
    if rng.random() < 0.6:
        return [("not_a_fit", contacted + timedelta(days=rng.uniform(1, 7)))]
    return [("no_response", contacted + timedelta(days=rng.uniform(7, 14)))]


def _as_datetime(ts: str | None) -> datetime | None:
    return ts_to_datetime(ts) if ts else None
