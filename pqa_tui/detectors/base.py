"""What a detector is, what it returns, and the account usage it reads.

A detector looks at one account's usage (:class:`AccountUsage`) and may emit
:class:`Signal` objects. Usage comes from the daily rollups and ``user_days`` tables, never
from raw events, so scoring costs accounts x days however many events there are.

:class:`UsageBatch` serves the usage of every account scored in one run: each window sum a
detector asks for (metric, first day, last day) is read for *all* accounts with one grouped
query and cached, so ten detectors over five thousand accounts cost a few dozen queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from ..config import Config
from ..timestamps import format_ts, ts_to_datetime

if TYPE_CHECKING:  # the package root imports this module: keep sqlite_utils (and click) out
    import sqlite_utils


@dataclass
class Signal:
    """One detector's finding for one account.

    ``at`` is when the evidence happened (a ``datetime``, a ``date``, or stored text
    ``YYYY-MM-DD`` / ``YYYY-MM-DDTHH:MM:SS.ffffffZ``); decay runs from there to the scoring
    time. ``strength`` is 0..1 before weight and decay. ``reason`` is one plain-language line
    with numbers; ``evidence`` is JSON-ready detail (users, events, counts, dates).
    ``value`` is the number measured (active users, events, a growth rate): a sunset account
    of a level detector comes back when it rises well above its value at the sunset
    (``strength`` stands in when it is None). ``account_id`` and ``detector`` are filled in by
    the scorer.
    """

    at: datetime | date | str
    strength: float
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    account_id: str = ""
    detector: str = ""
    value: float | None = None

    @property
    def at_ts(self) -> str:
        """``at`` as stored text."""
        return to_ts(self.at)

    @property
    def day(self) -> date:
        """The UTC day of ``at``: decay is counted in whole days."""
        return date.fromisoformat(self.at_ts[:10])


class Detector:
    """Base class for detectors (plugins may subclass it or just provide the same attributes).

    A count over a window against a bar needs no ``detect`` of its own: subclass
    :class:`pqa_tui.detectors.counting.CountDetector`.

    ``options`` maps each option the detector accepts under ``[detectors.NAME]`` to its
    default; the config is checked against it (unknown key, wrong type, negative number), and
    ``detect`` receives the defaults merged with the user's values. Options ending in
    ``_days`` are windows: they must be 1 or more.

    ``intent`` says whether the detector's signals show buying intent (pricing, legal pages, an
    admin switch, a buyer in the account) rather than usage alone; with
    ``scoring.require_intent`` an account needs one live intent signal to be a PQA.
    ``[detectors.NAME] intent = true|false`` overrides it.

    ``behavioural`` says what kind of evidence the detector reads, which decides when a sunset
    account comes back (README, "Moments, sunsets and returns"): True for a buying step that
    happens on a day (a pricing view, a legal page, an admin switch), so any signal dated
    after the sunset is new; False (the default) for a level that re-dates itself every day
    the team is active (seats, volume, growth), which counts only when its ``value`` rises
    ``triage.sunset_rise`` above the sunset's. The default is the one that never over-sends.
    """

    name: str = ""
    description: str = ""
    options: dict[str, Any] = {}
    default_weight: float = 1.0
    intent: bool = False  # buying intent, not usage alone (see above)
    behavioural: bool = False

    def detect(self, usage: AccountUsage, options: dict[str, Any]) -> Iterable[Signal]:
        """Yield the signals this account's usage shows as of ``usage.as_of``."""
        raise NotImplementedError


_STORED_TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z")


def strength_over_bar(value: float, bar: float) -> float:
    """0.5 at the bar, rising linearly to 1.0 at twice the bar (the usual count strength)."""
    if bar <= 0:
        return 1.0
    return max(0.0, min(1.0, value / (2 * bar)))


def counted(n: float, noun: str) -> str:
    """``n`` and ``noun`` as a reason reads them: "1 pricing view", "3 pricing views"."""
    return f"{n:.0f} {noun}" + ("" if round(n) == 1 else "s")


