"""Detector weights from labelled weeks: a regularised logistic regression (scikit-learn).

Each training row is one account at one replayed week: its features are, per detector, the
strength x decay of its live signals (the points at weight 1), and its label says whether it
was a good lead (:meth:`~pqa_tui.fit.labels.Labels.label`). The coefficients become weights,
scaled so they add up to the same total as the configured ones: the score stays
``strength x weight x decay`` summed over signals, so every reason reads as before.

Points only add up, so a weight cannot be negative: a detector whose coefficient comes out
below zero (it marks accounts that do *not* convert) is left out and the rest refitted, and
it gets weight 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..backtest import Replay
from .labels import Labels

# At least this many accounts of each label in the training weeks before a fit is attempted.
MIN_EACH = 10
# Inverse strength of the L2 penalty: features are 0..1 (strength x decay), so 1.0 keeps
# weights from chasing a handful of accounts.
REGULARISATION_C = 1.0


@dataclass
class TrainingSet:
    """Rows (account x week) with features per detector, labels and per-row weights."""

    detectors: list[str]
    x: list[list[float]] = field(default_factory=list)
    y: list[int] = field(default_factory=list)
    # 1 / the account's rows, so each account counts once however long it was scored.
    row_weight: list[float] = field(default_factory=list)
    positive: int = 0  # accounts with a good row
    negative: int = 0  # accounts with only bad rows


def training_set(rep: Replay, steps: range, labels: Labels, horizon_days: int) -> TrainingSet:
    """The labelled rows of ``steps`` from a replay at weight 1."""
    ts = TrainingSet(sorted(rep.weights))
    for account_id in sorted(rep.points):
        by_step = rep.points[account_id]
        rows = []
        for i in steps:
            if i not in by_step:
                continue
            label = labels.label(account_id, rep.steps[i], horizon_days)
            if label is not None:
                rows.append(([by_step[i].get(d, 0.0) for d in ts.detectors], int(label)))
        if not rows:
            continue
        if any(y for _x, y in rows):
            ts.positive += 1
        else:
            ts.negative += 1
        for x, y in rows:
            ts.x.append(x)
            ts.y.append(y)
            ts.row_weight.append(1 / len(rows))
    return ts


def fit_coefficients(ts: TrainingSet) -> dict[str, float]:
    """detector -> its logistic-regression coefficient (0 for those left out as negative)."""
    import numpy as np  # deferred: scikit-learn and numpy load in ~0.5 s, only `pqa fit` needs them
    from sklearn.linear_model import LogisticRegression

    x, y, w = np.array(ts.x), np.array(ts.y), np.array(ts.row_weight)
    active = list(range(len(ts.detectors)))
    coef = np.zeros(len(ts.detectors))
    while active:
        model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced", max_iter=1000)
        model.fit(x[:, active], y, sample_weight=w)
        found = model.coef_[0]
        if (found >= 0).all():
            coef[active] = found
            break
        active = [d for d, c in zip(active, found, strict=True) if c >= 0]
    return {d: float(c) for d, c in zip(ts.detectors, coef, strict=True)}


def weights_from(coefficients: dict[str, float], total: float) -> dict[str, float]:
    """Coefficients scaled to add up to ``total`` (the configured weights' sum), rounded."""
    s = sum(coefficients.values())
    if s <= 0:
        return {d: 0.0 for d in coefficients}
    return {d: round(c * total / s, 2) for d, c in coefficients.items()}
