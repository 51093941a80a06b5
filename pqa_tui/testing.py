"""Test helpers for detector authors: build an account, run one detector on it.

Detectors read daily rollups, so the helper writes exactly what ingest writes for the
events you describe (rollups, active users per day, users, memberships, trait changes) into
a real SQLite file, then runs your detector through the same code path scoring uses::

    from pqa_tui.testing import AccountBuilder

    def test_fires(tmp_path):
        acct = AccountBuilder(tmp_path / "t.db", events={"integration": ["Integration Connected"]})
        acct.track("u1", "Integration Connected", "2026-03-01", count=2)
        signals = acct.run(MyDetector(), as_of="2026-03-10")
        assert signals[0].strength == 1.0

``events`` adds ``[events]`` kinds to the default config (the rollup metrics your detector
reads); pass ``config=`` for anything else.
"""

from __future__ import annotations

import fnmatch
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from . import store
from .config import Config
from .detectors.base import AccountUsage, Detector, Signal, UsageBatch

__all__ = ["AccountBuilder", "run_detector"]


def _day(value: str | date) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _ts(value: str | date) -> str:
    text = _day(value) if isinstance(value, date) or len(str(value)) == 10 else str(value)
    return f"{text}T12:00:00.000000Z" if len(text) == 10 else text


