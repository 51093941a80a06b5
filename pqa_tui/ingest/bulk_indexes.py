"""The first load's bulk index builds: indexes dropped while an empty table fills, built once.

The first load into an empty events table builds its indexes once at the end (sorted, as the
floor does) instead of updating them row by row: several times faster on a big export.
Duplicates within the file are then removed before the unique index is built. Likewise the
rollups' secondary indexes, when the rollups are empty too.

The first load commits in chunks like any ingest, so the dropped indexes are named in its
run's ``deferred_indexes`` until they are built: if it is killed, the next ingest builds them
before anything else (:func:`finish_deferred_runs`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from .formats import USAGE_KINDS
from .rollups import RollupDeltas, RollupRules
from .runs import FileSummary, add_counts

# While an ingest holds the write lock it may use this much page cache (KiB, negative = size):
# the dedupe and account indexes are updated in random order and must stay in memory.
INGEST_CACHE_KIB = 64 * 1024
# ...but a deferred index is built with SQLite's default 2 MB: the sorter sorts runs of the
# cache's size, and many small runs merged beat a few big ones (0.3-0.6 s less for the two
# events indexes of a million rows, docs/ingest.md).
INDEX_BUILD_CACHE_KIB = 2 * 1024

# (name, create SQL) of each index dropped until the end of the file.
Deferred = list[tuple[str, str]]


@contextmanager
def cache_size(conn: sqlite3.Connection, kib: int) -> Iterator[None]:
    """Use a page cache of ``kib`` KiB inside the block, then the ingest's own again."""
    conn.execute(f"pragma cache_size = -{kib}")
    try:
        yield
    finally:
        conn.execute(f"pragma cache_size = -{INGEST_CACHE_KIB}")


def defer_events_indexes(conn: sqlite3.Connection, last_id: int) -> Deferred:
    """Drop the events indexes when the table is empty (``last_id`` 0): they are built later."""
    if last_id != 0 or conn.execute("select 1 from events limit 1").fetchone() is not None:
        return []
    # Partial indexes stay: they hold only unattributed rows, cost nothing per
    # attributed row, and building one afterwards would scan the whole table.
    deferred = [
        (name, sql)
        for name, sql in conn.execute(
            "select name, sql from sqlite_master where type = 'index' and "
            "tbl_name = 'events' and sql is not null"
        )
        if " where " not in sql.lower()
    ]
    for name, _ in deferred:
        conn.execute(f'drop index "{name}"')
    return deferred


def record_deferred(conn: sqlite3.Connection, run_id: int, deferred: Deferred) -> None:
    """Name the indexes ``run_id`` dropped and has not built yet (none: ``[]``)."""
    conn.execute(
        "update ingest_runs set deferred_indexes = ? where id = ?",
        (orjson.dumps(deferred).decode() if deferred else None, run_id),
    )


def missing(conn: sqlite3.Connection, deferred: Deferred) -> Deferred:
    """The indexes of ``deferred`` not in the schema (another ingest may have built them)."""
    present = {n for (n,) in conn.execute("select name from sqlite_master where type = 'index'")}
    return [(name, sql) for name, sql in deferred if name not in present]


def finish_deferred_runs(conn: sqlite3.Connection, rules: RollupRules) -> None:
    """Build the indexes that first loads killed between chunks left dropped.

    Duplicates that went in meanwhile are taken out of the events, the rollups and their
    runs' counts first, as at the end of an uninterrupted first load.
    """
    for run_id, text in conn.execute(
        "select id, deferred_indexes from ingest_runs where deferred_indexes is not null"
    ).fetchall():
        deferred = [(name, sql) for name, sql in orjson.loads(text)]
        deltas = RollupDeltas(rules)
        summary = FileSummary(source="", format="")
        events = [(n, sql) for n, sql in deferred if " on events" in sql.lower()]
        build_events_indexes(conn, events, deltas, summary)
        deltas.write(conn)
        build_rollup_indexes(conn, [d for d in deferred if d not in events])
        record_deferred(conn, run_id, [])
        if summary.duplicates:
            add_counts(
                conn, run_id, {"inserted": summary.inserted, "duplicates": summary.duplicates}
            )


def rollups_empty(conn: sqlite3.Connection) -> bool:
    """Whether the rollups hold nothing yet (their indexes may then wait too)."""
    return conn.execute("select 1 from rollups limit 1").fetchone() is None


