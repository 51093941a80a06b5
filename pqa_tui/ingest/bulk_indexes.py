"""The first load's bulk index builds: indexes dropped while an empty table fills, built once.

The first load into an empty events table builds its indexes once at the end (sorted, as the
floor does) instead of updating them row by row: several times faster on a big export.
Duplicates within the file are then removed before the unique index is built. Likewise the
rollups' secondary indexes, when the rollups are empty too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .formats import USAGE_KINDS
from .rollups import RollupDeltas
from .runs import FileSummary

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
        for _, sql in deferred:
            conn.execute(sql)


def build_events_indexes(
    conn: sqlite3.Connection, deferred: Deferred, deltas: RollupDeltas, summary: FileSummary
) -> None:
    """Build the deferred events indexes; drop in-file duplicates first if there are any."""
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
        "select e.id, e.kind, e.account_id, e.user_id, substr(e.ts, 1, 10), e.event, "
        "e.properties, f.account_id, f.user_id, substr(f.ts, 1, 10) from events e join "
        "(select dedupe_key, min(id) as "
        "first from events group by dedupe_key having count(*) > 1) d "
        "on e.dedupe_key = d.dedupe_key and e.id > d.first join events f on f.id = d.first"
    ).fetchall()
    conn.execute("drop index events_dedupe_check")
    unsupported = set()
    for _, kind, account, user, day, event, props, f_account, f_user, f_day in extra:
        if kind in USAGE_KINDS and account is not None:
            deltas.add(account, day, kind, event, props, n=-1)
            if user is not None and (account, user, day) != (f_account, f_user, f_day):
                unsupported.add((account, day, user))
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
    summary.inserted -= len(extra)
    summary.duplicates += len(extra)
