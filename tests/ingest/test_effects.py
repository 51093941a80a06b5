"""Traits, role and plan changes, and conversions recorded at ingest (issue 6)."""

from __future__ import annotations

import orjson
from ingest_data import count, group, identify, ingest, track, write_ndjson

from pqa_tui.config import Config


def changes(db) -> list[tuple]:
    return db.conn.execute(
        "select entity, entity_id, account_id, trait, old_value, new_value, ts "
        "from trait_changes order by ts, id"
    ).fetchall()


def outcomes(db) -> list[tuple]:
    return db.conn.execute(
        "select account_id, at, outcome, source, detail from outcomes order by at"
    ).fetchall()


def test_role_change_from_identify_calls(db, tmp_path):
    calls = [
        group("u1", "acme"),
        identify("u1", ts="2025-03-01T10:00:00.000Z", role="member"),
        identify("u1", ts="2025-03-02T10:00:00.000Z", role="member", name="Ana"),  # no change
        identify("u1", ts="2025-03-03T10:00:00.000Z", role="admin"),
    ]
    ingest(db, write_ndjson(tmp_path / "f.ndjson", calls))
    assert changes(db) == [
        ("user", "u1", "acme", "role", "member", "admin", "2025-03-03T10:00:00.000000Z")
    ]
    assert db.conn.execute("select role, name from users").fetchone() == ("admin", "Ana")


def test_a_late_identify_fills_gaps_without_overwriting(db, tmp_path):
    ingest(
        db,
        write_ndjson(
            tmp_path / "new.ndjson",
            [
                identify("u1", ts="2025-03-05T10:00:00.000Z", role="admin"),
            ],
        ),
    )
    ingest(
        db,
        write_ndjson(
            tmp_path / "old.ndjson",
            [
                identify("u1", ts="2025-03-01T10:00:00.000Z", role="member", department="Sales"),
            ],
        ),
    )
    assert db.conn.execute("select role, department from users").fetchone() == ("admin", "Sales")
    assert changes(db) == []


def test_configured_role_change_event(db, tmp_path):
    config = Config()
    config.roles.change_events = ["Member Role Updated"]
    calls = [
        identify("u2", role="member"),
        track(
            "Member Role Updated",
            "u1",
            ts="2025-03-02T10:00:00.000Z",
            user_id="u2",
            new_role="owner",
        ),
    ]
    ingest(db, write_ndjson(tmp_path / "f.ndjson", calls), config=config)
    assert changes(db) == [
        ("user", "u2", "a1", "role", "member", "owner", "2025-03-02T10:00:00.000000Z")
    ]
    assert count(db, "select role from users where user_id = 'u2'") == "owner"


def test_plan_from_free_to_paid_is_one_conversion(db, tmp_path):
    calls = [
        group("u1", "acme", ts="2025-03-01T09:00:00.000Z", plan="free"),
        group("u1", "acme", ts="2025-03-10T09:00:00.000Z", plan="pro"),
        group("u1", "acme", ts="2025-03-20T09:00:00.000Z", plan="business"),  # paid to paid
        group("u2", "beta", ts="2025-03-01T09:00:00.000Z", plan="pro"),  # paid from the start
    ]
    path = write_ndjson(tmp_path / "f.ndjson", calls)
    ingest(db, path)
    ingest(db, write_ndjson(tmp_path / "again.ndjson", calls))  # overlapping: no new outcome
    assert [(a, at, o, s) for a, at, o, s, _ in outcomes(db)] == [
        ("acme", "2025-03-10T09:00:00.000000Z", "converted", "product")
    ]
    assert orjson.loads(outcomes(db)[0][4]) == {"from": "free", "to": "pro", "via": "plan trait"}
    assert count(db, "select plan from accounts where account_id = 'acme'") == "business"
    assert [(c[1], c[4], c[5]) for c in changes(db)] == [
        ("acme", "free", "pro"),
        ("acme", "pro", "business"),
    ]


def test_subscription_event_converts_once(db, tmp_path):
    calls = [
        group("u1", "acme", plan="trial"),
        track("Subscription Started", "u1", "acme", ts="2025-03-04T10:00:00.000Z", plan="team"),
        track("Order Completed", "u1", "acme", ts="2025-03-05T10:00:00.000Z"),  # already paid
        group("u1", "acme", ts="2025-03-06T10:00:00.000Z", plan="team"),
    ]
    ingest(db, write_ndjson(tmp_path / "f.ndjson", calls))
    assert [(a, at) for a, at, *_ in outcomes(db)] == [("acme", "2025-03-04T10:00:00.000000Z")]
    assert count(db, "select plan from accounts where account_id = 'acme'") == "team"
