"""Finding and moving: search across every view and people, number keys and shift+v, next and
previous account from the account screen, the palette's accounts, the labels that say where
the rep is."""

from __future__ import annotations

from tui_data import NOW, burst, drive, settle

from pqa_tui import store, triage
from pqa_tui.tui.screens.account import AccountScreen
from pqa_tui.tui.screens.help import HelpScreen
from pqa_tui.tui.screens.queue import SEARCH_PAUSE, QueueScreen
from pqa_tui.tui.widgets.queue_table import QueueTable


def ids(app) -> list[str]:
    return [r.account for r in app.screen.query_one(QueueTable).rows_shown]


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


async def searched(pilot) -> None:
    await pilot.pause(SEARCH_PAUSE * 2)  # the query waits for a pause in the typing
    await settle(pilot)


def test_a_search_with_no_match_here_says_which_view_has_it(make_app, workspace):
    db = store.open_db(workspace.db_path)
    triage.claim(db, workspace.config, "acct-04", "ana", now=NOW)
    triage.sunset(db, workspace.config, "acct-04", "ana", reason="not now", now=NOW)
    db.close()
    app = make_app()

    async def script(pilot):
        await pilot.press("slash", *"globex")
        await searched(pilot)
        assert ids(app) == []
        assert "1 match in Sunset & snoozed: press 4" in status(app)
        tabs = {t.id: t.label.plain for t in app.screen.query("Tab")}
        assert tabs["parked"] == "4 Sunset & snoozed 1" and tabs["queue"] == "1 My queue 0"
        await pilot.press("enter", "4")
        await settle(pilot)
        assert app.screen.view == "parked" and ids(app) == ["acct-04"]

    drive(app, script)


def test_search_finds_people_by_name_and_email(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("slash", *"bo@acme")
        await searched(pilot)
        assert ids(app) == ["acct-01"]
        await pilot.press(*(["backspace"] * 7), *"lima")
        await searched(pilot)
        assert ids(app) == ["acct-01"]
        await pilot.press(*(["backspace"] * 4), *"nobody-at-all")
        await searched(pilot)
        assert "no account or person matches" in status(app)

    drive(app, script)


def test_a_search_typed_in_one_burst_with_the_slash_is_kept_whole(make_app):
    """`/lima` as a terminal sends it: the letters reach the search box, none of them acts as
    a queue key (l, i, m, a: a opens the assign form)."""
    app = make_app()

    async def script(pilot):
        await settle(pilot)
        burst(app, "/lima")
        await searched(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one("#search").value == "lima"
        assert ids(app) == ["acct-01"]

    drive(app, script)


def test_digits_typed_in_the_search_stay_text(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("slash", *"acct-0", "2", "v")
        await searched(pilot)
        assert app.screen.view == "queue"
        assert app.screen.query_one("#search").value == "acct-02v"

    drive(app, script)


def test_number_keys_and_shift_v_switch_views(make_app):
    app = make_app()

    async def script(pilot):
        assert app.screen.view == "queue"
        steps = [("5", "all"), ("2", "new"), ("V", "queue"), ("V", "all"), ("3", "claimed")]
        for key, view in steps:
            await pilot.press(key)
            await settle(pilot)
            assert app.screen.view == view, key
        labels = [t.label.plain for t in app.screen.query("Tab")]
        assert labels == [
            "1 My queue 6",
            "2 New 6",
            "3 Claimed 0",
            "4 Sunset & snoozed 0",
            "5 All accounts 6",
        ]

    drive(app, script)


def test_brackets_step_through_accounts_from_the_account_screen(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.account_id == "acct-01"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_id == "acct-02"
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert app.screen.account_id == "acct-04"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.screen.account_id == "acct-03"
        await pilot.press("escape")  # back to the queue, the cursor on the account last seen
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.target().account_id == "acct-03"

    drive(app, script)


def test_the_palette_opens_an_account_by_name(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("ctrl+p", *"initech")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen) and app.screen.account_id == "acct-05"

    drive(app, script)


def test_help_lists_pqa_keys_by_screen_before_textuals(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        groups = list(dict.fromkeys(e.group for e in app.screen.bindings))
        assert groups == ["Queue", "Everywhere", "In the list", "Textual (generic)"]
        queue_keys = {e.description for e in app.screen.bindings if e.group == "Queue"}
        assert {"Claim", "Search", "View", "Previous view", "Sort", "All accounts"} <= queue_keys
        everywhere = {e.description for e in app.screen.bindings if e.group == "Everywhere"}
        assert "Next account" not in everywhere  # only on the account screen
        await pilot.press("escape", "enter")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        everywhere = {e.description for e in app.screen.bindings if e.group == "Everywhere"}
        assert {"Next account", "Previous account"} <= everywhere

    drive(app, script)


def test_labels_say_where_the_rep_is(make_app, workspace):
    app = make_app()

    async def script(pilot):
        whoami = str(app.screen.query_one("#whoami").render())
        assert whoami.startswith("ana · ") and "scores as of 2026-03-10" in whoami
        assert f" · {workspace.db_path.name} · " in whoami
        assert "My queue: 6 of 6 · by score, highest first · New holds 6 (press 2)" in status(app)
        table = app.screen.query_one(QueueTable)
        assert table.columns[table.shown_columns[1].key].label.plain == "Score↓"
        await pilot.press("S")  # next sort: the reasons (their column follows the score's)
        await settle(pilot)
        assert "by top reason, A to Z" in status(app)
        assert table.columns[table.shown_columns[2].key].label.plain.endswith("↑")
        footer = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"enter", "v", "S", "p"} <= footer

    drive(app, script)
