"""Backtesting PQA definitions: replay history week by week and compare two configs.

A replay scores every account as of each weekly step using only what was known then (rollups
up to that day, users known by then, trait and plan changes up to then), exactly as
:func:`pqa_tui.scoring.compute_scores` would, and records when each account would have been
surfaced. Comparing the replays of the current config and an alternative one on the same
accounts answers: how many PQAs each would have raised, how many of them reps called good or
bad, how many conversions each would have caught, and how early.

Why it is fast: rollups, user days, memberships and trait changes are read **once** into
memory (:class:`ReplayData`), and each step's usage windows are answered from sorted arrays
with prefix sums instead of SQL. Both configs share one pass: a detector whose options are the
same in both runs once per account and step, and each config then applies its own weights,
decay, gates and threshold.
"""

from __future__ import annotations

import functools
import gc
import json
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, ParamSpec, TypeVar

import sqlite_utils

from .config import Config, DetectorSettings, detector_settings
from .detectors.base import AccountUsage, UsageBatch, as_of_end
from .errors import PqaError
from .plugins import Plugins
from .scoring import rules
from .scoring.accounts import accounts_by_id, born_day
from .scoring.isolation import TimeBox, detect_safely
from .stats import CONVERTED_OUTCOMES, median, rate, round_or_none

STEP_DAYS = 7
P = ParamSpec("P")
T = TypeVar("T")


class BacktestError(PqaError):
    """A backtest that cannot run as asked (no data, a window that is empty)."""

    exit_code = 2


# ---------------------------------------------------------------------------------------------
# Usage in memory


def _without_gc(fn: Callable[P, T]) -> Callable[P, T]:
    """Run ``fn`` with the cycle collector paused.

    Replays build hundreds of thousands of small objects that live for the whole run; each
    full collection would walk all of them again (about 10% of the time). Reference counting
    still frees everything; the collector resumes, as it was, when ``fn`` returns.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


class _Series:
    """One account's daily values of one metric: sorted days, prefix sums, non-zero days."""

    __slots__ = ("days", "prefix", "nonzero")

    def __init__(self, days: list[str], values: list[float]):
        self.days = days
        self.prefix = list(accumulate(values, initial=0.0))
        self.nonzero = [d for d, v in zip(days, values, strict=True) if v > 0]


@dataclass
class ReplayData:
    """Everything a replay reads, loaded once: rollups, user days, members, trait changes."""

    series: dict[str, dict[str, _Series]] = field(default_factory=dict)  # metric -> account ->
    user_days: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # account -> user ->
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    first_day: str | None = None
    last_day: str | None = None

    @classmethod
    @_without_gc
    def load(cls, db: sqlite_utils.Database) -> ReplayData:
        data = cls()
        conn = db.conn
        # Read in primary-key order (no sort): one account's rows arrive together, by day.
        per: dict[str, tuple[list[str], list[float]]] = {}
        current = None
        rows = conn.execute("select account_id, day, metric, value from rollups order by 1, 2, 3")
        for account, day, metric, value in rows:
            if account != current:
                data._keep_series(current, per)
                current, per = account, {}
            got = per.get(metric)
            if got is None:
                got = per[metric] = ([], [])
            got[0].append(day)
            got[1].append(value)
        data._keep_series(current, per)
        rows = conn.execute("select account_id, day, user_id from user_days order by 1, 2, 3")
        for account, day, user in rows:
            users = data.user_days.get(account)
            if users is None:
                users = data.user_days[account] = {}
            days = users.get(user)
            if days is None:
                users[user] = [day]
            else:
                days.append(day)
        # The same columns and order as UsageBatch.users, without the as-of filter.
        cur = conn.execute(
            "select m.account_id, u.user_id, u.email, u.name, u.role, u.seniority, "
            "u.department, u.company_size, u.use_case, u.created_at, "
            "coalesce(m.first_seen, u.first_seen, u.created_at) as first_seen, "
            "u.last_seen, u.traits from memberships m join users u on u.user_id = m.user_id "
            "order by m.account_id, first_seen"
        )
        cols = [c[0] for c in cur.description]
        for row in cur:
            user = dict(zip(cols, row, strict=True))
            user["traits"] = _json(user["traits"])
            data.members.setdefault(user.pop("account_id"), []).append(user)
        cur = conn.execute(
            "select account_id, entity, entity_id, trait, old_value, new_value, ts "
            "from trait_changes where account_id is not null order by account_id, ts, id"
        )
        cols = [c[0] for c in cur.description]
        for row in cur:
            change = dict(zip(cols, row, strict=True))
            data.changes.setdefault(change.pop("account_id"), []).append(change)
        events = data.series.get("events", {})
        if events:
            data.first_day = min(s.days[0] for s in events.values())
            data.last_day = max(s.days[-1] for s in events.values())
        return data

    def _keep_series(
        self, account: str | None, per: dict[str, tuple[list[str], list[float]]]
    ) -> None:
        for metric, (days, values) in per.items():
            self.series.setdefault(metric, {})[account] = _Series(days, values)

    def active_accounts(self, first: str, last: str) -> list[str]:
        """Accounts with any events from ``first`` to ``last`` (the scorer's candidates)."""
        out = []
        for account, s in self.series.get("events", {}).items():
            i = bisect_left(s.days, first)
            if i < len(s.days) and s.days[i] <= last:
                out.append(account)
        return sorted(out)


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


