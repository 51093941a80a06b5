"""Threshold and detector suggestions, with the trade-off each one makes.

One weekly replay of the current config (:func:`pqa_tui.backtest.replay`) keeps every
account's score at every step split by detector, so any other threshold, or a detector turned
off, can be evaluated without scoring again: an account would have surfaced under threshold
``t`` at the first step its score reached ``t``.

Which leads are good: an account that converted is always a good lead. When reps have given
enough verdicts (at least :data:`MIN_LABELS` good and bad), accounts they called good are good
leads too and those they called bad (and that did not convert) are the bad leads; otherwise
every account that could have surfaced and never converted is a bad lead. The suggested
threshold is the highest that still keeps :data:`KEEP_GOOD` of the good leads, which drops
the most bad ones among those that do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from .backtest import Replay, ReplayData, default_window, replay, weekly_steps
from .config import Config
from .reports import detector_table, load_history
from .stats import median, rate, round_or_none

KEEP_GOOD = 0.8
MIN_LABELS = 5
TABLE_ROWS = 9


def _first_steps(
    rep: Replay, threshold: float, weights: dict[str, float] | None = None
) -> dict[str, int]:
    """account -> first step at which it would have qualified."""
    return {a: steps[0] for a, steps in rep.qualified_steps(threshold, weights).items()}


def evaluate(
    rep: Replay,
    threshold: float,
    good: set[str],
    bad: set[str],
    conversions: dict[str, str],
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    """What one threshold (and weights) would have surfaced, kept and caught."""
    first = _first_steps(rep, threshold, weights)
    kept_good = len(good & first.keys())
    kept_bad = len(bad & first.keys())
    early = [
        (date.fromisoformat(at[:10]) - rep.steps[first[a]]).days
        for a, at in conversions.items()
        if a in first and rep.step_ts(first[a]) <= at
    ]
    return {
        "threshold": round(threshold, 2),
        "pqas": len(first),
        "good_kept": kept_good,
        "bad_kept": kept_bad,
        "good_share": rate(kept_good, len(good)),
        "bad_share": rate(kept_bad, len(bad)),
        "precision": rate(kept_good, kept_good + kept_bad),
        "conversions_caught": len(early),
        "median_days_early": round_or_none(median([float(d) for d in early]), 1),
    }


def _candidates(rep: Replay, current: float) -> list[float]:
    """Thresholds worth trying: spread over the peak scores accounts reached, and current."""
    peaks = sorted(max(rep.score(a, i) for i in steps) for a, steps in rep.points.items() if steps)
    peaks = [p for p in peaks if p > 0]
    if not peaks:
        return [current]
    lo, hi = current / 2, max(peaks)
    values = {round(current, 2)}
    for k in range(1, 4 * TABLE_ROWS):
        t = lo + (min(hi, current * 2) - lo) * k / (4 * TABLE_ROWS)
        values.add(round(t, 2))
    return sorted(values)


def _labels(
    rep: Replay, verdicts: dict[str, str], conversions: dict[str, str]
) -> tuple[set[str], set[str], str]:
    """Good and bad leads: a conversion is always good; reps' verdicts when there are enough."""
    converted = {a for a in rep.eligible if a in conversions}
    good = {a for a, v in verdicts.items() if v == "good"}
    bad = {a for a, v in verdicts.items() if v == "bad"} - converted
    if len(good) >= MIN_LABELS and len(bad) >= MIN_LABELS:
        return good | converted, bad, "feedback and conversions"
    return converted, rep.eligible - converted, "conversions"


def _pick(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The highest threshold that keeps KEEP_GOOD of the good leads (else the best J)."""
    keeping = [r for r in rows if (r["good_share"] or 0) >= KEEP_GOOD]
    if keeping:
        return max(keeping, key=lambda r: (-(r["bad_share"] or 0), r["threshold"]))
    return max(rows, key=lambda r: ((r["good_share"] or 0) - (r["bad_share"] or 0), r["threshold"]))


def _spread(rows: list[dict[str, Any]], keep: set[float]) -> list[dict[str, Any]]:
    """At most TABLE_ROWS rows, evenly spread, always including the ones in ``keep``."""
    if len(rows) <= TABLE_ROWS:
        return rows
    step = len(rows) / TABLE_ROWS
    chosen = {int(i * step) for i in range(TABLE_ROWS)}
    return [r for i, r in enumerate(rows) if i in chosen or r["threshold"] in keep]


def suggest(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Any,
    *,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """Threshold and detector changes that keep most good leads and drop most bad ones."""
    data = ReplayData.load(db)
    first, last = default_window(data)
    (rep,) = replay(db, [config], plugins, weekly_steps(start or first, end or last), data)
    h = load_history(db)
    good, bad, labels = _labels(rep, h.verdicts, h.conversions)
    current = config.scoring.threshold
    rows = [evaluate(rep, t, good, bad, h.conversions) for t in _candidates(rep, current)]
    now = next(r for r in rows if r["threshold"] == round(current, 2))
    best = _pick(rows)
    fired = {d: {a: rep.step_ts(i) for a, i in acc.items()} for d, acc in rep.fired.items()}
    detectors = detector_table(h, fired, rep.eligible)
    weak = [d["detector"] for d in detectors if d["verdict"] in ("noise", "works against")]
    weak_off = {name: 0.0 for name in weak}
    changes = [
        {
            "change": f"turn off {name}",
            "detector": name,
            "lift": next(d["lift"] for d in detectors if d["detector"] == name),
            **evaluate(rep, current, good, bad, h.conversions, {name: 0.0}),
        }
        for name in weak
    ]
    combined = None
    if weak:
        retuned = [
            evaluate(rep, t, good, bad, h.conversions, weak_off) for t in _candidates(rep, current)
        ]
        combined = {"detectors_off": weak, **_pick(retuned)}
    return {
        "from": rep.steps[0].isoformat(),
        "to": rep.steps[-1].isoformat(),
        "labels": labels,
        "good_leads": len(good),
        "bad_leads": len(bad),
        "current": now,
        "suggested": best,
        "thresholds": _spread(rows, {now["threshold"], best["threshold"]}),
        "detector_changes": changes,
        "combined": combined,
        "config_snippet": _snippet(combined or {"threshold": best["threshold"]}),
    }


def _snippet(choice: dict[str, Any]) -> str:
    """TOML to put in a copy of the config and check with ``pqa backtest``."""
    lines = ["[scoring]", f"threshold = {choice['threshold']}"]
    for name in choice.get("detectors_off", []):
        lines += ["", f"[detectors.{name}]", "enabled = false"]
    return "\n".join(lines) + "\n"
