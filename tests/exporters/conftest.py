"""A small worked queue to export: three accounts, triage on two, notes with awkward text."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from export_data import AWKWARD_NOTE, T0

from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.store import write
from pqa_tui.timestamps import format_ts


@pytest.fixture
def now() -> datetime:
    return T0 + timedelta(days=3)


@pytest.fixture
def worked_db(db):
    """acme (claimed, two notes), globex (sunset), initech (new), hooli (not qualified)."""
    config = Config()
    rows = [
        (
            "acme",
            "Acme, Inc.",
            "acme.io",
            "free",
            42.5,
            1,
            [
                {"detector": "seat_count", "reason": "9 users in 14 days"},
                {"detector": "pricing_views", "reason": "pricing x4"},
            ],
        ),
        ("globex", "Globex", "globex.com", "trial", 30.0, 1, ["legal pages viewed"]),
        ("initech", "Initech", "", "", 12.25, 1, []),
        ("hooli", "Hooli", "hooli.xyz", "free", 3.0, 0, []),
    ]
    with write(db) as conn:
        for account_id, name, domain, plan, score, qualified, reasons in rows:
            conn.execute(
                "insert into accounts(account_id, name, domain, plan) values (?, ?, ?, ?)",
                [account_id, name, domain, plan],
            )
            conn.execute(
                "insert into scores(account_id, score, qualified, reasons, scored_at, as_of) "
                "values (?, ?, ?, ?, ?, ?)",
                [account_id, score, qualified, json.dumps(reasons), format_ts(T0), format_ts(T0)],
            )
        conn.execute(
            "insert into pqa_moments(account_id, at, score) values ('acme', ?, 40)",
            [format_ts(T0 - timedelta(days=1))],
        )
    triage.claim(db, config, "acme", "ann", now=T0)
    triage.add_note(db, config, "acme", "ann", "First call booked", now=T0 + timedelta(hours=1))
    triage.add_note(db, config, "acme", "ann", AWKWARD_NOTE, now=T0 + timedelta(days=1))
    triage.sunset(db, config, "globex", "bob", reason="no budget", now=T0)
    triage.add_note(db, config, "globex", "bob", "Budget frozen until Q3", now=T0)
    return db
