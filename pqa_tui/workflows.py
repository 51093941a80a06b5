"""Sequences of core steps that more than one face runs, so each lives in one place.

``pqa score`` and the demo build both score, record PQA moments and hand the new PQAs to the
team; :func:`score_and_route` is that sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from . import triage
from .config import Config
from .plugins import Plugins
from .scoring import ScoreRun, score_all


@dataclass
class ScoredAndRouted:
    """What :func:`score_and_route` did."""

    run: ScoreRun
    # The new PQAs given a triage row: {account_id: owner, or None when no routing rule fits}.
    routed: dict[str, str | None]
    # Parked accounts that came back (a new PQA moment after a sunset, or a snooze over).
    returned: list[str]


def score_and_route(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    *,
    as_of: date | None = None,
    now: datetime | None = None,
) -> ScoredAndRouted:
    """Score every account as of ``as_of`` (saving scores and PQA moments), then give new PQAs
    their triage row (and an owner, if a routing rule fits) and log parked accounts that are
    due back. ``now`` is when the triage steps happen (default: the current time).
    """
    run = score_all(db, config, plugins, as_of=as_of)
    routed = triage.route_new(db, config, now=now)
    returned = triage.resurface_due(db, config, now=now)
    return ScoredAndRouted(run=run, routed=routed, returned=returned)
