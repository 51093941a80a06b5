"""Triage's vocabulary: the states, which one may follow which, and the errors that say no.

new → claimed (owner) → contacted → an outcome (meeting, qualified, won, lost, no_response,
not_a_fit), plus two parked states: **sunset** and **snoozed**. The transitions that use these
tables are in :mod:`pqa_tui.triage.transitions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import PqaError

NEW = "new"
CLAIMED = "claimed"
CONTACTED = "contacted"
SUNSET = "sunset"
SNOOZED = "snoozed"
OUTCOMES = ("meeting", "qualified", "won", "lost", "no_response", "not_a_fit")
ACTIVE = (CLAIMED, CONTACTED, "meeting", "qualified", "no_response")
CLOSED = ("won", "lost", "not_a_fit")
PARKED = (SUNSET, SNOOZED)
STATES = (NEW, *ACTIVE, *CLOSED, *PARKED)

# Which outcome may follow which state. Anything missing is refused with a reason.
OUTCOME_FROM: dict[str, tuple[str, ...]] = {
    "meeting": (CONTACTED, "no_response"),
    "qualified": (CONTACTED, "meeting", "no_response"),
    "won": (CONTACTED, "meeting", "qualified", "no_response"),
    "lost": (CONTACTED, "meeting", "qualified", "no_response"),
    "no_response": (CONTACTED,),
    "not_a_fit": (CLAIMED, CONTACTED, "meeting", "qualified", "no_response"),
}
SUNSET_FROM = (NEW, *ACTIVE, "lost", "not_a_fit", SNOOZED)
SNOOZE_FROM = (NEW, *ACTIVE)
CLAIM_FROM = (NEW, *PARKED)
SYSTEM_ACTOR = "pqa"


class TriageError(PqaError):
    """A triage step that cannot be done; the message says why and what to do instead."""


class AlreadyClaimed(TriageError):
    """Someone else owns the account (or won the claim race a moment ago)."""

    def __init__(self, account_id: str, owner: str):
        self.account_id = account_id
        self.owner = owner
        super().__init__(f"{account_id} is already claimed by {owner}")


@dataclass(frozen=True)
class TriageState:
    """An account's live triage state, as a write left it or a read computed it."""

    account_id: str
    state: str
    owner: str | None
    version: int
    updated_at: str | None = None
    updated_by: str | None = None
    sunset_at: str | None = None
    sunset_until: str | None = None
    snooze_until: str | None = None
    # The state just before the write that returned this (None from reads).
    previous: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def current_time(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)
