"""How a set of weights and a threshold would have done on some replayed weeks.

The numbers ``pqa fit`` prints for the current and the fitted config, on the held-out weeks
(and, on the training weeks, what the fitted threshold is chosen by):

- *precision of PQAs*: of the accounts that first qualified in those weeks and have a label
  (:meth:`~pqa_tui.fit.labels.Labels.label`), the share that were good leads;
- *precision of the top 10*: the same for the accounts that made a week's top 10 by score;
- *recall of converters*: of the accounts that converted in those weeks, the share that
  qualified before converting;
- *median days to conversion*: from an account's first qualifying week to its conversion.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..backtest import Replay
from ..scoring import rules
from ..stats import median, rate, round_or_none
from .labels import Labels

TOP = 10


def evaluate(
    rep: Replay,
    steps: range,
    labels: Labels,
    horizon_days: int,
    weights: dict[str, float],
    threshold: float,
    scored: dict[str, list[tuple[int, float, str | None]]] | None = None,
) -> dict[str, Any]:
    """The four numbers (and their counts) for ``weights`` and ``threshold`` over ``steps``.

    ``rep`` is a replay with every detector at weight 1 (``points`` are strength x decay), so
    any weights can be tried on it; ``scored`` is ``rep.scored_steps(weights)`` if known.
    """
    scored = rep.scored_steps(weights) if scored is None else scored
    first: dict[str, int] = {}
    weekly: dict[int, list[tuple[float, str]]] = {}
    for account_id, by_step in scored.items():
        for i, score, gate in by_step:
            if i in steps and rules.qualifies(score, threshold, gate):
                first.setdefault(account_id, i)
                weekly.setdefault(i, []).append((score, account_id))
    top: dict[str, int] = {}
    for i in sorted(weekly):
        for _score, account_id in sorted(weekly[i], key=lambda x: (-x[0], x[1]))[:TOP]:
            top.setdefault(account_id, i)

    def precision(surfaced: dict[str, int]) -> tuple[int, int]:
        found = [labels.label(a, rep.steps[i], horizon_days) for a, i in surfaced.items()]
        return sum(1 for x in found if x is True), sum(1 for x in found if x is not None)

    good, labelled = precision(first)
    top_good, top_labelled = precision(top)
    start = rep.step_ts(steps[0])
    converted = {a: at for a, at in labels.conversions.items() if at >= start}
    days = [
        float((date.fromisoformat(at[:10]) - rep.steps[first[a]]).days)
        for a, at in converted.items()
        if a in first and rep.step_ts(first[a]) < at
    ]
    return {
        "threshold": round(threshold, 2),
        "pqas": len(first),
        "labelled": labelled,
        "precision": rate(good, labelled),
        "top_accounts": len(top),
        "precision_top10": rate(top_good, top_labelled),
        "conversions": len(converted),
        "conversions_caught": len(days),
        "recall": rate(len(days), len(converted)),
        "median_days_to_conversion": round_or_none(median(days), 1),
    }