class ReplayBatch(UsageBatch):
    """A :class:`UsageBatch` answered from :class:`ReplayData` instead of SQL (same results)."""

    def __init__(
        self,
        data: ReplayData,
        db: sqlite_utils.Database,
        config: Config,
        as_of: date,
        account_ids: list[str],
        lookback: int,
    ):
        super().__init__(db, config, as_of, account_ids, lookback)
        self.data = data
        self._last = as_of.isoformat()

    def totals(self, metric: str, first: str, last: str) -> dict[str, tuple[float, str]]:
        try:
            return self._totals[(metric, first, last)]
        except KeyError:
            pass
        found = {}
        series = self.data.series.get(metric, {})
        # Only the batch's accounts are ever asked about: skip the others.
        for account in self.account_ids:
            s = series.get(account)
            if s is None:
                continue
            i, j = bisect_left(s.days, first), bisect_right(s.days, last)
            if i < j:
                k = bisect_right(s.nonzero, last) - 1
                nz = s.nonzero[k] if k >= 0 and s.nonzero[k] >= first else None
                found[account] = (s.prefix[j] - s.prefix[i], nz)
        self._totals[(metric, first, last)] = found
        return found

    def distinct_users(self, first: str, last: str) -> dict[str, int]:
        # From the per-user activity of the same window, which other detectors read too.
        key = (first, last)
        if key not in self._distinct:
            activity = self.user_activity(first, last)
            self._distinct[key] = {account: len(users) for account, users in activity.items()}
        return self._distinct[key]

    def users(self, account_id: str) -> list[dict[str, Any]]:
        as_of_ts = self.as_of_ts
        known = []
        for user in self.data.members.get(account_id, ()):
            if (user["first_seen"] or "") <= as_of_ts:
                if user["last_seen"] and user["last_seen"] > as_of_ts:
                    user = {**user, "last_seen": None}  # seen after as_of: not known then
                known.append(user)
        return known

    def trait_changes(self, account_id: str) -> list[dict[str, Any]]:
        return [
            c
            for c in self.data.changes.get(account_id, ())
            if self.first_day <= c["ts"] <= self.as_of_ts
        ]

    def user_activity(self, first: str, last: str) -> dict[str, dict[str, tuple[int, str]]]:
        key = (first, last)
        if key not in self._activity:
            found: dict[str, dict[str, tuple[int, str]]] = {}
            user_days = self.data.user_days
            for account in self.account_ids:
                users = {}
                for user, days in user_days.get(account, {}).items():
                    i, j = bisect_left(days, first), bisect_right(days, last)
                    if j > i:
                        users[user] = (j - i, days[j - 1])
                if users:
                    found[account] = users
            self._activity[key] = found
        return self._activity[key]

    def daily(self, account_id: str, metric: str) -> dict[str, float]:
        s = self.data.series.get(metric, {}).get(account_id)
        if s is None:
            return {}
        i, j = bisect_left(s.days, self.first_day), bisect_right(s.days, self._last)
        return {s.days[k]: s.prefix[k + 1] - s.prefix[k] for k in range(i, j)}


