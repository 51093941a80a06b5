"""Every triage key and form, through Pilot, checked in the database afterwards."""

from __future__ import annotations

import asyncio

from tui_data import NOW, drive, settle

from pqa_tui import store, triage
from pqa_tui.tui.screens import triage_base
from pqa_tui.tui.screens.account import AccountScreen
from pqa_tui.tui.screens.modals import (
    AssignModal,
    ContactedModal,
    FeedbackModal,
    NoteModal,
    OutcomeModal,
    SnoozeModal,
    SunsetModal,
)
from pqa_tui.tui.screens.queue import QueueScreen
from pqa_tui.tui.widgets.queue_table import QueueTable


def read(workspace, fn, account_id="acct-01"):
    db = store.open_db(workspace.db_path)
    try:
        return fn(db, account_id)
    finally:
        db.close()


def live(workspace, account_id="acct-01") -> triage.TriageState:
    return read(
        workspace, lambda db, a: triage.live_state(db, workspace.config, a, now=NOW), account_id
    )


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


def error_text(app) -> str:
    return str(app.screen.query_one("#form-error").render())


def test_claim_from_the_queue(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("c")
        await settle(pilot)
        row = app.screen.query_one(QueueTable).get_row("acct-01")
        assert row[3].plain == "claimed" and row[4].plain == "ana"
        assert "Claimed Acme Rockets" in messages(app)

    drive(app, script, notifications=True)
    state = live(workspace)
    assert (state.state, state.owner) == ("claimed", "ana")


def test_lost_claim_race_names_the_winner(make_app, workspace):
    app = make_app()

    async def script(pilot):
        # bob claims after the rep's queue was painted, before the rep presses c
        db = store.open_db(workspace.db_path)
        triage.claim(db, workspace.config, "acct-01", "bob")
        db.close()
        await pilot.press("c")
        await settle(pilot)
        assert "Already claimed by bob" in messages(app)
        assert "acct-01" not in [r.account for r in app.screen.query_one(QueueTable).rows_shown]

    drive(app, script, notifications=True)
    assert live(workspace).owner == "bob"


def test_note_is_multiline_and_saved_on_ctrl_s(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("n")
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*"first [b]line[/b]", "enter", *"second q ? line")
        assert isinstance(app.screen, NoteModal)  # q and ? are text in a form
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)

    drive(app, script)
    notes = read(workspace, triage.notes)
    assert [(n["author"], n["text"]) for n in notes] == [
        ("ana", "first [b]line[/b]\nsecond q ? line")
    ]


