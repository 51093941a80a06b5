"""The triage forms: note, contacted, assign, sunset, snooze, feedback and outcome.

Each modal gathers and checks input, then hands the request to ``save`` (the screen that opened
it runs the core :mod:`pqa_tui.triage` call in a worker) and stays open until the change is in:
a refused change shows its reason inside the form, with everything typed still there. Escape
closes it; what was typed is kept as a draft for the next time the same form opens on the same
account. Nothing is written until a save succeeds, so cancelling never leaves half a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static, TextArea

from ...safe_text import safe
from ...timestamps import DateOptionError, parse_time_option

T = TypeVar("T")
# What a form held when it closed unsaved: each input's id and its value.
Draft = dict[str, Any]
CHANNELS = ("email", "call", "meeting", "chat", "linkedin", "other")


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


@dataclass(frozen=True)
class ContactedRequest:
    channel: str
    detail: str


class FormModal(ModalScreen[None], Generic[T]):
    """A titled form over the current screen: ctrl+s saves, Escape closes (keeping a draft).

    ``save(request)`` starts the change; the screen answers with :meth:`saved` (the form
    closes) or :meth:`refused` (the form stays, showing why). ``keep(draft)`` stores what was
    typed when the form closes unsaved (``None``: nothing to keep); ``draft`` refills it.
    """

    CSS_PATH = "modals.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("ctrl+s", "submit", "Save", priority=True),
        # Priority, so focus moves when the app reads the key: the keys typed after it go to
        # the next field even when they arrive in the same burst (a paste, a fast typist).
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]
    verb = "Save"

    def __init__(
        self,
        heading: str,
        account: str,
        *,
        save: Callable[[T], None] | None = None,
        keep: Callable[[Draft | None], None] | None = None,
        draft: Draft | None = None,
        now: datetime | None = None,
        typed_ahead: list[events.Key] | None = None,
    ) -> None:
        super().__init__()
        self.typed_ahead = typed_ahead or []
        self.heading = heading
        self.account = account
        self.save = save
        self.keep = keep
        self.restore = draft or {}
        self.now = now or datetime.now(UTC)
        self.saving = False

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

    def on_mount(self) -> None:
        self._fill(self.restore)
        first = self._first_field()
        first.focus()
        if isinstance(first, Input | TextArea):  # typed before the form was there
            for key in self.typed_ahead:
                first.post_message(events.Key(key.key, key.character))

    def _first_field(self) -> Widget:
        return self.query("Input, TextArea, Select, RadioSet").first()

    def on_key(self, event: events.Key) -> None:
        """Keys typed in the same burst as the key that opened the form reach the form itself
        (the app forwarded them before any field had focus): hand them to the first field, in
        order, when it is a text field and nothing else has focus since."""
        first = self._first_field()
        if (
            event.is_printable
            and isinstance(first, Input | TextArea)
            and self.focused in (None, first)
        ):
            event.stop()
            first.post_message(events.Key(event.key, event.character))

    def fields(self) -> ComposeResult:
        """The form's own inputs."""
        raise NotImplementedError

    def result(self) -> T:
        """The request built from the inputs; raises :class:`FormError` when it is not valid."""
        raise NotImplementedError

    def draft(self) -> Draft:
        """What is typed or chosen now, by input id (empty when the form is untouched)."""
        values: Draft = {}
        for field in self.query("Input, TextArea, Select, RadioSet"):
            if isinstance(field, Input) and field.value.strip():
                values[field.id or ""] = field.value
            elif isinstance(field, TextArea) and field.text.strip():
                values[field.id or ""] = field.text
            elif isinstance(field, Select) and isinstance(field.value, str):
                values[field.id or ""] = field.value
            elif isinstance(field, RadioSet) and field.pressed_button is not None:
                values[field.id or ""] = field.pressed_button.id
        return values

    def _fill(self, values: Draft) -> None:
        for field_id, value in values.items():
            field = self.query_one(f"#{field_id}")
            if isinstance(field, Input):
                field.value = value
            elif isinstance(field, TextArea):
                field.load_text(value)
            elif isinstance(field, Select):
                field.value = value
            elif isinstance(field, RadioSet):
                field.query_one(f"#{value}", RadioButton).value = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def _after_typing(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the keys already sent to the focused input are in it.

        ctrl+s and Escape are priority keys: the app acts on them as soon as it reads them,
        while keys typed just before may still wait in the focused input's own queue (a fast
        typist, a paste, a terminal that sends a burst). Reading the input then would save or
        keep a truncated text; a callback queued behind those keys reads it whole.
        """

        def behind_the_field() -> None:
            # By now keys waiting in this screen's queue (typed before the first field had
            # focus) have been handed to the field: queue ``then`` behind them there.
            (self.focused or self._first_field()).call_later(then)

        self.call_later(behind_the_field)

    def action_submit(self) -> None:
        self._after_typing(self._submit)

    def _submit(self) -> None:
        if self.saving:
            return
        try:
            value = self.result()
        except FormError as e:
            self.refused(str(e))
            return
        self.query_one("#form-error", Static).update("")
        if self.save is None:
            self.saved()
            return
        self.saving = True
        if self.keep is not None:  # kept until the change is in: a refusal later finds it
            self.keep(self.draft())
        self.save(value)

    def saved(self) -> None:
        """The change is in: forget the draft and close."""
        if self.keep is not None:
            self.keep(None)
        if self.is_attached:
            self.dismiss()

    def refused(self, message: str) -> None:
        """Show why the change was not made; the form and its text stay."""
        self.saving = False
        self.query_one("#form-error", Static).update(safe(message))

    def action_cancel(self) -> None:
        self._after_typing(self._cancel)

    def _cancel(self) -> None:
        if self.saving:
            return
        draft = self.draft()
        if self.keep is not None:
            self.keep(draft or None)
            if draft:
                self.notify(
                    f"{self.heading} draft kept: it is there when you open it again.",
                    markup=False,
                )
        self.dismiss()


def _future(text: str, label: str, now: datetime) -> datetime:
    """The date typed for ``label``, which must be after ``now`` (the form says so, not the
    core, so nothing typed is lost to a refusal)."""
    try:
        when = parse_time_option(text, label)
    except DateOptionError:
        raise FormError(f"{label} {text!r} is not a date: use YYYY-MM-DD") from None
    if when <= now:
        raise FormError(f"{label} {text} is not in the future: pick a later day")
    return when


class NoteModal(FormModal[str]):
    """A multi-line note; notes are kept forever, so a correction is a new note."""

    def fields(self) -> ComposeResult:
        yield Label("Note (Enter for a new line)")
        yield TextArea(id="note-text", tab_behavior="focus")

    def result(self) -> str:
        text = self.query_one("#note-text", TextArea).text
        if not text.strip():
            raise FormError("the note is empty")
        return text


class ContactedModal(FormModal[ContactedRequest]):
    """You reached out: how, and a line about it (claimed → contacted)."""

    verb = "Contacted"

    def fields(self) -> ComposeResult:
        yield Select([(c, c) for c in CHANNELS], prompt="how", id="contacted-channel")
        yield Input(placeholder="a line of detail (optional)", id="contacted-detail")

    def result(self) -> ContactedRequest:
        channel = self.query_one("#contacted-channel", Select).value
        if not isinstance(channel, str):
            raise FormError("choose how you reached out")
        return ContactedRequest(channel, self.query_one("#contacted-detail", Input).value.strip())


class AssignModal(FormModal[str]):
    """Hand the account to a teammate: one of the config's triage.team, or a typed name."""

    verb = "Assign"

    def __init__(self, heading: str, account: str, team: list[str], **kw: Any) -> None:
        super().__init__(heading, account, **kw)
        self.team = team

    def fields(self) -> ComposeResult:
        if self.team:
            yield Select([(safe(m), m) for m in self.team], prompt="teammate", id="assign-to")
        else:
            yield Label("Teammate (no triage.team in the config: type a name)")
            yield Input(id="assign-to")

    def result(self) -> str:
        field = self.query_one("#assign-to")
        value = field.value if isinstance(field, Select | Input) else None
        if not isinstance(value, str) or not value.strip():
            raise FormError("choose a teammate")
        return value.strip()


