"""``pqa notify``: send every pending outbox row that is due, once, and say what happened.

For each channel, in the order of its outbox: a row whose event no longer applies is skipped
for good (the account was claimed or fell out before anyone was told; it is owned by someone
other than the channel's ``owner``); a new account beyond what the queue would show today is
held for a later run; the rest is sent, one message per event or one digest message per run.
A row is marked sent right after its channel accepted it, so a run killed mid-way can repeat
only the message it was sending. A channel that fails keeps the rest of its rows for the next
run and the others carry on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from typing import Any

import sqlite_utils

from ..config import ChannelConfig, Config
from ..triage import Capacity, capacity, current_time, live_triage_sql
from . import outbox
from .channels import NotifyError, send
from .messages import AccountNews, Message, account_news

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
HELD = "held"
DRY_RUN = "dry_run"


@dataclass(frozen=True)
class Live:
    """An account as the queue sees it now."""

    state: str
    owner: str | None
    qualified: bool
    new_rank: int | None


@dataclass
class Delivery:
    """One outbox row's fate in this run: a line of ``pqa notify``."""

    channel: str
    account: str | None
    event: str
    event_id: str
    status: str  # sent | failed | skipped | held | dry_run
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "account": self.account,
            "event": self.event,
            "status": self.status,
            "error": self.error,
        }


@dataclass
class NotifyRun:
    """What :func:`notify` did (``pqa notify --json`` prints :meth:`to_json`)."""

    sent: int = 0
    failed: int = 0
    pending: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)  # every message composed

    def to_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "pending": self.pending,
            "messages": [d.to_json() for d in self.deliveries],
        }


@dataclass
class _Due:
    row: outbox.OutboxRow
    news: list[AccountNews]


