"""End to end through the CLI with the clock moved (time-machine): `pqa sunset --until`,
`pqa score` on the same work weeks later, `pqa queue --json` with back_because, `pqa show`
with the sunset's snapshot, and a stale claim in `pqa queue --mine`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.testing import AccountBuilder

CONFIG = """
[scoring]
threshold = 5
[detectors.usage_volume]
enabled = false
[detectors.velocity]
enabled = false
[triage]
sunset_cooldown_days = 14
"""


@pytest.fixture
def pqa(db, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # table cells on one line
    (tmp_path / "pqa.toml").write_text(CONFIG)
    acct = AccountBuilder(db, created="2026-01-01")
    acct.active(9, "2026-06-01", "2026-08-10").save()  # nine people, every day, all summer

    def run(when: str, *args: str, who: str = "ann"):
        with time_machine.travel(datetime.fromisoformat(when).replace(tzinfo=UTC), tick=False):
            result = CliRunner().invoke(app, ["--db", str(db_path), "--as", who, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    return run


def queue_row(pqa, when: str, *args: str) -> dict:
    (row,) = [r for r in json.loads(pqa(when, "queue", "--json", *args)) if r["account"]]
    return row


def test_until_brings_a_sunset_back_and_the_queue_says_why(pqa):
    pqa("2026-07-01T08:00:00", "score")
    pqa("2026-07-01T09:00:00", "sunset", "acct-1", "--reason", "no budget", "--until", "2026-08-01")
    shown = json.loads(pqa("2026-07-01T10:00:00", "show", "acct-1", "--json"))
    (snap,) = shown["sunsets"]
    assert [(x["detector"], x["value"]) for x in snap["signals"]] == [("seat_count", 9.0)]
    assert (snap["until"], snap["back_because"]) == ("2026-08-01T00:00:00.000000Z", None)
    text = pqa("2026-07-01T10:00:00", "show", "acct-1")
    assert "Sunset 2026-07-01, until 2026-08-01: score" in text
    assert "seat_count (level): value 9" in text
    # Three more weeks of the same work, scored each week: still away.
    for when in ("2026-07-08T08:00:00", "2026-07-15T08:00:00", "2026-07-22T08:00:00"):
        pqa(when, "score")
    row = queue_row(pqa, "2026-07-31T23:00:00", "--view", "all")
    assert (row["state"], row["back_because"]) == ("sunset", None)
    row = queue_row(pqa, "2026-08-01T08:00:00", "--view", "all")
    assert (row["state"], row["owner"]) == ("new", None)
    assert row["back_because"] == "back on Aug 1 as set at the sunset on Jul 1"
    assert "back: back on Aug 1" in pqa("2026-08-01T08:00:00", "queue", "--view", "all")


def test_a_stale_claim_counts_down_in_mine_then_goes_back(pqa):
    pqa("2026-07-01T08:00:00", "score")
    pqa("2026-07-01T09:00:00", "claim", "acct-1")
    assert queue_row(pqa, "2026-07-06T09:00:00", "--mine")["claim_days_left"] == 2
    assert "claimed (ann, 2 days left)" in pqa("2026-07-06T09:00:00", "queue", "--mine")
    assert json.loads(pqa("2026-07-09T09:00:00", "queue", "--json", "--mine")) == []
    history = json.loads(pqa("2026-07-09T09:00:00", "history", "acct-1", "--json"))["activity"]
    assert history[-1]["action"] == "claim"  # reads never write; the next write records it
    pqa("2026-07-09T09:05:00", "claim", "acct-1", who="bob")
    history = json.loads(pqa("2026-07-09T09:10:00", "history", "acct-1", "--json"))["activity"]
    assert [(h["actor"], h["action"]) for h in history][-2:] == [
        ("pqa", "claim_expired"),
        ("bob", "claim"),
    ]