# ---------------------------------------------------------------------------------------------
# Replaying


@dataclass
class Replay:
    """One config's replay: per account and step, the score split by detector.

    Only steps where the account was through every gate and scored above zero are kept:
    that is all a threshold or weight change can act on (see :mod:`pqa_tui.suggest`).
    """

    config: Config
    steps: list[date]
    weights: dict[str, float]
    # account -> step index -> detector -> points
    points: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)
    # detector -> account -> first step index it fired while the account could surface
    fired: dict[str, dict[str, int]] = field(default_factory=dict)
    # Accounts through every gate at one step or more: those the config could have surfaced.
    eligible: set[str] = field(default_factory=set)
    # Detectors given up on (a detect() call overran scoring.detector_timeout_seconds).
    skipped: dict[str, str] = field(default_factory=dict)

    def score(self, account_id: str, step: int, weights: dict[str, float] | None = None) -> float:
        """The account's score at a step, optionally with other detector weights."""
        by_detector = self.points.get(account_id, {}).get(step, {})
        if weights is None:
            return sum(by_detector.values())
        return sum(
            p * weights.get(d, self.weights[d]) / self.weights[d] if self.weights[d] else 0.0
            for d, p in by_detector.items()
        )

    def qualified_steps(
        self, threshold: float | None = None, weights: dict[str, float] | None = None
    ) -> dict[str, list[int]]:
        """account -> the steps at which it qualified (its score reached the threshold)."""
        bar = self.config.scoring.threshold if threshold is None else threshold
        out = {}
        for account_id, steps in self.points.items():
            # Only steps through every gate are kept (see ``points``): no gate to pass here.
            hit = [
                i for i in sorted(steps) if rules.qualifies(self.score(account_id, i, weights), bar)
            ]
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


def weekly_steps(first: date, last: date) -> list[date]:
    """Every seventh day from ``first`` to ``last`` (inclusive of ``first``)."""
    if last < first:
        raise BacktestError(f"--to {last} is before --from {first}: nothing to replay")
    n = (last - first).days // STEP_DAYS + 1
    return [first + timedelta(days=STEP_DAYS * i) for i in range(n)]