class AccountBuilder:
    """One account in a real SQLite file, built from the events and users you describe.

    Methods return ``self`` so a test reads as a story. Nothing is written until
    :meth:`save` (called for you by :meth:`usage` and :meth:`run`).
    """

    def __init__(
        self,
        db: sqlite_utils.Database | str | Path,
        *,
        account_id: str = "acct-1",
        name: str | None = "Acme",
        domain: str | None = "acme.io",
        plan: str = "free",
        created: str | date = "2026-01-01",
        config: Config | None = None,
        events: dict[str, list[str]] | None = None,
    ):
        self.db = db if isinstance(db, sqlite_utils.Database) else store.open_db(db)
        config = config or Config()
        if events:
            config = replace(config, events={**config.events, **events})
        self.config = config
        self.account = {
            "account_id": account_id,
            "name": name,
            "domain": domain,
            "plan": plan,
            "created_at": _ts(created),
            "first_seen": _ts(created),
        }
        self._counts: dict[tuple[str, str], float] = defaultdict(float)
        self._user_days: set[tuple[str, str]] = set()
        self._users: dict[str, dict[str, Any]] = {}
        self._changes: list[dict[str, Any]] = []

    @property
    def account_id(self) -> str:
        return self.account["account_id"]

    def user(self, user_id: str, **profile: Any) -> AccountBuilder:
        """A member with a profile (role, seniority, department, company_size, email, ...)."""
        traits = profile.pop("traits", {})
        self._users.setdefault(user_id, {"user_id": user_id, "traits": {}})
        self._users[user_id].update(profile)
        self._users[user_id]["traits"].update(traits)
        return self

    def track(
        self,
        user_id: str,
        event: str,
        day: str | date,
        *,
        count: int = 1,
        properties: dict[str, Any] | None = None,
    ) -> AccountBuilder:
        """``count`` track events named ``event`` by ``user_id`` on ``day``."""
        d = _day(day)
        self.user(user_id)
        self._active(user_id, d, count)
        for kind, names in self.config.events.items():
            if event in names:
                self._counts[(d, kind)] += count
        if event in self.config.storage.events:
            size = float((properties or {}).get(self.config.storage.property, 0) or 0)
            self._counts[(d, "storage")] += size * count
        return self

    def page(self, user_id: str, path: str, day: str | date, *, count: int = 1) -> AccountBuilder:
        """``count`` page views of ``path`` by ``user_id`` on ``day``."""
        d = _day(day)
        self.user(user_id)
        self._active(user_id, d, count)
        self._counts[(d, "pages")] += count
        for group, patterns in self.config.pages.items():
            if any(fnmatch.fnmatchcase(path, p) for p in patterns):
                self._counts[(d, f"page:{group}")] += count
        return self

    def active(
        self, users: Iterable[str] | int, first: str | date, last: str | date, *, every: int = 1
    ) -> AccountBuilder:
        """Each user (or ``users`` numbered users) sends one event every ``every`` days."""
        ids = [f"u{i}" for i in range(1, users + 1)] if isinstance(users, int) else list(users)
        day = date.fromisoformat(_day(first))
        end = date.fromisoformat(_day(last))
        while day <= end:
            for u in ids:
                self.track(u, "Signed In", day)
            day += timedelta(days=every)
        return self

    def trait_change(
        self, user_id: str, trait: str, old: str | None, new: str | None, ts: str | date
    ) -> AccountBuilder:
        """A user's trait changing value (e.g. ``role`` from ``member`` to ``admin``)."""
        self.user(user_id)
        self._changes.append(
            {"entity": "user", "entity_id": user_id, "trait": trait, "old": old, "new": new,
             "ts": _ts(ts)}
        )  # fmt: skip
        return self

    def plan_change(self, old: str | None, new: str, ts: str | date) -> AccountBuilder:
        """The account's plan changing (an upgrade)."""
        self._changes.append(
            {"entity": "account", "entity_id": self.account_id, "trait": self.config.plans.trait,
             "old": old, "new": new, "ts": _ts(ts)}
        )  # fmt: skip
        return self

    def _active(self, user_id: str, day: str, count: int) -> None:
        self._counts[(day, "events")] += count
        self._user_days.add((day, user_id))

    def save(self) -> AccountBuilder:
        """Write what was described since the last save (safe to call again after more)."""
        a = self.account
        seen: dict[str, str] = {}
        for d, u in sorted(self._user_days):
            seen.setdefault(u, d)
        days = sorted({d for d, _ in self._user_days})
        with store.write(self.db) as conn:
            conn.execute(
                "insert or replace into accounts (account_id, name, domain, plan, created_at, "
                "first_seen) values (?, ?, ?, ?, ?, ?)",
                (a["account_id"], a["name"], a["domain"], a["plan"], a["created_at"],
                 a["first_seen"]),
            )  # fmt: skip
            conn.executemany(
                "insert into rollups (account_id, day, metric, value) values (?, ?, ?, ?) "
                "on conflict do update set value = value + excluded.value",
                [(a["account_id"], d, m, v) for (d, m), v in self._counts.items()],
            )
            conn.executemany(
                "insert or ignore into user_days (account_id, day, user_id) values (?, ?, ?)",
                [(a["account_id"], d, u) for d, u in self._user_days],
            )
            conn.executemany(
                "insert or replace into rollups (account_id, day, metric, value) "
                "select account_id, day, 'active_users', count(*) from user_days "
                "where account_id = ? and day = ? group by day",
                [(a["account_id"], d) for d in days],
            )
            for uid, profile in self._users.items():
                first = _ts(seen[uid]) if uid in seen else a["created_at"]
                cols = {k: v for k, v in profile.items() if k not in ("user_id", "traits")}
                conn.execute(
                    "insert into users (user_id, traits, first_seen, created_at"
                    + "".join(f", {k}" for k in cols)
                    + ") values (?, ?, ?, ?"
                    + ", ?" * len(cols)
                    + ") on conflict do update set traits = excluded.traits"
                    + "".join(f", {k} = excluded.{k}" for k in cols),
                    (uid, json.dumps(profile["traits"]), first, first, *cols.values()),
                )
                conn.execute(
                    "insert or ignore into memberships (user_id, account_id, first_seen) "
                    "values (?, ?, ?)",
                    (uid, a["account_id"], first),
                )
            conn.executemany(
                "insert into trait_changes (entity, entity_id, account_id, trait, old_value, "
                "new_value, ts) values (?, ?, ?, ?, ?, ?, ?)",
                [
                    (c["entity"], c["entity_id"], a["account_id"], c["trait"], c["old"],
                     c["new"], c["ts"])
                    for c in self._changes
                ],
            )  # fmt: skip
        self._counts.clear()
        self._user_days.clear()
        self._changes.clear()
        return self

    def usage(self, as_of: str | date, lookback_days: int = 120) -> AccountUsage:
        """The :class:`AccountUsage` a detector would see for this account on ``as_of``."""
        self.save()
        day = date.fromisoformat(_day(as_of))
        batch = UsageBatch(self.db, self.config, day, [self.account_id], lookback_days)
        return AccountUsage(batch, dict(self.account, traits={}))

    def run(
        self, detector: Detector, as_of: str | date, options: dict[str, Any] | None = None
    ) -> list[Signal]:
        """Run one detector on this account as of a day, with its defaults plus ``options``."""
        merged = {**(getattr(detector, "options", {}) or {}), **(options or {})}
        signals = list(detector.detect(self.usage(as_of), merged) or ())
        for s in signals:
            s.account_id, s.detector = self.account_id, detector.name
        return signals


def run_detector(
    detector: Detector,
    db: sqlite_utils.Database | str | Path,
    *,
    as_of: str | date,
    tracks: Iterable[tuple[str, str, str]] = (),
    pages: Iterable[tuple[str, str, str]] = (),
    users: dict[str, dict[str, Any]] | None = None,
    options: dict[str, Any] | None = None,
    events: dict[str, list[str]] | None = None,
) -> list[Signal]:
    """One-call form: ``tracks`` and ``pages`` are ``(user, event_or_path, day)`` tuples."""
    acct = AccountBuilder(db, events=events)
    for user_id, profile in (users or {}).items():
        acct.user(user_id, **profile)
    for user_id, event, day in tracks:
        acct.track(user_id, event, day)
    for user_id, path, day in pages:
        acct.page(user_id, path, day)
    return acct.run(detector, as_of, options)
