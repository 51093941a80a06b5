"""The outbox: events waiting to reach each channel, written where the event is recorded.

An event (a PQA moment, a return from sunset/snooze, a stale claim) is queued here inside the
transaction that records it, one row per channel listening to that kind of event. ``pqa
notify`` marks a row sent only after the channel accepted it, so a crash or an outage loses
nothing and a second run repeats nothing (``unique (event_id, channel)``).

Scoring and triage call the ``enqueue_*`` functions with their open connection; nothing here
opens a transaction of its own except :func:`mark_sent`, :func:`mark_failed` and
:func:`mark_skipped`, which ``pqa notify`` calls between sends.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from .. import store
from ..config import ChannelConfig, Config
from ..timestamps import format_ts

NEW = "new"
BACK = "back"
STALE_CLAIM = "stale_claim"
DIGEST = "digest"

PENDING = "pending"
SENT = "sent"
SKIPPED = "skipped"


@dataclass(frozen=True)
class OutboxRow:
    """One event waiting for (or done with) one channel."""

    id: int
    event_id: str
    event: str
    account_id: str | None
    channel: str
    queued_at: str
    attempts: int


def listening(config: Config, event: str) -> list[ChannelConfig]:
    """The configured channels whose ``on`` list holds ``event``."""
    return [c for c in config.notify.channels if event in c.on]


def enqueue_event(
    conn: sqlite3.Connection,
    config: Config,
    event: str,
    event_id: str,
    account_id: str | None,
    at: str,
) -> int:
    """Queue one event for every channel listening to it; returns the rows added.

    Call inside the caller's write transaction. Queuing the same ``event_id`` twice adds
    nothing, so a retried transaction never doubles a message.
    """
    added = 0
    for channel in listening(config, event):
        cur = conn.execute(
            "insert or ignore into outbox(event_id, event, account_id, channel, queued_at) "
            "values (?, ?, ?, ?, ?)",
            [event_id, event, account_id, channel.name, at],
        )
        added += cur.rowcount
    return added


def enqueue_moment(
    conn: sqlite3.Connection, config: Config, moment_id: int, account_id: str, at: str
) -> int:
    """Queue a new PQA moment (the ``pqa_moments`` row just inserted)."""
    return enqueue_event(conn, config, NEW, f"{NEW}:{moment_id}", account_id, at)


def _last_activity(conn: sqlite3.Connection, account_id: str) -> int:
    (activity_id,) = conn.execute(
        "select max(id) from activity where account_id = ?", [account_id]
    ).fetchone()
    return int(activity_id or 0)


def enqueue_back(conn: sqlite3.Connection, config: Config, account_id: str, at: str) -> int:
    """Queue a return from sunset or snooze, right after its activity row was logged."""
    event_id = f"{BACK}:{_last_activity(conn, account_id)}"
    return enqueue_event(conn, config, BACK, event_id, account_id, at)


def enqueue_stale_claim(conn: sqlite3.Connection, config: Config, account_id: str, at: str) -> int:
    """Queue a stale claim, right after the activity row that records it was logged."""
    event_id = f"{STALE_CLAIM}:{_last_activity(conn, account_id)}"
    return enqueue_event(conn, config, STALE_CLAIM, event_id, account_id, at)


def stale_claim_owner(conn: sqlite3.Connection, event_id: str) -> str | None:
    """Who held the claim a ``stale_claim`` event is about (from its activity row)."""
    activity_id = event_id.partition(":")[2]
    row = conn.execute(
        "select json_extract(detail, '$.owner') from activity where id = ?", [activity_id]
    ).fetchone()
    return row[0] if row else None


def enqueue_digest(
    db: sqlite_utils.Database, channel: ChannelConfig, day: str, now: datetime
) -> None:
    """Queue the day's digest for one channel (once per UTC day: the event id is the day)."""
    with store.write(db) as conn:
        conn.execute(
            "insert or ignore into outbox(event_id, event, account_id, channel, queued_at) "
            "values (?, ?, null, ?, ?)",
            [f"{DIGEST}:{day}", DIGEST, channel.name, format_ts(now)],
        )


def pending(db: sqlite_utils.Database, channel: str) -> list[OutboxRow]:
    """The channel's pending rows, oldest first."""
    rows = db.conn.execute(
        "select id, event_id, event, account_id, channel, queued_at, attempts from outbox "
        "where status = ? and channel = ? order by id",
        [PENDING, channel],
    )
    return [OutboxRow(*r) for r in rows]


def count_pending(db: sqlite_utils.Database, channels: list[str]) -> int:
    """Rows still waiting for any of ``channels`` (rows of removed channels are not counted)."""
    if not channels:
        return 0
    marks = ", ".join("?" for _ in channels)
    (n,) = db.conn.execute(
        f"select count(*) from outbox where status = ? and channel in ({marks})",
        [PENDING, *channels],
    ).fetchone()
    return int(n)


def announced_since(db: sqlite_utils.Database, channel: str, since: datetime) -> int:
    """New accounts this channel was told about since ``since`` (for the daily capacity)."""
    (n,) = db.conn.execute(
        "select count(distinct account_id) from outbox where channel = ? and event = ? "
        "and status = ? and done_at >= ?",
        [channel, NEW, SENT, format_ts(since)],
    ).fetchone()
    return int(n)


def mark_sent(db: sqlite_utils.Database, ids: list[int], now: datetime) -> None:
    """The channel accepted these rows: they are never sent again."""
    with store.write(db) as conn:
        conn.executemany(
            "update outbox set status = ?, done_at = ?, attempts = attempts + 1, "
            "last_error = null where id = ? and status = ?",
            [(SENT, format_ts(now), i, PENDING) for i in ids],
        )


def mark_failed(db: sqlite_utils.Database, ids: list[int], error: str) -> None:
    """The channel refused or could not be reached: the rows stay pending for the next run."""
    with store.write(db) as conn:
        conn.executemany(
            "update outbox set attempts = attempts + 1, last_error = ? where id = ?",
            [(error, i) for i in ids],
        )


def mark_skipped(db: sqlite_utils.Database, row_id: int, why: str, now: datetime) -> None:
    """The event no longer applies to this channel (claimed since, owned by someone else)."""
    detail: dict[str, Any] = {"why": why}
    with store.write(db) as conn:
        conn.execute(
            "update outbox set status = ?, done_at = ?, detail = ? where id = ? and status = ?",
            [SKIPPED, format_ts(now), json.dumps(detail), row_id, PENDING],
        )
