"""The queue's fast SQL gives the rows the reference live_triage SQL gives, and each row
carries active users, a weekly trend and the last touch."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from triage_data import T0, add_account, add_moment, add_signal
from typer.testing import CliRunner

from pqa_tui import triage
from pqa_tui.cli import app
from pqa_tui.config import Config, RoutingRule, TriageConfig
from pqa_tui.store import write
from pqa_tui.triage import QueueFilter
from pqa_tui.triage.queue_view import SORTS, count_queue, list_queue

PEOPLE = ("ann", "bob", "cy")


def reference(db, config, filters, now):
    """The queue as triage's own SQL defines it: a window over every score (no search)."""
    cte, params = triage.live_triage_sql(config, now=now)
    where, more = triage.queue_filter_sql(config, db, filters, now=now)
    sql = f"with live_triage as ({cte}) select account_id from live_triage lt where {where} "
    return [r[0] for r in db.conn.execute(sql + "order by score desc, account_id", params | more)]


def busy_workspace(db, config, rnd: random.Random) -> None:
    """40 accounts with tied scores, some unqualified, worked by three people in every way."""
    for i in range(40):
        score = rnd.choice([5, 12, 12, 20, 33, 33, 41])
        add_account(db, f"a{i:02}", score=score, qualified=score > 10 and rnd.random() < 0.8)
    triage.route_new(db, config, now=T0 - timedelta(days=30))
    earlier = T0 - timedelta(days=20)
    for i in range(40):
        account, who = f"a{i:02}", rnd.choice(PEOPLE)
        steps = rnd.choice(["none", "claim", "contacted", "sunset", "snooze", "lost", "park"])
        try:
            if steps != "none":
                triage.claim(db, config, account, who, now=earlier)
            if steps in ("contacted", "lost"):
                triage.mark_contacted(db, config, account, who, now=earlier)
            if steps == "lost":
                triage.record_outcome(db, config, account, who, "lost", now=earlier)
            if steps in ("sunset", "park"):
                until = earlier + timedelta(days=rnd.choice([5, 60])) if steps == "park" else None
                triage.sunset(db, config, account, who, reason="not now", until=until, now=earlier)
            if steps == "snooze":
                until = earlier + timedelta(days=rnd.choice([10, 30]))
                triage.snooze(db, config, account, who, until=until, now=earlier)
        except triage.TriageError:
            pass
        if rnd.random() < 0.3:  # a new PQA moment or signal after the sunset brings it back
            add_moment(db, account, earlier + timedelta(days=rnd.choice([1, 15])))
        if rnd.random() < 0.2:
            add_signal(db, account, earlier + timedelta(days=rnd.choice([2, 16])))
    for account in rnd.sample([f"a{i:02}" for i in range(40)], 3):  # claims today use capacity
        try:
            triage.claim(db, config, account, rnd.choice(PEOPLE), now=T0)
        except triage.TriageError:
            pass


@pytest.mark.parametrize("seed", range(4))
def test_every_view_and_filter_lists_what_triage_sql_defines(db, seed):
    rnd = random.Random(seed)
    config = Config(
        triage=TriageConfig(
            team=list(PEOPLE[:2]),
            daily_cap_per_person=rnd.choice([1, 3]),
            round_robin=seed % 2 == 0,
            routing=[RoutingRule(owner="cy", plan="pro")],
        )
    )
    busy_workspace(db, config, rnd)
    checked = 0
    for now in (T0, T0 + timedelta(days=12), T0 + timedelta(days=45)):
        for view in triage.VIEWS:
            for me in (*PEOPLE, None):
                for owner, state in ((None, None), ("ann", None), (None, "new"), (None, "sunset")):
                    filters = QueueFilter(me=me, view=view, owner=owner, state=state)
                    expected = reference(db, config, filters, now)
                    rows = list_queue(db, config, filters, limit=1000, now=now)
                    assert [r.account for r in rows] == expected, filters
                    assert count_queue(db, config, filters, now=now) == len(expected), filters
                    checked += len(expected)
            searched = QueueFilter(me="ann", view=view, search="1")
            expected = [a for a in reference(db, config, searched, now) if "1" in a]
            rows = list_queue(db, config, searched, limit=1000, now=now)
            assert [r.account for r in rows] == expected, searched
            assert count_queue(db, config, searched, now=now) == len(expected), searched
    assert checked > 1000  # the views were not all empty


