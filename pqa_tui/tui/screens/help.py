"""``?``: every key binding of the screen below, generated from the bindings themselves."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


@dataclass
class KeyHelp:
    """One action a screen offers: its keys, what it does, and where it runs."""

    keys: list[str]
    description: str
    action: str
    node: DOMNode


def bindings_of(screen: Screen) -> list[KeyHelp]:
    """Every described binding active on ``screen``, the screen's own first; keys that do the
    same thing are merged."""
    by_action: dict[str, KeyHelp] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        entry = by_action.setdefault(
            binding.action, KeyHelp([], binding.description, binding.action, active.node)
        )
        display = screen.app.get_key_display(binding)
        if display not in entry.keys:
            entry.keys.append(display)
    # The screen's own actions first, then the app's, then moving around inside widgets.
    rank = {screen: 0, screen.app: 1}
    return sorted(by_action.values(), key=lambda e: rank.get(e.node, 2))


class HelpScreen(ModalScreen[None]):
    """The bindings of the screen it was opened over; any of Escape, ? or q closes it."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, bindings: list[KeyHelp]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static(Text("Keys", style="bold", end=""), id="help-title")
            yield DataTable(id="help-keys", cursor_type="none", show_cursor=False)
            yield Static(
                Text("ctrl+p opens the command palette: every action by name.", end=""),
                id="help-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action")
        for entry in self.bindings:
            keys = Text(" ".join(entry.keys), style="bold", end="")
            table.add_row(keys, Text(entry.description, end=""))

    def action_close(self) -> None:
        self.dismiss()
