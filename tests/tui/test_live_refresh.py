"""Live: another process's write reaches the screen without losing the cursor or a form."""

from __future__ import annotations

from tui_data import drive, settle, write_account

from pqa_tui import store, triage
from pqa_tui.tui.screens.account import AccountScreen
from pqa_tui.tui.screens.modals import NoteModal
from pqa_tui.tui.widgets.queue_table import QueueTable


def test_teammate_writes_show_up_keeping_cursor_and_open_form(make_app, workspace):
    app = make_app(poll_seconds=0.2)

    async def script(pilot):
        queue = app.screen
        await pilot.press("down", "down", "down")  # Globex, acct-04
        await pilot.press("n", *"half a note")
        # A teammate claims an account above the cursor; an ingest surfaces a new best PQA.
        db = store.open_db(workspace.db_path)
        triage.claim(db, workspace.config, "acct-02", "bob")
        db.close()
        write_account(workspace.db_path, "acct-00", "Zeta Labs", "zeta.io", 50.0, ["new"])
        await pilot.pause(1.0)
        await settle(pilot)
        assert isinstance(app.screen, NoteModal)
        assert app.screen.query_one("#note-text").text == "half a note"
        table = queue.query_one(QueueTable)
        shown = [r.account for r in table.rows_shown]
        assert shown[0] == "acct-00" and "acct-02" not in shown
        assert table.current().account == "acct-04"
        await pilot.press("escape")

    drive(app, script)


def test_open_account_screen_follows_a_teammate(make_app, workspace):
    app = make_app(poll_seconds=0.2)

    async def script(pilot):
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        db = store.open_db(workspace.db_path)
        triage.add_note(db, workspace.config, "acct-01", "bob", "spoke to their CFO")
        db.close()
        await pilot.pause(1.0)
        await settle(pilot)
        assert "spoke to their CFO" in str(app.screen.query_one("#timeline").render())

    drive(app, script)


def test_nothing_reloads_when_nothing_changed(make_app):
    app = make_app(poll_seconds=0.1)
    loads = []

    async def script(pilot):
        queue = app.screen
        original = queue.reload
        queue.reload = lambda: (loads.append(1), original())
        await pilot.pause(0.6)
        await settle(pilot)

    drive(app, script)
    assert loads == []
