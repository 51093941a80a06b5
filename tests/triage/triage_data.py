"""Hand-made scored accounts, PQA moments and signals: triage tests do not need the scorer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pqa_tui.store import write
from pqa_tui.timestamps import format_ts
from pqa_tui.triage.returns import Seen, record_returns

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add_account(
    db,
    account_id: str,
    score: float = 20.0,
    *,
    qualified: bool = True,
    name: str | None = None,
    domain: str | None = None,
    plan: str | None = None,
    traits: dict | None = None,
    reasons: list | None = None,
    at: datetime = T0,
) -> str:
    """An account with a score row, as the scorer would leave it."""
    with write(db) as conn:
        conn.execute(
            "insert into accounts(account_id, name, domain, plan, traits) values (?, ?, ?, ?, ?)",
            [account_id, name or account_id.title(), domain, plan, json.dumps(traits or {})],
        )
        conn.execute(
            "insert into scores(account_id, score, qualified, reasons, scored_at, as_of) "
            "values (?, ?, ?, ?, ?, ?)",
            [
                account_id,
                score,
                int(qualified),
                json.dumps(reasons or []),
                format_ts(at),
                format_ts(at),
            ],
        )
    return account_id


def add_moment(db, account_id: str, at: datetime, score: float = 20.0) -> None:
    """A PQA moment: the account crossed the bar at ``at``."""
    with write(db) as conn:
        conn.execute(
            "insert into pqa_moments(account_id, at, score) values (?, ?, ?)",
            [account_id, format_ts(at), score],
        )


def add_signal(
    db,
    account_id: str,
    at: datetime,
    detector: str = "seat_count",
    *,
    value: float | None = None,
    behavioural: bool = False,
) -> None:
    """A live signal whose evidence happened at ``at``."""
    with write(db) as conn:
        conn.execute(
            "insert into signals(account_id, detector, at, strength, weight, points, reason, "
            "scored_at, value, behavioural) values (?, ?, ?, 1, 5, 5, 'seven users', ?, ?, ?)",
            [account_id, detector, format_ts(at), format_ts(at), value, int(behavioural)],
        )


def rescore(db, config, account_id: str, at: datetime, *signals: tuple) -> list[str]:
    """A scoring run at ``at`` that finds ``signals`` ((detector, behavioural, value, when)
    tuples) on the account: replaces its live signals and decides returns, as score_all does."""
    seen = [Seen(d, b, v, 1.0, format_ts(when), f"{d} {v}") for d, b, v, when in signals]
    with write(db) as conn:
        conn.execute("delete from signals where account_id = ?", [account_id])
        conn.executemany(
            "insert into signals(account_id, detector, at, strength, weight, points, reason, "
            "scored_at, value, behavioural) values (?, ?, ?, 1, 5, 5, ?, ?, ?, ?)",
            [(account_id, x.detector, x.at, x.reason, format_ts(at), x.value, int(x.behavioural))
             for x in seen],
        )  # fmt: skip
        return record_returns(conn, config, {account_id: seen}, format_ts(at), format_ts(at))
