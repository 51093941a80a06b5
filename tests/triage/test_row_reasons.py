"""The reasons that tell queue rows apart: intent first, then the newest, short forms; read by
``list_queue`` (the ``why`` key) and shown by ``pqa queue``."""

from __future__ import annotations

import json

from triage_data import add_account
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.store import write
from pqa_tui.triage import QueueFilter
from pqa_tui.triage.queue_view import list_queue
from pqa_tui.triage.row_reasons import ReasonSignal, distinguishing_reasons, short_reason

SEATS = ReasonSignal(
    "seat_count", "2026-03-09", 9.0, "12 active users in the last 28 days (bar: 7)"
)
PAYWALL = ReasonSignal(
    "paywall_hits", "2026-03-05", 6.0, "10 paywall hits in the last 14 days (bar: 3)"
)
INVITES = ReasonSignal(
    "invite_spike",
    "2026-03-08",
    3.0,
    "10 invites in the last 7 days vs 0.2 usual (bar: 5 and 3x usual)",
)
BUYER = ReasonSignal(
    "buyer_persona",
    "2026-03-01",
    4.0,
    "buyer in the account: kemal@x.io (vp, admin, finance), active in the last 28 days",
)
PRICING = ReasonSignal(
    "pricing_views", "2026-02-20", 2.0, "2 pricing views in the last 14 days (bar: 2)"
)


def test_intent_first_then_newest_then_the_everyday_counts():
    assert distinguishing_reasons([SEATS, PAYWALL, INVITES, BUYER, PRICING]) == [
        "2 pricing views",
        "buyer: kemal@x.io (vp, admin, finance)",
        "10 invites vs 0.2 usual",
        "10 paywall hits",
        "12 active users",
    ]


def test_short_forms_drop_the_window_and_the_bar():
    assert (
        short_reason(
            "admin_switch",
            "1 admin role change in the last 28 days (ada@x.io member -> admin)",
        )
        == "admin: ada@x.io member -> admin"
    )
    assert short_reason("my_plugin", "odd reason without a window") == "odd reason without a window"
    assert (
        short_reason(
            "storage_velocity",
            "storage added up 50% in the last 14 days (3 MB vs 2 MB before; bar: +10%)",
        )
        == "storage added up 50% (3 MB vs 2 MB before)"
    )


def _signal(db, account_id, detector, at, reason):
    with write(db) as conn:
        conn.execute(
            "insert into signals(account_id, detector, at, strength, weight, points, reason, "
            "scored_at) values (?, ?, ?, 1, 5, 5, ?, ?)",
            [account_id, detector, at, reason, at],
        )


def test_queue_rows_and_pqa_queue_show_what_differs(db, db_path, tmp_path, monkeypatch):
    for account, score in (("acme", 30.0), ("globex", 20.0)):
        add_account(db, account, score=score, reasons=["12 active users in the last 28 days"])
        _signal(db, account, "seat_count", "2026-03-01T00:00:00Z", SEATS.reason)
    _signal(
        db,
        "acme",
        "legal_pages",
        "2026-02-01T00:00:00Z",
        "1 legal-page view in the last 28 days (bar: 1)",
    )
    _signal(db, "globex", "paywall_hits", "2026-03-02T00:00:00Z", PAYWALL.reason)
    rows = list_queue(db, Config(), QueueFilter(view="all"))
    assert [r.why for r in rows] == [
        ["1 legal-page view", "12 active users"],
        ["10 paywall hits", "12 active users"],
    ]
    assert rows[0].reasons == ["12 active users in the last 28 days"]  # kept as it was
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--db", str(db_path), "queue", "--view", "all"])
    assert result.exit_code == 0, result.output
    assert "1 legal-page view" in result.output and "10 paywall hits" in result.output
    listed = json.loads(CliRunner().invoke(app, ["--db", str(db_path), "queue", "--json"]).stdout)
    assert listed[0]["why"] == ["1 legal-page view", "12 active users"]
