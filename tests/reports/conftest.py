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

    def activity(self, account_id: str, at: str, action: str, to_state: str) -> None:
        self._insert(
            "activity",
            {
                "account_id": account_id,
                "at": ts(at),
                "actor": "ana",
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
