"""Which days a backtest replays: one step every seven days over a window of the data."""

from __future__ import annotations

from datetime import date, timedelta

from ..errors import PqaError
from .usage import ReplayData

STEP_DAYS = 7


class BacktestError(PqaError):
    """A backtest that cannot run as asked (no data, a window that is empty)."""

    exit_code = 2


def weekly_steps(first: date, last: date) -> list[date]:
    """Every seventh day from ``first`` to ``last`` (inclusive of ``first``)."""
    if last < first:
        raise BacktestError(f"--to {last} is before --from {first}: nothing to replay")
    n = (last - first).days // STEP_DAYS + 1
    return [first + timedelta(days=STEP_DAYS * i) for i in range(n)]


def default_window(data: ReplayData) -> tuple[date, date]:
    """The last 12 months of data (or all of it when there is less)."""
    if data.last_day is None or data.first_day is None:
        raise BacktestError("no usage in the database: run `pqa ingest` first")
    last = date.fromisoformat(data.last_day)
    first = max(date.fromisoformat(data.first_day), last - timedelta(days=364))
    return first, last
