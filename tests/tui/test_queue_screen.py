"""The queue screen: rows best first, keys, search, views, sort, paging, literal text."""

from __future__ import annotations

from datetime import UTC, datetime

from tui_data import ESCAPE_NAME, MARKUP_NAME, NOW, drive, settle, write_many

from pqa_tui import store, triage
from pqa_tui.tui.screens.account import AccountScreen
from pqa_tui.tui.screens.queue import SEARCH_PAUSE, QueueScreen
from pqa_tui.tui.widgets.queue_table import PAGE, QueueTable


def table_of(app) -> QueueTable:
    return app.screen.query_one(QueueTable)


def ids(app) -> list[str]:
    return [r.account for r in table_of(app).rows_shown]


def test_queue_lists_pqas_best_first(make_app):
    app = make_app()

    async def script(pilot):
        assert isinstance(app.screen, QueueScreen)
        assert ids(app) == ["acct-01", "acct-02", "acct-03", "acct-04", "acct-05", "acct-06"]
        table = table_of(app)
        assert table.get_row("acct-01")[1].plain == "42.5"
        assert table.get_row("acct-01")[2].plain == "9 active users in 28 days · pricing viewed"
        status = str(app.screen.query_one("#status").render())
        assert "My queue: 6 of 6" in status

    drive(app, script)


def test_untrusted_names_show_literally(make_app):
    """Markup in a name is text, and escape sequences become visible symbols, not commands."""
    app = make_app()

    async def script(pilot):
        table = table_of(app)
        assert table.get_row("acct-02")[0].plain == MARKUP_NAME
        assert table.get_row("acct-02")[0].spans == []
        evil = table.get_row("acct-03")[0].plain
        assert "\x1b" not in evil and "\x07" not in evil
        assert evil.startswith("␛[31mEVIL␛[0m")
        assert "␛[2J" in table.get_row("acct-03")[2].plain
        picture = app.export_screenshot()
        assert "red]x[/]" in picture
        assert "[link=http://x]click[/link]" in picture
        assert "\x1b" not in picture
        # The account screen and the form titles show it literally too.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "red]x[/]" in app.export_screenshot()
        await pilot.press("n")
        await settle(pilot)
        assert "red]x[/]" in app.export_screenshot()

    drive(app, script)
    assert ESCAPE_NAME  # the fixture really holds the escapes this test looks for


def test_arrows_and_jk_move_enter_opens_escape_returns(make_app):
    app = make_app()

    async def script(pilot):
        table = table_of(app)
        await pilot.press("down", "down", "j")
        assert table.cursor_row == 3
        await pilot.press("k", "up")
        assert table.cursor_row == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == "acct-02"
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
        assert table_of(app).cursor_row == 1

    drive(app, script)


def test_clicking_a_row_opens_it(make_app):
    app = make_app()

    async def script(pilot):
        table = table_of(app)
        await pilot.click(QueueTable, offset=(5, 3))  # header is line 0: line 3 is acct-03
        await settle(pilot)
        assert table.cursor_row == 2
        await pilot.click(QueueTable, offset=(5, 3))
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == "acct-03"

    drive(app, script)


def test_search_as_you_type_by_name_domain_or_id(make_app):
    app = make_app()

    async def searched(pilot):
        await pilot.pause(SEARCH_PAUSE * 2)  # the query waits for a pause in the typing
        await settle(pilot)

    async def script(pilot):
        await pilot.press("slash")
        await pilot.press(*"glob")
        await searched(pilot)
        assert ids(app) == ["acct-04"]
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"initech.com")
        await searched(pilot)
        assert ids(app) == ["acct-05"]
        await pilot.press(*"x")
        await searched(pilot)
        assert ids(app) == []
        assert "0 of 0" in str(app.screen.query_one("#status").render())
        await pilot.press("escape")
        await searched(pilot)
        assert len(ids(app)) == 6
        assert app.focused is table_of(app)

    drive(app, script)


def test_views_switch_between_queue_claimed_parked_and_all(make_app, workspace):
    db = store.open_db(workspace.db_path)
    triage.claim(db, workspace.config, "acct-04", "bob")
    triage.snooze(db, workspace.config, "acct-05", "ana", until=datetime(2099, 1, 1, tzinfo=UTC))
    db.close()
    app = make_app()

    async def script(pilot):
        assert "acct-04" not in ids(app)  # bob's: not in ana's queue
        await pilot.press("v")  # new
        await settle(pilot)
        assert app.screen.view == "new"
        await pilot.press("v")  # claimed
        await settle(pilot)
        assert ids(app) == ["acct-04"]
        assert table_of(app).get_row("acct-04")[4].plain == "bob"
        await pilot.press("v")  # sunset & snoozed
        await settle(pilot)
        assert ids(app) == ["acct-05"]
        await pilot.press("v")  # all accounts
        await settle(pilot)
        assert len(ids(app)) == 6

    drive(app, script)


