"""The activity log and what was said about an account: notes, feedback, outcomes.

The ``activity`` table is the append-only truth (who, when, from → to, why); the ``triage``
table is only a cache of where that left the account.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

import sqlite_utils

from ..config import Config
from ..timestamps import format_ts
from .live import live_state
from .returns import RETURN_FACTS_SQL, sunset_snapshots, why_back
from .states import NEW, current_time


def log_activity(
    conn: sqlite3.Connection,
    account_id: str,
    at: str,
    actor: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    detail: dict[str, Any],
) -> None:
    """Append one row to the activity log, the append-only truth (empty details dropped)."""
    detail = {k: v for k, v in detail.items() if v not in (None, "")}
    conn.execute(
        "insert into activity(account_id, at, actor, action, from_state, to_state, detail) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [
            account_id,
            at,
            actor,
            action,
            from_state,
            to_state,
            json.dumps(detail, ensure_ascii=False),
        ],
    )


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def history(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """The activity log of one account, oldest first: ``{at, actor, action, from, to, detail}``."""
    rows = _rows(
        db,
        "select id, at, actor, action, from_state, to_state, detail from activity "
        "where account_id = ? order by at, id",
        [account_id],
    )
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "actor": r["actor"],
            "action": r["action"],
            "from": r["from_state"],
            "to": r["to_state"],
            "detail": json.loads(r["detail"] or "{}"),
        }
        for r in rows
    ]


def notes(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """Every note on the account, oldest first: ``{id, author, text, at}``."""
    return _rows(
        db,
        "select id, author, text, at from notes where account_id = ? order by at, id",
        [account_id],
    )


def feedback(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """Every verdict on the account, oldest first: ``{id, author, verdict, reason, text, at}``."""
    return _rows(
        db,
        "select id, author, verdict, reason, text, at from feedback where account_id = ? "
        "order by at, id",
        [account_id],
    )


def outcomes(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """Every outcome on the account, oldest first: ``{id, outcome, source, author, at}``.

    Sources: ``rep`` (recorded in pqa), ``product`` (a conversion seen in product data),
    ``crm`` (``pqa crm import``: won, lost or open, author the CRM owner).
    """
    return _rows(
        db,
        "select id, outcome, source, author, at from outcomes where account_id = ? order by at, id",
        [account_id],
    )


def triage_detail(
    db: sqlite_utils.Database, config: Config, account_id: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The triage part of ``account_detail``: state, owner, notes, activity, feedback, outcomes,
    ``sunsets`` (each with the snapshot it keeps, :func:`~pqa_tui.triage.returns.sunset_snapshots`)
    and ``back_because`` (why it is back from a sunset; None unless it is)."""
    now = current_time(now)
    live = live_state(db, config, account_id, now=now)
    because = None
    if live.state == NEW:
        (facts,) = db.conn.execute(
            f"select {RETURN_FACTS_SQL.format(account='?')}", [account_id]
        ).fetchone()
        because = why_back(facts, format_ts(now))
    return {
        "state": live.state,
        "owner": live.owner,
        "version": live.version,
        "back_because": because,
        "sunsets": sunset_snapshots(db, account_id),
        "notes": notes(db, account_id),
        "activity": history(db, account_id),
        "feedback": feedback(db, account_id),
        "outcomes": outcomes(db, account_id),
    }
