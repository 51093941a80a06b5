"""Workspaces for the reliability tests: Segment events in, real ingest and scoring, checks.

Everything goes through the product's own code paths (``ingest_records`` / ``pqa ingest``,
``score_all``, ``triage``), so a test that breaks them breaks here.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from pqa_tui.config import Config
from pqa_tui.ingest.rollups import rebuild_rollups

START = datetime(2026, 1, 5, tzinfo=UTC)
EVENT_NAMES = [
    "Document Created",
    "Board Created",
    "User Invited",
    "Pricing Viewed",
    "Paywall Hit",
    "File Uploaded",
    "Comment Added",
]


def segment_events(
    n: int, *, accounts: int = 20, users_per_account: int = 8, days: int = 60, seed: int = 0
) -> Iterator[dict[str, Any]]:
    """``n`` Segment calls: a group call per account, identifies, then tracks and pages."""
    rng = random.Random(seed)
    made = 0
    for a in range(accounts):
        if made >= n:
            return
        yield {
            "type": "group",
            "messageId": f"g-{a}",
            "userId": f"u{a}-0",
            "groupId": f"acct-{a}",
            "timestamp": START.isoformat(),
            "traits": {"name": f"Account {a}", "plan": "free", "website": f"https://a{a}.io"},
        }
        made += 1
    for i in range(n - made):
        a = rng.randrange(accounts)
        u = rng.randrange(users_per_account)
        at = START + timedelta(days=rng.randrange(days), seconds=rng.randrange(86_400))
        if i % 10 == 0:
            call: dict[str, Any] = {
                "type": "page",
                "properties": {"path": rng.choice(["/pricing", "/terms", "/app", "/docs"])},
            }
        else:
            name = rng.choice(EVENT_NAMES)
            props: dict[str, Any] = {"n": i}
            if name == "File Uploaded":
                props["bytes"] = rng.randrange(1, 10_000_000)
            call = {"type": "track", "event": name, "properties": props}
        call.update(
            messageId=f"m-{seed}-{i}",
            userId=f"u{a}-{u}",
            context={"groupId": f"acct-{a}"},
            timestamp=at.isoformat().replace("+00:00", "Z"),
        )
        yield call


def write_ndjson(path: Path, records: Iterator[dict[str, Any]]) -> Path:
    with open(path, "wb") as fh:
        for rec in records:
            fh.write(orjson.dumps(rec) + b"\n")
    return path


def rollups_snapshot(conn: sqlite3.Connection) -> tuple[dict, set]:
    """The rollups (values rounded against float summation order) and user_days as stored."""
    rollups = {
        (a, d, m): round(v, 3)
        for a, d, m, v in conn.execute("select account_id, day, metric, value from rollups")
        if round(v, 3) != 0
    }
    days = set(conn.execute("select account_id, day, user_id from user_days"))
    return rollups, days


def recomputed_rollups(path: Path, config: Config) -> tuple[dict, set]:
    """Rollups recomputed from raw events, in a transaction that is then rolled back."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("begin immediate")
        rebuild_rollups(conn, config)
        snapshot = rollups_snapshot(conn)
        conn.execute("rollback")
        return snapshot
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(str(path))
    try:
        return "; ".join(r[0] for r in conn.execute("pragma integrity_check"))
    finally:
        conn.close()


def table_counts(path: Path, tables: tuple[str, ...]) -> dict[str, int]:
    conn = sqlite3.connect(str(path))
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()