def defer_rollup_indexes(conn: sqlite3.Connection) -> Deferred:
    """Drop the rollups' secondary indexes: they are built at the end of the file."""
    deferred = conn.execute(
        "select name, sql from sqlite_master where type = 'index' and "
        "tbl_name = 'rollups' and sql is not null"
    ).fetchall()
    for name, _ in deferred:
        conn.execute(f'drop index "{name}"')
    return deferred


def build_rollup_indexes(conn: sqlite3.Connection, deferred: Deferred) -> None:
    """Build the deferred rollups indexes (with the small cache that sorts fastest)."""
    with cache_size(conn, INDEX_BUILD_CACHE_KIB):
        for _, sql in missing(conn, deferred):
            conn.execute(sql)


def build_events_indexes(
    conn: sqlite3.Connection, deferred: Deferred, deltas: RollupDeltas, summary: FileSummary
) -> None:
    """Build the deferred events indexes; drop in-file duplicates first if there are any."""
    deferred = missing(conn, deferred)
    if not deferred:
        return
    conn.execute("savepoint events_indexes")
    with cache_size(conn, INDEX_BUILD_CACHE_KIB):
        try:
            for _, sql in deferred:
                conn.execute(sql)
        except sqlite3.IntegrityError:
            conn.execute("rollback to events_indexes")
            drop_duplicates(conn, deltas, summary)
            for _, sql in deferred:
                conn.execute(sql)
    conn.execute("release events_indexes")


def drop_duplicates(conn: sqlite3.Connection, deltas: RollupDeltas, summary: FileSummary) -> None:
    """Keep the first row of each dedupe key and take the others out of the rollups."""
    conn.execute("create index events_dedupe_check on events(dedupe_key)")
    extra = conn.execute(
        "select e.id, e.kind, e.account_id, e.user_id, e.ts, e.event, "
        "e.properties, f.account_id, f.user_id, f.ts from events e join "
        "(select dedupe_key, min(id) as "
        "first from events group by dedupe_key having count(*) > 1) d "
        "on e.dedupe_key = d.dedupe_key and e.id > d.first join events f on f.id = d.first"
    ).fetchall()
    conn.execute("drop index events_dedupe_check")
    unsupported = set()
    differing = []  # (user, account) of copies that said another user, account or time
    for _, kind, account, user, ts, event, props, f_account, f_user, f_ts in extra:
        day = ts[:10]
        if kind in USAGE_KINDS and account is not None:
            deltas.add(account, day, kind, event, props, n=-1)
            if user is not None and (account, user, day) != (f_account, f_user, f_ts[:10]):
                unsupported.add((account, day, user))
        if (account, user, ts) != (f_account, f_user, f_ts):
            differing.append((user, account))
    conn.executemany("delete from events where id = ?", [(row[0],) for row in extra])
    # A duplicate that said something else than its first copy may have been the only
    # event behind a user's active day.
    for account, day, user in unsupported:
        still = conn.execute(
            "select 1 from events where account_id = ? and ts >= ? and ts < ? and "
            "user_id = ? and kind in ('track', 'page', 'screen') limit 1",
            (account, day + "T", day + "U", user),  # stored times are dayTtime
        ).fetchone()
        if still is None:
            conn.execute(
                "delete from user_days where account_id = ? and day = ? and user_id = ?",
                (account, day, user),
            )
            deltas.add_active(account, day, -1)
    if differing:
        reseen(conn, differing)
    summary.inserted -= len(extra)
    summary.duplicates += len(extra)


def reseen(conn: sqlite3.Connection, entities: list[tuple[str | None, str | None]]) -> None:
    """First and last seen of these users, accounts and memberships again, from the events.

    A removed duplicate that said another time (or user, or account) than its first copy had
    widened them when it went in.
    """
    users = orjson.dumps(sorted({u for u, _ in entities if u is not None})).decode()
    accounts = orjson.dumps(sorted({a for _, a in entities if a is not None})).decode()
    # One grouped pass over the events for each table (an update per row would scan per row).
    for table, keys, params in (
        ("users", "user_id", users),
        ("accounts", "account_id", accounts),
        ("memberships", "user_id, account_id", users),
    ):
        match = " and ".join(f"{table}.{k} = s.{k}" for k in keys.split(", "))
        conn.execute(
            f"with s as (select {keys}, min(ts) as a, max(ts) as b from events where "
            f"{keys.split(', ')[0]} in (select value from json_each(?)) "
            f"and {keys.split(', ')[-1]} is not null group by {keys}) "
            f"update {table} set first_seen = s.a, last_seen = s.b from s where {match}",
            (params,),
        )