def test_sort_by_key_and_by_header(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("S")  # score -> the top reasons, A to Z
        await settle(pilot)
        assert app.screen.sort == "reasons" and not app.screen.descending
        assert ids(app) == ["acct-05", "acct-01", "acct-02", "acct-03", "acct-04", "acct-06"]
        await pilot.press("S", "S")  # -> state -> owner, A to Z
        await settle(pilot)
        assert app.screen.sort == "owner" and not app.screen.descending
        await pilot.click(QueueTable, offset=(2, 0))  # the Account header: names A to Z
        await settle(pilot)
        assert app.screen.sort == "name" and not app.screen.descending
        names = [r.name for r in table_of(app).rows_shown]
        assert names == sorted(names)  # SQLite compares text by code point, as Python does
        await pilot.press("R")
        await settle(pilot)
        assert app.screen.descending
        assert [r.name for r in table_of(app).rows_shown] == list(reversed(names))
        await pilot.click(QueueTable, offset=(29, 0))  # the Score header (after a 24-wide name)
        await settle(pilot)
        assert app.screen.sort == "score"
        assert ids(app)[0] == "acct-01"

    drive(app, script)


def test_since_users_trend_and_last_touch_show_and_sort_when_there_is_room(make_app, workspace):
    db = store.open_db(workspace.db_path)
    triage.add_note(db, workspace.config, "acct-04", "bob", "emailed", now=NOW)
    db.close()
    app = make_app()

    async def script(pilot):
        table = table_of(app)
        shown = [c.key for c in app.screen.columns]
        assert shown[-4:] == ["pqa_since", "active_users", "trend", "last_touch"]  # 160 wide
        row = table.get_row("acct-01")
        assert (row[6].plain, row[7].plain) == ("3", "▅▅▅█████")  # 2, 2, 2 then 3 a week
        assert table.get_row("acct-02")[7].plain == "▁" * 8
        assert table.get_row("acct-04")[8].plain == "2026-03-10"
        users_at = sum(c.width + 2 for c in app.screen.columns[: shown.index("active_users")])
        await pilot.click(QueueTable, offset=(users_at + 2, 0))  # the Users header
        await settle(pilot)
        assert (app.screen.sort, app.screen.descending) == ("active_users", True)
        assert ids(app)[0] == "acct-01"
        await pilot.press("S", "S")  # users -> trend -> last touch
        await settle(pilot)
        assert app.screen.sort == "last_touch" and ids(app)[0] == "acct-04"

    drive(app, script, size=(160, 40))


def test_since_when_shows_from_100_columns(make_app):
    app = make_app()

    async def script(pilot):
        assert "pqa_since" in [c.key for c in app.screen.columns]
        picture = app.export_screenshot().replace("&#160;", " ")
        assert "PQA since" in picture

    drive(app, script, size=(100, 30))


def test_pages_in_more_rows_as_the_cursor_nears_the_end(make_app, workspace):
    write_many(workspace.db_path, 450)
    app = make_app()

    async def script(pilot):
        await pilot.press("v", "v", "v", "v")  # all accounts: 456
        await settle(pilot)
        table = table_of(app)
        assert table.row_count == PAGE
        await pilot.press("G")
        await settle(pilot)
        assert table.row_count == 2 * PAGE
        await pilot.press("G")
        await settle(pilot)
        assert table.row_count == 456
        assert len(set(ids(app))) == 456
        assert "456 of 456" in str(app.screen.query_one("#status").render())

    drive(app, script)


def test_resizing_the_terminal_resizes_the_columns(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("down", "down")
        table = table_of(app)
        narrow = table.columns["reasons"].width
        picture = app.export_screenshot().replace("&#160;", " ")
        assert "9 active users in 28 days" in picture and "pricing viewed" not in picture
        assert "PQA since" not in picture  # makes way for the reasons below 100 columns
        assert "Users" not in picture and "Trend" not in picture  # so do users and trend
        await pilot.resize_terminal(180, 50)
        await settle(pilot)
        assert table.columns["reasons"].width > narrow
        assert table.columns["name"].width == 30
        assert len(ids(app)) == 6 and table.current().account == "acct-03"
        picture = app.export_screenshot().replace("&#160;", " ")
        assert "9 active users in 28 days · pricing viewed" in picture and "PQA since" in picture

    drive(app, script, size=(80, 24))


def test_a_database_it_cannot_read_says_why(make_app, workspace):
    db = store.open_db(workspace.db_path)
    db.conn.execute("pragma user_version = 99")  # written by a newer pqa-tui
    db.close()
    app = make_app()

    async def script(pilot):
        status = str(app.screen.query_one("#status").render())
        assert "Could not read the queue" in status and "upgrade pqa-tui" in status
        assert not table_of(app).loading
        assert [n.title for n in app._notifications] == ["Could not read the database"]

    drive(app, script, notifications=True)


def test_clicking_a_tab_switches_the_view(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.click("#views Tab#all")
        await settle(pilot)
        assert app.screen.view == "all" and len(ids(app)) == 6
        assert app.focused is table_of(app)

    drive(app, script)


def test_an_empty_workspace_says_what_to_do(db_path):
    from pqa_tui.config import Config
    from pqa_tui.tui.app import PqaApp
    from pqa_tui.workspace import Workspace

    store.open_db(db_path).close()
    app = PqaApp(Workspace(db_path, Config(), "ana"), poll_seconds=3600)

    async def script(pilot):
        await pilot.press("v", "v", "v", "v")
        await settle(pilot)
        assert "pqa ingest FILE, then pqa score" in str(app.screen.query_one("#status").render())

    drive(app, script)
