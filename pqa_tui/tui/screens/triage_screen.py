"""The triage keys shared by the queue and the account screen.

Every action gathers its input in a modal, then calls the core :mod:`pqa_tui.triage` function in
a thread worker: the TUI decides nothing itself, and a refused step shows the core's own
message (a lost claim race names who won it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from textual import work
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from ... import triage
from ...errors import PqaError
from ...safe_text import clean
from ...store import DatabaseBusy, lock_wait
from ...workspace import Workspace
from .modals import (
    FeedbackModal,
    FeedbackRequest,
    NoteModal,
    OutcomeModal,
    OutcomeRequest,
    SnoozeModal,
    SnoozeRequest,
    SunsetModal,
    SunsetRequest,
)

Step = Callable[[sqlite_utils.Database], Any]
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
    """The account an action applies to, as the screen last saw it."""

    account_id: str
    label: str
    version: int | None = None


class TriageScreen(Screen[None]):
    """A screen showing one current account that the triage keys act on."""

    BINDINGS = [
        Binding("c", "claim", "Claim"),
        Binding("n", "note", "Note"),
        Binding("f", "feedback", "Feedback"),
        Binding("o", "outcome", "Outcome"),
        Binding("s", "sunset", "Sunset"),
        Binding("z", "snooze", "Snooze"),
        Binding("r", "reload", "Refresh", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

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

    def _target_or_warn(self) -> Target | None:
        target = self.target()
        if target is None:
            self.notify("No account selected", severity="warning")
        return target

    def action_claim(self) -> None:
        if (t := self._target_or_warn()) is None:
            return
        ws = self.workspace
        self.run_step(
            lambda db: triage.claim(
                db, ws.config, t.account_id, ws.actor, expected_version=t.version, now=ws.now()
            ),
            f"Claimed {t.label}",
        )

    def action_note(self) -> None:
        if (t := self._target_or_warn()) is None:
            return
        ws = self.workspace

        def save(text: str | None) -> None:
            if text is not None:
                self.run_step(
                    lambda db: triage.add_note(
                        db, ws.config, t.account_id, ws.actor, text, now=ws.now()
                    ),
                    f"Note saved on {t.label}",
                )

        self.app.push_screen(NoteModal("Note", t.label), save)

    def action_sunset(self) -> None:
        if (t := self._target_or_warn()) is None:
            return
        ws = self.workspace

        def save(req: SunsetRequest | None) -> None:
            if req is not None:
                self.run_step(
                    lambda db: triage.sunset(
                        db,
                        ws.config,
                        t.account_id,
                        ws.actor,
                        reason=req.reason,
                        until=req.until,
                        now=ws.now(),
                    ),
                    f"Sunset {t.label}",
                )

        self.app.push_screen(SunsetModal("Sunset", t.label), save)

    def action_snooze(self) -> None:
        if (t := self._target_or_warn()) is None:
            return
        ws = self.workspace

        def save(req: SnoozeRequest | None) -> None:
            if req is not None:
                self.run_step(
                    lambda db: triage.snooze(
                        db,
                        ws.config,
                        t.account_id,
                        ws.actor,
                        until=req.until,
                        reason=req.reason,
                        now=ws.now(),
                    ),
                    f"Snoozed {t.label}",
                )

        self.app.push_screen(SnoozeModal("Snooze", t.label), save)

    def action_feedback(self) -> None:
        if (t := self._target_or_warn()) is None:
            return
        ws = self.workspace

        def save(req: FeedbackRequest | None) -> None:
            if req is not None:
                self.run_step(
                    lambda db: triage.give_feedback(
                        db,
                        ws.config,
                        t.account_id,
                        ws.actor,
                        req.verdict,
                        reason=req.reason,
                        text=req.text,
                        now=ws.now(),
                    ),
                    f"Feedback ({req.verdict}) saved on {t.label}",
                )

        reasons = list(ws.config.triage.feedback_reasons)
        self.app.push_screen(FeedbackModal("Feedback", t.label, reasons), save)

    def action_outcome(self) -> None:
        if (t := self._target_or_warn()) is None:
            return
        ws = self.workspace

        def save(req: OutcomeRequest | None) -> None:
            if req is not None:
                self.run_step(
                    lambda db: triage.record_outcome(
                        db,
                        ws.config,
                        t.account_id,
                        ws.actor,
                        req.outcome,
                        detail=req.detail,
                        now=ws.now(),
                    ),
                    f"Outcome {req.outcome} recorded on {t.label}",
                )

        self.app.push_screen(OutcomeModal("Outcome", t.label), save)

    @work(thread=True, exit_on_error=False, group=STEP_GROUP)
    def run_step(self, step: Step, done: str) -> None:
        """Run one core triage call on this thread's own connection, then refresh every screen.

        While another process holds the write lock past the store's wait (a long ingest), the
        change is kept and tried again until it goes in: what someone typed is never dropped
        for being early. Quitting meanwhile asks first (:meth:`PqaApp.action_quit`).
        """
        app = self.app
        worker = get_current_worker()
        told = False
        while True:
            try:
                with self.workspace.connect() as db, lock_wait(STEP_LOCK_WAIT_SECONDS):
                    step(db)
            except DatabaseBusy:
                if worker.is_cancelled:
                    return
                if not told:
                    told = True
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
            else:
                message, severity = done, "information"
            break
        app.call_from_thread(app.notify, clean(message), severity=severity, markup=False)
        app.call_from_thread(app.refresh_screens)
