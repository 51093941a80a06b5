"""Replaying configs week by week: per account and step, the score each would have given.

A replay scores every account as of each step using only what was known then, through the
same rule as ``pqa score`` (:mod:`pqa_tui.scoring.rules`). Several configs share one pass: a
detector whose options are the same in each runs once per account and step, and each config
then applies its own weights, decay, gates and threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from ..config import Config, DetectorSettings, detector_settings
from ..detectors.base import AccountUsage, as_of_end
from ..plugins import Plugins
from ..scoring import rules
from ..scoring.accounts import accounts_by_id, born_day
from ..scoring.isolation import TimeBox, detect_safely
from .usage import ReplayBatch, ReplayData, without_gc


@dataclass
class Replay:
    """One config's replay: per account and step, the score split by detector.

    Only steps where the account was through every gate but the intent gate (which depends on
    the points and is applied in :meth:`qualified_steps`) and scored above zero are kept:
    that is all a threshold or weight change can act on (see :mod:`pqa_tui.suggest`).
    """

    config: Config
    steps: list[date]
    weights: dict[str, float]
    # Detectors whose signals count as intent (scoring.require_intent).
    intent: frozenset[str] = frozenset()
    # account -> step index -> detector -> points
    points: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)
    # detector -> account -> first step index it fired while the account could surface
    fired: dict[str, dict[str, int]] = field(default_factory=dict)
    # Accounts through every gate at one step or more: those the config could have surfaced.
    eligible: set[str] = field(default_factory=set)
    # Detectors given up on (a detect() call overran scoring.detector_timeout_seconds).
    skipped: dict[str, str] = field(default_factory=dict)

    def points_at(
        self, account_id: str, step: int, weights: dict[str, float] | None = None
    ) -> dict[str, float]:
        """detector -> the account's points at a step, optionally with other detector weights."""
        by_detector = self.points.get(account_id, {}).get(step, {})
        if weights is None:
            return by_detector
        return {
            d: p * weights.get(d, self.weights[d]) / self.weights[d] if self.weights[d] else 0.0
            for d, p in by_detector.items()
        }

    def score(self, account_id: str, step: int, weights: dict[str, float] | None = None) -> float:
        """The account's score at a step, optionally with other detector weights."""
        return sum(self.points_at(account_id, step, weights).values())

    def scored_steps(
        self, weights: dict[str, float] | None = None
    ) -> dict[str, list[tuple[int, float, str | None]]]:
        """account -> (step, score, intent gate) at each step it scored, optionally with other
        detector weights: all a threshold acts on (worked out once, tried at many thresholds)."""
        scoring = self.config.scoring
        out = {}
        for account_id, steps in self.points.items():
            scored = []
            for i in sorted(steps):
                points = self.points_at(account_id, i, weights)
                # Only steps through the account's other gates are kept (see ``points``); the
                # intent gate depends on the points, so it is worked out here.
                gate = rules.intent_gate(scoring, points, self.intent)
                scored.append((i, sum(points.values()), gate))
            out[account_id] = scored
        return out

    def qualified_steps(
        self,
        threshold: float | None = None,
        weights: dict[str, float] | None = None,
        scored: dict[str, list[tuple[int, float, str | None]]] | None = None,
    ) -> dict[str, list[int]]:
        """account -> the steps at which it qualified (its score reached the threshold);
        ``scored`` is :meth:`scored_steps` when the caller already has it."""
        bar = self.config.scoring.threshold if threshold is None else threshold
        scored = self.scored_steps(weights) if scored is None else scored
        out = {}
        for account_id, steps in scored.items():
            hit = [i for i, score, gate in steps if rules.qualifies(score, bar, gate)]
            if hit:
                out[account_id] = hit
        return out

    def step_ts(self, i: int) -> str:
        """When step ``i`` was scored: the end of its day."""
        return as_of_end(self.steps[i])


_UNSET = object()


@dataclass
class _ConfigPlan:
    """One config's part of a replay: its usage view, gate setup and detector runs."""

    config: Config
    view: int
    gates: int
    detectors: list[tuple[int, str, float]]  # (run index, detector name, weight)
    intent: frozenset[str] = frozenset()
    decay_by_age: dict[int, float | None] = field(default_factory=dict)

    def decay(self, age: int) -> float | None:
        """:func:`rules.signal_decay` of a signal ``age`` days old, worked out once per age."""
        try:
            return self.decay_by_age[age]
        except KeyError:
            share = self.decay_by_age[age] = rules.signal_decay(age, self.config.scoring)
            return share


def _gate_setup(config: Config) -> str:
    """The parts of a config the gates read: configs that agree share each gate decision."""
    s = config.scoring
    return json.dumps(
        [s.denylist, s.exclude_domains, s.exclude_paid, s.min_account_age_days, vars(config.plans)]
    )


