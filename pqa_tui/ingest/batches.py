"""The batch loop: one file's records into the database, a batch at a time, a chunk a commit.

A batch is checked and serialised without the database (:func:`prepare_batch`, which the
read-ahead process may run), then inserted with ``INSERT OR IGNORE`` on the dedupe index; only
the rows actually inserted feed the rollups, first/last seen, memberships and trait effects.
This is the hot path of an ingest: it works column by column and keeps its state in dicts.

Chunks: after about ``chunk_seconds`` of batches the rollups, user-days and first/last seen
gathered so far are written, the run's counts grow by the chunk's, and the transaction commits;
the lock is left free for ``LOCK_GAP_SECONDS`` (while the next batches are read and prepared)
so that a teammate's write gets its turn, then taken back. Every commit is a consistent state:
the rollups equal a recomputation from the events, and the run says where to resume.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from sys import intern
from typing import Any

import orjson

from ..config import Config
from ..store import begin, default_wait
from ..timestamps import now_ts
from .bulk_indexes import (
    INGEST_CACHE_KIB,
    Deferred,
    build_events_indexes,
    build_rollup_indexes,
    defer_events_indexes,
    defer_rollup_indexes,
    finish_deferred_runs,
    record_deferred,
    rollups_empty,
)
from .effects import TraitEffects
from .errors import StrictReject
from .formats import USAGE_KINDS, Record, Reject, make_reject
from .rollups import RollupDeltas, RollupRules, add_user_days
from .runs import COUNTS, FileSummary, add_counts

# Small enough that a batch's records stay in the CPU caches and their memory is reused by the
# next batch (2,000 was 10% faster than 10,000 on a million events).
BATCH_SIZE = 2_000
# How many (account, day, user) triples one generation of the recent user-day memory holds.
RECENT_USER_DAYS = 20_000
# Rollup deltas are written when they reach this many keys (and at the end of each file).
DELTAS_LIMIT = 100_000

# A chunk's batches run this long before the chunk commits: with the writes of the commit
# itself the lock is held about a second at most (docs/ingest.md, Chunks and resuming).
# PQA_INGEST_CHUNK_SECONDS overrides it (0: commit after every batch, as the tests do).
CHUNK_SECONDS = 0.5
# After a commit the lock stays free this long: SQLite's busy handler of a waiting writer
# tries again every 100 ms at most, so each gap lets one in. The next batches are read and
# prepared meanwhile, so the gap costs little.
LOCK_GAP_SECONDS = 0.12
# At most this many batches are read ahead during a gap.
GAP_BATCHES = 32


def chunk_seconds() -> float:
    """How long a chunk's batches run (``PQA_INGEST_CHUNK_SECONDS`` or ``CHUNK_SECONDS``)."""
    value = os.environ.get("PQA_INGEST_CHUNK_SECONDS", "")
    try:
        return max(0.0, float(value)) if value else CHUNK_SECONDS
    except ValueError:
        return CHUNK_SECONDS


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


# (prepared batch, position in the file after it) as the batch loop takes them.
Positioned = tuple[PreparedBatch, int | None]


def prepared_batches(
    items: Iterable[Record | Reject],
    run_id: int,
    keep_events: frozenset[str],
    position: Callable[[], int | None] = lambda: None,
) -> Iterator[Positioned]:
    """Batches read and prepared in this process (the read-ahead child does the same)."""
    items = iter(items)
    while batch := list(islice(items, BATCH_SIZE)):
        prepared = prepare_batch(batch, run_id, keep_events)
        batch.clear()  # free the records before reading more: their memory is reused hot
        yield prepared, position()


