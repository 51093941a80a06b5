"""The accounts a scoring run reads: which to score, their rows, and when each started."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlite_utils


def candidates(db: sqlite_utils.Database, first_day: str, as_of: date) -> list[str]:
    """Accounts active within the lookback, plus those whose last score needs clearing."""
    rows = db.conn.execute(
        "select distinct account_id from rollups where metric = 'events' and day >= ? and day <= ?",
        (first_day, as_of.isoformat()),
    )
    ids = {r[0] for r in rows}
    ids.update(
        r[0] for r in db.conn.execute("select account_id from scores where score > 0 or qualified")
    )
    return sorted(ids)


def accounts_by_id(db: sqlite_utils.Database, ids: list[str]) -> dict[str, dict[str, Any]]:
    wanted = set(ids)
    cur = db.conn.execute(
        "select account_id, name, domain, plan, created_at, first_seen, last_seen, traits "
        "from accounts"
    )
    cols = [c[0] for c in cur.description]
    found = {}
    for row in cur:
        if row[0] in wanted:
            account = dict(zip(cols, row, strict=True))
            account["traits"] = json.loads(account["traits"] or "{}")
            found[row[0]] = account
    for account_id in wanted - found.keys():  # usage seen before any group call
        found[account_id] = {
            "account_id": account_id,
            "name": None,
            "domain": None,
            "plan": None,
            "created_at": None,
            "first_seen": None,
            "last_seen": None,
            "traits": {},
        }
    return found


def born_day(db: sqlite_utils.Database, account: dict[str, Any]) -> date | None:
    """When the account started: created_at, first_seen, else its first day of usage."""
    born = account.get("created_at") or account.get("first_seen")
    if born:
        return date.fromisoformat(born[:10])
    row = db.conn.execute(
        "select min(day) from rollups where account_id = ?", (account["account_id"],)
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None
