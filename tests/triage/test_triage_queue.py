"""Capacity caps and routing: the queue never shows more than the team can work."""

from __future__ import annotations

from datetime import timedelta

from triage_data import T0, add_account

from pqa_tui import triage
from pqa_tui.config import Config, RoutingRule, TriageConfig


def live_queue(db, config, *, me, view="queue", owner=None, state=None, now=T0):
    """The account ids a view shows, best first, through the same SQL the queue uses."""
    cte, params = triage.live_triage_sql(config, now=now)
    filters = triage.QueueFilter(me=me, view=view, owner=owner, state=state)
    where, more = triage.queue_filter_sql(config, db, filters, now=now)
    sql = f"with live_triage as ({cte}) select account_id from live_triage lt where {where} "
    sql += "order by score desc, account_id"
    return [r[0] for r in db.conn.execute(sql, {**params, **more})]


def seed(db, n=8):
    for i in range(n):
        add_account(db, f"a{i}", score=100 - i)
    add_account(db, "low", score=3, qualified=False)


def test_capacity_is_per_person_cap_times_team(db):
    config = Config(triage=TriageConfig(team=["ann", "bob"], daily_cap_per_person=2))
    seed(db)
    assert triage.capacity(db, config, now=T0).total == 4
    assert live_queue(db, config, me="ann") == ["a0", "a1", "a2", "a3"]
    assert live_queue(db, config, me="ann", view="new") == [f"a{i}" for i in range(8)]


def test_empty_team_counts_one_person(db):
    config = Config(triage=TriageConfig(daily_cap_per_person=3))
    seed(db)
    assert live_queue(db, config, me="ann") == ["a0", "a1", "a2"]


def test_claims_today_use_up_capacity_and_the_rest_wait(db):
    config = Config(triage=TriageConfig(daily_cap_per_person=3))
    seed(db)
    triage.claim(db, config, "a1", "ann", now=T0)
    assert triage.capacity(db, config, now=T0).remaining == 2
    # ann sees her claim plus the best two still new; a4.. wait for tomorrow
    assert live_queue(db, config, me="ann") == ["a0", "a1", "a2"]
    assert live_queue(db, config, me="bob") == ["a0", "a2"]
    tomorrow = T0 + timedelta(days=1)
    assert live_queue(db, config, me="bob", now=tomorrow) == ["a0", "a2", "a3"]


def test_zero_cap_shows_only_mine(db):
    config = Config(triage=TriageConfig(daily_cap_per_person=0))
    seed(db)
    triage.claim(db, config, "a5", "ann", now=T0)
    assert live_queue(db, config, me="ann") == ["a5"]


def test_views_and_filters(db):
    config = Config(triage=TriageConfig(daily_cap_per_person=10))
    seed(db, 5)
    triage.claim(db, config, "a0", "ann", now=T0)
    triage.claim(db, config, "a1", "bob", now=T0)
    triage.mark_contacted(db, config, "a1", "bob", now=T0)
    triage.sunset(db, config, "a2", "ann", reason="not now", now=T0)
    triage.snooze(db, config, "a3", "ann", until=T0 + timedelta(days=2), now=T0)
    assert live_queue(db, config, me="ann", view="mine") == ["a0"]
    assert live_queue(db, config, me="ann", view="claimed") == ["a0", "a1"]
    assert live_queue(db, config, me="ann", view="parked") == ["a2", "a3"]
    assert live_queue(db, config, me="ann", view="new") == ["a4"]
    assert live_queue(db, config, me="ann") == ["a0", "a4"]
    assert live_queue(db, config, me="ann", view="all", owner="bob") == ["a1"]
    assert live_queue(db, config, me="ann", view="all", state="contacted") == ["a1"]
    assert "low" in live_queue(db, config, me="ann", view="all")
    assert "low" not in live_queue(db, config, me="ann", view="new")


def test_routing_rules_pre_assign_owners(db):
    rules = [
        RoutingRule(owner="ent", company_size_at_least=500),
        RoutingRule(owner="edu", domain_suffix=".edu"),
        RoutingRule(owner="pro", plan="pro"),
    ]
    config = Config(triage=TriageConfig(routing=rules))
    add_account(db, "big", traits={"company_size": 1200}, domain="big.com")
    add_account(db, "uni", domain="cs.mit.edu")
    add_account(db, "paid", plan="Pro")
    add_account(db, "other", domain="other.io")
    add_account(db, "low", qualified=False)
    routed = triage.route_new(db, config, now=T0)
    assert routed == {"big": "ent", "uni": "edu", "paid": "pro", "other": None}
    assert triage.live_state(db, config, "big").state == "new"
    assert live_queue(db, config, me="edu", view="mine") == ["uni"]
    # a routed account shows only in its owner's queue; unrouted ones show to all
    assert live_queue(db, config, me="edu") == ["other", "uni"]
    assert triage.history(db, "big")[0]["detail"] == {"owner": "ent", "rule": "routing[0]"}
    assert triage.route_new(db, config, now=T0) == {}  # once per account


def test_company_size_from_users_when_the_account_has_no_trait(db):
    config = Config(
        triage=TriageConfig(routing=[RoutingRule(owner="ent", company_size_at_least=50)])
    )
    add_account(db, "acme")
    db.conn.execute("insert into users(user_id, company_size) values ('u1', 80)")
    db.conn.execute("insert into memberships(user_id, account_id) values ('u1', 'acme')")
    assert triage.route_new(db, config, now=T0) == {"acme": "ent"}


def test_round_robin_when_no_rule_matches(db):
    config = Config(
        triage=TriageConfig(
            team=["ann", "bob", "cy"],
            round_robin=True,
            routing=[RoutingRule(owner="edu", domain_suffix=".edu")],
        )
    )
    for i in range(4):
        add_account(db, f"a{i}", score=50 - i)
    add_account(db, "uni", score=10, domain="x.edu")
    assert triage.route_new(db, config, now=T0) == {
        "a0": "ann",
        "a1": "bob",
        "a2": "cy",
        "a3": "ann",
        "uni": "edu",
    }
    add_account(db, "late", score=1)
    assert triage.route_new(db, config, now=T0) == {"late": "bob"}  # the turn carries on


def test_someone_else_may_claim_a_routed_account_and_the_log_says_so(db):
    config = Config(triage=TriageConfig(routing=[RoutingRule(owner="ann")]))
    add_account(db, "acme")
    triage.route_new(db, config, now=T0)
    assert triage.claim(db, config, "acme", "bob", now=T0).owner == "bob"
    assert triage.history(db, "acme")[-1]["detail"] == {"routed_to": "ann"}


def test_routed_accounts_do_not_get_round_the_cap(db):
    config = Config(
        triage=TriageConfig(team=["ann", "bob"], daily_cap_per_person=1, round_robin=True)
    )
    seed(db, 6)
    triage.route_new(db, config, now=T0)
    # team capacity 2: the best two new accounts, each shown to the person it is routed to
    assert live_queue(db, config, me="ann") == ["a0"]
    assert live_queue(db, config, me="bob") == ["a1"]
    assert live_queue(db, config, me="ann", view="mine") == ["a0", "a2", "a4"]