class Batcher:
    """Streams one file's records into the write transaction open on ``conn``.

    With ``chunked`` it commits every :func:`chunk_seconds` and takes the lock back (see the
    module's docstring); ``digest`` then gives the file's sha256 once known (without waiting),
    recorded with a chunk so that a killed run can be found and resumed.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        config: Config,
        source: str,
        run_id: int,
        summary: FileSummary,
        *,
        strict: bool,
        chunked: bool = False,
        digest: Callable[[bool], str | None] | None = None,
    ):
        self.conn = conn
        self.config = config
        self.source = source
        self.run_id = run_id
        self.summary = summary
        self.strict = strict
        self.chunk_seconds = chunk_seconds() if chunked else None
        self.digest = digest
        # The counts already in the run's row (a resumed run's summary starts from them).
        self.committed = {name: getattr(summary, name) for name in COUNTS}
        conn.execute(f"pragma cache_size = -{INGEST_CACHE_KIB}")
        self.rules = RollupRules(config)
        self.deltas = RollupDeltas(self.rules)
        self.effects = TraitEffects(conn, config)
        # A first load killed between its chunks left indexes to build (this run's too).
        finish_deferred_runs(conn, self.rules)
        # user -> account of their latest membership; latest last_seen wins.
        self.user_account: dict[str, str] = dict(
            conn.execute("select user_id, account_id from memberships order by last_seen")
        )
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
        if self.deferred_indexes:
            record_deferred(conn, run_id, self.deferred_indexes + self.deferred_rollup_indexes)
        # While indexes are deferred, a duplicate is found only at the end: remember the keys
        # of the few records with side effects so those never apply twice.
        self.effect_keys: set[str] = set()
        # The records the trait effects need whole; of the others only the row is kept.
        self.keep_events: frozenset[str] = frozenset(self.effects.watched_events)

    def run(
        self, batches: Iterable[Positioned], report: Callable[[int | None], None] | None
    ) -> None:
        """Insert the batches and everything they imply, committing a chunk at a time."""
        # Records hold no reference cycles, but the millions of short-lived tuples and dicts
        # make the cyclic collector walk every long-lived object again and again.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self._run(iter(batches), report)
        finally:
            if gc_was_on:
                gc.enable()

    def _run(
        self, batches: Iterator[Positioned], report: Callable[[int | None], None] | None
    ) -> None:
        waiting: deque[Positioned] = deque()  # read while the lock was free
        started = time.monotonic()
        while True:
            item = waiting.popleft() if waiting else next(batches, None)
            if item is None:
                break
            self._batch(*item[0])
            if report:
                report(item[1])
            if self.chunk_seconds is not None and time.monotonic() - started >= self.chunk_seconds:
                self._commit_chunk()
                self._read_unlocked(batches, waiting)
                begin(self.conn, default_wait())
                # Another writer may have added events meanwhile: new rows are above this.
                self.last_id = self.conn.execute(
                    "select coalesce(max(id), 0) from events"
                ).fetchone()[0]
                started = time.monotonic()
        self._finish()

    def _read_unlocked(self, batches: Iterator[Positioned], waiting: deque[Positioned]) -> None:
        """Leave the lock free for a while, reading and preparing the next batches meanwhile."""
        gap = min(LOCK_GAP_SECONDS, self.chunk_seconds or 0.0)
        until = time.monotonic() + gap
        while len(waiting) < GAP_BATCHES and time.monotonic() < until:
            item = next(batches, None)
            if item is None:
                break
            waiting.append(item)
        left = until - time.monotonic()
        if left > 0:
            time.sleep(left)

    def _commit_chunk(self) -> None:
        """Write what the chunk's batches gathered, add its counts to the run, and commit."""
        self._write_gathered()
        self._save_counts()
        self.conn.execute("commit")

    def _save_counts(self) -> None:
        summary = self.summary
        added = {name: getattr(summary, name) - self.committed[name] for name in COUNTS}
        add_counts(self.conn, self.run_id, added, self.digest(False) if self.digest else None)
        self.committed = {name: getattr(summary, name) for name in COUNTS}

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
        if None in named:
            resolved = []
            for row in rows:
                user, account = row[3], row[2]
                if user is not None:
                    if account is None:
                        account = user_account.get(user)
                        if account is not None:
                            row = (*row[:2], account, *row[3:])
                    else:
                        user_account[user] = account
                resolved.append(row)
            rows = resolved
        else:
            # Every row names its account: the last one of each user stays.
            users = [row[3] for row in rows]
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

    def _write_gathered(self) -> None:
        """Write the user-days, rollup deltas and first/last seen gathered since the last time."""
        self._flush_user_days()
        self.deltas.write(self.conn)
        self._write_seen()

    def _finish(self) -> None:
        conn = self.conn
        self._flush_user_days()
        self._write_seen()  # first: removing in-file duplicates may narrow what they widened
        if self.deferred_indexes:
            build_events_indexes(conn, self.deferred_indexes, self.deltas, self.summary)
        self.deltas.write(conn)
        self._backfill()
        build_rollup_indexes(conn, self.deferred_rollup_indexes)
        if self.deferred_indexes:
            record_deferred(conn, self.run_id, [])
        self._save_counts()

    def _write_seen(self) -> None:
        conn = self.conn
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
        self.users_seen.clear()
        self.accounts_seen.clear()
        self.members_seen.clear()

    def _backfill(self) -> None:
        """Attribute earlier unattributed events of users whose membership arrived now.

        Their users are those of unattributed events who have a membership now: one known
        before would have given those events its account as they went in. Asking the table
        rather than remembering keeps this right for a run resumed after a kill.
        """
        conn = self.conn
        waiting = {
            u
            for (u,) in conn.execute(
                "select distinct user_id from events where account_id is null "
                "and user_id is not null"
            )
        }
        deltas = RollupDeltas(self.rules)
        for user in sorted(waiting & self.user_account.keys()):
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
