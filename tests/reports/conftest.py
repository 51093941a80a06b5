"""Hand-built histories: rows inserted straight into the tables reports read."""

from __future__ import annotations

import json

import pytest

from pqa_tui import store


class Builder:
    """Small writers so a test reads as a story: this account, this moment, this verdict."""

    def __init__(self, db):
        self.db = db

    def _insert(self, table: str, row: dict) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with store.write(self.db) as conn:
            conn.execute(f"insert into {table} ({cols}) values ({marks})", list(row.values()))

    def account(self, account_id: str, plan: str = "free", **traits) -> None:
        self._insert(
            "accounts",
            {
                "account_id": account_id,
                "name": account_id,
                "plan": plan,
                "created_at": "2025-12-01T00:00:00.000000Z",
                "traits": json.dumps(traits),
            },
        )

    def user(self, user_id: str, account_id: str, *, seniority=None, role=None) -> None:
        self._insert("users", {"user_id": user_id, "seniority": seniority, "role": role})
        self._insert("memberships", {"user_id": user_id, "account_id": account_id})

    def moment(self, account_id: str, at: str, reasons=(), score: float = 12.0) -> None:
        self._insert(
            "pqa_moments",
            {
                "account_id": account_id,
                "at": ts(at),
                "score": score,
                "reasons": json.dumps(list(reasons)),
            },
        )

    def signal(self, account_id: str, detector: str, at: str) -> None:
        self._insert(
            "signals",
            {
                "account_id": account_id,
                "detector": detector,
                "at": ts(at),
                "strength": 1.0,
                "weight": 5.0,
                "points": 5.0,
                "reason": "test",
                "scored_at": ts("2026-03-01"),
            },
        )

    def feedback(self, account_id: str, verdict: str, at: str, author: str = "ana") -> None:
        self._insert(
            "feedback",
            {"account_id": account_id, "author": author, "at": ts(at), "verdict": verdict},
        )

    def outcome(self, account_id: str, outcome: str, at: str, source: str = "product") -> None:
        self._insert(
            "outcomes",
            {"account_id": account_id, "at": ts(at), "outcome": outcome, "source": source},
        )

    def activity(
        self, account_id: str, at: str, action: str, to_state: str, actor: str = "ana"
    ) -> None:
        self._insert(
            "activity",
            {
                "account_id": account_id,
                "at": ts(at),
                "actor": actor,
                "action": action,
                "to_state": to_state,
            },
        )

    def rollup(self, account_id: str, day: str, metric: str, value: float) -> None:
        self._insert(
            "rollups", {"account_id": account_id, "day": day, "metric": metric, "value": value}
        )


def ts(text: str) -> str:
    """'2026-01-05' or '2026-01-05T10:00' to stored time text."""
    if "T" not in text:
        text += "T00:00"
    return text + ":00.000000Z" if len(text) == 16 else text


@pytest.fixture
def build(db):
    return Builder(db)


# Ten accounts a0..a9; the story is told in test_reports.py's docstring.
@pytest.fixture
def story(build):
    for a, plan in [("a0", "pro"), ("a1", "pro"), ("a4", "team"), ("a5", "pro")]:
        build.account(a, plan)
    for a in ("a2", "a3", "a6", "a7", "a8", "a9"):
        build.account(a, "free")
    build.moment("a0", "2026-01-05T10:00", ["seat_count"])
    build.moment("a1", "2026-01-06T00:00", ["seat_count"])
    build.moment("a2", "2026-01-13T00:00", ["seat_count", "paywall"])
    build.moment("a3", "2026-01-14T00:00", ["paywall"])
    build.moment("a4", "2026-02-10T00:00", ["seat_count"])
    build.outcome("a0", "converted", "2026-02-01")
    build.outcome("a1", "won", "2026-02-03", source="rep")
    build.outcome("a4", "converted", "2026-02-01")
    build.outcome("a5", "converted", "2026-02-15")
    build.feedback("a0", "good", "2026-01-07")
    build.feedback("a1", "good", "2026-01-08")
    build.feedback("a2", "good", "2026-01-15")
    build.feedback("a2", "bad", "2026-01-20")
    build.feedback("a3", "bad", "2026-01-16")
    for a, at in [("a0", "2026-01-04"), ("a1", "2026-01-05"), ("a2", "2026-01-12")]:
        build.signal(a, "seat_count", at)
    build.signal("a4", "seat_count", "2026-01-20")
    for a in ("a2", "a6", "a7"):
        build.signal(a, "paywall", "2026-01-10")
    build.signal("a0", "paywall", "2026-03-01")  # after a0 converted: does not count
    build.activity("a0", "2026-01-05T12:00", "claim", "claimed")  # 2 h after the moment
    build.activity("a0", "2026-01-06T10:00", "contacted", "contacted")
    build.activity("a1", "2026-01-06T06:00", "claim", "claimed")  # 6 h
    build.activity("a1", "2026-01-07T06:00", "contacted", "contacted")
    build.activity("a1", "2026-02-03T00:00", "outcome", "won")
    build.activity("a2", "2026-01-14T00:00", "claim", "claimed")  # 24 h
    build.activity("a3", "2026-01-14T00:00", "surface", "new", actor="pqa")  # not a touch
    build.user("u0", "a0", seniority="Director")
    build.user("u2", "a2", seniority="student")
    build.user("u3", "a3", role="owner")
    build.rollup("a0", "2026-01-02", "value", 1)
    build.rollup("a0", "2026-01-03", "pricing", 3)
    build.rollup("a0", "2026-01-04", "page:pricing", 2)
    build.rollup("a1", "2026-01-08", "pricing", 1)  # before a1 was activated: not counted
    build.rollup("a1", "2026-01-10", "value", 2)
    build.rollup("a1", "2026-01-11", "pricing", 4)
    build.rollup("a2", "2026-01-11", "pricing", 5)  # never activated
    return build


# A usage history for backtests and suggestions; the story is told in test_backtest.py.


def active(conn, account: str, day: str, users: int) -> None:
    for u in range(users):
        conn.execute("insert into user_days values (?, ?, ?)", (account, day, f"{account}-u{u}"))
    for metric in ("events", "active_users"):
        conn.execute("insert into rollups values (?, ?, ?, ?)", (account, day, metric, users))


@pytest.fixture
def history(db, build):
    for a in "ABCDFG":
        build.account(a, "free")
    build.account("E", "pro")
    with store.write(db) as conn:
        conn.execute("update accounts set created_at = '2025-12-01T00:00:00.000000Z'")
        for day in ("2026-01-10", "2026-01-11"):
            active(conn, "A", day, 4)
        active(conn, "B", "2026-01-19", 3)
        active(conn, "C", "2026-01-25", 2)
        for day in ("2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"):
            active(conn, "D", day, 1)
        active(conn, "E", "2026-01-05", 4)
        active(conn, "F", "2026-01-26", 4)
        conn.execute(
            "insert into trait_changes (entity, entity_id, account_id, trait, old_value, "
            "new_value, ts) values ('account', 'F', 'F', 'plan', 'free', 'pro', ?)",
            ("2026-01-20T09:00:00.000000Z",),
        )
        active(conn, "G", "2026-01-15", 4)
        active(conn, "G", "2026-02-08", 4)
    build.outcome("A", "converted", "2026-02-01")
    build.outcome("C", "converted", "2026-02-10")
    build.outcome("F", "converted", "2026-01-20T09:00")
    build.feedback("A", "good", "2026-01-13")
    build.feedback("B", "bad", "2026-01-20")
    return db
