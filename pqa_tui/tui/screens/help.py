"""``?``: every key binding of the screen below, generated from the bindings themselves.

pqa's own keys come first, grouped by where they work (this screen, everywhere, the list),
then the generic keys of Textual's widgets (moving around a table, scrolling).
"""

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
    group: str = ""


def _ours(node: DOMNode, binding: Binding) -> bool:
    """Whether pqa declared ``binding`` (not a Textual class ``node`` inherits from)."""
    return any(
        binding in vars(cls).get("BINDINGS", ())
        for cls in type(node).__mro__
        if cls.__module__.startswith("pqa_tui.")
    )


def _group(screen: Screen, node: DOMNode, binding: Binding) -> tuple[int, str]:
    """Where a binding works, ranked: the screen, everywhere, pqa's widgets, Textual's."""
    if not _ours(node, binding):
        return 3, "Textual (generic)"
    if node is screen:
        return 0, getattr(screen, "HELP_TITLE", "") or type(screen).__name__.removesuffix("Screen")
    if node is screen.app:
        return 1, "Everywhere"
    return 2, "In the list"


def bindings_of(screen: Screen) -> list[KeyHelp]:
    """Every described binding active on ``screen``, pqa's own first, grouped by where it
    works; keys that do the same thing are merged, actions refused here are left out."""
    by_action: dict[tuple[str, str], KeyHelp] = {}
    ranks: dict[str, int] = {}
    for active in screen.active_bindings.values():
        binding, node = active.binding, active.node
        if not binding.description or node.check_action(binding.action, ()) is False:
            continue
        rank, group = _group(screen, node, binding)
        ranks[group] = rank
        entry = by_action.setdefault(
            (group, binding.action),
            KeyHelp([], binding.description, binding.action, node, group),
        )
        display = screen.app.get_key_display(binding)
        if display not in entry.keys:
            entry.keys.append(display)
    return sorted(by_action.values(), key=lambda e: ranks[e.group])


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
                Text("ctrl+p: the command palette, every action and any account by name.", end=""),
                id="help-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action")
        group = None
        for entry in self.bindings:
            if entry.group != group:
                group = entry.group
                table.add_row(Text(""), Text(group, style="bold underline", end=""))
            keys = Text(" ".join(entry.keys), style="bold", end="")
            table.add_row(keys, Text(entry.description, end=""))

    def action_close(self) -> None:
        self.dismiss()
