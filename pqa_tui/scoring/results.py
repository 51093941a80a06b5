"""What scoring finds: an account's score with the signals that explain it, and failures.

Plain records shared by :func:`~pqa_tui.scoring.compute.compute_scores` (which builds them),
:func:`~pqa_tui.scoring.runs.score_all` (which saves them) and the faces that show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ScoredSignal:
    """A signal with its share of the score: ``points = strength x weight x decay``.

    ``value`` is the number the detector measured (its strength when it gave none) and
    ``behavioural`` its detector's kind: what a sunset compares (:mod:`pqa_tui.triage.returns`).
    """

    account_id: str
    detector: str
    plugin: str
    at: str
    strength: float
    weight: float
    decay: float
    points: float
    reason: str
    evidence: dict[str, Any]
    value: float = 0.0
    behavioural: bool = False


@dataclass
class DetectorFailure:
    """A detector that raised (or returned something unusable) on one account."""

    detector: str
    plugin: str
    account_id: str
    error: str


@dataclass
class AccountScore:
    """One account's score as of a day, with everything needed to explain it."""

    account_id: str
    name: str | None
    domain: str | None
    score: float
    qualified: bool
    gate: str | None
    signals: list[ScoredSignal] = field(default_factory=list)
    errors: list[DetectorFailure] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Signal reasons, biggest share of the score first."""
        return [s.reason for s in self.signals]


@dataclass
class FailureSummary:
    """Failures of one detector in a run, counted over accounts."""

    detector: str
    plugin: str
    accounts: int
    error: str  # the first error seen
    example_account: str


def summarize_failures(scores: list[AccountScore]) -> list[FailureSummary]:
    """Detector failures of a run, one line per detector with the count of accounts."""
    summary: dict[str, FailureSummary] = {}
    for s in scores:
        for f in s.errors:
            if f.detector in summary:
                summary[f.detector].accounts += 1
            else:
                summary[f.detector] = FailureSummary(f.detector, f.plugin, 1, f.error, s.account_id)
    return list(summary.values())
