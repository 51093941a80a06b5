"""Backtesting PQA definitions: replay history week by week and compare two configs.

A replay scores every account as of each weekly step using only what was known then (rollups
up to that day, users known by then, trait and plan changes up to then), with the same rule as
:func:`pqa_tui.scoring.compute_scores` (:mod:`pqa_tui.scoring.rules`), and records when each
account would have been surfaced. Comparing the replays of the current config and an
alternative one on the same accounts answers: how many PQAs each would have raised, how many
of them reps called good or bad, how many conversions each would have caught, and how early.

- :mod:`~pqa_tui.backtest.usage`: usage read once into memory (:class:`ReplayData`) and
  answered without SQL (:class:`ReplayBatch`): why a 12-month replay is fast;
- :mod:`~pqa_tui.backtest.window`: the weekly steps and the default window;
- :mod:`~pqa_tui.backtest.replays`: :func:`replay` and its per-step scores (:class:`Replay`);
- :mod:`~pqa_tui.backtest.compare`: :func:`run_backtest`, what ``pqa backtest`` prints.
"""

from .compare import Truth, compare_sets, run_backtest, summarize
from .replays import Replay, replay
from .usage import ReplayBatch, ReplayData
from .window import STEP_DAYS, BacktestError, default_window, weekly_steps

__all__ = [
    "STEP_DAYS",
    "BacktestError",
    "Replay",
    "ReplayBatch",
    "ReplayData",
    "Truth",
    "compare_sets",
    "default_window",
    "replay",
    "run_backtest",
    "summarize",
    "weekly_steps",
]