def test_pages_follow_the_order_of_every_sort(db):
    config = Config(triage=TriageConfig(daily_cap_per_person=50))
    busy_workspace(db, config, random.Random(9))
    for sort in SORTS:
        for descending in (True, False):
            filters = QueueFilter(me="ann", view="all", sort=sort, descending=descending)
            whole = [r.account for r in list_queue(db, config, filters, limit=100, now=T0)]
            paged = [
                r.account
                for offset in range(0, 40, 7)
                for r in list_queue(db, config, filters, limit=7, offset=offset, now=T0)
            ]
            assert paged == whole and len(whole) == 40, (sort, descending)


def active_on(db, account: str, user: str, *days: str) -> None:
    with write(db) as conn:
        conn.executemany(
            "insert into user_days(account_id, day, user_id) values (?, ?, ?)",
            [(account, day, user) for day in days],
        )


@pytest.fixture
def used(db):
    """Scored as of 2026-03-02: acme grew from one user to three, beta shrank to one."""
    config = Config()
    add_account(db, "acme", score=30)
    add_account(db, "beta", score=40)
    add_account(db, "idle", score=20)
    active_on(db, "acme", "u1", "2026-01-06", "2026-02-20", "2026-03-02")
    active_on(db, "acme", "u2", "2026-02-24", "2026-03-01")
    active_on(db, "acme", "u3", "2026-03-03")  # the day after as_of: not counted
    active_on(db, "acme", "u4", "2026-02-02")  # 29 days before as_of: trend, not active users
    for user in ("u5", "u6", "u7"):
        active_on(db, "beta", user, "2026-01-07")  # the first week of the trend
    active_on(db, "beta", "u8", "2026-02-25")
    active_on(db, "beta", "u9", "2025-12-01")  # before the trend
    return config


def test_rows_carry_active_users_and_a_weekly_trend(db, used):
    rows = {r.account: r for r in list_queue(db, used, QueueFilter(view="all"), now=T0)}
    assert rows["acme"].active_users == 2  # u1, u2 (u3 only after, u4 too early)
    assert rows["acme"].trend == [1, 0, 0, 1, 0, 0, 1, 2]
    assert rows["beta"].active_users == 1
    assert rows["beta"].trend == [3, 0, 0, 0, 0, 0, 0, 1]
    assert (rows["idle"].active_users, rows["idle"].trend) == (0, [0] * 8)


def test_sorts_by_active_users_trend_and_last_touch(db, used):
    def order(sort, descending=True):
        rows = list_queue(
            db, used, QueueFilter(view="all", sort=sort, descending=descending), now=T0
        )
        return [r.account for r in rows]

    assert order("active_users") == ["acme", "beta", "idle"]
    assert order("active_users", descending=False) == ["idle", "beta", "acme"]
    assert order("trend") == ["acme", "idle", "beta"]  # +1, 0, -2 since the first week
    triage.route_new(db, used, now=T0)  # the system's own step is not a touch
    assert order("last_touch") == ["acme", "beta", "idle"]  # none touched: by account
    triage.add_note(db, used, "idle", "ann", "called", now=T0)
    triage.claim(db, used, "beta", "bob", now=T0 + timedelta(hours=1))
    assert order("last_touch") == ["beta", "idle", "acme"]


def test_last_touch_is_a_person_s_latest_step_or_note(db, used):
    def touch(account):
        (row,) = [
            r for r in list_queue(db, used, QueueFilter(view="all"), now=T0) if r.account == account
        ]
        return row.last_touch

    triage.route_new(db, used, now=T0)
    assert touch("acme") is None
    triage.claim(db, used, "acme", "ann", now=T0)
    triage.add_note(db, used, "acme", "ann", "left a voicemail", now=T0 + timedelta(hours=2))
    assert touch("acme") == "2026-03-02T11:00:00.000000Z"


def test_queue_json_has_the_new_keys_and_keeps_the_old(db, db_path, used, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--db", str(db_path), "queue", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["account"]: r for r in json.loads(result.stdout)}
    assert list(rows["acme"]) == [
        "account",
        "name",
        "domain",
        "score",
        "qualified",
        "reasons",
        "gate",
        "state",
        "owner",
        "pqa_since",
        "version",
        "active_users",
        "trend",
        "last_touch",
        "why",
        "back_because",
        "claim_days_left",
    ]
    assert (rows["acme"]["active_users"], rows["acme"]["trend"][-1]) == (2, 2)
