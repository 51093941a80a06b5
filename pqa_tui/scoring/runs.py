"""A saved scoring run: :func:`score_all` computes, writes, and says what changed.

Saves the live signals, each account's score (and gate), one ``score_history`` row per account
for the scoring day, and PQA moments (opened when an account crosses the bar, ended when it
falls out; kept forever), and marks sunset accounts that had a new PQA moment since their
sunset (:func:`pqa_tui.triage.returns.record_returns`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import sqlite_utils

from .. import store
from ..config import Config
from ..detectors.base import as_of_end
from ..notify.outbox import enqueue_moment
from ..plugins import Plugins
from ..timestamps import now_ts
from ..triage.returns import Seen, record_returns
from .compute import compute_scores, today
from .results import AccountScore, FailureSummary, summarize_failures
from .streaks import apply_streaks, streak_days


@dataclass
class ScoreRun:
    """What :func:`score_all` did: the numbers and what changed."""

    as_of: date
    scored_at: str
    accounts: int
    qualified: int
    new_pqas: list[AccountScore]
    fell_out: list[AccountScore]
    failures: list[FailureSummary]
    seconds: float
    latest_data_day: str | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (what ``pqa score --json`` prints)."""
        return {
            "as_of": self.as_of.isoformat(),
            "scored_at": self.scored_at,
            "accounts": self.accounts,
            "qualified": self.qualified,
            "new_pqas": [_brief(s) for s in self.new_pqas],
            "fell_out": [_brief(s) for s in self.fell_out],
            "errors": [asdict(f) for f in self.failures],
            "seconds": round(self.seconds, 3),
            "latest_data_day": self.latest_data_day,
        }


def _brief(s: AccountScore) -> dict[str, Any]:
    return {
        "account": s.account_id,
        "name": s.name,
        "score": round(s.score, 2),
        "gate": s.gate,
        "reasons": s.reasons,
    }


def _seen(s: AccountScore) -> list[Seen]:
    """An account's signals as a sunset compares them, biggest first."""
    return [Seen(x.detector, x.behavioural, x.value, x.strength, x.at, x.reason) for x in s.signals]


def latest_data_day(db: sqlite_utils.Database) -> str | None:
    """The most recent day with any usage (to warn when scoring far past the data)."""
    row = db.conn.execute("select max(day) from rollups where metric = 'events'").fetchone()
    return row[0] if row else None


def score_all(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    *,
    as_of: date | None = None,
    fill_gap: bool = True,
) -> ScoreRun:
    """Compute scores as of a day and save them; return what changed.

    Saves the live signals, each account's score (and gate), one ``score_history`` row per
    account for the scoring day, and PQA moments: a new moment on the first day an account
    qualifies, ``ended_at`` set on the first day it no longer does (days since the previous
    run are scored again to find them, :mod:`pqa_tui.scoring.streaks`; ``fill_gap=False``
    skips that, as if scoring ran only on the days it did: a backfill of history that wants
    speed). Moments are kept forever. Then marks sunset accounts with a new PQA moment since
    their sunset.
    """
    started = time.perf_counter()
    as_of = as_of or today()
    scores = compute_scores(db, config, plugins, as_of)
    scored_at = now_ts()
    # Moments of a replay are dated at the end of the replayed day, not at the wall clock.
    moment_at = scored_at if as_of >= today() else as_of_end(as_of)
    new_pqas: list[AccountScore] = []
    fell_out: list[AccountScore] = []
    open_moments: dict[str, int] = dict(
        db.conn.execute("select account_id, id from pqa_moments where ended_at is null")
    )
    # Days since the previous run are scored again (outside the write) for the accounts whose
    # streak may have changed in them: moments do not depend on how often scoring runs.
    if fill_gap:
        days = streak_days(db, config, plugins, scores, open_moments, as_of, moment_at)
    else:
        days = [(as_of, moment_at, {s.account_id: s for s in scores})]
    with store.write(db) as conn:
        open_moments = dict(
            conn.execute("select account_id, id from pqa_moments where ended_at is null")
        )
        conn.execute("delete from signals")
        conn.executemany(
            "insert into signals (account_id, detector, at, strength, weight, points, reason, "
            "evidence, scored_at, value, behavioural) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    x.account_id,
                    x.detector,
                    x.at,
                    x.strength,
                    x.weight,
                    x.points,
                    x.reason,
                    json.dumps({**x.evidence, "plugin": x.plugin, "decay": x.decay}, default=str),
                    scored_at,
                    x.value,
                    int(x.behavioural),
                )
                for s in scores
                for x in s.signals
            ],
        )
        conn.executemany(
            "insert or replace into scores (account_id, score, qualified, gate, reasons, "
            "scored_at, as_of) values (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    s.account_id,
                    s.score,
                    int(s.qualified),
                    s.gate,
                    json.dumps(s.reasons),
                    scored_at,
                    as_of.isoformat(),
                )
                for s in scores
            ],
        )
        conn.executemany(
            "insert or replace into score_history (account_id, day, score, qualified) "
            "values (?, ?, ?, ?)",
            [(s.account_id, as_of.isoformat(), s.score, int(s.qualified)) for s in scores],
        )
        opened, ended = apply_streaks(conn, days, open_moments)
        by_id = {s.account_id: s for s in scores}
        for account_id, (moment_id, at) in opened.items():
            enqueue_moment(conn, config, moment_id, account_id, at)
            new_pqas.append(by_id[account_id])
        fell_out.extend(by_id[a] for a in ended if a not in open_moments)
        record_returns(conn, config, {s.account_id: _seen(s) for s in scores}, as_of_end(as_of),
                       moment_at)  # fmt: skip
    return ScoreRun(
        as_of=as_of,
        scored_at=scored_at,
        accounts=len(scores),
        qualified=sum(s.qualified for s in scores),
        new_pqas=sorted(new_pqas, key=lambda s: -s.score),
        fell_out=sorted(fell_out, key=lambda s: -s.score),
        failures=summarize_failures(scores),
        seconds=time.perf_counter() - started,
        latest_data_day=latest_data_day(db),
    )
