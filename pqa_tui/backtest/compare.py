"""Comparing two replays: PQAs, verdicts, conversions caught and how early, and who differs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from ..config import Config
from ..detectors.base import as_of_end
from ..plugins import Plugins
from ..stats import CONVERTED_OUTCOMES, median, rate, round_or_none
from .replays import Replay, replay
from .usage import ReplayData
from .window import STEP_DAYS, default_window, weekly_steps


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
