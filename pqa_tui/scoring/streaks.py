"""PQA moments as streaks of qualifying days, the same however often scoring runs.

A PQA moment opens on the first day an account qualifies and ends on the first day it no
longer does; ``pqa_since`` is the start of the current streak. Scoring once a month must give
the moments scoring every day gives on the same data, so when days passed since the previous
run, :func:`streak_days` scores the days in between for the accounts whose streak may have
started, ended or broken in them (those qualified now, and those with an open moment), and
:func:`apply_streaks` walks those days in order. A streak that starts and ends entirely
between two runs, on an account qualified at neither, is not seen: only a run on one of
its days would see it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import sqlite_utils

from ..config import Config
from ..detectors.base import as_of_end
from ..plugins import Plugins
from .compute import compute_scores
from .results import AccountScore

# One day's verdict: account -> its score that day (only the accounts replayed).
Day = tuple[date, str, dict[str, AccountScore]]


def streak_days(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    scores: list[AccountScore],
    open_moments: dict[str, int],
    as_of: date,
    moment_at: str,
) -> list[Day]:
    """The days to walk, oldest first: each day since the previous run (scored again for the
    accounts concerned) and ``as_of`` itself, with when a moment that day is dated."""
    now = (as_of, moment_at, {s.account_id: s for s in scores})
    (previous,) = db.conn.execute("select max(as_of) from scores").fetchone()
    if previous is None or previous[:10] >= as_of.isoformat():
        return [now]  # the first run, or one on (or before) a day already scored
    ids = sorted({s.account_id for s in scores if s.qualified or s.account_id in open_moments})
    days: list[Day] = []
    day = date.fromisoformat(previous[:10]) + timedelta(days=1)
    while ids and day < as_of:
        replayed = compute_scores(db, config, plugins, day, account_ids=ids)
        days.append((day, as_of_end(day), {s.account_id: s for s in replayed}))
        day += timedelta(days=1)
    return [*days, now]


def apply_streaks(
    conn: sqlite3.Connection, days: list[Day], open_moments: dict[str, int]
) -> tuple[dict[str, tuple[int, str]], set[str]]:
    """Open and end moments day by day; ``open_moments`` (account -> open moment id) is
    updated in place. Returns the moments opened and still open at the end (account ->
    (moment id, at)) and the accounts whose moment open before the walk has ended."""
    before = dict(open_moments)
    opened: dict[str, tuple[int, str]] = {}
    for _day, at, scored in days:
        for account_id, s in scored.items():
            if s.qualified and account_id not in open_moments:
                cur = conn.execute(
                    "insert into pqa_moments (account_id, at, score, reasons) values (?, ?, ?, ?)",
                    (account_id, at, s.score, json.dumps(s.reasons)),
                )
                open_moments[account_id] = int(cur.lastrowid or 0)
                opened[account_id] = (open_moments[account_id], at)
            elif not s.qualified and account_id in open_moments:
                conn.execute(
                    "update pqa_moments set ended_at = ? where id = ?",
                    (at, open_moments.pop(account_id)),
                )
                opened.pop(account_id, None)
    ended = {a for a in before if open_moments.get(a) != before[a]}
    return opened, ended
