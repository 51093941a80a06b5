"""Explained scoring: run every detector on every account, weigh, decay, gate, and record.

- :mod:`~pqa_tui.scoring.rules`: the rule itself (lookback, decay, a signal's points, plans as
  of a day, gates, qualifying), called by scoring and by the backtest replay alike;
- :mod:`~pqa_tui.scoring.compute`: :func:`compute_scores`, reads and computes without writing
  (for replays and backtests with another config);
- :mod:`~pqa_tui.scoring.runs`: :func:`score_all`, which also saves signals, scores, score
  history and PQA moments and returns what changed (:class:`ScoreRun`);
- :mod:`~pqa_tui.scoring.results`: the records both return (:class:`AccountScore`, ...);
- :mod:`~pqa_tui.scoring.accounts`: which accounts a run scores and what it reads of them;
- :mod:`~pqa_tui.scoring.isolation`: one detector that raises or hangs never takes a run down.

Both read rollups only, so the cost follows accounts x days. The ``[detectors.*]`` checks
(:func:`detector_settings`, :func:`check_config`) live in :mod:`pqa_tui.config`; they are
re-exported here because scoring is where callers meet them.
"""

from ..config import DetectorSettings, check_config, detector_settings
from .compute import compute_scores, today
from .results import AccountScore, DetectorFailure, FailureSummary, ScoredSignal
from .rules import decay
from .runs import ScoreRun, score_all

__all__ = [
    "AccountScore",
    "DetectorFailure",
    "DetectorSettings",
    "FailureSummary",
    "ScoreRun",
    "ScoredSignal",
    "check_config",
    "compute_scores",
    "decay",
    "detector_settings",
    "score_all",
    "today",
]
