"""Stale claims go back to the pool; a recent contact keeps an account from surfacing again;
an outcome after a conversation implies the contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from triage_data import T0, add_account, add_signal, rescore

from pqa_tui import triage
from pqa_tui.config import ChannelConfig, Config, NotifyConfig, TriageConfig
from pqa_tui.triage import QueueFilter, TriageError
from pqa_tui.triage.queue_view import list_queue

DAY = timedelta(days=1)


@pytest.fixture
def config():
    stale = ChannelConfig(name="ann", url="json://localhost", on=["stale_claim"], owner="ann")
    return Config(notify=NotifyConfig(channels=[stale]))


def queued(db, config, when, view="queue", me="cy"):
    return [r.account for r in list_queue(db, config, QueueFilter(me=me, view=view), now=when)]


def outbox(db):
    return [(r["event"], r["account_id"]) for r in db.query("select * from outbox order by id")]


def test_a_stale_claim_returns_on_day_8_and_not_on_day_6(db, config):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    day6 = triage.live_state(db, config, "acme", now=T0 + 6 * DAY)
    assert (day6.state, day6.owner) == ("claimed", "ann")
    assert "acme" not in queued(db, config, T0 + 6 * DAY)
    day8 = triage.live_state(db, config, "acme", now=T0 + 8 * DAY)
    assert (day8.state, day8.owner) == ("new", None)
    assert "acme" in queued(db, config, T0 + 8 * DAY)
    # The next write records why, and queues the stale_claim event in the same transaction.
    assert triage.resurface_due(db, config, now=T0 + 6 * DAY) == []
    assert triage.resurface_due(db, config, now=T0 + 8 * DAY) == ["acme"]
    last = triage.history(db, "acme")[-1]
    assert (last["actor"], last["action"], last["from"], last["to"]) == (
        "pqa", "claim_expired", "claimed", "new"
    )  # fmt: skip
    assert last["detail"]["reason"] == (
        "claim by ann expired: no note, contact, outcome or feedback for 7 days"
    )
    assert outbox(db) == [("stale_claim", "acme")]
    triage.claim(db, config, "acme", "bob", now=T0 + 9 * DAY)  # free for anyone now


def test_a_note_keeps_a_claim_alive(db, config):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    triage.add_note(db, config, "acme", "ann", "left a voicemail", now=T0 + 5 * DAY)
    assert triage.live_state(db, config, "acme", now=T0 + 11 * DAY).owner == "ann"
    assert triage.live_state(db, config, "acme", now=T0 + 12 * DAY).owner is None


def test_contacted_claims_do_not_expire_and_zero_turns_expiry_off(db, config):
    add_account(db, "acme")
    add_account(db, "zeta")
    triage.claim(db, config, "acme", "ann", now=T0)
    triage.mark_contacted(db, config, "acme", "ann", now=T0)
    triage.claim(db, config, "zeta", "ann", now=T0)
    assert triage.live_state(db, config, "acme", now=T0 + 90 * DAY).state == "contacted"
    never = Config(triage=TriageConfig(claim_expiry_days=0))
    assert triage.live_state(db, never, "zeta", now=T0 + 90 * DAY).owner == "ann"


def test_mine_shows_the_days_left_on_a_claim(db, config):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    (row,) = list_queue(db, config, QueueFilter(me="ann", view="mine"), now=T0 + 5 * DAY)
    assert (row.account, row.claim_days_left) == ("acme", 2)
    off = Config(triage=TriageConfig(claim_expiry_days=0))
    (row,) = list_queue(db, off, QueueFilter(me="ann", view="mine"), now=T0 + 5 * DAY)
    assert row.claim_days_left is None


def contacted_then_released(db, config):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    triage.mark_contacted(db, config, "acme", "ann", now=T0 + DAY)
    triage.release(db, config, "acme", "ann", reason="wrong person", now=T0 + 2 * DAY)


def test_a_contacted_account_is_not_surfaced_again_within_the_cooldown(db, config):
    contacted_then_released(db, config)
    for view in ("queue", "new"):
        assert "acme" not in queued(db, config, T0 + 3 * DAY, view)
        assert "acme" not in queued(db, config, T0 + 30 * DAY, view)
        assert "acme" in queued(db, config, T0 + 32 * DAY, view)  # 30 days after the contact
    assert triage.live_state(db, config, "acme", now=T0 + 3 * DAY).state == "new"


def test_a_level_signal_after_the_contact_does_not_lift_the_hold(db, config):
    contacted_then_released(db, config)
    add_signal(db, "acme", T0 + 5 * DAY, "seat_count", value=20.0)
    assert "acme" not in queued(db, config, T0 + 6 * DAY)


def test_a_behavioural_signal_after_the_contact_does(db, config):
    contacted_then_released(db, config)
    add_signal(db, "acme", T0 + 5 * DAY, "pricing_views", value=3.0, behavioural=True)
    assert "acme" not in queued(db, config, T0 + 5 * DAY - timedelta(seconds=1))
    assert "acme" in queued(db, config, T0 + 6 * DAY)


def test_zero_contact_cooldown_surfaces_it_at_once(db):
    config = Config(triage=TriageConfig(contact_cooldown_days=0))
    contacted_then_released(db, config)
    assert "acme" in queued(db, config, T0 + 3 * DAY)


@pytest.mark.parametrize("outcome", ["meeting", "qualified", "won", "lost"])
def test_an_outcome_on_a_claimed_account_implies_the_contact(db, config, outcome):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    live = triage.record_outcome(db, config, "acme", "ann", outcome, now=T0 + DAY)
    assert (live.state, live.previous) == (outcome, "claimed")
    log = [(r["action"], r["from"], r["to"]) for r in triage.history(db, "acme")]
    assert log[-2:] == [("contacted", "claimed", "contacted"), ("outcome", "contacted", outcome)]
    assert triage.history(db, "acme")[-2]["detail"] == {"detail": f"implied by {outcome}"}
    assert [o["outcome"] for o in triage.outcomes(db, "acme")] == [outcome]


def test_no_response_still_needs_a_contact(db, config):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    with pytest.raises(TriageError, match="no_response follows contacted"):
        triage.record_outcome(db, config, "acme", "ann", "no_response", now=T0 + DAY)


def test_a_recent_contact_holds_a_sunset_return_unless_the_news_is_behavioural(db, config):
    add_account(db, "acme")
    rescore(db, config, "acme", T0, ("seat_count", False, 9.0, T0))
    triage.claim(db, config, "acme", "ann", now=T0)
    triage.mark_contacted(db, config, "acme", "ann", now=T0 + DAY)
    triage.sunset(db, config, "acme", "ann", reason="no reply", now=T0 + 2 * DAY)
    # +56% seats: new, but a level; the contact on day 1 holds it for 30 days.
    rescore(db, config, "acme", T0 + 20 * DAY, ("seat_count", False, 14.0, T0 + 20 * DAY))
    assert triage.live_state(db, config, "acme", now=T0 + 20 * DAY).state == "sunset"
    assert triage.live_state(db, config, "acme", now=T0 + 31 * DAY).state == "new"
    # A pricing visit after the contact lifts the hold at once (the sunset cooldown has passed).
    rescore(db, config, "acme", T0 + 21 * DAY, ("pricing_views", True, 2.0, T0 + 21 * DAY))
    assert triage.live_state(db, config, "acme", now=T0 + 21 * DAY).state == "new"
