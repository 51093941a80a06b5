"""Every transition of the triage state machine, and the ones it refuses."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from triage_data import T0, add_account

from pqa_tui import triage
from pqa_tui.triage import AlreadyClaimed, TriageError


@pytest.fixture
def acme(db):
    return add_account(db, "acme")


def states(db):
    return [(r["action"], r["from"], r["to"]) for r in triage.history(db, "acme")]


def test_untouched_account_is_new_and_unowned(db, config, acme):
    live = triage.live_state(db, config, acme)
    assert (live.state, live.owner, live.version) == ("new", None, 0)


def test_claim_contact_outcome_path_is_logged(db, config, acme):
    triage.claim(db, config, acme, "ann", now=T0)
    triage.mark_contacted(db, config, acme, "ann", now=T0 + timedelta(hours=1))
    triage.record_outcome(db, config, acme, "ann", "meeting", now=T0 + timedelta(days=2))
    triage.record_outcome(db, config, acme, "ann", "qualified", now=T0 + timedelta(days=9))
    final = triage.record_outcome(db, config, acme, "ann", "won", now=T0 + timedelta(days=40))
    assert (final.state, final.owner) == ("won", "ann")
    assert states(db) == [
        ("claim", "new", "claimed"),
        ("contacted", "claimed", "contacted"),
        ("outcome", "contacted", "meeting"),
        ("outcome", "meeting", "qualified"),
        ("outcome", "qualified", "won"),
    ]
    log = triage.history(db, acme)
    assert {r["actor"] for r in log} == {"ann"}
    assert log[-1]["at"] == "2026-04-11T09:00:00.000000Z"
    assert [o["outcome"] for o in triage.outcomes(db, acme)] == [
        "meeting",
        "qualified",
        "won",
    ]


@pytest.mark.parametrize(
    "outcome", ["meeting", "qualified", "won", "lost", "no_response", "not_a_fit"]
)
def test_every_outcome_follows_contacted(db, config, acme, outcome):
    triage.claim(db, config, acme, "ann")
    triage.mark_contacted(db, config, acme, "ann")
    assert triage.record_outcome(db, config, acme, "ann", outcome).state == outcome


def test_outcome_names_are_forgiving_about_spelling(db, config, acme):
    triage.claim(db, config, acme, "ann")
    triage.mark_contacted(db, config, acme, "ann")
    assert triage.record_outcome(db, config, acme, "ann", "No Response").state == "no_response"


def test_second_claim_is_already_claimed_by_owner(db, config, acme):
    triage.claim(db, config, acme, "ann")
    with pytest.raises(AlreadyClaimed, match="already claimed by ann") as e:
        triage.claim(db, config, acme, "bob")
    assert e.value.owner == "ann"
    assert triage.live_state(db, config, acme).owner == "ann"
    assert len(triage.history(db, acme)) == 1


def test_claim_with_stale_version_loses_to_the_winner(db, config, acme):
    seen = triage.live_state(db, config, acme).version  # what bob's screen showed
    triage.claim(db, config, acme, "ann")
    with pytest.raises(AlreadyClaimed, match="ann"):
        triage.claim(db, config, acme, "bob", expected_version=seen)


def test_claim_with_stale_version_of_changed_unowned_account_is_refused(db, config, acme):
    seen = triage.live_state(db, config, acme).version
    triage.claim(db, config, acme, "ann")
    triage.release(db, config, acme, "ann")
    with pytest.raises(TriageError, match="changed since you loaded it"):
        triage.claim(db, config, acme, "bob", expected_version=seen)


def test_claiming_your_own_account_again_says_so(db, config, acme):
    triage.claim(db, config, acme, "ann")
    with pytest.raises(TriageError, match="already yours"):
        triage.claim(db, config, acme, "ann")


def test_release_returns_to_new_unowned(db, config, acme):
    triage.claim(db, config, acme, "ann")
    live = triage.release(db, config, acme, "ann", reason="on holiday")
    assert (live.state, live.owner) == ("new", None)
    assert triage.history(db, acme)[-1]["detail"] == {"reason": "on holiday"}
    assert triage.claim(db, config, acme, "bob").owner == "bob"


@pytest.mark.parametrize(
    "step, message",
    [
        (lambda db, c, a: triage.mark_contacted(db, c, a, "ann"), "it is new; claim it first"),
        (lambda db, c, a: triage.release(db, c, a, "ann"), "cannot release acme: it is new"),
        (
            lambda db, c, a: triage.record_outcome(db, c, a, "ann", "won"),
            "won follows contacted",
        ),
        (lambda db, c, a: triage.record_outcome(db, c, a, "ann", "maybe"), "unknown outcome"),
    ],
)
def test_refused_from_new(db, config, acme, step, message):
    with pytest.raises(TriageError, match=message):
        step(db, config, acme)
    assert triage.history(db, acme) == []
    assert triage.live_state(db, config, acme).state == "new"


def test_only_the_owner_moves_a_claimed_account(db, config, acme):
    triage.claim(db, config, acme, "ann")
    with pytest.raises(TriageError, match="owned by ann, not bob"):
        triage.mark_contacted(db, config, acme, "bob")
    with pytest.raises(TriageError, match="owned by ann, not bob"):
        triage.release(db, config, acme, "bob")
    with pytest.raises(TriageError, match="owned by ann, not bob"):
        triage.sunset(db, config, acme, "bob", reason="x")
    triage.mark_contacted(db, config, acme, "ann")
    with pytest.raises(TriageError, match="owned by ann, not bob"):
        triage.record_outcome(db, config, acme, "bob", "lost")


def test_no_response_needs_contact_first(db, config, acme):
    triage.claim(db, config, acme, "ann")
    with pytest.raises(TriageError, match="no_response follows contacted"):
        triage.record_outcome(db, config, acme, "ann", "no_response")
    assert triage.record_outcome(db, config, acme, "ann", "not_a_fit").state == "not_a_fit"


def test_won_is_closed(db, config, acme):
    triage.claim(db, config, acme, "ann")
    triage.mark_contacted(db, config, acme, "ann")
    triage.record_outcome(db, config, acme, "ann", "won")
    with pytest.raises(TriageError, match="cannot claim acme: it is won"):
        triage.claim(db, config, acme, "bob")
    with pytest.raises(TriageError, match="cannot sunset acme: it is won"):
        triage.sunset(db, config, acme, "ann", reason="x")
    with pytest.raises(TriageError, match="cannot snooze acme: it is won"):
        triage.snooze(db, config, acme, "ann", until=T0 + timedelta(days=900))
    with pytest.raises(TriageError, match="lost follows"):
        triage.record_outcome(db, config, acme, "ann", "lost")


def test_unknown_account_is_refused(db, config):
    with pytest.raises(TriageError, match="no account 'ghost'"):
        triage.claim(db, config, "ghost", "ann")


def test_notes_are_kept_verbatim_and_never_overwritten(db, config, acme):
    text = "Spoke to the CTO 🎉 — [bold]not markup[/bold]\n\x1b[31mnot a colour\x1b[0m\n" * 50
    first = triage.add_note(db, config, acme, "ann", text, now=T0)
    triage.add_note(db, config, acme, "bob", "Correction: it was the CFO", now=T0 + timedelta(1))
    got = triage.notes(db, acme)
    assert [(n["id"], n["author"], n["text"]) for n in got] == [
        (first, "ann", text),
        (first + 1, "bob", "Correction: it was the CFO"),
    ]
    with pytest.raises(sqlite3.IntegrityError, match="never overwritten"):
        db.conn.execute("update notes set text = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="kept forever"):
        db.conn.execute("delete from notes")
    assert states(db) == [("note", "new", "new"), ("note", "new", "new")]


def test_empty_note_is_refused(db, config, acme):
    with pytest.raises(TriageError, match="empty"):
        triage.add_note(db, config, acme, "ann", "  \n")


def test_feedback_is_apart_from_outcome(db, config, acme):
    triage.claim(db, config, acme, "ann")
    triage.mark_contacted(db, config, acme, "ann")
    triage.record_outcome(db, config, acme, "ann", "lost")
    triage.give_feedback(
        db, config, acme, "ann", "good", reason="right timing", text="lost on price"
    )
    (fb,) = triage.feedback(db, acme)
    assert (fb["verdict"], fb["reason"], fb["text"]) == ("good", "right timing", "lost on price")
    assert triage.live_state(db, config, acme).state == "lost"
    assert triage.history(db, acme)[-1]["detail"]["verdict"] == "good"


def test_feedback_reason_must_come_from_the_config_list(db, config, acme):
    with pytest.raises(TriageError, match="triage.feedback_reasons.*no buyer"):
        triage.give_feedback(db, config, acme, "ann", "bad", reason="vibes")
    with pytest.raises(TriageError, match="'good' or 'bad'"):
        triage.give_feedback(db, config, acme, "ann", "meh")
    assert triage.feedback(db, acme) == []


def test_detail_gathers_everything(db, config, acme):
    triage.claim(db, config, acme, "ann")
    triage.add_note(db, config, acme, "ann", "hi")
    detail = triage.triage_detail(db, config, acme)
    assert detail["state"] == "claimed" and detail["owner"] == "ann"
    assert [n["text"] for n in detail["notes"]] == ["hi"]
    assert set(detail["notes"][0]) >= {"author", "text", "at"}
    assert [a["action"] for a in detail["activity"]] == ["claim", "note"]
    assert detail["feedback"] == [] and detail["outcomes"] == []
