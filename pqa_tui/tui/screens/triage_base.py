"""The base of the screens that show accounts: the triage keys the queue and the account
screen share.

Every action gathers its input in a modal, then calls the core :mod:`pqa_tui.triage` function in
a thread worker: the TUI decides nothing itself, and a refused step shows the core's own
message (a lost claim race names who won it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

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
from .modals import FeedbackModal, FormModal, NoteModal, OutcomeModal, SnoozeModal, SunsetModal

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

    def _ask(
        self, form: Callable[[Target], FormModal[R]], then: Callable[[Target, R], None]
    ) -> None:
        """Open ``form`` about the current account; once submitted, ``then`` runs the change."""
        if (t := self._target_or_warn()) is None:
            return

        def submitted(request: R | None) -> None:
            if request is not None:
                then(t, request)

        self.app.push_screen(form(t), submitted)

    def _change(
        self, t: Target, call: Callable[..., Any], *args: Any, done: str, **kw: Any
    ) -> None:
        """Run the core triage ``call`` on ``t`` as this workspace's actor, at its clock:
        ``call(db, config, account_id, actor, *args, now=..., **kw)``."""
        ws = self.workspace
        self.run_step(
            lambda db: call(db, ws.config, t.account_id, ws.actor, *args, now=ws.now(), **kw), done
        )

    def action_claim(self) -> None:
        if (t := self._target_or_warn()) is not None:
            self._change(t, triage.claim, expected_version=t.version, done=f"Claimed {t.label}")

    def action_note(self) -> None:
        self._ask(
            lambda t: NoteModal("Note", t.label),
            lambda t, text: self._change(t, triage.add_note, text, done=f"Note saved on {t.label}"),
        )

    def action_sunset(self) -> None:
        self._ask(
            lambda t: SunsetModal("Sunset", t.label),
            lambda t, req: self._change(
                t, triage.sunset, reason=req.reason, until=req.until, done=f"Sunset {t.label}"
            ),
        )

    def action_snooze(self) -> None:
        self._ask(
            lambda t: SnoozeModal("Snooze", t.label),
            lambda t, req: self._change(
                t, triage.snooze, until=req.until, reason=req.reason, done=f"Snoozed {t.label}"
            ),
        )

    def action_feedback(self) -> None:
        reasons = list(self.workspace.config.triage.feedback_reasons)
        self._ask(
            lambda t: FeedbackModal("Feedback", t.label, reasons),
            lambda t, req: self._change(
                t,
                triage.give_feedback,
                req.verdict,
                reason=req.reason,
                text=req.text,
                done=f"Feedback ({req.verdict}) saved on {t.label}",
            ),
        )

    def action_outcome(self) -> None:
        self._ask(
            lambda t: OutcomeModal("Outcome", t.label),
            lambda t, req: self._change(
                t,
                triage.record_outcome,
                req.outcome,
                detail=req.detail,
                done=f"Outcome {req.outcome} recorded on {t.label}",
            ),
        )

    @work(thread=True, exit_on_error=False, group=STEP_GROUP)
    def run_step(self, step: TriageWrite, done: str) -> None:
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
