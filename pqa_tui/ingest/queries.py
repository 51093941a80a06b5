"""Read-only questions about what ingest stored: counts and rejects."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def stats(db: sqlite_utils.Database) -> dict[str, Any]:
    """What ``pqa stats --json`` prints: counts, the time range, unattributed events."""
    conn = db.conn

    def one(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    return {
        "events": one("select count(*) from events"),
        "users": one("select count(*) from users"),
        "accounts": one("select count(*) from accounts"),
        "rejected": one("select count(*) from rejects"),
        "memberships": one("select count(*) from memberships"),
        "unattributed_events": one("select count(*) from events where account_id is null"),
        "rollup_rows": one("select count(*) from rollups"),
        "first_event": one("select min(ts) from events"),
        "last_event": one("select max(ts) from events"),
        "ingest_runs": one("select count(*) from ingest_runs where finished_at is not null"),
        "sources": sources(db),
    }


def sources(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Each source ingested and how: events (read by pqa), rollups (--rollups) or duckdb."""
    rows = db.conn.execute(
        "select source, coalesce(mode, 'events'), count(*) from ingest_runs "
        "where finished_at is not null group by 1, 2 order by min(id)"
    )
    return [{"source": s, "mode": m, "runs": n} for s, m, n in rows]


def list_rejects(
    db: sqlite_utils.Database, *, source: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Rejected lines, newest first: id, source, line, reason, raw, at."""
    sql = "select id, source, line, reason, raw, at from rejects"
    params: list[Any] = []
    if source is not None:
        sql += " where source = ?"
        params.append(source)
    sql += " order by id desc limit ?"
    params.append(limit)
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]