class SunsetModal(FormModal[SunsetRequest]):
    """Not now: out of the queue until the next PQA moment, or a date."""

    verb = "Sunset"

    def fields(self) -> ComposeResult:
        yield Label("Reason")
        yield Input(placeholder="e.g. no response after 3 emails", id="sunset-reason")
        yield Label("Back on (optional, YYYY-MM-DD)")
        yield Input(placeholder="next PQA moment", id="sunset-until")

    def result(self) -> SunsetRequest:
        reason = self.query_one("#sunset-reason", Input).value.strip()
        if not reason:
            raise FormError("a sunset needs a reason")
        raw = self.query_one("#sunset-until", Input).value.strip()
        return SunsetRequest(reason, _future(raw, "back on", self.now) if raw else None)


class SnoozeModal(FormModal[SnoozeRequest]):
    """Hide the account until a date; it comes back in the state it had."""

    verb = "Snooze"

    def fields(self) -> ComposeResult:
        yield Label("Until (YYYY-MM-DD)")
        yield Input(placeholder="YYYY-MM-DD", id="snooze-until")
        yield Label("Reason (optional)")
        yield Input(id="snooze-reason")

    def result(self) -> SnoozeRequest:
        raw = self.query_one("#snooze-until", Input).value.strip()
        if not raw:
            raise FormError("a snooze needs a date")
        reason = self.query_one("#snooze-reason", Input).value.strip()
        return SnoozeRequest(_future(raw, "until", self.now), reason)


class FeedbackModal(FormModal[FeedbackRequest]):
    """Was surfacing this account worth it? The input to iterating the PQA definition."""

    def __init__(self, heading: str, account: str, reasons: list[str], **kw: Any) -> None:
        super().__init__(heading, account, **kw)
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

    def __init__(self, heading: str, account: str, outcomes: list[str], **kw: Any) -> None:
        super().__init__(heading, account, **kw)
        self.outcomes = outcomes

    def fields(self) -> ComposeResult:
        options = [(o.replace("_", " "), o) for o in self.outcomes]
        yield Select(options, prompt="outcome", id="outcome-choice")
        yield Input(placeholder="detail (optional)", id="outcome-detail")

    def result(self) -> OutcomeRequest:
        value = self.query_one("#outcome-choice", Select).value
        if not isinstance(value, str):
            raise FormError("choose an outcome")
        return OutcomeRequest(value, self.query_one("#outcome-detail", Input).value.strip())
