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
# Where a hand-over (assign) may start: new (routed or not), or an active account one holds.
ASSIGN_FROM = (NEW, *ACTIVE)
# The states each rep step starts from (claim has its own rule below).
STEP_FROM: dict[str, tuple[str, ...]] = {
    "release": (CLAIMED, CONTACTED),
    "contacted": (CLAIMED,),
    "outcome": tuple(s for s in STATES if any(s in a for a in OUTCOME_FROM.values())),
    "assign": ASSIGN_FROM,
    "sunset": SUNSET_FROM,
    "snooze": SNOOZE_FROM,
}
# Steps only the owner may take; the others only stop at someone else's active account.
OWNER_ONLY = ("release", "contacted", "outcome")


def refusal(step: str, state: str, owner: str | None, actor: str) -> str | None:
    """Why ``actor`` cannot take ``step`` (claim or a :data:`STEP_FROM` key) on an account in
    ``state`` held by ``owner``, in a rep's words; None when the step is open.

    A screen greys out what this refuses; the writes in :mod:`pqa_tui.triage.transitions` check
    the same tables and have the last word (the account may change in between).
    """
    mine = owner == actor
    if step == "claim":
        if state in ACTIVE:
            return "it is already yours" if mine else f"{owner or 'someone'} has it"
        return None if state in CLAIM_FROM else f"it is closed ({state})"
    if state not in STEP_FROM[step]:
        return "claim it first" if state in CLAIM_FROM else f"it is {state.replace('_', ' ')}"
    if mine:
        return None
    if step in OWNER_ONLY:
        return f"{owner} has it" if owner else "claim it first"
    if state in ACTIVE and owner:
        return f"{owner} has it"
    return None


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