@_without_gc
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
        plan.append(_ConfigPlan(config, view_index[view], gates, detectors))
    results = [
        Replay(p.config, steps, {name: weight for _r, name, weight in p.detectors}) for p in plan
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


# ---------------------------------------------------------------------------------------------
# Comparing


@dataclass
class Truth:
    """What happened to the accounts: reps' latest verdicts and first conversions."""

    verdicts: dict[str, str]
    conversions: dict[str, str]

    @classmethod
    def load(cls, db: sqlite_utils.Database) -> Truth:
        verdicts = dict(
            db.conn.execute("select account_id, verdict from feedback order by at, id").fetchall()
        )
        conversions: dict[str, str] = {}
        marks = ",".join("?" for _ in CONVERTED_OUTCOMES)
        for account_id, at in db.conn.execute(
            f"select account_id, min(at) from outcomes where outcome in ({marks}) "
            "group by account_id",
            CONVERTED_OUTCOMES,
        ):
            conversions[account_id] = at
        return cls(verdicts, conversions)


def summarize(
    rep: Replay, truth: Truth, qualified: dict[str, list[int]] | None = None
) -> dict[str, Any]:
    """How one replay did: PQAs, moments, good/bad, conversions caught and how early."""
    qualified = rep.qualified_steps() if qualified is None else qualified
    first = {a: steps[0] for a, steps in qualified.items()}
    moments = sum(
        1 + sum(1 for x, y in zip(steps, steps[1:], strict=False) if y != x + 1)
        for steps in qualified.values()
    )
    good = sum(1 for a in first if truth.verdicts.get(a) == "good")
    bad = sum(1 for a in first if truth.verdicts.get(a) == "bad")
    window_end = as_of_end(rep.steps[-1] + timedelta(days=STEP_DAYS))
    window_start = rep.step_ts(0)
    converted = {a: at for a, at in truth.conversions.items() if window_start <= at <= window_end}
    early = []
    for account_id, at in converted.items():
        i = first.get(account_id)
        if i is not None and rep.step_ts(i) <= at:
            early.append((_ts_days(at) - rep.steps[i]).days)
    new_per_step = [0] * len(rep.steps)
    live_per_step = [0] * len(rep.steps)
    for account_id, steps in qualified.items():
        new_per_step[first[account_id]] += 1
        for i in steps:
            live_per_step[i] += 1
    return {
        "threshold": rep.config.scoring.threshold,
        "pqas": len(first),
        "moments": moments,
        "known_good": good,
        "known_bad": bad,
        "unlabelled": len(first) - good - bad,
        "precision": rate(good, good + bad),
        "conversions": len(converted),
        "conversions_caught": len(early),
        "recall": rate(len(early), len(converted)),
        "median_days_early": round_or_none(median([float(d) for d in early]), 1),
        "mean_days_early": round_or_none(sum(early) / len(early), 1) if early else None,
        "skipped_detectors": rep.skipped,
        "weeks": [
            {"week": rep.steps[i].isoformat(), "new": new_per_step[i], "qualified": live}
            for i, live in enumerate(live_per_step)
        ],
    }


def _ts_days(ts: str) -> date:
    return date.fromisoformat(ts[:10])


def compare_sets(
    current: dict[str, list[int]], alternative: dict[str, list[int]], truth: Truth, limit: int = 20
) -> dict[str, Any]:
    """Which accounts only one config surfaces, with what the team knows about them."""

    def describe(ids: set[str]) -> list[dict[str, Any]]:
        return [
            {
                "account": a,
                "verdict": truth.verdicts.get(a),
                "converted": truth.conversions.get(a),
            }
            for a in sorted(ids, key=lambda a: (a not in truth.conversions, a))[:limit]
        ]

    a, b = set(current), set(alternative)
    return {
        "both": len(a & b),
        "only_current": len(a - b),
        "only_alternative": len(b - a),
        "lost": describe(a - b),
        "gained": describe(b - a),
    }


def default_window(data: ReplayData) -> tuple[date, date]:
    """The last 12 months of data (or all of it when there is less)."""
    if data.last_day is None or data.first_day is None:
        raise BacktestError("no usage in the database: run `pqa ingest` first")
    last = date.fromisoformat(data.last_day)
    first = max(date.fromisoformat(data.first_day), last - timedelta(days=364))
    return first, last


def run_backtest(
    db: sqlite_utils.Database,
    current: Config,
    alternative: Config,
    plugins: Plugins,
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Replay both configs weekly from ``start`` to ``end`` and compare them (JSON-ready)."""
    started = time.perf_counter()
    data = ReplayData.load(db)
    first, last = default_window(data)
    steps = weekly_steps(start or first, end or last)
    cur, alt = replay(db, [current, alternative], plugins, steps, data)
    truth = Truth.load(db)
    q_cur, q_alt = cur.qualified_steps(), alt.qualified_steps()
    out = {
        "from": steps[0].isoformat(),
        "to": steps[-1].isoformat(),
        "steps": len(steps),
        "current": {"config": current.path, **summarize(cur, truth, q_cur)},
        "alternative": {"config": alternative.path, **summarize(alt, truth, q_alt)},
        "difference": compare_sets(q_cur, q_alt, truth),
    }
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out
