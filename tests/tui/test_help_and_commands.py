"""Help lists every binding, the command palette every action; q quits; `pqa tui` checks its
terminal; the core never loads Textual."""

from __future__ import annotations

import subprocess
import sys

from tui_data import drive, settle
from typer.testing import CliRunner

from pqa_tui.cli import app as cli
from pqa_tui.tui.screens.help import HelpScreen
from pqa_tui.tui.screens.queue import QueueScreen

TRIAGE_KEYS = {
    "c": "Claim",
    "n": "Note",
    "f": "Feedback",
    "o": "Outcome",
    "s": "Sunset",
    "z": "Snooze",
    "/": "Search",
    "r": "Refresh",
    "q": "Quit",
}


def test_help_lists_every_binding_and_closes(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        listed = {" ".join(e.keys): e.description for e in app.screen.bindings}
        for key, description in TRIAGE_KEYS.items():
            assert any(key in keys.split() and d == description for keys, d in listed.items()), key
        assert any("j" in keys.split() for keys in listed)
        await pilot.press("q")  # closes help, does not quit
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("question_mark", "escape")
        assert isinstance(app.screen, QueueScreen)

    drive(app, script)


def test_command_palette_offers_every_action(make_app):
    app = make_app()

    async def script(pilot):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        # Every action the new account under the cursor allows; no outcome before a claim.
        assert set(TRIAGE_KEYS.values()) - {"Outcome"} <= titles
        assert {"Contacted", "Release", "Outcome"}.isdisjoint(titles)
        await pilot.press("ctrl+p")
        await pilot.press(*"claim")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#queue").get_row("acct-01")[3].plain == "claimed"

    drive(app, script)


def test_q_quits(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0 and not app.is_running

    drive(app, script)


def test_pqa_tui_needs_a_terminal(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "tui"])
    assert result.exit_code == 1
    assert "needs a terminal" in result.output


def test_core_does_not_import_textual():
    code = (
        "import sys, pqa_tui.triage.queue_view, pqa_tui.accounts, pqa_tui.triage, pqa_tui.tui;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_p_opens_the_reports_and_escape_comes_back(make_app):
    from textual.widgets import DataTable

    from pqa_tui.tui.screens.reports import ReportsScreen

    app = make_app()

    async def script(pilot):
        await pilot.press("p")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ReportsScreen)
        assert app.screen.query_one("#detectors", DataTable).row_count > 0  # replayed
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("n")  # a note form: p is text there, not the reports
        await settle(pilot)
        await pilot.press("p")
        assert not isinstance(app.screen, ReportsScreen)
        await pilot.press("escape")

    drive(app, script)
