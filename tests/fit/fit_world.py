"""A world where the truth is known, built with pqa_tui.testing: three segments of accounts.

Every week from START a cohort signs up and is active for eight weeks:

- ``usage``: a big free team (10 users, lots of value events), never a look at pricing or
  legal pages, no buyer: seats and volume alone carry it over the bar. Never converts.
- ``kicker``: the same big team, and it looks at pricing every week. Has intent, never buys.
- ``buyer`` (two a week): a small team with a VP, legal-page and pricing views. Converts
  (plan change and a ``converted`` outcome) five weeks after signing up.

Under the old default (no intent rule) all three surface; the intent rule drops ``usage``;
the default weights still surface ``kicker`` (seats + volume + pricing), which a fit on the
outcomes learns to leave out.
"""

from __future__ import annotations

from datetime import date, timedelta

from pqa_tui import store
from pqa_tui.testing import AccountBuilder

START = date(2026, 1, 5)
COHORTS = 40  # weeks of sign-ups
ACTIVE_DAYS = 56
CONVERTS_AFTER = 35
# The middle of the world: `pqa fit --until UNTIL` learns from the first half only.
UNTIL = date(2026, 6, 28)
HORIZON_DAYS = 42  # longer than CONVERTS_AFTER: surfacing a buyer early is no mistake


def _account(db, segment: str, n: int, signup: date) -> AccountBuilder:
    acct = AccountBuilder(
        db,
        account_id=f"{segment}-{n:02d}",
        name=f"{segment.title()} {n}",
        domain=f"{segment}{n}.io",
        created=signup - timedelta(days=14),  # old enough for the age gate once active
    )
    last = signup + timedelta(days=ACTIVE_DAYS)
    users = [f"{acct.account_id}-u{u}" for u in range(1, (4 if segment == "buyer" else 10) + 1)]
    if segment == "buyer":
        acct.user(users[0], seniority="VP")
    day = signup
    while day <= last:
        for user in users:
            acct.track(user, "Document Created", day)
        if segment in ("kicker", "buyer") and (day - signup).days % 7 == 0:
            acct.page(users[0], "/pricing", day, count=2)
        if segment == "buyer" and (day - signup).days % 7 == 3:
            acct.page(users[0], "/terms", day)
        day += timedelta(days=2)
    if segment == "buyer":
        acct.plan_change("free", "pro", signup + timedelta(days=CONVERTS_AFTER))
    return acct.save()


def build(db) -> dict[str, list[str]]:
    """Write the world into ``db``; segment -> account ids."""
    segments: dict[str, list[str]] = {"usage": [], "kicker": [], "buyer": []}
    for week in range(COHORTS):
        signup = START + timedelta(days=7 * week)
        for segment, n in (("usage", week), ("kicker", week), ("buyer", 2 * week)):
            segments[segment].append(_account(db, segment, n, signup).account_id)
        segments["buyer"].append(_account(db, "buyer", 2 * week + 1, signup).account_id)
        convert = signup + timedelta(days=CONVERTS_AFTER)
        for account_id in segments["buyer"][-2:]:
            outcome(db, account_id, convert, "converted")
    return segments


def outcome(db, account_id: str, day: date, what: str) -> None:
    """An outcome as ingest (``converted``, source product) or a CRM import (``won``) records."""
    with store.write(db) as conn:
        conn.execute(
            "insert into outcomes (account_id, at, outcome, source) values (?, ?, ?, ?)",
            (
                account_id,
                f"{day}T12:00:00.000000Z",
                what,
                "product" if what == "converted" else "crm",
            ),
        )


def verdict(db, account_id: str, day: date, good: bool) -> None:
    """A rep's verdict on an account."""
    with store.write(db) as conn:
        conn.execute(
            "insert into feedback (account_id, author, at, verdict) values (?, ?, ?, ?)",
            (account_id, "ann", f"{day}T12:00:00.000000Z", "good" if good else "bad"),
        )
