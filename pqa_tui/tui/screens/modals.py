"""The triage forms: note, sunset, snooze, feedback and outcome.

Each modal only gathers and checks input and dismisses with a request (or ``None`` on Escape /
Cancel); the screen that opened it calls the core :mod:`pqa_tui.triage` function. Nothing is
written until the form is submitted, so cancelling never leaves half a change behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static, TextArea

from ...safe_text import safe
from ...timestamps import DateOptionError, parse_time_option
from ...triage import OUTCOMES

T = TypeVar("T")


class FormError(Exception):
    """Input the form cannot submit; the message is shown inside the form."""


@dataclass(frozen=True)
class SunsetRequest:
    reason: str
    until: datetime | None


@dataclass(frozen=True)
class SnoozeRequest:
    until: datetime
    reason: str


@dataclass(frozen=True)
class FeedbackRequest:
    verdict: str
    reason: str
    text: str


@dataclass(frozen=True)
class OutcomeRequest:
    outcome: str
    detail: str


class FormModal(ModalScreen[T], Generic[T]):
    """A titled form over the current screen: ctrl+s submits, Escape cancels."""

    CSS_PATH = "modals.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("ctrl+s", "submit", "Save", priority=True),
    ]
    verb = "Save"

    def __init__(self, heading: str, account: str) -> None:
        super().__init__()
        self.heading = heading
        self.account = account

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            title = Text(f"{self.heading}: ", style="bold")
            title.append_text(safe(self.account))
            yield Static(title, id="form-title")
            yield from self.fields()
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(f"{self.verb} (ctrl+s)", variant="primary", id="submit")
                yield Button("Cancel (esc)", id="cancel")

    def fields(self) -> ComposeResult:
        """The form's own inputs."""
        raise NotImplementedError

    def result(self) -> T:
        """The request built from the inputs; raises :class:`FormError` when it is not valid."""
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        try:
            value = self.result()
        except FormError as e:
            self.query_one("#form-error", Static).update(safe(str(e)))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _until(text: str, label: str) -> datetime:
    try:
        return parse_time_option(text, label)
    except DateOptionError as e:
        raise FormError(str(e)) from None


class NoteModal(FormModal[str]):
    """A multi-line note; notes are kept forever, so a correction is a new note."""

    def fields(self) -> ComposeResult:
        yield Label("Note (Enter for a new line)")
        yield TextArea(id="note-text", tab_behavior="focus")

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    def result(self) -> str:
        text = self.query_one("#note-text", TextArea).text
        if not text.strip():
            raise FormError("the note is empty")
        return text


class SunsetModal(FormModal[SunsetRequest]):
    """Not now: out of the queue until the next PQA moment, or a date."""

    verb = "Sunset"

    def fields(self) -> ComposeResult:
        yield Label("Reason")
        yield Input(placeholder="e.g. no response after 3 emails", id="sunset-reason")
        yield Label("Back on (optional, YYYY-MM-DD)")
        yield Input(placeholder="next PQA moment", id="sunset-until")

    def on_mount(self) -> None:
        self.query_one("#sunset-reason", Input).focus()

    def result(self) -> SunsetRequest:
        reason = self.query_one("#sunset-reason", Input).value.strip()
        if not reason:
            raise FormError("a sunset needs a reason")
        raw = self.query_one("#sunset-until", Input).value.strip()
        return SunsetRequest(reason, _until(raw, "back on") if raw else None)


class SnoozeModal(FormModal[SnoozeRequest]):
    """Hide the account until a date; it comes back in the state it had."""

    verb = "Snooze"

    def fields(self) -> ComposeResult:
        yield Label("Until (YYYY-MM-DD)")
        yield Input(placeholder="YYYY-MM-DD", id="snooze-until")
        yield Label("Reason (optional)")
        yield Input(id="snooze-reason")

    def on_mount(self) -> None:
        self.query_one("#snooze-until", Input).focus()

    def result(self) -> SnoozeRequest:
        raw = self.query_one("#snooze-until", Input).value.strip()
        if not raw:
            raise FormError("a snooze needs a date")
        reason = self.query_one("#snooze-reason", Input).value.strip()
        return SnoozeRequest(_until(raw, "until"), reason)


class FeedbackModal(FormModal[FeedbackRequest]):
    """Was surfacing this account worth it? The input to iterating the PQA definition."""

    def __init__(self, heading: str, account: str, reasons: list[str]) -> None:
        super().__init__(heading, account)
        self.reasons = reasons

    def fields(self) -> ComposeResult:
        with RadioSet(id="feedback-verdict"):
            yield RadioButton("good: worth a conversation", id="good")
            yield RadioButton("bad: not worth it", id="bad")
        if self.reasons:
            yield Select(
                [(safe(r), r) for r in self.reasons], prompt="reason", id="feedback-reason"
            )
        yield Input(placeholder="anything else (optional)", id="feedback-text")

    def on_mount(self) -> None:
        self.query_one("#feedback-verdict", RadioSet).focus()

    def result(self) -> FeedbackRequest:
        pressed = self.query_one("#feedback-verdict", RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            raise FormError("choose good or bad")
        reason = ""
        if self.reasons:
            value = self.query_one("#feedback-reason", Select).value
            reason = value if isinstance(value, str) else ""
        text = self.query_one("#feedback-text", Input).value.strip()
        return FeedbackRequest(pressed.id, reason, text)


class OutcomeModal(FormModal[OutcomeRequest]):
    """What came of the conversation: meeting, qualified, won, lost, no response, not a fit."""

    def fields(self) -> ComposeResult:
        options = [(o.replace("_", " "), o) for o in OUTCOMES]
        yield Select(options, prompt="outcome", id="outcome-choice")
        yield Input(placeholder="detail (optional)", id="outcome-detail")

    def on_mount(self) -> None:
        self.query_one("#outcome-choice", Select).focus()

    def result(self) -> OutcomeRequest:
        value = self.query_one("#outcome-choice", Select).value
        if not isinstance(value, str):
            raise FormError("choose an outcome")
        return OutcomeRequest(value, self.query_one("#outcome-detail", Input).value.strip())