def to_ts(value: datetime | date | str) -> str:
    """A signal time as stored text (a bare day is midnight UTC)."""
    if isinstance(value, datetime):
        return format_ts(value)
    if isinstance(value, date):
        return format_ts(datetime.combine(value, time(), tzinfo=UTC))
    if isinstance(value, str):
        if len(value) == 10:
            date.fromisoformat(value)  # validates
            return value + "T00:00:00.000000Z"
        if not _STORED_TS.match(value):
            ts_to_datetime(value)  # raises with the reason
        return value
    raise TypeError(f"signal time must be a datetime, date or stored text, got {value!r}")


def as_of_end(as_of: date) -> str:
    """The last instant of ``as_of`` as stored text: data up to and including that day."""
    end = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    return format_ts(end - timedelta(microseconds=1))


# Up to this many accounts, a batch filters its window reads to them (see UsageBatch).
FEW_ACCOUNTS = 200


class UsageBatch:
    """The usage of many accounts as of one day, read lazily one window at a time.

    Only data on or before ``as_of`` (and within ``lookback_days`` of it) is visible, so a
    replay with an earlier ``as_of`` sees the world as it was then.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        config: Config,
        as_of: date,
        account_ids: Iterable[str],
        lookback_days: int,
    ):
        self.db = db
        self.config = config
        self.as_of = as_of
        self.as_of_ts = as_of_end(as_of)
        self.lookback_days = lookback_days
        self.first_day = (as_of - timedelta(days=lookback_days - 1)).isoformat()
        self.account_ids = list(account_ids)
        # A run over a few accounts (a replay of the days between two scoring runs) reads only
        # theirs; a run over many reads every account's rows in one pass, which is cheaper.
        few = len(self.account_ids) <= FEW_ACCOUNTS
        self._only = " and account_id in (select value from json_each(?))" if few else ""
        self._only_ids: tuple[str, ...] = (orjson.dumps(self.account_ids).decode(),) if few else ()
        self._windows: dict[tuple[int, int], tuple[str, str]] = {}
        self._totals: dict[tuple[str, str, str], dict[str, tuple[float, str]]] = {}
        self._distinct: dict[tuple[str, str], dict[str, int]] = {}
        self._activity: dict[tuple[str, str], dict[str, dict[str, tuple[int, str]]]] = {}
        self._users: dict[str, list[dict[str, Any]]] | None = None
        self._changes: dict[str, list[dict[str, Any]]] | None = None

    def window(self, days: int, offset: int = 0) -> tuple[str, str]:
        """First and last day (inclusive) of ``days`` days ending ``offset`` days before as_of."""
        hit = self._windows.get((days, offset))
        if hit is None:
            if days < 1:
                raise ValueError(f"a window is 1 day or more, got {days}")
            last = self.as_of - timedelta(days=offset)
            first = last - timedelta(days=days - 1)
            hit = self._windows[(days, offset)] = (
                max(first.isoformat(), self.first_day),
                last.isoformat(),
            )
        return hit

    def totals(self, metric: str, first: str, last: str) -> dict[str, tuple[float, str]]:
        """account -> (sum of ``metric`` from ``first`` to ``last``, last day it was non-zero)."""
        key = (metric, first, last)
        if key not in self._totals:
            rows = self.db.conn.execute(
                "select account_id, sum(value), max(case when value > 0 then day end) "
                f"from rollups where metric = ? and day >= ? and day <= ?{self._only} "
                "group by account_id",
                (metric, first, last, *self._only_ids),
            )
            self._totals[key] = {a: (v or 0.0, d) for a, v, d in rows}
        return self._totals[key]

    def distinct_users(self, first: str, last: str) -> dict[str, int]:
        """account -> distinct active users from ``first`` to ``last``."""
        key = (first, last)
        if key not in self._distinct:
            rows = self.db.conn.execute(
                "select account_id, count(distinct user_id) from user_days "
                f"where day >= ? and day <= ?{self._only} group by account_id",
                (first, last, *self._only_ids),
            )
            self._distinct[key] = dict(rows.fetchall())
        return self._distinct[key]

    def users(self, account_id: str) -> list[dict[str, Any]]:
        """Members of the account known by as_of, with their profiles."""
        if self._users is None:
            self._users = {}
            cur = self.db.conn.execute(
                "select m.account_id, u.user_id, u.email, u.name, u.role, u.seniority, "
                "u.department, u.company_size, u.use_case, u.created_at, "
                "coalesce(m.first_seen, u.first_seen, u.created_at) as first_seen, "
                "u.last_seen, u.traits from memberships m join users u on u.user_id = m.user_id "
                "where coalesce(m.first_seen, u.first_seen, u.created_at, '') <= ? "
                "order by m.account_id, first_seen",
                (self.as_of_ts,),
            )
            users = self._users
            as_of_ts = self.as_of_ts
            for row in cur:
                account = row[0]
                user = {
                    "user_id": row[1], "email": row[2], "name": row[3], "role": row[4],
                    "seniority": row[5], "department": row[6], "company_size": row[7],
                    "use_case": row[8], "created_at": row[9], "first_seen": row[10],
                    # Seen after as_of is not known as of then.
                    "last_seen": row[11] if row[11] and row[11] <= as_of_ts else None,
                    "traits": _json(row[12]),
                }  # fmt: skip
                if account in users:
                    users[account].append(user)
                else:
                    users[account] = [user]
        return self._users.get(account_id, [])

    def trait_changes(self, account_id: str) -> list[dict[str, Any]]:
        """Trait changes in the account within the lookback, oldest first."""
        if self._changes is None:
            self._changes = {}
            cur = self.db.conn.execute(
                "select account_id, entity, entity_id, trait, old_value, new_value, ts "
                "from trait_changes where account_id is not null and ts >= ? and ts <= ? "
                "order by account_id, ts, id",
                (self.first_day, self.as_of_ts),
            )
            cols = [c[0] for c in cur.description]
            for row in cur:
                change = dict(zip(cols, row, strict=True))
                self._changes.setdefault(change.pop("account_id"), []).append(change)
        return self._changes.get(account_id, [])

    def user_activity(self, first: str, last: str) -> dict[str, dict[str, tuple[int, str]]]:
        """account -> user -> (days active, last day active) from ``first`` to ``last``."""
        key = (first, last)
        if key not in self._activity:
            found: dict[str, dict[str, tuple[int, str]]] = {}
            rows = self.db.conn.execute(
                "select account_id, user_id, count(*), max(day) from user_days "
                f"where day >= ? and day <= ?{self._only} group by account_id, user_id",
                (first, last, *self._only_ids),
            )
            for account, user, days, day in rows:
                if account in found:
                    found[account][user] = (days, day)
                else:
                    found[account] = {user: (days, day)}
            self._activity[key] = found
        return self._activity[key]

    def last_active(self, account_id: str, user_ids: list[str]) -> dict[str, str]:
        """user -> last day active in the account within the lookback."""
        return self.last_active_in(account_id, user_ids, self.first_day, self.as_of.isoformat())

    def last_active_in(
        self, account_id: str, user_ids: list[str], first: str, last: str
    ) -> dict[str, str]:
        """user -> last day active in the account from ``first`` to ``last``."""
        users = self.user_activity(first, last).get(account_id, {})
        return {u: users[u][1] for u in user_ids if u in users}

    def active_user_ids(self, account_id: str, first: str, last: str, limit: int) -> list[str]:
        """The most active users of one account in a window (most days active first)."""
        users = self.user_activity(first, last).get(account_id, {})
        ranked = sorted(users.items(), key=lambda item: (-item[1][0], item[0]))
        return [user for user, _ in ranked[:limit]]

    def daily(self, account_id: str, metric: str) -> dict[str, float]:
        """One account's day -> value for ``metric`` over the lookback."""
        rows = self.db.conn.execute(
            "select day, value from rollups where account_id = ? and metric = ? "
            "and day >= ? and day <= ? order by day",
            (account_id, metric, self.first_day, self.as_of.isoformat()),
        )
        return dict(rows.fetchall())


