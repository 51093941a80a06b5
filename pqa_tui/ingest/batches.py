"""The batch loop: one file's records into the open write transaction, a batch at a time.

A batch is checked and serialised without the database (:func:`prepare_batch`, which the
read-ahead process may run), then inserted with ``INSERT OR IGNORE`` on the dedupe index; only
the rows actually inserted feed the rollups, first/last seen, memberships and trait effects.
This is the hot path of an ingest: it works column by column and keeps its state in dicts.
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import islice
from sys import intern
from typing import Any

import orjson

from ..config import Config
from ..timestamps import now_ts
from .bulk_indexes import (
    INGEST_CACHE_KIB,
    Deferred,
    build_events_indexes,
    build_rollup_indexes,
    defer_events_indexes,
    defer_rollup_indexes,
    rollups_empty,
)
from .effects import TraitEffects
from .errors import StrictReject
from .formats import USAGE_KINDS, Record, Reject, make_reject
from .rollups import RollupDeltas, RollupRules, add_user_days
from .runs import FileSummary

# Small enough that a batch's records stay in the CPU caches and their memory is reused by the
# next batch (2,000 was 10% faster than 10,000 on a million events).
BATCH_SIZE = 2_000
# How many (account, day, user) triples one generation of the recent user-day memory holds.
RECENT_USER_DAYS = 20_000
# Rollup deltas are written when they reach this many keys (and at the end of each file).
DELTAS_LIMIT = 100_000

INSERT_EVENT = (
    "insert or ignore into events(dedupe_key, kind, account_id, user_id, event, ts, "
    "properties, run_id, line) values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def content_key(rec: Record) -> str:
    """The dedupe key of a record without a source id: a hash of everything it says."""
    body = orjson.dumps(
        [rec.kind, rec.user_id, rec.account_id, rec.event, rec.ts, rec.properties, rec.traits],
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        default=str,
    )
    return "h:" + hashlib.blake2b(body, digest_size=16).hexdigest()


def _spans(keys: list | tuple, tss: tuple, ordered: bool) -> tuple[dict, dict]:
    """The first and the last time of each key in one batch, as two dicts.

    In a batch already in time order they come from two ``dict`` constructions (in C);
    otherwise from a comparison per row.
    """
    if ordered:
        return dict(zip(reversed(keys), reversed(tss), strict=True)), dict(
            zip(keys, tss, strict=True)
        )
    firsts: dict = {}
    lasts: dict = {}
    for key, ts in zip(keys, tss, strict=True):
        first = firsts.get(key)
        if first is None or ts < first:
            firsts[key] = ts
        last = lasts.get(key)
        if last is None or ts > last:
            lasts[key] = ts
    return firsts, lasts


def _widen(seen: dict, key: Any, first: str, last: str) -> None:
    """Widen ``seen[key] = [first, last]`` to cover ``first`` .. ``last``."""
    current = seen.get(key)
    if current is None:
        seen[key] = [first, last]
    else:
        if first < current[0]:
            current[0] = first
        if last > current[1]:
            current[1] = last


def _merge_seen(seen: dict, keys: list | tuple, tss: tuple, ordered: bool) -> None:
    """Widen ``seen[key] = [first, last]`` with one batch; ``None`` keys (or pairs) are skipped."""
    firsts, lasts = _spans(keys, tss, ordered)
    for key, last in lasts.items():
        if key is None or (type(key) is tuple and None in key):
            continue
        _widen(seen, key, firsts[key], last)


# (event rows naming the record's own account, records with side effects or None, rejects,
# lines read): one batch, ready for the write transaction.
# (event rows, their days, records with side effects or None, rejects, records read)
PreparedBatch = tuple[list[tuple], list[str], list[Record | None], list[Reject], int]


def prepare_batch(
    batch: list[Record | Reject], run_id: int, keep_events: frozenset[str]
) -> PreparedBatch:
    """Check and serialise one batch of records into event rows, without the database.

    Needs no state of the ingest, so it can run in the reading process. A row's account is
    the one its record named (``None`` when it named none): the writer resolves memberships.
    The record itself is kept only when it has traits or its event is in ``keep_events``.
    Names and days repeat within a batch: interned, each is one object, which the pipe to the
    writer then sends once per batch and the writer hashes once.
    """
    rows = []
    days = []
    recs: list[Record | None] = []
    rejects = []
    dumps = orjson.dumps
    for rec in batch:
        if type(rec) is Reject:
            rejects.append(rec)
            continue
        kind, key, user, account, event, ts, props, traits, line = rec
        if kind == "identify" or kind == "group":
            props = traits  # the raw event keeps what the call said
        try:
            body = dumps(props).decode() if props else "{}"
            if traits and traits is not props:
                dumps(traits)  # stored by the trait effects: check while a reject is cheap
            key = key or content_key(rec)
        except TypeError as e:  # orjson: nested too deep, non-text keys, bytes, sets...
            rejects.append(
                make_reject(
                    line,
                    f"cannot store the properties or traits as JSON: {e}",
                    f"{kind} {event!r} of user {user!r} at {ts}",
                )
            )
            continue
        if type(account) is str:
            account = intern(account)
        if type(user) is str:
            user = intern(user)
        if type(event) is str:
            event = intern(event)
        rows.append((key, kind, account, user, event, ts, body, run_id, line))
        days.append(intern(ts[:10]))
        recs.append(rec if traits is not None or event in keep_events else None)
    return rows, days, recs, rejects, len(batch)


class Batcher:
    """Streams one file's records into the open write transaction on ``conn``."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        config: Config,
        source: str,
        run_id: int,
        summary: FileSummary,
        *,
        strict: bool,
    ):
        self.conn = conn
        self.config = config
        self.source = source
        self.run_id = run_id
        self.summary = summary
        self.strict = strict
        conn.execute(f"pragma cache_size = -{INGEST_CACHE_KIB}")
        self.rules = RollupRules(config)
        self.deltas = RollupDeltas(self.rules)
        self.effects = TraitEffects(conn, config)
        # user -> account of their latest membership; latest last_seen wins.
        self.user_account: dict[str, str] = dict(
            conn.execute("select user_id, account_id from memberships order by last_seen")
        )
        self.changed_users: set[str] = set()  # users whose membership is new in this file
        self.users_seen: dict[str, list[str]] = {}
        self.accounts_seen: dict[str, list[str]] = {}
        self.members_seen: dict[tuple[str, str], list[str]] = {}
        # (account, day, user) triples known to be in user_days, in two generations (older,
        # newer) of at most RECENT_USER_DAYS each.
        self.recent_user_days: tuple[set, set] = (set(), set())
        # New triples wait here so that the database is asked once for many batches.
        self.pending_user_days: set[tuple[str, str, str]] = set()
        self.known_rejects = set(
            conn.execute("select line, reason from rejects where source = ?", (source,))
        )
        self.last_id: int = conn.execute("select coalesce(max(id), 0) from events").fetchone()[0]
        # The first load into an empty events table defers its indexes (bulk_indexes.py).
        self.deferred_indexes: Deferred = defer_events_indexes(conn, self.last_id)
        self.deferred_rollup_indexes: Deferred = []
        if self.deferred_indexes and rollups_empty(conn):
            self.deferred_rollup_indexes = defer_rollup_indexes(conn)
            # The table is new and the deltas come roughly in day order: sorting them first
            # cost more than it saved (measured on a million events).
            self.deltas.in_key_order = False
        # While indexes are deferred, a duplicate is found only at the end: remember the keys
        # of the few records with side effects so those never apply twice.
        self.effect_keys: set[str] = set()
        # The records the trait effects need whole; of the others only the row is kept.
        self.keep_events: frozenset[str] = frozenset(self.effects.watched_events)

    def run(self, items: Iterable[Record | Reject], report: Callable[[], None] | None) -> None:
        # Records hold no reference cycles, but the millions of short-lived tuples and dicts
        # make the cyclic collector walk every long-lived object again and again.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self._run(items, report)
        finally:
            if gc_was_on:
                gc.enable()

    def _run(self, items: Iterable[Record | Reject], report: Callable[[], None] | None) -> None:
        items = iter(items)
        keep = self.keep_events
        while batch := list(islice(items, BATCH_SIZE)):
            prepared = prepare_batch(batch, self.run_id, keep)
            batch.clear()  # free the records before reading more: their memory is reused hot
            self._batch(*prepared)
            if report:
                report()
        self._finish()

    def run_prepared(
        self,
        batches: Iterable[tuple[PreparedBatch, int | None]],
        report: Callable[[int | None], None] | None,
    ) -> None:
        """Like :meth:`run`, over batches another process already read and prepared."""
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            for prepared, position in batches:
                self._batch(*prepared)
                if report:
                    report(position)
            self._finish()
        finally:
            if gc_was_on:
                gc.enable()

    def _batch(
        self,
        rows: list[tuple],
        days: list[str],
        recs: list[Record | None],
        rejects: list[Reject],
        read: int,
    ) -> None:
        conn = self.conn
        self.summary.read += read
        if rejects:
            self._rejects(rejects)
        if not rows:
            return
        # The account each row named; a row naming none gets its user's latest membership.
        named = [row[2] for row in rows]
        user_account = self.user_account
        changed = self.changed_users
        if None in named:
            resolved = []
            for row in rows:
                user, account = row[3], row[2]
                if user is not None:
                    if account is None:
                        account = user_account.get(user)
                        if account is not None:
                            row = (*row[:2], account, *row[3:])
                    elif user_account.get(user) != account:
                        user_account[user] = account
                        changed.add(user)
                resolved.append(row)
            rows = resolved
        else:
            # Every row names its account: a user's membership changes in this batch when any
            # of its accounts differs from the one before the batch, and the last one stays.
            users = [row[3] for row in rows]
            for user, account in set(zip(users, named, strict=True)):
                if user is not None and user_account.get(user) != account:
                    changed.add(user)
            if None in users:
                user_account.update((u, a) for u, a in zip(users, named, strict=True) if u)
            else:
                user_account.update(zip(users, named, strict=True))
        inserted = conn.executemany(INSERT_EVENT, rows).rowcount
        self.summary.inserted += inserted
        self.summary.duplicates += len(rows) - inserted
        if inserted == 0:
            return
        if inserted != len(rows):
            # Some were duplicates: find which rows this batch added (rowids only grow while we
            # hold the write lock) and keep the first record of each inserted key.
            new_keys = {
                k
                for (k,) in conn.execute(
                    "select dedupe_key from events where id > ?", (self.last_id,)
                )
            }
            kept_rows, kept_days, kept_recs, kept_named = [], [], [], []
            for row, day, rec, account in zip(rows, days, recs, named, strict=True):
                if row[0] in new_keys:
                    new_keys.discard(row[0])
                    kept_rows.append(row)
                    kept_days.append(day)
                    kept_recs.append(rec)
                    kept_named.append(account)
            rows, days, recs, named = kept_rows, kept_days, kept_recs, kept_named
        self.last_id += inserted
        self._derive(rows, days, recs, named)

    def _derive(
        self, rows: list[tuple], days: list[str], recs: list[Record | None], named: list
    ) -> None:
        """Everything that follows from newly inserted rows.

        Works column by column (``zip``, ``dict``, ``Counter`` and ``set`` run in C), since
        this runs for every event; only page views, storage events and records with side
        effects are looked at one by one. ``recs`` holds the records with side effects (traits
        or a watched event), ``None`` for the others; ``named`` the account each row named;
        ``days`` each row's day.
        """
        _, kinds, accounts, users, events, tss = islice(zip(*rows, strict=True), 6)
        ordered = list(tss) == sorted(tss)
        pairs = list(zip(users, named, strict=True))
        if None in users or None in named:
            _merge_seen(self.users_seen, users, tss, ordered)
            _merge_seen(self.accounts_seen, accounts, tss, ordered)
            _merge_seen(self.members_seen, pairs, tss, ordered)
        else:
            # Every row names its user and its account (then the stored account is the named
            # one): the spans of the few distinct pairs give the users' and accounts' too.
            firsts, lasts = _spans(pairs, tss, ordered)
            users_seen, accounts_seen = self.users_seen, self.accounts_seen
            for pair, last in lasts.items():
                first = firsts[pair]
                _widen(self.members_seen, pair, first, last)
                _widen(users_seen, pair[0], first, last)
                _widen(accounts_seen, pair[1], first, last)

        deltas = self.deltas
        storage_events = self.rules.storage_events
        if kinds.count("track") == len(kinds) and None not in accounts:
            # The common batch: track calls with an account. Count them all at once, then
            # add the storage amounts of the few storage events.
            usage = deltas.usage
            for key, n in Counter(zip(accounts, days, kinds, events, strict=True)).items():
                usage[key] = usage.get(key, 0) + n
            if not storage_events.isdisjoint(events):
                for i, event in enumerate(events):
                    if event in storage_events:
                        deltas.add_storage(accounts[i], days[i], rows[i][6])
            user_days = set(zip(accounts, days, users, strict=True))
            if None in users:
                user_days = {t for t in user_days if t[2] is not None}
        else:
            user_days = set()
            for i, kind in enumerate(kinds):
                account = accounts[i]
                if account is not None and kind in USAGE_KINDS:
                    deltas.add(account, days[i], kind, events[i], rows[i][6])
                    if users[i] is not None:
                        user_days.add((account, days[i], users[i]))

        effects = self.effects
        if recs.count(None) != len(recs):
            watched = effects.watched_events
            for i, rec in enumerate(recs):
                if rec is None or (rec[7] is None and events[i] not in watched):
                    continue
                if self.deferred_indexes:
                    if rows[i][0] in self.effect_keys:
                        continue
                    self.effect_keys.add(rows[i][0])
                effects.add(rec, accounts[i])
        # A user active on a day is usually active in the next batches too: skip the triples
        # recorded lately before asking the database (a known one makes add_user_days go row
        # by row).
        older, newer = self.recent_user_days
        new = user_days - newer - older
        newer |= new
        if len(newer) > RECENT_USER_DAYS:
            self.recent_user_days = (newer, set())
        self.pending_user_days |= new
        if len(self.pending_user_days) >= RECENT_USER_DAYS:
            self._flush_user_days()
        effects.apply()
        if len(deltas) > DELTAS_LIMIT:  # keep memory flat on huge files
            deltas.write(self.conn)

    def _rejects(self, rejects: list[Reject]) -> None:
        if self.strict:
            r = rejects[0]
            raise StrictReject(
                f"{self.source}:{r.line}: {r.reason} (--strict: nothing from this file was "
                "kept; fix the line or drop --strict to ingest the rest and list rejects with "
                "`pqa rejects`)"
            )
        self.summary.rejected += len(rejects)
        at = now_ts()
        new = [r for r in rejects if (r.line, r.reason) not in self.known_rejects]
        self.conn.executemany(
            "insert into rejects(source, line, reason, raw, at) values (?, ?, ?, ?, ?)",
            [(self.source, r.line, r.reason, r.raw, at) for r in new],
        )

    def _flush_user_days(self) -> None:
        add_user_days(self.conn, sorted(self.pending_user_days), self.deltas)
        self.pending_user_days.clear()

    def _finish(self) -> None:
        conn = self.conn
        self._flush_user_days()
        if self.deferred_indexes:
            build_events_indexes(conn, self.deferred_indexes, self.deltas, self.summary)
        self.deltas.write(conn)
        conn.executemany(
            "insert into users(user_id, first_seen, last_seen) values (?, ?, ?) "
            "on conflict(user_id) do update set "
            "first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen), "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)",
            ((u, a, b) for u, (a, b) in self.users_seen.items()),
        )
        conn.executemany(
            "insert into accounts(account_id, first_seen, last_seen) values (?, ?, ?) "
            "on conflict(account_id) do update set "
            "first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen), "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)",
            ((u, a, b) for u, (a, b) in self.accounts_seen.items()),
        )
        conn.executemany(
            "insert into memberships(user_id, account_id, first_seen, last_seen) "
            "values (?, ?, ?, ?) on conflict(user_id, account_id) do update set "
            "first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen), "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen)",
            ((u, acc, a, b) for (u, acc), (a, b) in self.members_seen.items()),
        )
        self._backfill()
        build_rollup_indexes(conn, self.deferred_rollup_indexes)

    def _backfill(self) -> None:
        """Attribute earlier unattributed events of users whose membership arrived now."""
        conn = self.conn
        if not self.changed_users:
            return
        waiting = {
            u
            for (u,) in conn.execute(
                "select distinct user_id from events where account_id is null "
                "and user_id is not null"
            )
        }
        deltas = RollupDeltas(self.rules)
        for user in sorted(waiting & self.changed_users):
            account = self.user_account[user]
            user_days = set()
            for kind, day, event, props in conn.execute(
                "select kind, substr(ts, 1, 10), event, properties from events "
                "where user_id = ? and account_id is null",
                (user,),
            ).fetchall():
                if kind in USAGE_KINDS:
                    deltas.add(account, day, kind, event, props)
                    user_days.add((account, day, user))
            conn.execute(
                "update events set account_id = ? where user_id = ? and account_id is null",
                (account, user),
            )
            conn.execute(
                "update trait_changes set account_id = ? where entity = 'user' and "
                "entity_id = ? and account_id is null",
                (account, user),
            )
            add_user_days(conn, sorted(user_days), deltas)
        deltas.write(conn)
