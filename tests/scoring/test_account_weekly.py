"""account_detail's weekly usage: 12 weeks of active users, value events and storage."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pqa_tui.accounts import WEEKS, account_detail, weekly_usage
from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.store import write


def scored(db, account: str, as_of: str | None, last_seen: str | None = None) -> None:
    with write(db) as conn:
        conn.execute(
            "insert into accounts(account_id, name, last_seen) values (?, ?, ?)",
            [account, account.title(), last_seen],
        )
        if as_of:
            conn.execute(
                "insert into scores(account_id, score, qualified, scored_at, as_of) "
                "values (?, 12, 1, ?, ?)",
                [account, f"{as_of}T06:00:00.000000Z", as_of],
            )


def usage(db, rows: list[tuple[str, str, str, float]], users: list[tuple[str, str, str]]):
    with write(db) as conn:
        conn.executemany(
            "insert into rollups(account_id, day, metric, value) values (?,?,?,?)", rows
        )
        conn.executemany("insert into user_days(account_id, day, user_id) values (?, ?, ?)", users)


def test_twelve_weeks_end_on_the_as_of_day(db):
    scored(db, "acme", "2026-03-31")
    usage(
        db,
        [
            ("acme", "2025-12-01", "storage", 500.0),  # before the window: already stored
            ("acme", "2026-01-07", "value", 4.0),  # first day of the first week
            ("acme", "2026-01-07", "storage", 100.0),
            ("acme", "2026-01-06", "value", 99.0),  # the day before: outside
            ("acme", "2026-03-31", "value", 2.0),  # the as-of day: the last week
            ("acme", "2026-03-30", "value", 3.0),
            ("acme", "2026-03-31", "storage", 50.0),
            ("acme", "2026-04-01", "value", 7.0),  # after as_of: outside
            ("acme", "2026-03-31", "paywall", 9.0),  # another metric
            ("beta", "2026-03-31", "value", 8.0),  # another account
        ],
        [
            ("acme", "2026-03-25", "u1"),
            ("acme", "2026-03-31", "u1"),
            ("acme", "2026-03-31", "u2"),
            ("acme", "2026-03-24", "u3"),  # the week before
            ("beta", "2026-03-31", "u9"),
        ],
    )
    weekly = account_detail(db, Config(), "acme")["weekly"]
    assert weekly["weeks"][0] == "2026-01-07" and weekly["weeks"][-1] == "2026-03-25"
    assert len(set(weekly["weeks"])) == WEEKS
    assert weekly["active_users"] == [0] * 10 + [1, 2]
    assert weekly["value"] == [4] + [0] * 10 + [5]
    assert weekly["storage"] == [600] * 11 + [650]


def test_without_a_score_the_weeks_end_on_the_last_seen_day_or_are_empty(db):
    scored(db, "seen", None, last_seen="2026-02-10T08:00:00.000000Z")
    scored(db, "ghost", None)
    assert weekly_usage(db, "seen", "2026-02-10T08:00:00.000000Z")["weeks"][-1] == "2026-02-04"
    assert account_detail(db, Config(), "seen")["weekly"]["weeks"][-1] == "2026-02-04"
    assert account_detail(db, Config(), "ghost")["weekly"] == {
        "weeks": [],
        "active_users": [],
        "value": [],
        "storage": [],
    }


def test_pqa_show_json_has_the_weekly_series(db, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scored(db, "acme", "2026-03-31")
    usage(db, [("acme", "2026-03-31", "value", 2.0)], [("acme", "2026-03-31", "u1")])
    result = CliRunner().invoke(app, ["--db", str(db_path), "show", "acme", "--json"])
    assert result.exit_code == 0, result.output
    weekly = json.loads(result.stdout)["weekly"]
    assert (weekly["active_users"][-1], weekly["value"][-1]) == (1, 2)
