"""`pqa fit`: learn detector weights and a threshold from labelled history, tested on later weeks.

History up to ``until`` is replayed weekly with every enabled detector at weight 1, so the
points of each account at each week are its signals' strength x decay per detector (the same
rule as ``pqa score``, :mod:`pqa_tui.scoring.rules`, intent gate included). The weeks are
split in two by time: the weights are fitted on the earlier half with the labels known at its
end, and the current and the fitted config are compared on the later half with the labels
known at ``until``. Nothing recorded after ``until`` is read.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date
from typing import Any

import sqlite_utils

from ..backtest import Replay, ReplayData, replay, weekly_steps
from ..config import Config, detector_settings
from ..detectors.base import as_of_end
from ..errors import PqaError
from ..plugins import Plugins
from .evaluate import evaluate
from .labels import Labels
from .model import MIN_EACH, fit_coefficients, training_set, weights_from

# A lead that has not converted this many days after a week it was scored is a bad lead.
HORIZON_DAYS = 90
# Fewer weeks cannot be split into a part to fit and a part to test.
MIN_WEEKS = 4
THRESHOLD_CANDIDATES = 200


class FitError(PqaError):
    """A fit that cannot be made: no usage, too few weeks, or too few labels (says how many
    more it needs)."""


def _unit_config(config: Config, plugins: Plugins) -> Config:
    """The config with every enabled detector at weight 1: its points are strength x decay."""
    tables = {name: dict(table) for name, table in config.detectors.items()}
    for s in detector_settings(config, plugins):
        if s.enabled:
            tables.setdefault(s.name, {})["weight"] = 1.0
    return dataclasses.replace(config, detectors=tables)


def _pick_threshold(
    rep: Replay,
    steps: range,
    labels: Labels,
    horizon_days: int,
    weights: dict[str, float],
    floor: float,
) -> float:
    """On the training weeks, the threshold with the best precision of PQAs among those that
    catch at least the share ``floor`` of converters (the current config's recall there), so
    the fit trades no converters for precision; ties go to the higher threshold (fewer
    accounts to work). When none reaches ``floor``, the one with the best recall."""
    scored = rep.scored_steps(weights)
    # An account qualifies when its best week reaches the bar: try the bars its peaks set.
    peaks = {
        round(max((score for i, score, _gate in by_step if i in steps), default=0.0), 2)
        for by_step in scored.values()
    }
    candidates = sorted(p for p in peaks if p > 0)
    if len(candidates) > THRESHOLD_CANDIDATES:  # spread over them: each try reads every row
        n = THRESHOLD_CANDIDATES
        candidates = sorted({candidates[int(k * (len(candidates) - 1) / n)] for k in range(n + 1)})
    results = [evaluate(rep, steps, labels, horizon_days, weights, t, scored) for t in candidates]
    if not results:
        return 0.0
    keeping = [r for r in results if (r["recall"] or 0.0) >= floor]
    if keeping:
        best = max(keeping, key=lambda r: (r["precision"] or 0.0, r["threshold"]))
    else:
        best = max(results, key=lambda r: (r["recall"] or 0.0, r["threshold"]))
    return best["threshold"]


def run_fit(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    *,
    until: date | None = None,
    horizon_days: int = HORIZON_DAYS,
) -> dict[str, Any]:
    """Fit weights and a threshold on history up to ``until`` (default: the latest data) and
    compare them with the current config on the held-out later weeks (JSON-ready).

    Raises :class:`FitError` when there is nothing to fit on, or too few labels (the message
    says how many more of each it needs).
    """
    started = time.perf_counter()
    data = ReplayData.load(db)
    if data.first_day is None or data.last_day is None:
        raise FitError("no usage in the database: run `pqa ingest` first")
    last = until or date.fromisoformat(data.last_day)
    first = date.fromisoformat(data.first_day)
    if last < first:
        raise FitError(f"--until {last} is before the first usage ({first}): nothing to fit on")
    steps = weekly_steps(first, last)
    if len(steps) < MIN_WEEKS:
        raise FitError(
            f"{len(steps)} weeks of usage up to {last}; a fit needs {MIN_WEEKS} or more "
            "(half to fit on, half to test on)"
        )
    (rep,) = replay(db, [_unit_config(config, plugins)], plugins, steps, data)
    split = len(steps) // 2
    train, held = range(0, split), range(split, len(steps))
    train_labels = Labels.load(db, rep.step_ts(split - 1))
    labels = Labels.load(db, as_of_end(last))
    ts = training_set(rep, train, train_labels, horizon_days)
    if ts.positive < MIN_EACH or ts.negative < MIN_EACH:
        raise FitError(_too_few(ts.positive, ts.negative, steps[0], steps[split - 1], horizon_days))
    configured = {s.name: s.weight for s in detector_settings(config, plugins) if s.enabled}
    coefficients = fit_coefficients(ts)
    weights = weights_from(coefficients, sum(configured.values()))
    if not any(weights.values()):
        raise FitError(
            "no detector's signals tell good leads from bad ones in the training weeks: "
            "the fit would weigh every detector 0"
        )
    before = evaluate(rep, train, train_labels, horizon_days, configured, config.scoring.threshold)
    floor = before["recall"] or 0.0
    threshold = _pick_threshold(rep, train, train_labels, horizon_days, weights, floor)
    current = evaluate(rep, held, labels, horizon_days, configured, config.scoring.threshold)
    fitted = evaluate(rep, held, labels, horizon_days, weights, threshold)
    return {
        "until": last.isoformat(),
        "horizon_days": horizon_days,
        "trained": {
            "from": steps[0].isoformat(),
            "to": steps[split - 1].isoformat(),
            "weeks": split,
            "rows": len(ts.y),
            "positive_accounts": ts.positive,
            "negative_accounts": ts.negative,
        },
        "held_out": {
            "from": steps[split].isoformat(),
            "to": steps[-1].isoformat(),
            "weeks": len(steps) - split,
        },
        "current": current,
        "fitted": fitted,
        "detectors": [
            {
                "detector": name,
                "configured": configured[name],
                "fitted": weights[name],
                "coefficient": round(coefficients[name], 4),
            }
            for name in sorted(configured)
        ],
        "skipped_detectors": rep.skipped,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _too_few(positive: int, negative: int, first: date, last: date, horizon_days: int) -> str:
    needs = []
    if positive < MIN_EACH:
        needs.append(f"{MIN_EACH - positive} more good leads (converted, or marked good)")
    if negative < MIN_EACH:
        needs.append(
            f"{MIN_EACH - negative} more bad leads (marked bad, or not converted within "
            f"{horizon_days} days)"
        )
    return (
        f"too few labels to fit: the training weeks {first} to {last} have {positive} good "
        f"and {negative} bad leads; a fit needs {MIN_EACH} of each: " + " and ".join(needs)
    )