def notify(
    db: sqlite_utils.Database,
    config: Config,
    notifiers: Mapping[str, Any],
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> NotifyRun:
    """Send everything due on every configured channel; with ``dry_run``, write nothing."""
    now = current_time(now)
    day = now.date().isoformat()
    day_start = datetime.combine(now.date(), time(), tzinfo=UTC)
    live = _live(db, config, now)
    cap = capacity(db, config, now=now)
    run = NotifyRun()
    for channel in config.notify.channels:
        if outbox.DIGEST in channel.on and not dry_run:
            outbox.enqueue_digest(db, channel, day, now)
        rows = outbox.pending(db, channel.name)
        if outbox.DIGEST in channel.on and dry_run:
            rows += _unqueued_digest(db, channel, day, now)
        announced = outbox.announced_since(db, channel.name, day_start)
        due: list[_Due] = []
        for row in rows:
            seen = _as_seen(db, row, live)
            why, hold = _judge(row, channel, seen, cap, announced)
            if why is None:
                if row.event == outbox.NEW:
                    announced += 1
                due.append(_Due(row, _news(db, config, row, channel, seen, cap)))
                continue
            status = HELD if hold else SKIPPED
            run.deliveries.append(_delivery(row, status))
            if not hold and not dry_run:
                outbox.mark_skipped(db, row.id, why, now)
        for message, batch in _compose(channel, due):
            run.messages.append(message)
            if dry_run:
                run.deliveries += [_delivery(d.row, DRY_RUN) for d in batch]
                continue
            ids = [d.row.id for d in batch]
            try:
                send(channel, message, notifiers)
            except NotifyError as e:
                outbox.mark_failed(db, ids, str(e))
                run.deliveries += [_delivery(d.row, FAILED, str(e)) for d in batch]
                run.failed += len(batch)
                break  # the channel is down or refusing: the rest waits for the next run
            outbox.mark_sent(db, ids, now)
            run.deliveries += [_delivery(d.row, SENT) for d in batch]
            run.sent += len(batch)
    run.pending = outbox.count_pending(db, [c.name for c in config.notify.channels])
    return run


def _delivery(row: outbox.OutboxRow, status: str, error: str | None = None) -> Delivery:
    return Delivery(row.channel, row.account_id, row.event, row.event_id, status, error)


def _live(db: sqlite_utils.Database, config: Config, now: datetime) -> dict[str, Live]:
    """The live queue state of every account an outbox row or today's queue may name."""
    sql, params = live_triage_sql(config, now=now)
    rows = db.conn.execute(
        f"""with live_triage as ({sql})
            select account_id, state, owner, qualified, new_rank from live_triage
            where new_rank is not null or account_id in (
                select account_id from outbox where status = 'pending')""",
        params,
    )
    return {r[0]: Live(r[1], r[2], bool(r[3]), r[4]) for r in rows}


def _as_seen(
    db: sqlite_utils.Database, row: outbox.OutboxRow, live: dict[str, Live]
) -> dict[str, Live]:
    """The live states a row is judged on: a stale claim is news for the owner who lost it."""
    if row.event != outbox.STALE_CLAIM or row.account_id not in live:
        return live
    former = outbox.stale_claim_owner(db.conn, row.event_id)
    return {**live, row.account_id: replace(live[row.account_id], owner=former)}


def _judge(
    row: outbox.OutboxRow,
    channel: ChannelConfig,
    live: dict[str, Live],
    cap: Capacity,
    announced: int,
) -> tuple[str | None, bool]:
    """(why not now, held) for one row: (None, False) when it is due."""
    if row.event == outbox.DIGEST or row.account_id is None:
        return None, False
    account = live.get(row.account_id)
    if account is None:
        return "no longer scored", False
    if channel.owner and account.owner != channel.owner:
        return f"owned by {account.owner or 'nobody'}, not {channel.owner}", False
    if row.event == outbox.NEW:
        if account.state != "new" or not account.qualified:
            return f"no longer new ({account.state})", False
        # Never announce more new accounts a day than the queue shows: today's capacity.
        if account.new_rank is None or account.new_rank > cap.remaining:
            return "beyond today's capacity", True
        if announced >= cap.total:
            return "today's capacity already announced", True
    return None, False


def _news(
    db: sqlite_utils.Database,
    config: Config,
    row: outbox.OutboxRow,
    channel: ChannelConfig,
    live: dict[str, Live],
    cap: Capacity,
) -> list[AccountNews]:
    if row.event != outbox.DIGEST:
        assert row.account_id is not None
        owner = live[row.account_id].owner
        return [account_news(db, config, row.event, row.event_id, row.account_id, owner)]
    # The day's digest: the new accounts the queue shows today, best first.
    shown = sorted(
        (a.new_rank, account_id, a.owner)
        for account_id, a in live.items()
        if a.new_rank is not None
        and a.new_rank <= cap.remaining
        and (not channel.owner or a.owner == channel.owner)
    )
    return [
        account_news(db, config, outbox.DIGEST, row.event_id, account_id, owner)
        for _, account_id, owner in shown
    ]


def _compose(channel: ChannelConfig, due: list[_Due]) -> list[tuple[Message, list[_Due]]]:
    """Messages for one channel: one per event, or one per run on a digest channel."""
    messages: list[tuple[Message, list[_Due]]] = []
    events = [d for d in due if d.row.event != outbox.DIGEST]
    for d in due:
        if d.row.event == outbox.DIGEST:
            day = d.row.event_id.split(":", 1)[1]
            message = Message(channel.name, outbox.DIGEST, (d.row.event_id,), tuple(d.news), day)
            messages.append((message, [d]))
    if channel.digest and events:
        ids = tuple(d.row.event_id for d in events)
        news = tuple(n for d in events for n in d.news)
        event = events[0].row.event if len(events) == 1 else outbox.DIGEST
        messages.append((Message(channel.name, event, ids, news), events))
    else:
        for d in events:
            message = Message(channel.name, d.row.event, (d.row.event_id,), tuple(d.news))
            messages.append((message, [d]))
    return messages


def _unqueued_digest(
    db: sqlite_utils.Database, channel: ChannelConfig, day: str, now: datetime
) -> list[outbox.OutboxRow]:
    """The digest a real run would queue today, for a dry run (which writes nothing)."""
    event_id = f"{outbox.DIGEST}:{day}"
    seen = db.conn.execute(
        "select 1 from outbox where event_id = ? and channel = ?", [event_id, channel.name]
    ).fetchone()
    if seen:
        return []
    return [outbox.OutboxRow(0, event_id, outbox.DIGEST, None, channel.name, "", 0)]


__all__ = ["notify", "NotifyRun", "Delivery", "NotifyError"]