def _usage_view(config: Config) -> str:
    """The parts of a config that change what a detector sees in the usage."""
    return json.dumps(
        [config.events, config.pages, vars(config.storage), vars(config.roles), vars(config.plans)],
        sort_keys=True,
    )


@without_gc
def replay(
    db: sqlite_utils.Database,
    configs: list[Config],
    plugins: Plugins,
    steps: list[date],
    data: ReplayData | None = None,
) -> list[Replay]:
    """Replay each config over the steps; the same detectors run once for all configs."""
    data = data or ReplayData.load(db)
    # Work is indexed up front so the inner loop only does list lookups: detector runs
    # (shared by configs that set a detector up the same way and see the same usage), usage
    # views (lookback and event kinds), and gate setups.
    runs: list[DetectorSettings] = []
    run_index: dict[tuple, int] = {}
    view_index: dict[tuple, int] = {}
    view_config: list[Config] = []
    gate_index: dict[str, int] = {}
    plan: list[_ConfigPlan] = []
    for config in configs:
        settings = [s for s in detector_settings(config, plugins) if s.enabled]
        view = (rules.lookback_days(config, settings), _usage_view(config))
        if view not in view_index:
            view_index[view] = len(view_config)
            view_config.append(config)
        detectors = []
        for s in settings:
            key = (s.name, json.dumps(s.options, sort_keys=True, default=str), view)
            if key not in run_index:
                run_index[key] = len(runs)
                runs.append(s)
            detectors.append((run_index[key], s.name, s.weight))
        gates = gate_index.setdefault(_gate_setup(config), len(gate_index))
        intent = rules.intent_detectors(settings)
        plan.append(_ConfigPlan(config, view_index[view], gates, detectors, intent))
    results = [
        Replay(p.config, steps, {name: weight for _r, name, weight in p.detectors}, p.intent)
        for p in plan
    ]
    timeout = max(config.scoring.detector_timeout_seconds for config in configs)
    skipped: dict[str, str] = {}  # detector -> why it was left out of the rest of the replay
    known = {r[0] for r in db.conn.execute("select account_id from accounts")}
    accounts = accounts_by_id(db, sorted(set(data.series.get("events", {})) | known))
    born = {a: born_day(db, account) for a, account in accounts.items()}
    for i, as_of in enumerate(steps):
        last = as_of.isoformat()
        batches = []
        candidates: set[str] = set()
        for (lookback, _v), config in zip(view_index, view_config, strict=True):
            ids = data.active_accounts((as_of - timedelta(days=lookback - 1)).isoformat(), last)
            candidates.update(ids)
            batches.append(ReplayBatch(data, db, config, as_of, ids, lookback))
        as_of_ts = as_of_end(as_of)
        plans = [rules.plans_as_of(db, p.config, as_of_ts) for p in plan]

        def score_one(
            account_id: str,
            box: TimeBox,
            i: int = i,
            as_of: date = as_of,
            batches: list[ReplayBatch] = batches,
            plans: list[dict[str, str]] = plans,
        ) -> bool:
            account = accounts[account_id]
            gate_of: list[Any] = [_UNSET] * len(gate_index)
            usages: list[AccountUsage | None] = [None] * len(batches)
            outputs: list[list[tuple[int, float]] | None] = [None] * len(runs)
            for c, p in enumerate(plan):
                gate = gate_of[p.gates]
                if gate is _UNSET:
                    plan_then = rules.plan_then(plans[c], account)
                    gate = rules.gate_for(p.config, account, plan_then, born[account_id], as_of)
                    gate_of[p.gates] = gate
                if gate is not None:
                    continue  # it may not surface at this step: its signals change nothing
                results[c].eligible.add(account_id)
                usage = usages[p.view]
                if usage is None:
                    usage = usages[p.view] = AccountUsage(batches[p.view], account)
                by_detector: dict[str, float] = {}
                for r, name, weight in p.detectors:
                    out = outputs[r]
                    if out is None:
                        found: list = []
                        if name not in box.skipped:  # hung earlier in this replay: left out
                            box.started(runs[r])
                            found = detect_safely(runs[r], usage)[0]
                            if not box.finished():
                                return False  # overran its time box; the replay went on
                        out = outputs[r] = [
                            (rules.signal_age(x.at_ts, as_of), float(x.strength)) for x in found
                        ]
                    for age, strength in out:
                        share = p.decay(age)
                        if share is None:
                            continue  # too old to count
                        points = rules.signal_points(strength, weight, share)
                        by_detector[name] = by_detector.get(name, 0.0) + points
                if by_detector:  # written whole, so an account scored twice is harmless
                    results[c].points.setdefault(account_id, {})[i] = by_detector
                    for name in by_detector:
                        results[c].fired.setdefault(name, {}).setdefault(account_id, i)
            return True

        # A plugin's detect() that hangs is given up on as in scoring, and skipped after.
        box = TimeBox(timeout)
        box.skipped = skipped
        box.run(sorted(candidates), score_one)
    for r in results:
        r.skipped = dict(skipped)
    return results