class AccountUsage:
    """One account's usage as of a day: what a detector reads.

    Windows are counted in days ending on ``as_of`` (inclusive): ``total("value", 28)`` is
    the last 28 days; ``offset=28`` shifts the window 28 days back (the one before).
    Metrics are the rollup metrics: ``events``, ``active_users``, each ``[events]`` kind of
    the config (``value``, ``invite``, ``paywall``, ``pricing``, your own kinds),
    ``storage`` (bytes added), ``pages`` and ``page:<group>`` for each ``[pages]`` group.
    """

    def __init__(self, batch: UsageBatch, account: dict[str, Any]):
        self._batch = batch
        self.account = account
        self.account_id: str = account["account_id"]

    @property
    def as_of(self) -> date:
        """The scoring day: nothing after it is visible."""
        return self._batch.as_of

    @property
    def config(self) -> Config:
        """The whole config (event kinds, roles, plans), for detectors that need it."""
        return self._batch.config

    def window(self, days: int, offset: int = 0) -> tuple[str, str]:
        """First and last day (``YYYY-MM-DD``, inclusive) of a window."""
        return self._batch.window(days, offset)

    def total(self, metric: str, days: int, *, offset: int = 0) -> float:
        """Sum of a daily metric over a window (0 when the metric never occurs)."""
        first, last = self._batch.window(days, offset)
        hit = self._batch.totals(metric, first, last).get(self.account_id)
        return hit[0] if hit else 0.0

    def last_day(self, metric: str, days: int, *, offset: int = 0) -> str | None:
        """The last day in a window on which ``metric`` was above zero, or None."""
        first, last = self._batch.window(days, offset)
        hit = self._batch.totals(metric, first, last).get(self.account_id)
        return hit[1] if hit else None

    def active_users(self, days: int, *, offset: int = 0) -> int:
        """Distinct users active in the account over a window."""
        first, last = self._batch.window(days, offset)
        return self._batch.distinct_users(first, last).get(self.account_id, 0)

    def active_user_ids(self, days: int, *, offset: int = 0, limit: int = 20) -> list[str]:
        """The most active users over a window (for evidence), most active first."""
        first, last = self._batch.window(days, offset)
        return self._batch.active_user_ids(self.account_id, first, last, limit)

    def daily(self, metric: str) -> dict[str, float]:
        """Day -> value of a metric over the lookback (one query: use for evidence)."""
        return self._batch.daily(self.account_id, metric)

    @property
    def users(self) -> list[dict[str, Any]]:
        """Members known by as_of with their profile (role, seniority, department, ...)."""
        return self._batch.users(self.account_id)

    def last_active(self, user_ids: list[str], days: int | None = None) -> dict[str, str]:
        """User -> last day (``YYYY-MM-DD``) each was active here, within the last ``days``
        days (default: the whole lookback); users not active then are left out."""
        if not user_ids:
            return {}
        if days is None:
            return self._batch.last_active(self.account_id, user_ids)
        first, last = self._batch.window(days)
        return self._batch.last_active_in(self.account_id, user_ids, first, last)

    def trait_changes(self, trait: str | None = None) -> list[dict[str, Any]]:
        """Trait changes (``entity``, ``entity_id``, ``trait``, ``old_value``, ``new_value``,
        ``ts``) in the account within the lookback, oldest first."""
        changes = self._batch.trait_changes(self.account_id)
        return [c for c in changes if trait is None or c["trait"] == trait]


def _json(text: str | None) -> Any:
    if not text or text == "{}":
        return {}
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