def test_empty_note_is_refused_inside_the_form(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("n", "ctrl+s")
        assert isinstance(app.screen, NoteModal)
        assert "empty" in error_text(app)
        await pilot.press("escape")

    drive(app, script)
    assert read(workspace, triage.notes) == []


def test_every_form_cancels_with_escape_and_writes_nothing(make_app, workspace):
    db = store.open_db(workspace.db_path)
    triage.claim(db, workspace.config, "acct-01", "ana", now=NOW)
    db.close()
    app = make_app()

    async def script(pilot):
        for key, modal in (
            ("n", NoteModal),
            ("s", SunsetModal),
            ("z", SnoozeModal),
            ("f", FeedbackModal),
            ("o", OutcomeModal),
            ("t", ContactedModal),
            ("a", AssignModal),
        ):
            await pilot.press(key)
            assert isinstance(app.screen, modal)
            await pilot.press(*"typed", "escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)

    drive(app, script)
    assert [r["action"] for r in read(workspace, triage.history)] == ["claim"]
    assert read(workspace, triage.notes) == []


def test_cancel_button_closes_the_form(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("s", *"no budget")
        await pilot.click("#cancel")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)

    drive(app, script)
    assert live(workspace).state == "new"


def test_sunset_with_reason_and_date(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("s", "enter")
        assert "reason" in error_text(app)  # still open, nothing written
        await pilot.press(*"no budget this quarter", "tab", *"2026-06-01", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert "acct-01" not in [r.account for r in app.screen.query_one(QueueTable).rows_shown]

    drive(app, script)
    state = live(workspace)
    assert state.state == "sunset"
    assert state.sunset_until == "2026-06-01T00:00:00.000000Z"
    assert read(workspace, triage.history)[-1]["detail"]["reason"] == "no budget this quarter"


def test_sunset_date_is_checked_in_the_form(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("s", *"later", "tab", *"next week", "enter")
        assert isinstance(app.screen, SunsetModal)
        assert "not a date" in error_text(app)
        await pilot.press("escape")

    drive(app, script)
    assert live(workspace).state == "new"


def test_snooze_until_a_date(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("z", "enter")
        assert "date" in error_text(app)
        await pilot.press(*"2026-04-01", "tab", *"back from holiday", "enter")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)

    drive(app, script)
    state = live(workspace)
    assert (state.state, state.snooze_until) == ("snoozed", "2026-04-01T00:00:00.000000Z")


def test_feedback_bad_with_a_reason(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("f", "ctrl+s")
        assert "good or bad" in error_text(app)
        await pilot.press("down", "enter")  # the second choice: bad
        await pilot.press("tab", "enter")  # open the reason list
        await pilot.press("down", "down", "down", "down", "down", "enter")  # "no buyer"
        await pilot.press("tab", *"student club", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)

    drive(app, script)
    (fb,) = read(workspace, triage.feedback)
    assert (fb["author"], fb["verdict"], fb["reason"], fb["text"]) == (
        "ana",
        "bad",
        "no buyer",
        "student club",
    )


def test_outcome_on_a_claimed_account(make_app, workspace):
    db = store.open_db(workspace.db_path)
    triage.claim(db, workspace.config, "acct-01", "ana", now=NOW)
    db.close()
    app = make_app()

    async def script(pilot):
        await pilot.press("o", "ctrl+s")
        assert "choose an outcome" in error_text(app)
        await pilot.press("enter", "down", "enter")  # claimed: not a fit is all it offers
        await pilot.press("tab", *"agency, not a buyer", "ctrl+s")
        await settle(pilot)

    drive(app, script)
    assert live(workspace).state == "not_a_fit"
    (outcome,) = read(workspace, triage.outcomes)
    assert (outcome["outcome"], outcome["author"]) == ("not_a_fit", "ana")


def test_steps_the_state_refuses_are_greyed_out_and_do_nothing(make_app, workspace):
    app = make_app()

    async def script(pilot):
        screen = app.screen
        assert screen.check_action("outcome", ()) is None  # new: claim it first
        assert screen.refusals() == {"claim it first": ["release", "contacted", "outcome"]}
        await pilot.press("o", "t", "u")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("c")
        await settle(pilot)
        assert screen.check_action("outcome", ()) is True
        assert screen.check_action("claim", ()) is None  # already yours

    drive(app, script)
    assert [r["action"] for r in read(workspace, triage.history)] == ["claim"]


def test_actions_work_on_the_account_screen(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("down", "down", "down", "enter")  # Globex
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("n", *"called the CTO", "ctrl+s")
        await settle(pilot)
        timeline = str(app.screen.query_one("#timeline").render())
        assert "called the CTO" in timeline and "claimed" in timeline
        header = str(app.screen.query_one("#header").render())
        assert "owner ana" in header

    drive(app, script)
    assert live(workspace, "acct-04").owner == "ana"
    assert [n["text"] for n in read(workspace, triage.notes, "acct-04")] == ["called the CTO"]


def test_pinned_clock_is_what_the_core_records(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("c")
        await settle(pilot)

    drive(app, script)
    (claim,) = read(workspace, triage.history)
    assert claim["at"] == "2026-03-10T12:00:00.000000Z"


def test_claim_on_a_stale_row_asks_for_a_reload_then_works(make_app, workspace):
    """bob claims and releases after the rep's queue was painted: the row still reads "new" at
    version 0, so the core refuses the claim made on that version; the TUI has reloaded by
    then, and the next c claims the account at its new version."""
    app = make_app()

    async def script(pilot):
        row = app.screen.query_one(QueueTable).current()
        assert (row.account, row.version) == ("acct-01", 0)
        db = store.open_db(workspace.db_path)
        triage.claim(db, workspace.config, "acct-01", "bob", now=NOW)
        triage.release(db, workspace.config, "acct-01", "bob", now=NOW)
        db.close()
        await pilot.press("c")
        await settle(pilot)
        assert any("changed since you loaded it" in m for m in messages(app))
        assert app.screen.query_one(QueueTable).current().version > 0
        await pilot.press("c")
        await settle(pilot)
        assert "Claimed Acme Rockets" in messages(app)

    drive(app, script, notifications=True)
    assert live(workspace).owner == "ana"


def test_a_note_saved_while_an_ingest_holds_the_lock_waits_and_goes_in(
    make_app, workspace, monkeypatch
):
    monkeypatch.setattr(triage_base, "STEP_LOCK_WAIT_SECONDS", 0.2)
    app = make_app()
    holder = store.open_db(workspace.db_path)  # a long ingest: holds the write lock

    async def script(pilot):
        holder.conn.execute("begin immediate")
        await pilot.press("n", *"call them [b]monday[/b]", "ctrl+s")
        for _ in range(100):  # the first try gives up after 0.2 s, then it says so
            if any(m.startswith("Not saved yet") for m in messages(app)):
                break
            await asyncio.sleep(0.05)
        assert any(m.startswith("Not saved yet") for m in messages(app))
        assert read(workspace, triage.notes) == []
        await pilot.press("q")  # a quit now would drop the note: it says so instead
        assert app.is_running and "1 change(s) not saved yet" in messages(app)[-1]
        holder.conn.execute("commit")  # the ingest is done
        await settle(pilot)
        assert "Note saved on Acme Rockets" in messages(app)
        await pilot.press("q")  # nothing waits any more: q quits at once
        await pilot.pause()
        assert not app.is_running

    try:
        drive(app, script, notifications=True)
    finally:
        holder.close()
    assert [n["text"] for n in read(workspace, triage.notes)] == ["call them [b]monday[/b]"]


def test_a_quit_confirmed_while_a_change_waits_leaves_nothing_half_written(
    make_app, workspace, monkeypatch
):
    monkeypatch.setattr(triage_base, "STEP_LOCK_WAIT_SECONDS", 0.2)
    app = make_app()
    holder = store.open_db(workspace.db_path)

    async def script(pilot):
        holder.conn.execute("begin immediate")
        await pilot.press("c")
        await pilot.pause(0.3)
        await pilot.press("q", "q")  # told, then quits anyway

    try:
        drive(app, script, notifications=True)
        assert not app.is_running
    finally:
        holder.conn.execute("rollback")
        holder.close()
    assert live(workspace).state == "new"
