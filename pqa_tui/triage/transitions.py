"""Triage writes: every change to an account's state, validated and logged in one transaction.

Every write runs inside one ``store.write(db)`` transaction (``BEGIN IMMEDIATE``), and changes
the ``triage`` row only through a compare-and-set on ``version``: two people claiming at once
cannot both win. A parked account that is due back has its return recorded first
(:func:`_settle`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlite_utils

from .. import store
from ..config import Config
from ..notify.outbox import enqueue_back, enqueue_stale_claim
from ..timestamps import format_ts
from .history import log_activity
from .live import live_columns, live_params, read_state, sql_in
from .returns import RETURN_FACTS_SQL, record_sunset, why_back
from .states import (
    ACTIVE,
    ASSIGN_FROM,
    CLAIM_FROM,
    CLAIMED,
    CONTACTED,
    NEW,
    OUTCOME_FROM,
    OUTCOMES,
    PARKED,
    SNOOZE_FROM,
    SNOOZED,
    SUNSET,
    SUNSET_FROM,
    SYSTEM_ACTOR,
    AlreadyClaimed,
    TriageError,
    TriageState,
    current_time,
)


def _check_account(conn: sqlite3.Connection, account_id: str) -> None:
    row = conn.execute(
        "select 1 from accounts where account_id = ? union all "
        "select 1 from scores where account_id = ? limit 1",
        [account_id, account_id],
    ).fetchone()
    if row is None:
        raise TriageError(f"no account {account_id!r}; `pqa queue --view all` lists them")


def _settle(
    conn: sqlite3.Connection, config: Config, account_id: str, now: datetime
) -> tuple[TriageState, int]:
    """The account's state inside a write, recording first a due return from sunset/snooze
    or a claim gone stale (back to the pool, with the outbox's ``stale_claim`` event).

    Also returns the version a reader saw before that return was recorded: the live state a
    screen showed was already the returned one, so its version check must not fail on it.
    """
    _check_account(conn, account_id)
    at = format_ts(now)
    conn.execute(
        "insert or ignore into triage(account_id, state, version, updated_at) values (?, ?, 0, ?)",
        [account_id, NEW, at],
    )
    stored = conn.execute(
        "select state, owner, version from triage where account_id = ?", [account_id]
    ).fetchone()
    live = read_state(conn, config, account_id, now)
    if stored[0] != live.state:
        _cas(conn, account_id, live.version, now, SYSTEM_ACTOR, state=live.state, owner=live.owner)
        if stored[0] == CLAIMED:
            days = config.triage.claim_expiry_days
            why = f"no note, contact, outcome or feedback for {days} days"
            detail = {"reason": f"claim by {stored[1]} expired: {why}", "owner": stored[1]}
            log_activity(
                conn, account_id, at, SYSTEM_ACTOR, "claim_expired", CLAIMED, live.state, detail
            )
            enqueue_stale_claim(conn, config, account_id, at)
        else:
            action, detail = "snooze_ended", {}
            if stored[0] == SUNSET:
                facts = conn.execute(
                    f"select {RETURN_FACTS_SQL.format(account='?')}", [account_id]
                ).fetchone()[0]
                action, detail = "resurface", {"because": why_back(facts, at)}
            log_activity(conn, account_id, at, SYSTEM_ACTOR, action, stored[0], live.state, detail)
            enqueue_back(conn, config, account_id, at)
        live = read_state(conn, config, account_id, now)
    return live, stored[2]


def _cas(
    conn: sqlite3.Connection,
    account_id: str,
    expected_version: int,
    now: datetime,
    actor: str,
    **changes: Any,
) -> None:
    """Update the triage row only if nobody changed it since ``expected_version`` was read."""
    changes.update(updated_at=format_ts(now), updated_by=actor)
    sets = ", ".join(f"{k} = :{k}" for k in changes)
    cur = conn.execute(
        f"update triage set {sets}, version = version + 1 "
        "where account_id = :account_id and version = :expected",
        {**changes, "account_id": account_id, "expected": expected_version},
    )
    if cur.rowcount != 1:
        owner = conn.execute("select owner from triage where account_id = ?", [account_id])
        current = owner.fetchone()
        if current and current[0]:
            raise AlreadyClaimed(account_id, current[0])
        raise TriageError(f"{account_id} changed while you were looking at it; reload and retry")


@dataclass
class Transition:
    """What a validated transition does: the new state, other row changes, log detail."""

    to_state: str
    changes: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    # A step the change implies, logged before it: (action, state, detail), e.g. the contact
    # a meeting on a claimed account implies.
    via: tuple[str, str, dict[str, Any]] | None = None


def _apply(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    action: str,
    check: Callable[[TriageState], Transition],
    *,
    now: datetime | None,
    expected_version: int | None = None,
    also: Callable[[sqlite3.Connection, str], None] | None = None,
) -> TriageState:
    """Settle, validate (``check`` raises or returns a Transition), compare-and-set, log: one txn.

    ``also(conn, at)`` writes rows that belong to the same change (an outcome row, a
    sunset's snapshot).
    """
    now = current_time(now)
    at = format_ts(now)
    with store.write(db) as conn:
        current, seen_version = _settle(conn, config, account_id, now)
        change = check(current)
        if expected_version is not None and expected_version != seen_version:
            if current.owner and current.owner != actor:
                raise AlreadyClaimed(account_id, current.owner)
            raise TriageError(f"{account_id} changed since you loaded it; reload and retry")
        _cas(conn, account_id, current.version, now, actor, state=change.to_state, **change.changes)
        from_state = current.state
        if change.via is not None:
            via_action, via_state, via_detail = change.via
            log_activity(conn, account_id, at, actor, via_action, from_state, via_state, via_detail)
            from_state = via_state
        log_activity(
            conn, account_id, at, actor, action, from_state, change.to_state, change.detail
        )
        if also is not None:
            also(conn, at)
        return replace(read_state(conn, config, account_id, now), previous=current.state)


def _refuse(account_id: str, doing: str, current: TriageState, hint: str = "") -> TriageError:
    owner = f" (owner {current.owner})" if current.owner else ""
    return TriageError(f"cannot {doing} {account_id}: it is {current.state}{owner}{hint}")


def _require_owner(account_id: str, doing: str, current: TriageState, actor: str) -> None:
    if current.owner != actor:
        raise TriageError(
            f"cannot {doing} {account_id}: it is {current.state} and owned by "
            f"{current.owner or 'nobody'}, not {actor}"
        )


def claim(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TriageState:
    """Take the account. Raises :class:`AlreadyClaimed` when someone else holds it.

    ``expected_version`` is the version the caller saw (a TUI row): if the account changed
    since and someone else now owns it, the claim loses instead of overwriting them.
    """

    def check(current: TriageState) -> Transition:
        if current.state in ACTIVE:
            if current.owner == actor:
                raise TriageError(f"{account_id} is already yours ({current.state})")
            raise AlreadyClaimed(account_id, current.owner or "someone")
        if current.state not in CLAIM_FROM:
            raise _refuse(account_id, "claim", current, "; it is closed")
        routed = current.owner if current.state == NEW and current.owner != actor else None
        cleared = dict.fromkeys(("parked_from", "sunset_at", "sunset_until", "snooze_until"))
        return Transition(CLAIMED, {"owner": actor, **cleared}, {"routed_to": routed})

    return _apply(
        db, config, account_id, actor, "claim", check, now=now, expected_version=expected_version
    )


def release(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    *,
    reason: str = "",
    now: datetime | None = None,
) -> TriageState:
    """Give a claimed account back to the queue as new and unowned (owner only)."""

    def check(current: TriageState) -> Transition:
        if current.state not in (CLAIMED, CONTACTED):
            raise _refuse(account_id, "release", current, "; only claimed or contacted can be")
        _require_owner(account_id, "release", current, actor)
        return Transition(NEW, {"owner": None}, {"reason": reason})

    return _apply(db, config, account_id, actor, "release", check, now=now)


def mark_contacted(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    *,
    detail: str = "",
    channel: str = "",
    now: datetime | None = None,
) -> TriageState:
    """Record that the owner reached out (claimed → contacted): how (``channel``: email,
    call, ...) and a line of ``detail``."""

    def check(current: TriageState) -> Transition:
        if current.state != CLAIMED:
            hint = "; claim it first" if current.state == NEW else ""
            raise _refuse(account_id, "mark contacted", current, hint)
        _require_owner(account_id, "mark contacted", current, actor)
        said = {"channel": channel} if channel else {}
        return Transition(CONTACTED, detail={**said, "detail": detail})

    return _apply(db, config, account_id, actor, "contacted", check, now=now)


def assign(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    to: str,
    *,
    now: datetime | None = None,
) -> TriageState:
    """Hand the account to teammate ``to`` (one of ``triage.team`` when a team is set).

    A new account stays new in their queue (as routing does: they still claim it); an active
    account you hold keeps its state and becomes theirs. Someone else's active account is
    theirs to hand over.
    """
    to = to.strip()
    team = config.triage.team
    if not to:
        raise TriageError("assign to whom? name a teammate")
    if team and to not in team:
        raise TriageError(f"{to} is not in the team (config triage.team: {', '.join(team)})")

    def check(current: TriageState) -> Transition:
        if current.state not in ASSIGN_FROM:
            raise _refuse(account_id, "assign", current)
        if current.owner and current.owner != actor and current.state in ACTIVE:
            _require_owner(account_id, "assign", current, actor)
        if current.owner == to:
            raise TriageError(f"{account_id} is already {to}'s")
        return Transition(current.state, {"owner": to}, {"from_owner": current.owner, "to": to})

    return _apply(db, config, account_id, actor, "assign", check, now=now)


def record_outcome(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    outcome: str,
    *,
    detail: str = "",
    now: datetime | None = None,
) -> TriageState:
    """Record an outcome (meeting, qualified, won, lost, no_response, not_a_fit), owner only.

    Writes the state change, its activity row and an ``outcomes`` row in one transaction. A
    meeting, qualified, won or lost on a claimed account implies it was contacted: the contact
    step is logged first, in the same write.
    """
    outcome = outcome.strip().lower().replace(" ", "_").replace("-", "_")
    if outcome not in OUTCOME_FROM:
        raise TriageError(f"unknown outcome {outcome!r}; expected one of: {', '.join(OUTCOMES)}")

    def check(current: TriageState) -> Transition:
        allowed = OUTCOME_FROM[outcome]
        via = None
        if current.state == CLAIMED and outcome in IMPLY_CONTACT:
            via = ("contacted", CONTACTED, {"detail": f"implied by {outcome}"})
        elif current.state not in allowed:
            hint = f"; {outcome} follows {', '.join(allowed)}"
            raise _refuse(account_id, f"record {outcome} for", current, hint)
        _require_owner(account_id, f"record {outcome} for", current, actor)
        return Transition(outcome, detail={"outcome": outcome, "detail": detail}, via=via)

    def also(conn: sqlite3.Connection, at: str) -> None:
        conn.execute(
            "insert into outcomes(account_id, at, outcome, source, author, detail) "
            "values (?, ?, ?, 'rep', ?, ?)",
            [account_id, at, outcome, actor, json.dumps({"detail": detail}, ensure_ascii=False)],
        )

    return _apply(db, config, account_id, actor, "outcome", check, now=now, also=also)


# Outcomes that cannot happen without a conversation: on a claimed account they imply contact.
IMPLY_CONTACT = ("meeting", "qualified", "won", "lost")

CRM_ACTOR = "crm"
CRM_OUTCOMES = ("won", "lost", "open")


def record_crm_result(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    *,
    outcome: str,
    stage: str = "",
    owner: str = "",
    record: str = "",
    closed_at: datetime | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> TriageState | None:
    """Record what the CRM says about an account: the owner there, the stage, won / lost / open.

    The CRM is where a sale closes, so this skips the rep's state machine: ``won`` moves the
    account to won from any state, ``lost`` to lost unless it is won (a lost upsell does not
    undo a customer), ``open`` leaves the state; the pqa owner is kept. Writes an ``outcomes``
    row (source ``crm``, author the CRM owner, dated ``closed_at`` when a closed result has one)
    and an activity row by actor ``crm``. ``record`` is the CRM's id for the row (opportunity,
    deal); when the latest result for that record already says the same, writes nothing and
    returns None, so importing the same file again changes nothing.
    """
    if outcome not in CRM_OUTCOMES:
        raise TriageError(f"unknown CRM outcome {outcome!r}; expected {', '.join(CRM_OUTCOMES)}")
    now = current_time(now)
    at = format_ts(now)
    with store.write(db) as conn:
        last = conn.execute(
            "select outcome, coalesce(author, ''), json_extract(detail, '$.stage') from outcomes "
            "where account_id = ? and source = 'crm' and json_extract(detail, '$.record') = ? "
            "order by id desc limit 1",
            [account_id, record],
        ).fetchone()
        if last is not None and tuple(last) == (outcome, owner, stage):
            return None
        current, _ = _settle(conn, config, account_id, now)
        to_state = current.state
        if outcome == "won" or (outcome == "lost" and current.state != "won"):
            to_state = outcome
        if to_state != current.state:
            cleared = dict.fromkeys(("parked_from", "sunset_at", "sunset_until", "snooze_until"))
            _cas(conn, account_id, current.version, now, CRM_ACTOR, state=to_state, **cleared)
        facts = {"stage": stage, "owner": owner, "record": record, **(detail or {})}
        log_activity(conn, account_id, at, CRM_ACTOR, "crm", current.state, to_state,
             {"outcome": outcome, **facts})  # fmt: skip
        when = min(closed_at, now) if closed_at and outcome != "open" else now
        conn.execute(
            "insert into outcomes(account_id, at, outcome, source, author, detail) "
            "values (?, ?, ?, 'crm', ?, ?)",
            [account_id, format_ts(when), outcome, owner or None,
             json.dumps(facts, ensure_ascii=False)],
        )  # fmt: skip
        return replace(read_state(conn, config, account_id, now), previous=current.state)


def _park(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    action: str,
    allowed: tuple[str, ...],
    to_state: str,
    *,
    now: datetime,
    detail: dict[str, Any],
    also: Callable[[sqlite3.Connection, str], None] | None = None,
    **changes: Any,
) -> TriageState:
    """Sunset and snooze: from allowed states; someone else's active account is theirs to park."""

    def check(current: TriageState) -> Transition:
        if current.state not in allowed:
            raise _refuse(account_id, action, current)
        if current.owner and current.owner != actor and current.state in ACTIVE:
            _require_owner(account_id, action, current, actor)
        parked_from = current.state if current.state not in PARKED else None
        return Transition(to_state, {"parked_from": parked_from, **changes}, detail)

    return _apply(db, config, account_id, actor, action, check, now=now, also=also)


def sunset(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    *,
    reason: str,
    until: datetime | None = None,
    now: datetime | None = None,
) -> TriageState:
    """Take the account out of the queue until its next PQA moment (after the cooldown).

    Keeps what the account looks like now (its signals and score,
    :func:`~pqa_tui.triage.returns.record_sunset`): only something new compared with that
    brings it back. With ``until`` it also comes back on that date, moment or not.
    """
    if not reason.strip():
        raise TriageError("a sunset needs a reason (--reason), e.g. 'no response after 3 emails'")
    now = current_time(now)
    if until is not None and until <= now:
        raise TriageError(f"--until {format_ts(until)} is not in the future")
    until_ts = format_ts(until) if until else None

    def snapshot(conn: sqlite3.Connection, at: str) -> None:
        record_sunset(conn, account_id, at, until_ts)

    return _park(
        db,
        config,
        account_id,
        actor,
        "sunset",
        SUNSET_FROM,
        SUNSET,
        now=now,
        detail={"reason": reason, "until": until_ts},
        also=snapshot,
        sunset_at=format_ts(now),
        sunset_until=until_ts,
        snooze_until=None,
    )


def snooze(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    *,
    until: datetime,
    reason: str = "",
    now: datetime | None = None,
) -> TriageState:
    """Hide the account until ``until``; it then returns in the state it had."""
    now = current_time(now)
    if until <= now:
        raise TriageError(f"--until {format_ts(until)} is not in the future")
    until_ts = format_ts(until)
    return _park(
        db,
        config,
        account_id,
        actor,
        "snooze",
        SNOOZE_FROM,
        SNOOZED,
        now=now,
        detail={"reason": reason, "until": until_ts},
        snooze_until=until_ts,
    )


def add_note(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    text: str,
    *,
    now: datetime | None = None,
) -> int:
    """Keep a note forever (a correction is a new note). Returns the note id."""
    if not text.strip():
        raise TriageError("the note is empty; nothing was saved")
    now = current_time(now)
    at = format_ts(now)
    with store.write(db) as conn:
        current, _ = _settle(conn, config, account_id, now)
        cur = conn.execute(
            "insert into notes(account_id, author, at, text) values (?, ?, ?, ?)",
            [account_id, actor, at, text],
        )
        note_id = int(cur.lastrowid or 0)
        log_activity(
            conn, account_id, at, actor, "note", current.state, current.state, {"note_id": note_id}
        )
    return note_id


def give_feedback(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    verdict: str,
    *,
    reason: str = "",
    text: str = "",
    now: datetime | None = None,
) -> int:
    """Record whether surfacing this account was worth it (good/bad), apart from the outcome.

    ``reason`` must be one of ``triage.feedback_reasons`` (when that list is set); ``text`` is
    free. Returns the feedback id.
    """
    verdict = verdict.strip().lower()
    if verdict not in ("good", "bad"):
        raise TriageError(f"feedback is 'good' or 'bad', not {verdict!r}")
    reasons = config.triage.feedback_reasons
    if reason and reasons and reason not in reasons:
        raise TriageError(
            f"unknown feedback reason {reason!r} (config triage.feedback_reasons); expected one "
            f"of: {', '.join(reasons)}; put anything else in the free text"
        )
    now = current_time(now)
    at = format_ts(now)
    with store.write(db) as conn:
        current, _ = _settle(conn, config, account_id, now)
        cur = conn.execute(
            "insert into feedback(account_id, author, at, verdict, reason, text) "
            "values (?, ?, ?, ?, ?, ?)",
            [account_id, actor, at, verdict, reason or None, text or None],
        )
        feedback_id = int(cur.lastrowid or 0)
        detail = {"verdict": verdict, "reason": reason, "feedback_id": feedback_id}
        log_activity(conn, account_id, at, actor, "feedback", current.state, current.state, detail)
    return feedback_id


def resurface_due(
    db: sqlite_utils.Database, config: Config, *, now: datetime | None = None
) -> list[str]:
    """Record the return of every parked account that is due back, and every claim gone
    stale. Returns their ids.

    Reads already show them changed; this makes the activity log (and the outbox) say so
    (call after scoring).
    """
    now = current_time(now)
    params = live_params(config, now)
    with store.write(db) as conn:
        due = [
            r[0]
            for r in conn.execute(
                f"""select account_id from (select t.account_id, t.state as stored,
                        {live_columns("t")} from triage t
                        where t.state in {sql_in(*PARKED, CLAIMED)})
                    where state != stored order by account_id""",
                params,
            )
        ]
        for account_id in due:
            _settle(conn, config, account_id, now)
    return due
