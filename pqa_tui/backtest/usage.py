"""Usage in memory for replays: everything a replay reads, loaded once and answered without SQL.

Rollups, user days, memberships and trait changes are read **once** (:class:`ReplayData`), and
each step's usage windows are answered from sorted arrays with prefix sums
(:class:`ReplayBatch`, a :class:`~pqa_tui.detectors.base.UsageBatch` giving the same answers).
"""

from __future__ import annotations

import functools
import gc
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from typing import Any, ParamSpec, TypeVar

import sqlite_utils

from ..config import Config
from ..detectors.base import UsageBatch

P = ParamSpec("P")
T = TypeVar("T")


def without_gc(fn: Callable[P, T]) -> Callable[P, T]:
    """Run ``fn`` with the cycle collector paused.

    Replays build hundreds of thousands of small objects that live for the whole run; each
    full collection would walk all of them again (about 10% of the time). Reference counting
    still frees everything; the collector resumes, as it was, when ``fn`` returns.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper


class _Series:
    """One account's daily values of one metric: sorted days, prefix sums, non-zero days."""

    __slots__ = ("days", "prefix", "nonzero")

    def __init__(self, days: list[str], values: list[float]):
        self.days = days
        self.prefix = list(accumulate(values, initial=0.0))
        self.nonzero = [d for d, v in zip(days, values, strict=True) if v > 0]


@dataclass
class ReplayData:
    """Everything a replay reads, loaded once: rollups, user days, members, trait changes."""

    series: dict[str, dict[str, _Series]] = field(default_factory=dict)  # metric -> account ->
    user_days: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # account -> user ->
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    changes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    first_day: str | None = None
    last_day: str | None = None

    @classmethod
    @without_gc
    def load(cls, db: sqlite_utils.Database) -> ReplayData:
        data = cls()
        conn = db.conn
        # Read in primary-key order (no sort): one account's rows arrive together, by day.
        per: dict[str, tuple[list[str], list[float]]] = {}
        current = None
        rows = conn.execute("select account_id, day, metric, value from rollups order by 1, 2, 3")
        for account, day, metric, value in rows:
            if account != current:
                data._keep_series(current, per)
                current, per = account, {}
            got = per.get(metric)
            if got is None:
                got = per[metric] = ([], [])
            got[0].append(day)
            got[1].append(value)
        data._keep_series(current, per)
        rows = conn.execute("select account_id, day, user_id from user_days order by 1, 2, 3")
        for account, day, user in rows:
            users = data.user_days.get(account)
            if users is None:
                users = data.user_days[account] = {}
            days = users.get(user)
            if days is None:
                users[user] = [day]
            else:
                days.append(day)
        # The same columns and order as UsageBatch.users, without the as-of filter.
        cur = conn.execute(
            "select m.account_id, u.user_id, u.email, u.name, u.role, u.seniority, "
            "u.department, u.company_size, u.use_case, u.created_at, "
            "coalesce(m.first_seen, u.first_seen, u.created_at) as first_seen, "
            "u.last_seen, u.traits from memberships m join users u on u.user_id = m.user_id "
            "order by m.account_id, first_seen"
        )
        cols = [c[0] for c in cur.description]
        for row in cur:
            user = dict(zip(cols, row, strict=True))
            user["traits"] = _json(user["traits"])
            data.members.setdefault(user.pop("account_id"), []).append(user)
        cur = conn.execute(
            "select account_id, entity, entity_id, trait, old_value, new_value, ts "
            "from trait_changes where account_id is not null order by account_id, ts, id"
        )
        cols = [c[0] for c in cur.description]
        for row in cur:
            change = dict(zip(cols, row, strict=True))
            data.changes.setdefault(change.pop("account_id"), []).append(change)
        events = data.series.get("events", {})
        if events:
            data.first_day = min(s.days[0] for s in events.values())
            data.last_day = max(s.days[-1] for s in events.values())
        return data

    def _keep_series(
        self, account: str | None, per: dict[str, tuple[list[str], list[float]]]
    ) -> None:
        for metric, (days, values) in per.items():
            self.series.setdefault(metric, {})[account] = _Series(days, values)

    def active_accounts(self, first: str, last: str) -> list[str]:
        """Accounts with any events from ``first`` to ``last`` (the scorer's candidates)."""
        out = []
        for account, s in self.series.get("events", {}).items():
            i = bisect_left(s.days, first)
            if i < len(s.days) and s.days[i] <= last:
                out.append(account)
        return sorted(out)


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


class ReplayBatch(UsageBatch):
    """A :class:`UsageBatch` answered from :class:`ReplayData` instead of SQL (same results)."""

    def __init__(
        self,
        data: ReplayData,
        db: sqlite_utils.Database,
        config: Config,
        as_of: date,
        account_ids: list[str],
        lookback: int,
    ):
        super().__init__(db, config, as_of, account_ids, lookback)
        self.data = data
        self._last = as_of.isoformat()

    def totals(self, metric: str, first: str, last: str) -> dict[str, tuple[float, str]]:
        try:
            return self._totals[(metric, first, last)]
        except KeyError:
            pass
        found = {}
        series = self.data.series.get(metric, {})
        # Only the batch's accounts are ever asked about: skip the others.
        for account in self.account_ids:
            s = series.get(account)
            if s is None:
                continue
            i, j = bisect_left(s.days, first), bisect_right(s.days, last)
            if i < j:
                k = bisect_right(s.nonzero, last) - 1
                nz = s.nonzero[k] if k >= 0 and s.nonzero[k] >= first else None
                found[account] = (s.prefix[j] - s.prefix[i], nz)
        self._totals[(metric, first, last)] = found
        return found

    def distinct_users(self, first: str, last: str) -> dict[str, int]:
        # From the per-user activity of the same window, which other detectors read too.
        key = (first, last)
        if key not in self._distinct:
            activity = self.user_activity(first, last)
            self._distinct[key] = {account: len(users) for account, users in activity.items()}
        return self._distinct[key]

    def users(self, account_id: str) -> list[dict[str, Any]]:
        as_of_ts = self.as_of_ts
        known = []
        for user in self.data.members.get(account_id, ()):
            if (user["first_seen"] or "") <= as_of_ts:
                if user["last_seen"] and user["last_seen"] > as_of_ts:
                    user = {**user, "last_seen": None}  # seen after as_of: not known then
                known.append(user)
        return known

    def trait_changes(self, account_id: str) -> list[dict[str, Any]]:
        return [
            c
            for c in self.data.changes.get(account_id, ())
            if self.first_day <= c["ts"] <= self.as_of_ts
        ]

    def user_activity(self, first: str, last: str) -> dict[str, dict[str, tuple[int, str]]]:
        key = (first, last)
        if key not in self._activity:
            found: dict[str, dict[str, tuple[int, str]]] = {}
            user_days = self.data.user_days
            for account in self.account_ids:
                users = {}
                for user, days in user_days.get(account, {}).items():
                    i, j = bisect_left(days, first), bisect_right(days, last)
                    if j > i:
                        users[user] = (j - i, days[j - 1])
                if users:
                    found[account] = users
            self._activity[key] = found
        return self._activity[key]

    def daily(self, account_id: str, metric: str) -> dict[str, float]:
        s = self.data.series.get(metric, {}).get(account_id)
        if s is None:
            return {}
        i, j = bisect_left(s.days, self.first_day), bisect_right(s.days, self._last)
        return {s.days[k]: s.prefix[k + 1] - s.prefix[k] for k in range(i, j)}
