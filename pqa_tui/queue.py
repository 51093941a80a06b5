"""The queue: PQAs waiting for a human, best first, filtered by triage view.

Views and capacity come from :mod:`pqa_tui.triage` (``live_triage_sql`` and
``queue_filter_sql``), so the CLI, the TUI and reports all see the same queue.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from .config import Config
from .errors import PqaError
from .triage import live_triage_sql, queue_filter_sql

# Sort keys a caller may ask for -> SQL expression (never user text in SQL).
SORTS = {
    "score": "s.score",
    "name": "coalesce(a.name, s.account_id)",
    "since": "m.at",
    "account": "s.account_id",
}


@dataclass
class QueueRow:
    """One account in the queue: what ``pqa queue --json`` prints per account."""

    account: str
    name: str | None
    domain: str | None
    score: float
    qualified: bool
    reasons: list[str] = field(default_factory=list)
    gate: str | None = None
    state: str = "new"
    owner: str | None = None
    pqa_since: str | None = None
    # The triage version this row was read at: pass it to triage.claim(expected_version=...).
    version: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _query(
    db: sqlite_utils.Database,
    config: Config,
    select: str,
    tail: str,
    *,
    me: str | None,
    view: str,
    owner: str | None,
    state: str | None,
    search: str | None,
    now: datetime | None,
    extra: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    live_sql, params = live_triage_sql(config, now=now)
    where, filter_params = queue_filter_sql(
        config, db, me=me, view=view, owner=owner, state=state, now=now
    )
    params.update(filter_params)
    if search:
        where += (
            " and (s.account_id like :q escape '\\' or a.name like :q escape '\\' "
            "or a.domain like :q escape '\\')"
        )
        params["q"] = (
            "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
    params.update(extra or {})
    sql = (
        f"with live_triage as ({live_sql}) select {select} from live_triage lt "
        "join scores s on s.account_id = lt.account_id "
        "left join accounts a on a.account_id = s.account_id "
        "left join pqa_moments m on m.account_id = s.account_id and m.ended_at is null "
        f"where {where} {tail}"
    )
    return db.conn.execute(sql, params).fetchall()


def list_queue(
    db: sqlite_utils.Database,
    config: Config,
    *,
    me: str | None = None,
    view: str = "queue",
    owner: str | None = None,
    state: str | None = None,
    search: str | None = None,
    sort: str = "score",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> list[QueueRow]:
    """Accounts in a queue view, best first by default (page with ``limit`` / ``offset``)."""
    if sort not in SORTS:
        raise PqaError(f"unknown sort {sort!r}; expected one of: {', '.join(SORTS)}")
    order = f"{SORTS[sort]} {'desc' if descending else 'asc'}, s.account_id"
    rows = _query(
        db,
        config,
        "s.account_id, a.name, a.domain, s.score, s.qualified, s.reasons, s.gate, lt.state, "
        "lt.owner, m.at, lt.version",
        f"order by {order} limit :limit offset :offset",
        me=me,
        view=view,
        owner=owner,
        state=state,
        search=search,
        now=now,
        extra={"limit": limit, "offset": offset},
    )
    return [
        QueueRow(
            account=r[0],
            name=r[1],
            domain=r[2],
            score=round(r[3], 2),
            qualified=bool(r[4]),
            reasons=json.loads(r[5] or "[]"),
            gate=r[6],
            state=r[7],
            owner=r[8],
            pqa_since=r[9],
            version=r[10],
        )
        for r in rows
    ]


def count_queue(
    db: sqlite_utils.Database,
    config: Config,
    *,
    me: str | None = None,
    view: str = "queue",
    owner: str | None = None,
    state: str | None = None,
    search: str | None = None,
    now: datetime | None = None,
) -> int:
    """How many accounts :func:`list_queue` would list with the same filters, unpaged."""
    (row,) = _query(
        db,
        config,
        "count(*)",
        "",
        me=me,
        view=view,
        owner=owner,
        state=state,
        search=search,
        now=now,
    )
    return row[0]
