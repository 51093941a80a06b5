"""The contact step (t contacted, u release, a assign), forms that never lose what was typed
(a refusal keeps the form open, Escape keeps a draft), and text typed in one burst with ctrl+s."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Input, TextArea
from tui_data import NOW, burst, drive, settle

from pqa_tui import store, triage
from pqa_tui.config import TriageConfig
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

LONG = "VP asked about SSO, the audit log and a yearly invoice; call back on Tuesday at ten"


def step(workspace, call, *args, account_id="acct-01", **kw):
    db = store.open_db(workspace.db_path)
    try:
        return call(db, workspace.config, account_id, *args, now=NOW, **kw)
    finally:
        db.close()


def read(workspace, fn, account_id="acct-01"):
    db = store.open_db(workspace.db_path)
    try:
        return fn(db, account_id)
    finally:
        db.close()


def live(workspace):
    return read(workspace, lambda db, a: triage.live_state(db, workspace.config, a, now=NOW))


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


def form_error(app) -> str:
    return str(app.screen.query_one("#form-error").render())


@pytest.fixture
def team_workspace(workspace):
    workspace.config = replace(workspace.config, triage=TriageConfig(team=["ana", "bob", "cy"]))
    return workspace


def test_claim_contacted_with_channel_then_meeting(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("t")
        assert isinstance(app.screen, ContactedModal)
        await pilot.press("ctrl+s")
        assert "choose how" in form_error(app)
        await pilot.press("enter", "down", "enter")  # email
        await pilot.press("tab", *"wrote to Ana about the pilot", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert "Contacted Acme Rockets (email)" in messages(app)
        await pilot.press("o", "enter", "down", "enter", "ctrl+s")  # meeting is offered now
        await settle(pilot)

    drive(app, script, notifications=True)
    contacted = read(workspace, triage.history)[1]
    assert contacted["detail"] == {"channel": "email", "detail": "wrote to Ana about the pilot"}
    assert live(workspace).state == "meeting"


def test_release_gives_the_account_back(make_app, workspace):
    step(workspace, triage.claim, "ana")
    app = make_app()

    async def script(pilot):
        await pilot.press("u")
        await settle(pilot)
        assert "Released Acme Rockets: back in the queue as new" in messages(app)
        assert app.screen.check_action("release", ()) is None

    drive(app, script, notifications=True)
    assert (live(workspace).state, live(workspace).owner) == ("new", None)


def test_assign_to_a_teammate_from_the_team(make_app, team_workspace):
    step(team_workspace, triage.claim, "ana")
    app = make_app()

    async def script(pilot):
        await pilot.press("a")
        assert isinstance(app.screen, AssignModal)
        await pilot.press("enter", "down", "down", "enter", "ctrl+s")  # bob, cy: not ana
        await settle(pilot)
        assert "Assigned Acme Rockets to cy" in messages(app)

    drive(app, script, notifications=True)
    assert (live(team_workspace).state, live(team_workspace).owner) == ("claimed", "cy")


def test_a_refused_save_keeps_the_form_open_with_the_text_and_names_the_account(
    make_app, workspace
):
    step(workspace, triage.claim, "ana")
    step(workspace, triage.mark_contacted, "ana")
    app = make_app()

    async def script(pilot):
        await pilot.press("o", "enter", "down", "enter", "tab", *"demo went well")
        # meanwhile the same rep closes it from the command line
        step(workspace, triage.record_outcome, "ana", "not_a_fit")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeModal)
        error = form_error(app)
        assert "Acme Rockets" in error and "acct-01" not in error and "not_a_fit" in error
        assert app.screen.query_one("#outcome-detail", Input).value == "demo went well"
        await pilot.press("escape")

    drive(app, script)
    assert [o["outcome"] for o in read(workspace, triage.outcomes)] == ["not_a_fit"]


def test_a_snooze_date_in_the_past_is_refused_inside_the_form(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("z", *"2020-01-01", "tab", *"back from holiday", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeModal)
        assert "until 2020-01-01 is not in the future" in form_error(app)
        assert "--until" not in form_error(app)
        assert app.screen.query_one("#snooze-reason", Input).value == "back from holiday"

    drive(app, script)
    assert live(workspace).state == "new"


def test_escape_keeps_the_draft_for_the_next_open(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("n", *"Spoke to the CTO", "enter", *"budget in Q3", "escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any("draft kept" in m for m in messages(app))
        await pilot.press("down", "n")  # another account: its own, empty form
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("escape", "up", "n")
        assert app.screen.query_one(TextArea).text == "Spoke to the CTO\nbudget in Q3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("n")  # saved: the draft is gone
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("escape")

    drive(app, script, notifications=True)
    assert [n["text"] for n in read(workspace, triage.notes)] == ["Spoke to the CTO\nbudget in Q3"]


FORMS = {
    # key, modal, setup steps, keys before the text field is focused, where the text lands
    "note": ("n", NoteModal, [], [], lambda w: read(w, triage.notes)[0]["text"]),
    "feedback": (
        "f",
        FeedbackModal,
        [],
        ["enter", "tab", "tab"],
        lambda w: read(w, triage.feedback)[0]["text"],
    ),
    "contacted": (
        "t",
        ContactedModal,
        ["claim"],
        ["enter", "down", "enter", "tab"],
        lambda w: read(w, triage.history)[-1]["detail"]["detail"],
    ),
    "outcome": (
        "o",
        OutcomeModal,
        ["claim"],
        ["enter", "down", "enter", "tab"],
        lambda w: read(w, triage.history)[-1]["detail"]["detail"],
    ),
    "sunset": ("s", None, [], [], lambda w: read(w, triage.history)[-1]["detail"]["reason"]),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_text_typed_in_one_burst_with_ctrl_s_is_saved_whole(make_app, workspace, form):
    key, modal, setup, before, saved = FORMS[form]
    for earlier in setup:
        step(workspace, getattr(triage, earlier), "ana")
    app = make_app()

    async def script(pilot):
        await pilot.press(key, *before)
        if modal is not None:
            assert isinstance(app.screen, modal)
        burst(app, LONG, "ctrl+s")
        await settle(pilot)
        assert not app.screen.is_modal, form_error(app)

    drive(app, script)
    assert saved(workspace) == LONG


def test_the_account_screen_offers_the_contact_step(make_app, workspace):
    step(workspace, triage.claim, "ana")
    app = make_app()

    async def script(pilot):
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.check_action("contacted", ()) is True
        assert app.screen.check_action("claim", ()) is None
        await pilot.press("t", "enter", "down", "down", "enter", "ctrl+s")  # a call
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert "contacted" in str(app.screen.query_one("#timeline").render())

    drive(app, script)
    assert live(workspace).state == "contacted"


def test_a_tab_in_the_same_burst_moves_the_text_after_it_to_the_next_field(make_app, workspace):
    app = make_app()

    async def script(pilot):
        await pilot.press("s")
        burst(app, "no budget", "tab")
        burst(app, "2020-01-01", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SunsetModal)
        assert "back on 2020-01-01 is not in the future" in form_error(app)
        assert app.screen.query_one("#sunset-reason", Input).value == "no budget"
        await pilot.press("escape")

    drive(app, script)
    assert live(workspace).state == "new"


def test_text_typed_in_the_same_burst_as_the_key_that_opens_the_form_lands_in_it(
    make_app, workspace
):
    """n and the text after it in one burst: the text goes into the note, none of its letters
    act as the queue's keys (a assigns, s sunsets, c claims...)."""
    app = make_app()

    async def script(pilot):
        burst(app, "n" + LONG)
        await settle(pilot)
        assert isinstance(app.screen, NoteModal)
        assert app.screen.query_one(TextArea).text == LONG
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)

    drive(app, script)
    assert [n["text"] for n in read(workspace, triage.notes)] == [LONG]
    assert [r["action"] for r in read(workspace, triage.history)] == ["note"]
