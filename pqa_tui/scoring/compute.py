"""Scoring as of a day, reading and never writing: every detector on every account.

:func:`compute_scores` is what ``pqa score`` saves (through :func:`~pqa_tui.scoring.runs.score_all`)
and what tests and replays compare against. The rule it applies (signal age, decay, points,
gates, qualifying) lives in :mod:`pqa_tui.scoring.rules`, which the backtest replay calls too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlite_utils

from ..config import Config, detector_settings
from ..detectors.base import AccountUsage, UsageBatch
from ..plugins import Plugins
from . import rules
from .accounts import accounts_by_id, born_day, candidates
from .isolation import TimeBox, detect_safely
from .results import AccountScore, DetectorFailure, ScoredSignal


def today() -> date:
    """The scoring day when none is given: today, UTC."""
    return datetime.now(UTC).date()


def compute_scores(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    as_of: date | None = None,
    *,
    account_ids: list[str] | None = None,
) -> list[AccountScore]:
    """Score accounts as of a day (default today, UTC) using only data up to that day.

    Reads, never writes. ``account_ids`` limits the run; by default every account with usage
    in the lookback, plus any whose saved score needs clearing. A detector that raises is
    recorded in the account's ``errors`` and the rest of the run completes.
    """
    as_of = as_of or today()
    settings = [s for s in detector_settings(config, plugins) if s.enabled]
    lookback = rules.lookback_days(config, settings)
    first_day = (as_of - timedelta(days=lookback - 1)).isoformat()
    ids = account_ids if account_ids is not None else candidates(db, first_day, as_of)
    accounts = accounts_by_id(db, ids)
    batch = UsageBatch(db, config, as_of, ids, lookback)
    plans = rules.plans_as_of(db, config, batch.as_of_ts)
    intent = rules.intent_detectors(settings)
    s = config.scoring

    def score_one(account_id: str, box: TimeBox) -> AccountScore | None:
        account = accounts[account_id]
        usage = AccountUsage(batch, account)
        scored: list[ScoredSignal] = []
        errors: list[DetectorFailure] = []
        for setting in settings:
            skipped = box.skipped.get(setting.name)
            if skipped:
                errors.append(DetectorFailure(setting.name, setting.plugin, account_id, skipped))
                continue
            box.started(setting)
            signals, error = detect_safely(setting, usage)
            if not box.finished():
                return None  # this call overran its time box and the run went on without it
            if error:
                errors.append(DetectorFailure(setting.name, setting.plugin, account_id, error))
            for signal in signals:
                at = signal.at_ts  # already stored text: returned as is
                share = rules.signal_decay(rules.signal_age(at, as_of), s)
                if share is None:
                    continue  # too old to count
                strength = float(signal.strength)
                scored.append(
                    ScoredSignal(
                        account_id=account_id,
                        detector=setting.name,
                        plugin=setting.plugin,
                        at=at,
                        strength=strength,
                        weight=setting.weight,
                        decay=share,
                        points=rules.signal_points(strength, setting.weight, share),
                        reason=signal.reason,
                        evidence=signal.evidence,
                        value=strength if signal.value is None else float(signal.value),
                        behavioural=bool(getattr(setting.detector, "behavioural", False)),
                    )
                )
        scored.sort(key=lambda x: -x.points)
        score = sum(x.points for x in scored)
        by_detector: dict[str, float] = {}
        for x in scored:
            by_detector[x.detector] = by_detector.get(x.detector, 0.0) + x.points
        plan = rules.plan_then(plans, account)
        gate = rules.gate_for(config, account, plan, born_day(db, account), as_of)
        gate = gate or rules.intent_gate(s, by_detector, intent)
        return AccountScore(
            account_id=account_id,
            name=account.get("name"),
            domain=account.get("domain"),
            score=score,
            qualified=rules.qualifies(score, s.threshold, gate),
            gate=gate,
            signals=scored,
            errors=errors,
        )

    return TimeBox(s.detector_timeout_seconds).run(ids, score_one)
