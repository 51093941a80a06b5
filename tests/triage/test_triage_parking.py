"""Sunset returns at a *new* PQA moment after the cooldown (or on a date); snooze on a date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from triage_data import T0, add_account, add_moment, rescore

from pqa_tui import triage
from pqa_tui.config import Config, TriageConfig
from pqa_tui.triage import TriageError

DAY = timedelta(days=1)


@pytest.fixture
def config():
    # No contact cooldown here: acme was contacted, and test_contact_cadence.py covers that.
    return Config(triage=TriageConfig(sunset_cooldown_days=14, contact_cooldown_days=0))


SEATS = ("seat_count", False, 9.0, T0 + 7 * DAY)  # a level: re-dated every active day
PRICING = ("pricing_views", True, 2.0, T0 + 6 * DAY)  # a buying step, before the sunset


@pytest.fixture
def sunset_acme(db, config):
    add_account(db, "acme")
    add_moment(db, "acme", T0 - 5 * DAY)  # the moment that surfaced it
    rescore(db, config, "acme", T0 + 7 * DAY, SEATS, PRICING)
    triage.claim(db, config, "acme", "ann", now=T0)
    triage.mark_contacted(db, config, "acme", "ann", now=T0)
    triage.record_outcome(db, config, "acme", "ann", "no_response", now=T0 + 7 * DAY)
    triage.sunset(db, config, "acme", "ann", reason="no reply to 3 emails", now=T0 + 8 * DAY)
    return "acme"


def state_at(db, config, when):
    live = triage.live_state(db, config, "acme", now=when)
    return live.state, live.owner


def test_sunset_stays_gone_without_a_new_moment(db, config, sunset_acme):
    assert state_at(db, config, T0 + 8 * DAY) == ("sunset", "ann")
    assert state_at(db, config, T0 + 300 * DAY) == ("sunset", "ann")


def test_sunset_keeps_what_the_account_looked_like(db, config, sunset_acme):
    (snap,) = triage.sunset_snapshots(db, "acme")
    assert snap["score"] == 20.0 and snap["back_because"] is None
    got = {(x["detector"], x["behavioural"], x["value"]) for x in snap["signals"]}
    assert got == {("seat_count", False, 9.0), ("pricing_views", True, 2.0)}


def test_new_behaviour_after_sunset_resurfaces_after_cooldown(db, config, sunset_acme):
    pricing = ("pricing_views", True, 3.0, T0 + 10 * DAY)
    assert rescore(db, config, "acme", T0 + 10 * DAY, SEATS, pricing) == ["acme"]
    # the pricing visit happened, but the cooldown (14 days from the sunset) has not passed
    assert state_at(db, config, T0 + 12 * DAY) == ("sunset", "ann")
    assert state_at(db, config, T0 + 22 * DAY - timedelta(seconds=1))[0] == "sunset"
    # back, new and unowned, for whoever picks it up
    assert state_at(db, config, T0 + 22 * DAY) == ("new", None)


def test_same_signals_re_dated_after_sunset_do_not_count(db, config, sunset_acme):
    # Was: any signal newer than the sunset brought the account back. A level re-dates itself
    # every active day, so that brought every active account back: now it must be new.
    seats_later = ("seat_count", False, 10.0, T0 + 30 * DAY)
    assert rescore(db, config, "acme", T0 + 30 * DAY, seats_later, PRICING) == []
    assert state_at(db, config, T0 + 40 * DAY)[0] == "sunset"


def test_a_detector_not_firing_at_the_sunset_counts(db, config, sunset_acme):
    invites = ("invite_spike", False, 6.0, T0 + 29 * DAY)
    rescore(db, config, "acme", T0 + 30 * DAY, SEATS, invites)
    assert state_at(db, config, T0 + 30 * DAY - timedelta(seconds=1))[0] == "sunset"
    assert state_at(db, config, T0 + 30 * DAY) == ("new", None)


def test_old_behaviour_does_not_resurface(db, config, sunset_acme):
    add_moment(db, "acme", T0 + 7 * DAY)  # before the sunset: not a *new* moment
    rescore(db, config, "acme", T0 + 60 * DAY, SEATS, PRICING)  # the same pricing views
    assert state_at(db, config, T0 + 60 * DAY)[0] == "sunset"


def test_zero_cooldown_resurfaces_at_the_moment(db, sunset_acme):
    config = Config(triage=TriageConfig(sunset_cooldown_days=0))
    rescore(db, config, "acme", T0 + 9 * DAY, SEATS, ("pricing_views", True, 2, T0 + 9 * DAY))
    assert state_at(db, config, T0 + 9 * DAY)[0] == "new"


def test_sunset_until_date_resurfaces_without_a_moment(db, config):
    add_account(db, "acme")
    until = T0 + 30 * DAY
    triage.sunset(db, config, "acme", "ann", reason="budget in Q3", until=until, now=T0)
    assert state_at(db, config, until - timedelta(seconds=1))[0] == "sunset"
    assert state_at(db, config, until)[0] == "new"


def test_resurface_is_recorded_by_the_next_write(db, config, sunset_acme):
    rescore(db, config, "acme", T0 + 25 * DAY, ("seat_count", False, 14.0, T0 + 25 * DAY))
    triage.claim(db, config, "acme", "bob", now=T0 + 26 * DAY)
    log = [(r["actor"], r["action"], r["from"], r["to"]) for r in triage.history(db, "acme")]
    assert log[-2:] == [("pqa", "resurface", "sunset", "new"), ("bob", "claim", "new", "claimed")]
    because = triage.history(db, "acme")[-2]["detail"]["because"]
    assert because == "seat count 14, 9 at the sunset on Mar 10 (+56%)"


def test_resurface_due_records_every_returning_account(db, config, sunset_acme):
    add_account(db, "zeta")
    triage.sunset(db, config, "zeta", "ann", reason="later", now=T0 + 8 * DAY)
    rescore(db, config, "acme", T0 + 25 * DAY, ("legal_pages", True, 1.0, T0 + 25 * DAY))
    assert triage.resurface_due(db, config, now=T0 + 23 * DAY) == []
    assert triage.resurface_due(db, config, now=T0 + 26 * DAY) == ["acme"]
    assert triage.history(db, "acme")[-1]["action"] == "resurface"
    assert triage.resurface_due(db, config, now=T0 + 27 * DAY) == []  # recorded once
    assert triage.live_state(db, config, "zeta", now=T0 + 27 * DAY).state == "sunset"


def test_sunset_needs_a_reason_and_a_future_date(db, config):
    add_account(db, "acme")
    with pytest.raises(TriageError, match="needs a reason"):
        triage.sunset(db, config, "acme", "ann", reason=" ")
    with pytest.raises(TriageError, match="not in the future"):
        triage.sunset(db, config, "acme", "ann", reason="x", until=T0 - DAY, now=T0)


def test_claiming_a_sunset_account_takes_it_back(db, config, sunset_acme):
    live = triage.claim(db, config, "acme", "bob", now=T0 + 9 * DAY)
    assert (live.state, live.owner, live.sunset_at) == ("claimed", "bob", None)


def test_snooze_hides_until_the_date_and_returns_to_its_state(db, config):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    until = T0 + 3 * DAY
    triage.snooze(db, config, "acme", "ann", until=until, reason="call after launch", now=T0)
    assert state_at(db, config, until - timedelta(seconds=1)) == ("snoozed", "ann")
    assert state_at(db, config, until) == ("claimed", "ann")
    # a write after expiry records the return, then goes on from the returned state
    triage.mark_contacted(db, config, "acme", "ann", now=until + DAY)
    log = [(r["action"], r["from"], r["to"]) for r in triage.history(db, "acme")]
    assert log[-3:] == [
        ("snooze", "claimed", "snoozed"),
        ("snooze_ended", "snoozed", "claimed"),
        ("contacted", "claimed", "contacted"),
    ]


def test_snoozed_account_refuses_contact_until_it_returns(db, config):
    add_account(db, "acme")
    triage.claim(db, config, "acme", "ann", now=T0)
    triage.snooze(db, config, "acme", "ann", until=T0 + 3 * DAY, now=T0)
    with pytest.raises(TriageError, match="it is snoozed"):
        triage.mark_contacted(db, config, "acme", "ann", now=T0 + DAY)


def test_snooze_needs_a_future_date(db, config):
    add_account(db, "acme")
    with pytest.raises(TriageError, match="not in the future"):
        triage.snooze(db, config, "acme", "ann", until=T0, now=T0)


def test_claim_of_a_resurfaced_account_with_the_version_the_screen_showed(db, config, sunset_acme):
    rescore(db, config, "acme", T0 + 25 * DAY, ("paywall_hits", True, 3.0, T0 + 25 * DAY))
    shown = triage.live_state(db, config, "acme", now=T0 + 26 * DAY)
    assert shown.state == "new"
    live = triage.claim(
        db, config, "acme", "bob", expected_version=shown.version, now=T0 + 26 * DAY
    )
    assert (live.state, live.owner, live.previous) == ("claimed", "bob", "new")
