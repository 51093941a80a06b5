"""Triage: what people do with a surfaced account, as a validated state machine.

new → claimed (owner) → contacted → an outcome (meeting, qualified, won, lost, no_response,
not_a_fit), plus two parked states: **sunset** (back only at a *new* PQA moment after the
sunset, once the cooldown has passed, or on an optional date; ``returns`` decides what is new)
and **snoozed** (back on a date, in the state it had). A claim nobody touches for
``triage.claim_expiry_days`` goes back to the pool; an account contacted within
``triage.contact_cooldown_days`` is not surfaced as new again without new buying behaviour.

The ``triage`` table is a versioned cache of the state; the ``activity`` table is the
append-only truth (who, when, from → to, why). Every write runs inside one
``store.write(db)`` transaction (``BEGIN IMMEDIATE``), and changes the row only through a
compare-and-set on ``version``: two people claiming at once cannot both win.

Parked accounts come back lazily: reads compute the live state in SQL (:func:`live_triage_sql`),
and the next write to the account records the return in the activity log before its own change.

Modules: ``states`` (the states and what may follow what), ``live`` (the live-state SQL),
``returns`` (sunset snapshots and what brings a sunset account back),
``queue_filter`` (views, capacity, the filter's SQL), ``queue_view`` (queue rows, sorts),
``routing``, ``transitions`` (the writes) and ``history`` (the activity log and its reads).
Every public name but the queue's rows is importable from here (``triage.claim(...)``).
"""

from __future__ import annotations

from .history import feedback, history, notes, outcomes, triage_detail
from .live import live_columns, live_params, live_state, live_triage_sql
from .queue_filter import VIEWS, Capacity, QueueFilter, capacity, queue_filter_sql, team_size
from .returns import sunset_snapshots
from .routing import route_new, rule_matches
from .states import (
    ACTIVE,
    CLAIM_FROM,
    CLAIMED,
    CLOSED,
    CONTACTED,
    NEW,
    OUTCOME_FROM,
    OUTCOMES,
    PARKED,
    SNOOZE_FROM,
    SNOOZED,
    STATES,
    STEP_FROM,
    SUNSET,
    SUNSET_FROM,
    SYSTEM_ACTOR,
    AlreadyClaimed,
    TriageError,
    TriageState,
    current_time,
    refusal,
)
from .transitions import (
    add_note,
    assign,
    claim,
    give_feedback,
    mark_contacted,
    record_crm_result,
    record_outcome,
    release,
    resurface_due,
    snooze,
    sunset,
)

__all__ = [
    "ACTIVE",
    "CLAIMED",
    "CLAIM_FROM",
    "CLOSED",
    "CONTACTED",
    "NEW",
    "OUTCOMES",
    "OUTCOME_FROM",
    "PARKED",
    "SNOOZED",
    "SNOOZE_FROM",
    "STATES",
    "SUNSET",
    "SUNSET_FROM",
    "STEP_FROM",
    "SYSTEM_ACTOR",
    "VIEWS",
    "AlreadyClaimed",
    "Capacity",
    "QueueFilter",
    "TriageError",
    "TriageState",
    "add_note",
    "assign",
    "capacity",
    "claim",
    "current_time",
    "feedback",
    "give_feedback",
    "history",
    "live_columns",
    "live_params",
    "live_state",
    "live_triage_sql",
    "mark_contacted",
    "notes",
    "outcomes",
    "queue_filter_sql",
    "record_crm_result",
    "record_outcome",
    "refusal",
    "release",
    "resurface_due",
    "route_new",
    "rule_matches",
    "snooze",
    "sunset",
    "sunset_snapshots",
    "team_size",
    "triage_detail",
]
