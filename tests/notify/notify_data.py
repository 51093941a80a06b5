"""Surfaced accounts with their outbox rows, queued exactly as scoring queues them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pqa_tui import triage
from pqa_tui.config import Config, config_from_dict
from pqa_tui.notify.outbox import enqueue_moment
from pqa_tui.store import write
from pqa_tui.timestamps import format_ts

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def config_with(*channels: dict[str, Any], **triage_settings: Any) -> Config:
    """A config with these ``[[notify.channels]]`` tables (and ``[triage]`` settings)."""
    data: dict[str, Any] = {"notify": {"channels": list(channels)}}
    if triage_settings:
        data["triage"] = triage_settings
    return config_from_dict(data)


def surface(
    db,
    config: Config,
    account_id: str,
    *,
    score: float = 20.0,
    name: str | None = None,
    domain: str | None = "acme.io",
    reasons: list[str] | None = None,
    buyer: tuple[str, str, str] | None = ("Dana Boss", "dana@acme.io", "vp"),
    now: datetime = NOW,
) -> int:
    """A scored, qualified account crossing the bar now: its moment, its outbox rows (in the
    same transaction, as scoring does) and its triage row (routed as the config says)."""
    at = format_ts(now)
    reasons = reasons if reasons is not None else ["7 active users", "pricing viewed 3 times"]
    with write(db) as conn:
        conn.execute(
            "insert into accounts(account_id, name, domain) values (?, ?, ?)",
            [account_id, name or account_id.title(), domain],
        )
        conn.execute(
            "insert into scores(account_id, score, qualified, reasons, scored_at, as_of) "
            "values (?, ?, 1, ?, ?, ?)",
            [account_id, score, json.dumps(reasons), at, at[:10]],
        )
        if buyer:
            user_id = f"{account_id}-buyer"
            conn.execute(
                "insert into users(user_id, name, email, seniority) values (?, ?, ?, ?)",
                [user_id, buyer[0], buyer[1], buyer[2]],
            )
            conn.execute(
                "insert into memberships(user_id, account_id) values (?, ?)", [user_id, account_id]
            )
            evidence = {"buyers": [{"user_id": user_id, "email": buyer[1], "seniority": buyer[2]}]}
            conn.execute(
                "insert into signals(account_id, detector, at, strength, weight, points, reason, "
                "evidence, scored_at) values (?, 'buyer_persona', ?, 1, 5, 5, ?, ?, ?)",
                [account_id, at, f"buyer in the account: {buyer[0]}", json.dumps(evidence), at],
            )
        cur = conn.execute(
            "insert into pqa_moments(account_id, at, score, reasons) values (?, ?, ?, ?)",
            [account_id, at, score, json.dumps(reasons)],
        )
        moment_id = int(cur.lastrowid or 0)
        enqueue_moment(conn, config, moment_id, account_id, at)
    triage.route_new(db, config, now=now)
    return moment_id


def outbox_rows(db) -> list[dict[str, Any]]:
    cur = db.conn.execute(
        "select event_id, event, account_id, channel, status, attempts, last_error from outbox "
        "order by id"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]
