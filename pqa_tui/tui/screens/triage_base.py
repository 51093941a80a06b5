"""The base of the screens that show accounts: the triage keys the queue and the account
screen share.

Every action gathers its input in a modal, then calls the core :mod:`pqa_tui.triage` function in
a thread worker while the form stays open: the TUI decides nothing itself, and a refused step
shows the core's own message, with the account named as the rep knows it, inside the form
that still holds what was typed (a lost claim race names who won it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlite_utils
from textual import events, on, work
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState, get_current_worker

from ... import triage
from ...errors import PqaError
from ...safe_text import clean
from ...store import DatabaseBusy, lock_wait
from ...workspace import Workspace
from .modals import (
    AssignModal,
    ContactedModal,
    Draft,
    FeedbackModal,
    FormModal,
    NoteModal,
    OutcomeModal,
    SnoozeModal,
    SunsetModal,
)

# One triage change, run in a worker on that thread's own connection.
TriageWrite = Callable[[sqlite_utils.Database], Any]
R = TypeVar("R")
# The worker group of triage writes: the app asks before quitting while one is unfinished.
STEP_GROUP = "triage"
# A triage write waiting for the lock tries again this often (and notices a quit between tries).
STEP_LOCK_WAIT_SECONDS = 2.0


def report_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """A worker that failed (a locked or newer file, a bug) says so instead of going quiet."""
    if event.state is WorkerState.ERROR:
        node.notify(
            clean(str(event.worker.error)),
            title="Could not read the database",
            severity="error",
            markup=False,
        )


@dataclass(frozen=True)
class Target:
    """The account an action applies to, as the screen last saw it (``state`` None: unknown,
    so every step is offered and the core decides)."""

    account_id: str
    label: str
    version: int | None = None
    state: str | None = None
    owner: str | None = None


# How long keys typed after a form's key wait for the form before they are dropped.
TYPED_AHEAD_SECONDS = 1.0
# The actions that open a form (the keys typed right after them belong to it).
FORM_ACTIONS = ("note", "contacted", "outcome", "feedback", "assign", "sunset", "snooze")
# Action name -> the triage step triage.refusal knows it by (note and feedback are always open).
STEP_OF_ACTION = {
    "claim": "claim",
    "release": "release",
    "contacted": "contacted",
    "assign": "assign",
    "outcome": "outcome",
    "sunset": "sunset",
    "snooze": "snooze",
}


class TriageScreen(Screen[None]):
    """A screen showing one current account that the triage keys act on.

    A step the account's state refuses is greyed out in the footer and the palette
    (:func:`pqa_tui.triage.refusal`); :meth:`refusals` says why in words.
    """

    # Actions whose keys typed right behind them are kept for what they open (see on_key).
    TYPED_AHEAD_ACTIONS: tuple[str, ...] = FORM_ACTIONS

    BINDINGS = [
        Binding("c", "claim", "Claim"),
        Binding("t", "contacted", "Contacted"),
        Binding("o", "outcome", "Outcome"),
        Binding("n", "note", "Note"),
        Binding("f", "feedback", "Feedback"),
        Binding("a", "assign", "Assign"),
        Binding("u", "release", "Release"),
        Binding("s", "sunset", "Sunset"),
        Binding("z", "snooze", "Snooze"),
        Binding("r", "reload", "Refresh", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        # Keys typed between a form's key and the form opening (None: no form on its way).
        self._typed_ahead: list[events.Key] | None = None
        # The (state, owner) the footer's greyed-out steps were last worked out for.
        self._steps_for: tuple[str | None, str | None] | None = None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self, event)

    def target(self) -> Target | None:
        """The account under the cursor (queue) or on show (account screen)."""
        raise NotImplementedError

    def reload(self) -> None:
        """Read the screen's data again, keeping the cursor where it is."""
        raise NotImplementedError

    def action_reload(self) -> None:
        self.reload()

    def refusal(self, action: str) -> str | None:
        """Why the current account's state refuses ``action`` (None: open, or not a step)."""
        step = STEP_OF_ACTION.get(action)
        t = self.target() if step else None
        if step is None or t is None or t.state is None:
            return None
        return triage.refusal(step, t.state, t.owner, self.workspace.actor)

    def refusals(self) -> dict[str, list[str]]:
        """The greyed-out steps grouped by why: ``{"claim it first": ["contacted", ...]}``."""
        grouped: dict[str, list[str]] = {}
        for action in STEP_OF_ACTION:
            if (why := self.refusal(action)) is not None:
                grouped.setdefault(why, []).append(action)
        return grouped

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None: shown greyed out in the footer, and the key does nothing.
        return None if self.refusal(action) else True

    @on(DataTable.RowHighlighted)
    def _target_moved(self, event: DataTable.RowHighlighted) -> None:
        # Which steps are refused depends on the state and owner only: re-render the footer
        # when those change, not on every cursor move (it doubled the cost of a key press).
        t = self.target()
        steps_for = (t.state, t.owner) if t else None
        if steps_for != self._steps_for:
            self._steps_for = steps_for
            self.refresh_bindings()

    def on_key(self, event: events.Key) -> None:
        """Keys typed in the same burst as the key that opens a form reach this screen
        before the form exists (the binding runs after the keys queued behind it): keep them
        for the form, so its letters neither act as this screen's keys nor get lost."""
        if self._typed_ahead is not None:
            event.stop()
            self._typed_ahead.append(event)
            return
        active = self.active_bindings.get(event.key)
        action = active.binding.action if active else ""
        if action in self.TYPED_AHEAD_ACTIONS and self.check_action(action, ()) is True:
            typed: list[events.Key] = []
            self._typed_ahead = typed
            # Should the form not open after all, stop keeping keys (as if never typed).
            self.set_timer(TYPED_AHEAD_SECONDS, lambda: self._drop_typed_ahead(typed))

    def _drop_typed_ahead(self, typed: list[events.Key]) -> None:
        if self._typed_ahead is typed:
            self._typed_ahead = None

    def _target_or_warn(self) -> Target | None:
        target = self.target()
        if target is None:
            self.notify("No account selected", severity="warning")
        return target

    def _drafts(self) -> dict[tuple[str, str], Draft]:
        return self.app.drafts  # type: ignore[attr-defined, no-any-return]

    def _ask(
        self,
        kind: str,
        form: Callable[..., FormModal[R]],
        then: Callable[[Target, R], TriageWrite],
        done: Callable[[Target, R], str],
    ) -> None:
        """Open ``form`` about the current account, refilled with its draft if one was kept.

        On ctrl+s the form stays open while ``then(target, request)`` runs in a worker; it
        closes once the change is in, and shows the reason when the core refuses it.
        """
        typed_ahead, self._typed_ahead = self._typed_ahead or [], None
        if (t := self._target_or_warn()) is None:
            return
        key = (t.account_id, kind)
        drafts = self._drafts()

        def keep(draft: Draft | None) -> None:
            if draft:
                drafts[key] = draft
            else:
                drafts.pop(key, None)

        modal: FormModal[R] = form(
            t.label,
            save=lambda request: self.run_step(then(t, request), done(t, request), t, modal),
            keep=keep,
            draft=drafts.get(key),
            now=self.workspace.now(),
            typed_ahead=typed_ahead,
        )
        self.app.push_screen(modal)

    def _write(self, t: Target, call: Callable[..., Any], *args: Any, **kw: Any) -> TriageWrite:
        """The core triage ``call`` on ``t`` as this workspace's actor, at its clock:
        ``call(db, config, account_id, actor, *args, now=..., **kw)``."""
        ws = self.workspace
        return lambda db: call(db, ws.config, t.account_id, ws.actor, *args, now=ws.now(), **kw)

    def action_claim(self) -> None:
        if (t := self._target_or_warn()) is not None:
            step = self._write(t, triage.claim, expected_version=t.version)
            self.run_step(step, f"Claimed {t.label}", t)

    def action_release(self) -> None:
        if (t := self._target_or_warn()) is not None:
            step = self._write(t, triage.release)
            self.run_step(step, f"Released {t.label}: back in the queue as new", t)

    def action_contacted(self) -> None:
        self._ask(
            "contacted",
            lambda label, **kw: ContactedModal("Contacted", label, **kw),
            lambda t, req: self._write(
                t, triage.mark_contacted, channel=req.channel, detail=req.detail
            ),
            lambda t, req: f"Contacted {t.label} ({req.channel})",
        )

    def action_assign(self) -> None:
        team = [m for m in self.workspace.config.triage.team if m != self.workspace.actor]
        self._ask(
            "assign",
            lambda label, **kw: AssignModal("Assign", label, team, **kw),
            lambda t, to: self._write(t, triage.assign, to),
            lambda t, to: f"Assigned {t.label} to {to}",
        )

    def action_note(self) -> None:
        self._ask(
            "note",
            lambda label, **kw: NoteModal("Note", label, **kw),
            lambda t, text: self._write(t, triage.add_note, text),
            lambda t, _: f"Note saved on {t.label}",
        )

    def action_sunset(self) -> None:
        self._ask(
            "sunset",
            lambda label, **kw: SunsetModal("Sunset", label, **kw),
            lambda t, req: self._write(t, triage.sunset, reason=req.reason, until=req.until),
            lambda t, _: f"Sunset {t.label}",
        )

    def action_snooze(self) -> None:
        self._ask(
            "snooze",
            lambda label, **kw: SnoozeModal("Snooze", label, **kw),
            lambda t, req: self._write(t, triage.snooze, until=req.until, reason=req.reason),
            lambda t, _: f"Snoozed {t.label}",
        )

    def action_feedback(self) -> None:
        reasons = list(self.workspace.config.triage.feedback_reasons)
        self._ask(
            "feedback",
            lambda label, **kw: FeedbackModal("Feedback", label, reasons, **kw),
            lambda t, req: self._write(
                t, triage.give_feedback, req.verdict, reason=req.reason, text=req.text
            ),
            lambda t, req: f"Feedback ({req.verdict}) saved on {t.label}",
        )

    def action_outcome(self) -> None:
        t = self.target()
        state = t.state if t is not None else None
        # Only the outcomes that may follow the account's state (all when it is unknown).
        offered = [o for o in triage.OUTCOMES if state is None or state in triage.OUTCOME_FROM[o]]
        self._ask(
            "outcome",
            lambda label, **kw: OutcomeModal("Outcome", label, offered, **kw),
            lambda t, req: self._write(t, triage.record_outcome, req.outcome, detail=req.detail),
            lambda t, req: f"Outcome {req.outcome.replace('_', ' ')} recorded on {t.label}",
        )

    @work(thread=True, exit_on_error=False, group=STEP_GROUP)
    def run_step(
        self,
        step: TriageWrite,
        done: str,
        target: Target,
        form: FormModal[Any] | None = None,
    ) -> None:
        """Run one core triage call on this thread's own connection, then refresh every screen.

        While another process holds the write lock past the store's wait (a long ingest), the
        change is kept and tried again until it goes in: what someone typed is never dropped
        for being early. Quitting meanwhile asks first (:meth:`PqaApp.action_quit`).
        """
        app = self.app
        worker = get_current_worker()
        told = False
        # The rep named the account: say its name, not its id, in what comes back.
        by_name = target.account_id != target.label
        while True:
            try:
                with self.workspace.connect() as db, lock_wait(STEP_LOCK_WAIT_SECONDS):
                    step(db)
            except DatabaseBusy:
                if worker.is_cancelled:
                    return
                if not told:
                    told = True
                    if form is not None:  # the change waits in this worker; the form can go
                        app.call_from_thread(form.dismiss)
                    app.call_from_thread(
                        app.notify,
                        "Not saved yet: another pqa process (an ingest?) is writing to the "
                        "database. This change is kept and goes in as soon as it finishes.",
                        severity="warning",
                        markup=False,
                        timeout=10,
                    )
                continue
            except triage.AlreadyClaimed as e:
                message, severity = f"Already claimed by {e.owner}", "warning"
            except PqaError as e:
                message, severity = str(e), "error"
                if by_name:
                    message = message.replace(target.account_id, target.label)
            else:
                message, severity = done, "information"
            break
        app.call_from_thread(self._answer, form, clean(message), severity)

    def _answer(self, form: FormModal[Any] | None, message: str, severity: str) -> None:
        """Tell the rep how the change went: a refusal inside the form that is still open (its
        text kept), anything else as a notification; then refresh every screen."""
        if form is not None and form.is_attached and form is self.app.screen:
            if severity == "information":
                form.saved()
            else:
                form.refused(message)
                self.app.refresh_screens()
                return
        elif form is not None and severity == "information":
            form.saved()  # closed while waiting for the lock: forget its draft
        elif form is not None:
            message += f" (what you typed is kept: open {form.heading} again)"
        self.app.notify(message, severity=severity, markup=False)  # type: ignore[arg-type]
        self.app.refresh_screens()
