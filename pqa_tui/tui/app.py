"""The Textual app: opens the queue, watches the database, routes the global keys.

It stays small on purpose: screens and widgets live in their own modules, and everything the
rep does is a call to the core library.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from platformdirs import user_downloads_path
from textual import work
from textual.actions import parse
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker

from ..workspace import Workspace
from .account_finder import AccountCommands
from .change_watch import ChangeWatch
from .screens.account import AccountScreen
from .screens.help import HelpScreen, bindings_of
from .screens.modals import Draft
from .screens.queue import QueueScreen
from .screens.reports import ReportsScreen
from .screens.triage_base import STEP_GROUP, TriageScreen, report_failure

POLL_SECONDS = 2.0


class PqaApp(App[None]):
    """pqa's triage TUI over one database."""

    TITLE = "pqa"
    COMMANDS = App.COMMANDS | {AccountCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("p", "reports", "Reports"),
        Binding("right_square_bracket", "step_account(1)", "Next account", show=False),
        Binding("left_square_bracket", "step_account(-1)", "Previous account", show=False),
    ]

    def __init__(self, workspace: Workspace, *, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.workspace = workspace
        self.poll_seconds = poll_seconds
        self._watch: ChangeWatch | None = None
        self._quit_warned: set[Worker] = set()  # unsaved changes a quit has already named
        # What a closed, unsaved form held, by (account id, form): it refills the next one.
        self.drafts: dict[tuple[str, str], Draft] = {}

    def on_mount(self) -> None:
        self._watch = ChangeWatch(self.workspace.db_path)
        self.push_screen(QueueScreen(self.workspace))
        self.set_interval(self.poll_seconds, self._poll)

    def on_unmount(self) -> None:
        if self._watch is not None:
            self._watch.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        _, action, _ = parse(action)  # the help screen asks with the whole action string
        # In a form, q, ? and p are text; Escape is the way out.
        if action in ("quit", "help", "reports") and isinstance(self.screen, ModalScreen):
            return False
        if action == "step_account":
            return isinstance(self.screen, AccountScreen)
        return True

    def action_step_account(self, delta: int) -> None:
        """The next (or previous) account of the queue below, in place of the one on show."""
        queue = next((s for s in self.screen_stack if isinstance(s, QueueScreen)), None)
        if queue is None or (t := queue.step(delta)) is None:
            self.notify("No more accounts this way in the list", severity="warning")
            return
        self.switch_screen(AccountScreen(self.workspace, t.account_id, t.label))

    def _poll(self) -> None:
        self._check_for_changes()

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch")
    def _check_for_changes(self) -> None:
        """A write by an ingest, a teammate or this app: reload every screen that shows data."""
        if self._watch is not None and self._watch.changed():
            self.call_from_thread(self.refresh_screens)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def refresh_screens(self) -> None:
        """Reload every data screen on the stack (an open form stays open and untouched)."""
        for screen in self.screen_stack:
            if isinstance(screen, TriageScreen):
                screen.reload()

    async def action_quit(self) -> None:
        """Quit, unless a triage change is still waiting for the database: then say so, and
        quit on the next ``q`` (the change is lost then)."""
        waiting = {w for w in self.workers if w.group == STEP_GROUP and not w.is_finished}
        if waiting - self._quit_warned:
            self._quit_warned |= waiting
            self.notify(
                f"{len(waiting)} change(s) not saved yet: another pqa process (an ingest?) is "
                "writing to the database. Wait until it is confirmed, or press q again to quit "
                "without it.",
                severity="warning",
                markup=False,
                timeout=10,
            )
            return
        self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(bindings_of(self.screen)))

    def action_reports(self) -> None:
        """Open the reports (detectors judged by a replay of the current config, in a worker)."""
        if isinstance(self.screen, ReportsScreen):
            return
        self.push_screen(ReportsScreen(self.workspace, replay=True))

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save a screenshot to ~/Downloads, or to the current directory where that folder does
        not exist (a server, a container); Textual's notification then says which."""
        if path is None:
            downloads = user_downloads_path()
            path = str(downloads if downloads.is_dir() else Path.cwd())
        return super().deliver_screenshot(filename, path, time_format)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette lists every action of the current screen by name."""
        yield from super().get_system_commands(screen)
        for entry in bindings_of(screen):
            if entry.node.check_action(entry.action, ()) is not True:
                continue  # greyed out: the account's state refuses it
            yield SystemCommand(
                entry.description,
                f"key: {' '.join(entry.keys)}",
                lambda entry=entry: self.run_action(entry.action, entry.node),
            )
