"""Daily rollups per account: which metrics an event feeds, and writing the deltas.

Detectors read only these tables, never raw events. Metrics per (account, day):

- ``events``: usage events (track, page, screen); ``active_users``: distinct users (the users
  are kept in ``user_days`` so a later file adds only users not yet counted);
- one metric per ``[events]`` kind of the config (``value``, ``paywall``, any custom kind);
- ``storage``: the sum of ``[storage] property`` over ``[storage] events``;
- ``pages`` and ``page:<group>`` for each ``[pages]`` group whose glob matches the page path.

The ingest pipeline adds deltas computed only from the rows it actually inserted;
:func:`rebuild_rollups` recomputes everything from raw events (after a config change).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from fnmatch import fnmatchcase
from typing import Any

import orjson

from ..config import Config

# (account_id, day, kind, name): name is the event for track/screen, the path for pages.
UsageKey = tuple[str, str, str, str | None]


class RollupRules:
    """The config's event / page / storage rules, compiled once per ingest."""

    def __init__(self, config: Config):
        by_event: dict[str, list[str]] = {}
        for kind, names in config.events.items():
            for name in names:
                by_event.setdefault(name, []).append(kind)
        self.kinds_by_event: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in by_event.items()}
        self.storage_events = frozenset(config.storage.events)
        self.storage_property = config.storage.property
        self.page_groups = [(group, tuple(pats)) for group, pats in config.pages.items()]
        self._groups_by_path: dict[str, tuple[str, ...]] = {}

    def page_metrics(self, path: str | None) -> tuple[str, ...]:
        """The ``page:<group>`` metrics a page path feeds (cached: paths repeat a lot)."""
        if not path:
            return ()
        found = self._groups_by_path.get(path)
        if found is None:
            found = tuple(
                f"page:{group}"
                for group, pats in self.page_groups
                if any(fnmatchcase(path, p) for p in pats)
            )
            if len(self._groups_by_path) < 100_000:
                self._groups_by_path[path] = found
        return found

    def storage_bytes(self, props: dict[str, Any]) -> float:
        """The storage added by one storage event (0 when the property is missing or bad)."""
        value = props.get(self.storage_property)
        if isinstance(value, bool):
            return 0.0
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return 0.0
        return 0.0


class RollupDeltas:
    """What a batch of inserted usage rows adds to the rollups, gathered before writing.

    Counting by (account, day, kind, name) first and expanding to metrics once per distinct key
    keeps the per-event cost at one dictionary update.
    """

    def __init__(self, rules: RollupRules):
        self.rules = rules
        # Rows go to the table in key order (B-tree locality on a big table that is not in
        # the page cache); the pipeline turns this off when the table started empty.
        self.in_key_order = True
        self.usage: dict[UsageKey, int] = {}
        self.extra: dict[tuple[str, str, str], float] = {}

    def add(
        self, account: str, day: str, kind: str, event: str | None, props: Any, n: int = 1
    ) -> None:
        """Count one usage row (``n=-1`` takes one back).

        ``props`` is a dict or its JSON text, parsed only when a page path or storage amount
        is needed.
        """
        rules = self.rules
        if kind == "page":
            if not isinstance(props, dict):
                props = orjson.loads(props)
            path = props.get("path")
            key = (account, day, "page", path if isinstance(path, str) else None)
            self.usage[key] = self.usage.get(key, 0) + n
            return
        key = (account, day, kind, event)
        self.usage[key] = self.usage.get(key, 0) + n
        if event in rules.storage_events:
            if not isinstance(props, dict):
                props = orjson.loads(props)
            skey = (account, day, "storage")
            self.extra[skey] = self.extra.get(skey, 0.0) + n * rules.storage_bytes(props)

    def add_storage(self, account: str, day: str, props: Any) -> None:
        """The storage amount of one storage event whose usage count is already taken."""
        if not isinstance(props, dict):
            props = orjson.loads(props)
        key = (account, day, "storage")
        self.extra[key] = self.extra.get(key, 0.0) + self.rules.storage_bytes(props)

    def add_active(self, account: str, day: str, n: int) -> None:
        key = (account, day, "active_users")
        self.extra[key] = self.extra.get(key, 0.0) + n

    def __len__(self) -> int:
        return len(self.usage) + len(self.extra)

    def metrics(self) -> dict[tuple[str, str, str], float]:
        """The deltas as (account, day, metric) -> value."""
        rules = self.rules
        out: dict[tuple[str, str, str], float] = dict(self.extra)
        for (account, day, kind, name), n in self.usage.items():
            names = ["events"]
            if kind == "page":
                names.append("pages")
                names.extend(rules.page_metrics(name))
            else:
                names.extend(rules.kinds_by_event.get(name, ()))  # type: ignore[arg-type]
            for metric in names:
                key = (account, day, metric)
                out[key] = out.get(key, 0.0) + n
        return out

    def write(self, conn: sqlite3.Connection) -> None:
        """Add the deltas to the rollups table and forget them."""
        if len(self) == 0:
            return
        rows = [(a, d, m, v) for (a, d, m), v in self.metrics().items()]
        if self.in_key_order:
            rows.sort()
        conn.executemany(
            "insert into rollups(account_id, day, metric, value) values (?, ?, ?, ?) "
            "on conflict(account_id, day, metric) do update set value = value + excluded.value",
            rows,
        )
        self.usage.clear()
        self.extra.clear()


def add_user_days(
    conn: sqlite3.Connection, triples: list[tuple[str, str, str]], deltas: RollupDeltas
) -> None:
    """Record (account, day, user) activity; count users new to a day in ``active_users``.

    Optimistic: one executemany, and when it reports that some were known already, roll it
    back to a savepoint and go one by one, where each insert says whether the user was new.
    """
    if not triples:
        return
    conn.execute("savepoint user_days")
    cur = conn.executemany(
        "insert or ignore into user_days(account_id, day, user_id) values (?, ?, ?)", triples
    )
    if cur.rowcount == len(triples):
        conn.execute("release user_days")
        for (account, day), n in Counter((a, d) for a, d, _ in triples).items():
            deltas.add_active(account, day, n)
        return
    conn.execute("rollback to user_days")
    conn.execute("release user_days")
    execute = conn.execute
    for triple in triples:
        if execute(
            "insert or ignore into user_days(account_id, day, user_id) values (?, ?, ?)", triple
        ).rowcount:
            deltas.add_active(triple[0], triple[1], 1)


def rebuild_rollups(conn: sqlite3.Connection, config: Config) -> int:
    """Recompute ``rollups`` and ``user_days`` from raw events (e.g. after editing [events]).

    Runs inside the caller's write transaction. Returns the number of rollup rows written.
    """
    rules = RollupRules(config)
    conn.execute("delete from rollups")
    conn.execute("delete from user_days")
    conn.execute(
        "insert into user_days(account_id, day, user_id) select distinct account_id, "
        "substr(ts, 1, 10), user_id from events where account_id is not null "
        "and user_id is not null and kind in ('track', 'page', 'screen')"
    )
    deltas = RollupDeltas(rules)
    rows = conn.execute(
        "select account_id, substr(ts, 1, 10), kind, event, properties from events "
        "where account_id is not null and kind in ('track', 'page', 'screen')"
    )
    for account, day, kind, event, props in rows:
        deltas.add(account, day, kind, event, props)
    for account, day, n in conn.execute(
        "select account_id, day, count(*) from user_days group by account_id, day"
    ):
        deltas.add_active(account, day, n)
    metrics = deltas.metrics()
    deltas.write(conn)
    return len(metrics)
