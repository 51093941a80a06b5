"""A small fixed workspace for the TUI tests: scored accounts written straight into the tables
the core reads, so every picture and every assertion is the same on every run."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from textual import events

from pqa_tui import store

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SCORED_AT = "2026-03-10T06:00:00.000000Z"
SCORED_DAY = date(2026, 3, 10)
MARKUP_NAME = "[bold red]x[/]"
ESCAPE_NAME = "\x1b[31mEVIL\x1b[0m\x1b]0;pwned\x07"

ACCOUNTS = [
    # account_id, name, domain, score, reasons
    ("acct-01", "Acme Rockets", "acme.io", 42.5, ["9 active users in 28 days", "pricing viewed"]),
    ("acct-02", MARKUP_NAME, "markup.io", 38.0, ["[link=http://x]click[/link] hit paywall"]),
    ("acct-03", ESCAPE_NAME, "escape.io", 33.1, ["admin switched \x1b[2J"]),
    ("acct-04", "Globex", "globex.com", 30.0, ["storage doubled"]),
    ("acct-05", "Initech", "initech.com", 25.2, ["7 users"]),
    ("acct-06", "Umbrella", "umbrella.co", 20.7, ["terms of use viewed"]),
]


def write_account(
    db_path: Path,
    account_id: str,
    name: str,
    domain: str,
    score: float,
    reasons: list[str],
) -> None:
    """One scored, qualified account with a signal per reason."""
    db = store.open_db(db_path)
    try:
        with store.write(db) as conn:
            conn.execute(
                "insert into accounts(account_id, name, domain, plan, created_at, first_seen,"
                " last_seen) values (?, ?, ?, 'free', ?, ?, ?)",
                [
                    account_id,
                    name,
                    domain,
                    "2026-01-05T09:00:00.000000Z",
                    "2026-01-05T09:00:00.000000Z",
                    "2026-03-09T17:00:00.000000Z",
                ],
            )
            conn.execute(
                "insert into scores(account_id, score, qualified, reasons, scored_at, as_of)"
                " values (?, ?, 1, ?, ?, ?)",
                [account_id, score, json.dumps(reasons), SCORED_AT, SCORED_AT],
            )
            for i, reason in enumerate(reasons):
                conn.execute(
                    "insert into signals(account_id, detector, at, strength, weight, points,"
                    " reason, scored_at) values (?, ?, ?, 0.8, 10, ?, ?, ?)",
                    [
                        account_id,
                        f"detector_{i}",
                        "2026-03-08T10:00:00.000000Z",
                        score / len(reasons),
                        reason,
                        SCORED_AT,
                    ],
                )
    finally:
        db.close()


async def settle(pilot) -> None:
    """Wait until every worker has finished and its results are on screen."""
    app = pilot.app
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def write_profile(db_path: Path) -> None:
    """acct-01's users (an admin among them), traits and score history: the account screen."""
    db = store.open_db(db_path)
    try:
        with store.write(db) as conn:
            conn.execute(
                "update accounts set traits = ? where account_id = 'acct-01'",
                [json.dumps({"company_size": 120, "industry": "software"})],
            )
            users = [
                ("u-ana", "ana@acme.io", "Ana Lima", "admin", "director", "2026-03-09"),
                ("u-bo", "bo@acme.io", "Bo [i]Chen[/i]", "member", "ic", "2026-03-08"),
            ]
            for user_id, email, name, role, seniority, seen in users:
                conn.execute(
                    "insert into users(user_id, email, name, role, seniority, first_seen,"
                    " last_seen) values (?, ?, ?, ?, ?, ?, ?)",
                    [
                        user_id,
                        email,
                        name,
                        role,
                        seniority,
                        "2026-01-05T09:00:00.000000Z",
                        f"{seen}T10:00:00.000000Z",
                    ],
                )
                conn.execute(
                    "insert into memberships(user_id, account_id, first_seen, last_seen)"
                    " values (?, 'acct-01', ?, ?)",
                    [user_id, "2026-01-05T09:00:00.000000Z", f"{seen}T10:00:00.000000Z"],
                )
            conn.executemany(
                "insert into score_history(account_id, day, score, qualified)"
                " values ('acct-01', ?, ?, ?)",
                [(f"2026-03-{d:02}", d * 4.0, int(d * 4 >= 10)) for d in range(1, 11)],
            )
            # Twelve weeks up to the as-of day (2026-03-10): more users, events and storage
            # each week; the third user arrives five weeks before.
            for week in range(12):
                day = (SCORED_DAY - timedelta(days=7 * (11 - week))).isoformat()
                users = ["u-ana", "u-bo", "u-cy"][: 1 + (week >= 4) + (week >= 7)]
                conn.executemany(
                    "insert into user_days(account_id, day, user_id) values ('acct-01', ?, ?)",
                    [(day, user) for user in users],
                )
                conn.executemany(
                    "insert into rollups(account_id, day, metric, value)"
                    " values ('acct-01', ?, ?, ?)",
                    [(day, "value", 3.0 * week + 1), (day, "storage", 2e8 * week)],
                )
    finally:
        db.close()


def write_many(db_path: Path, count: int) -> None:
    """``count`` plain scored accounts (``bulk-00000`` ...), for paging."""
    db = store.open_db(db_path)
    try:
        with store.write(db) as conn:
            conn.executemany(
                "insert into accounts(account_id, name, domain) values (?, ?, ?)",
                [(f"bulk-{i:05}", f"Bulk {i:05}", f"bulk{i}.io") for i in range(count)],
            )
            conn.executemany(
                "insert into scores(account_id, score, qualified, reasons, scored_at, as_of)"
                " values (?, ?, 1, '[\"7 users\"]', ?, ?)",
                [(f"bulk-{i:05}", 15.0 - i / count, SCORED_AT, SCORED_AT) for i in range(count)],
            )
    finally:
        db.close()


def drive(app, script, *, size=(120, 40), notifications: bool = False) -> None:
    """Run ``app`` headless, wait for its first load, then ``await script(pilot)``."""

    async def main() -> None:
        async with app.run_test(size=size, notifications=notifications) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(main())


KEY_NAMES = {" ": "space", "/": "slash"}


def burst(app, text: str, *then: str) -> None:
    """Send ``text`` and the keys ``then`` to the app at once, as a fast typist or a terminal's
    burst does: nothing is processed between them (unlike ``pilot.press``, which waits)."""
    keys = [(KEY_NAMES.get(c, c), c) for c in text] + [(k, None) for k in then]
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
