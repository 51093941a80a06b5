"""Small builders so an ingest test reads as a story: these events, this config, this result."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

import orjson

from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import FileSummary, ingest_paths
from pqa_tui.ingest.rollups import rebuild_rollups
from pqa_tui.plugins import load_plugins

_ids = itertools.count(1)


def _msg(msg: str | None) -> str:
    return msg or f"msg-{next(_ids)}"


def track(
    event: str,
    user: str | None = "u1",
    account: str | None = "a1",
    *,
    ts: str = "2025-03-01T10:00:00.000Z",
    msg: str | None = None,
    **props: Any,
) -> dict:
    """A Segment track call; ``account`` goes in ``context.groupId`` like analytics.js does."""
    rec: dict[str, Any] = {
        "type": "track",
        "event": event,
        "messageId": _msg(msg),
        "timestamp": ts,
        "properties": props,
    }
    if user is not None:
        rec["userId"] = user
    if account is not None:
        rec["context"] = {"groupId": account}
    return rec


def page(
    path: str,
    user: str = "u1",
    account: str | None = "a1",
    *,
    ts: str = "2025-03-01T10:00:00.000Z",
    msg: str | None = None,
) -> dict:
    rec: dict[str, Any] = {
        "type": "page",
        "name": "Page",
        "userId": user,
        "messageId": _msg(msg),
        "timestamp": ts,
        "properties": {"url": f"https://app.example.io{path}"},
    }
    if account is not None:
        rec["context"] = {"groupId": account}
    return rec


def identify(
    user: str, *, ts: str = "2025-03-01T09:00:00.000Z", msg: str | None = None, **traits: Any
) -> dict:
    return {
        "type": "identify",
        "userId": user,
        "messageId": _msg(msg),
        "timestamp": ts,
        "traits": traits,
    }


def group(
    user: str,
    account: str,
    *,
    ts: str = "2025-03-01T09:00:00.000Z",
    msg: str | None = None,
    **traits: Any,
) -> dict:
    return {
        "type": "group",
        "userId": user,
        "groupId": account,
        "messageId": _msg(msg),
        "timestamp": ts,
        "traits": traits,
    }


def write_ndjson(path: Path, records: list[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def ingest(
    db, *paths: Path | str, config: Config | None = None, **kwargs: Any
) -> list[FileSummary]:
    """Run the real pipeline with only the built-in formats loaded."""
    return ingest_paths(
        db,
        config or Config(),
        load_plugins(entry_points_too=False),
        [str(p) for p in paths],
        **kwargs,
    )


def rollups(db) -> dict[tuple[str, str, str], float]:
    """The rollups table as a dict, zero rows left out (a delta may take a row back to 0)."""
    return {
        (a, d, m): v
        for a, d, m, v in db.conn.execute("select account_id, day, metric, value from rollups")
        if v != 0
    }


def recomputed_rollups(db, config: Config | None = None) -> dict[tuple[str, str, str], float]:
    """The rollups recomputed from raw events, in a scratch copy of the database."""
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    db.conn.backup(scratch)
    scratch.execute("begin")
    rebuild_rollups(scratch, config or Config())
    scratch.execute("commit")
    rows = scratch.execute("select account_id, day, metric, value from rollups").fetchall()
    scratch.close()
    return {(a, d, m): v for a, d, m, v in rows if v != 0}


def count(db, sql: str, *params: Any) -> Any:
    return db.conn.execute(sql, params).fetchone()[0]
