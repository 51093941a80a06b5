"""Handing an account to a teammate, and the one rule screens use to grey out refused steps."""

from __future__ import annotations

from dataclasses import replace

import pytest
from triage_data import add_account

from pqa_tui import triage
from pqa_tui.config import Config, TriageConfig
from pqa_tui.triage import TriageError


@pytest.fixture
def team() -> Config:
    return replace(Config(), triage=TriageConfig(team=["ann", "bob", "cy"]))


@pytest.fixture
def acme(db):
    return add_account(db, "acme")


def test_a_new_account_waits_in_the_teammates_queue(db, team, acme):
    live = triage.assign(db, team, acme, "ann", "bob")
    assert (live.state, live.owner) == ("new", "bob")
    last = triage.history(db, acme)[-1]
    assert (last["action"], last["actor"], last["detail"]) == (
        "assign",
        "ann",
        {"to": "bob"},
    )
    assert triage.claim(db, team, acme, "bob").owner == "bob"  # they still claim it


def test_your_contacted_account_keeps_its_state_and_becomes_theirs(db, team, acme):
    triage.claim(db, team, acme, "ann")
    triage.mark_contacted(db, team, acme, "ann")
    live = triage.assign(db, team, acme, "ann", "cy")
    assert (live.state, live.owner) == ("contacted", "cy")
    assert triage.record_outcome(db, team, acme, "cy", "meeting").state == "meeting"


def test_someone_elses_account_and_strangers_are_refused(db, team, acme):
    triage.claim(db, team, acme, "bob")
    with pytest.raises(TriageError, match="owned by bob, not ann"):
        triage.assign(db, team, acme, "ann", "cy")
    with pytest.raises(TriageError, match="not in the team"):
        triage.assign(db, team, acme, "bob", "mallory")
    with pytest.raises(TriageError, match="already bob's"):
        triage.assign(db, team, acme, "bob", "bob")
    assert triage.live_state(db, team, acme).owner == "bob"


def test_without_a_team_any_name_goes(db, config, acme):
    assert triage.assign(db, config, acme, "ann", "dee").owner == "dee"


def test_a_closed_account_cannot_be_assigned(db, team, acme):
    triage.claim(db, team, acme, "ann")
    triage.record_outcome(db, team, acme, "ann", "not_a_fit")
    with pytest.raises(TriageError, match="cannot assign acme: it is not_a_fit"):
        triage.assign(db, team, acme, "ann", "bob")


STEPS = {
    "claim": lambda db, c, a, who: triage.claim(db, c, a, who),
    "release": lambda db, c, a, who: triage.release(db, c, a, who),
    "contacted": lambda db, c, a, who: triage.mark_contacted(db, c, a, who),
    "outcome": lambda db, c, a, who: triage.record_outcome(db, c, a, who, "not_a_fit"),
    "assign": lambda db, c, a, who: triage.assign(db, c, a, who, "cy"),
    "sunset": lambda db, c, a, who: triage.sunset(db, c, a, who, reason="later"),
    "snooze": lambda db, c, a, who: triage.snooze(
        db, c, a, who, until=triage.current_time(None).replace(year=2100)
    ),
}
# How to bring "acme" into each state, as ann.
SETUPS = {
    "new": [],
    "claimed": ["claim"],
    "contacted": ["claim", "contacted"],
    "not_a_fit": ["claim", "outcome"],
    "sunset": ["sunset"],
    "snoozed": ["snooze"],
}


@pytest.mark.parametrize("setup", list(SETUPS))
@pytest.mark.parametrize("who", ["ann", "bob"])
@pytest.mark.parametrize("step", list(STEPS))
def test_refusal_says_no_exactly_when_the_write_would(db, team, acme, setup, who, step):
    """What a screen greys out is what the write refuses, in every state, for owner or not."""
    for earlier in SETUPS[setup]:
        STEPS[earlier](db, team, acme, "ann")
    live = triage.live_state(db, team, acme)
    why = triage.refusal(step, live.state, live.owner, who)
    if step == "assign" and live.owner == "cy":
        pytest.skip("already cy's")
    try:
        STEPS[step](db, team, acme, who)
    except TriageError:
        assert why is not None
    else:
        assert why is None, why
