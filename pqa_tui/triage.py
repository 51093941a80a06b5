"""Triage: what people do with a surfaced account, as a validated state machine.

new → claimed (owner) → contacted → an outcome (meeting, qualified, won, lost, no_response,
not_a_fit), plus two parked states: **sunset** (back only at a *new* PQA moment after the
sunset, once the cooldown has passed, or on an optional date) and **snoozed** (back on a date,
in the state it had).

The ``triage`` table is a versioned cache of the state; the ``activity`` table is the
append-only truth (who, when, from → to, why). Every write runs inside one
``store.write(db)`` transaction (``BEGIN IMMEDIATE``), and changes the row only through a
compare-and-set on ``version``: two people claiming at once cannot both win.

Parked accounts come back lazily: reads compute the live state in SQL (:func:`live_triage_sql`),
and the next write to the account records the return in the activity log before its own change.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlite_utils

from . import store
from .config import Config, RoutingRule
from .errors import PqaError
from .timestamps import format_ts

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
VIEWS = ("queue", "mine", "new", "claimed", "parked", "all")

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


@dataclass(frozen=True)
class Capacity:
    """How many new accounts the queue may still surface today."""

    team_size: int
    per_person: int
    used_today: int

    @property
    def total(self) -> int:
        return self.team_size * self.per_person

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.used_today)


# --- time helpers -----------------------------------------------------------------------------


def current_time(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


# --- live state: the SQL every read shares ---------------------------------------------------


def _resurfaced_sql(t: str) -> str:
    """SQL true when sunset row ``t`` is due back at :triage_now."""
    return f"""(
        ({t}.sunset_until is not null and {t}.sunset_until <= :triage_now)
        or ({t}.sunset_at <= :triage_cutoff and (
            exists (select 1 from pqa_moments m where m.account_id = {t}.account_id
                    and m.at > {t}.sunset_at and m.at <= :triage_now)
            or exists (select 1 from signals g where g.account_id = {t}.account_id
                       and g.at > {t}.sunset_at and g.at <= :triage_now))))"""


def live_columns(t: str) -> str:
    back_from_sunset = f"({t}.state = '{SUNSET}' and {_resurfaced_sql(t)})"
    back_from_snooze = f"({t}.state = '{SNOOZED}' and {t}.snooze_until <= :triage_now)"
    return f"""
        case when {t}.state is null then '{NEW}'
             when {back_from_sunset} then '{NEW}'
             when {back_from_snooze} then coalesce({t}.parked_from, '{NEW}')
             else {t}.state end as state,
        case when {back_from_sunset} then null else {t}.owner end as owner"""


def live_params(config: Config, now: datetime) -> dict[str, Any]:
    cutoff = now - timedelta(days=config.triage.sunset_cooldown_days)
    return {"triage_now": format_ts(now), "triage_cutoff": format_ts(cutoff)}


def live_triage_sql(config: Config, *, now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """A ``live_triage`` CTE body over every scored account, and its named parameters.

    Columns: ``account_id, state, owner, version, score, qualified, new_rank``. ``state`` is
    the live state (parked accounts that are due back read as back); ``new_rank`` numbers the
    qualified new accounts best first, so ``new_rank <= capacity`` is today's part of the queue.
    Used as ``with live_triage as (<sql>) select ... join live_triage using (account_id)``.
    """
    sql = f"""
        select account_id, state, owner, version, score, qualified,
               case when state = '{NEW}' and qualified = 1 then
                   row_number() over (
                       partition by (state = '{NEW}' and qualified = 1)
                       order by score desc, account_id)
               end as new_rank
        from (
            select s.account_id, s.score, s.qualified, coalesce(t.version, 0) as version,
                   {live_columns("t")}
            from scores s left join triage t on t.account_id = s.account_id
        )"""
    return sql, live_params(config, current_time(now))


def queue_filter_sql(
    config: Config,
    db: sqlite_utils.Database,
    *,
    me: str | None,
    view: str = "queue",
    owner: str | None = None,
    state: str | None = None,
    now: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """A WHERE condition on ``live_triage`` (alias ``lt``) for a queue view and filters.

    Views: ``queue`` (new accounts within today's capacity, unrouted or routed to me, plus
    the ones I am working), ``mine`` (working, and every new one routed to me), ``new``
    (every qualified new account, waiting ones too), ``claimed``, ``parked`` (sunset and
    snoozed), ``all``.
    """
    if view not in VIEWS:
        raise TriageError(f"unknown view {view!r}; expected one of: {', '.join(VIEWS)}")
    if state is not None and state not in STATES:
        raise TriageError(f"unknown state {state!r}; expected one of: {', '.join(STATES)}")
    params: dict[str, Any] = {"triage_me": me or ""}
    working = f"(lt.owner = :triage_me and lt.state in {_in(*ACTIVE)})"
    if view == "queue":
        # New accounts routed to me count against capacity like any other new account.
        params["triage_capacity"] = capacity(db, config, now=now).remaining
        surfaced = (
            "(lt.new_rank <= :triage_capacity and (lt.owner is null or lt.owner = :triage_me))"
        )
        clauses = [f"({surfaced} or {working})"]
    elif view == "mine":
        clauses = [f"(lt.owner = :triage_me and lt.state in {_in(NEW, *ACTIVE)})"]
    elif view == "new":
        clauses = [f"lt.state = '{NEW}' and lt.qualified = 1"]
    elif view == "claimed":
        clauses = [f"lt.state in {_in(*ACTIVE)}"]
    elif view == "parked":
        clauses = [f"lt.state in {_in(*PARKED)}"]
    else:
        clauses = []
    if owner is not None:
        clauses.append("lt.owner = :triage_owner")
        params["triage_owner"] = owner
    if state is not None:
        clauses.append("lt.state = :triage_state")
        params["triage_state"] = state
    return (" and ".join(clauses) or "1"), params


def _in(*values: str) -> str:
    # Only ever called with the module's own constants, never with user text.
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def live_state(
    db: sqlite_utils.Database, config: Config, account_id: str, *, now: datetime | None = None
) -> TriageState:
    """The account's live triage state (``new`` with no owner when nobody has touched it)."""
    return _read(db.conn, config, account_id, current_time(now))


def _read(conn: sqlite3.Connection, config: Config, account_id: str, now: datetime) -> TriageState:
    row = conn.execute(
        f"""select t.account_id, {live_columns("t")}, t.version, t.updated_at, t.updated_by,
                   t.sunset_at, t.sunset_until, t.snooze_until
            from triage t where t.account_id = :account_id""",
        {"account_id": account_id, **live_params(config, now)},
    ).fetchone()
    if row is None:
        return TriageState(account_id, NEW, None, 0)
    return TriageState(*row)


# --- capacity and routing ---------------------------------------------------------------------


def team_size(config: Config) -> int:
    """People working the queue: the configured team, or one person when none is set."""
    return max(1, len(config.triage.team))


def capacity(db: sqlite_utils.Database, config: Config, *, now: datetime | None = None) -> Capacity:
    """Today's capacity: per-person cap × team, less the accounts claimed since midnight UTC."""
    day_start = datetime.combine(current_time(now).date(), time(), tzinfo=UTC)
    (used,) = db.conn.execute(
        "select count(distinct account_id) from activity where action = 'claim' and at >= ?",
        [format_ts(day_start)],
    ).fetchone()
    return Capacity(team_size(config), config.triage.daily_cap_per_person, used)


def _account_facts(conn: sqlite3.Connection, account_id: str) -> dict[str, Any]:
    """What routing rules match on: domain, plan and company size (account trait or users)."""
    row = conn.execute(
        """select a.domain, a.plan,
                  coalesce(json_extract(a.traits, '$.company_size'),
                           (select max(u.company_size) from memberships mb
                            join users u on u.user_id = mb.user_id
                            where mb.account_id = a.account_id))
           from accounts a where a.account_id = ?""",
        [account_id],
    ).fetchone()
    domain, plan, size = row if row else (None, None, None)
    try:
        size = int(size) if size is not None else None
    except (TypeError, ValueError):
        size = None
    return {"domain": (domain or "").lower(), "plan": (plan or "").lower(), "company_size": size}


def rule_matches(rule: RoutingRule, facts: dict[str, Any]) -> bool:
    """A rule matches when every condition it sets holds; a rule with none matches everything."""
    if rule.company_size_at_least and (facts["company_size"] or 0) < rule.company_size_at_least:
        return False
    if rule.domain_suffix and not facts["domain"].endswith(rule.domain_suffix.lower()):
        return False
    if rule.plan and facts["plan"] != rule.plan.lower():
        return False
    return True


def _route(conn: sqlite3.Connection, config: Config, account_id: str) -> tuple[str | None, str]:
    """(owner, why) for a newly surfaced account: first matching rule, else round robin."""
    facts = _account_facts(conn, account_id)
    for i, rule in enumerate(config.triage.routing):
        if rule.owner and rule_matches(rule, facts):
            return rule.owner, f"routing[{i}]"
    team = config.triage.team
    if config.triage.round_robin and team:
        (turns,) = conn.execute(
            "select count(*) from activity where action = 'route' "
            "and json_extract(detail, '$.rule') = 'round_robin'"
        ).fetchone()
        return team[turns % len(team)], "round_robin"
    return None, ""


def route_new(
    db: sqlite_utils.Database, config: Config, *, now: datetime | None = None
) -> dict[str, str | None]:
    """Give every qualified account without a triage row its ``new`` row, routed if a rule fits.

    Call after scoring. Returns ``{account_id: owner or None}`` for the accounts it surfaced.
    Routing only pre-assigns: the account shows in its owner's queue, who still claims it.
    """
    at = format_ts(current_time(now))
    surfaced: dict[str, str | None] = {}
    with store.write(db) as conn:
        fresh = [
            r[0]
            for r in conn.execute(
                """select s.account_id from scores s
                   where s.qualified = 1
                     and not exists (select 1 from triage t where t.account_id = s.account_id)
                   order by s.score desc, s.account_id"""
            )
        ]
        for account_id in fresh:
            owner, why = _route(conn, config, account_id)
            conn.execute(
                "insert into triage(account_id, state, owner, version, updated_at, updated_by) "
                "values (?, ?, ?, 1, ?, ?)",
                [account_id, NEW, owner, at, SYSTEM_ACTOR],
            )
            action = "route" if owner else "surface"
            _log(
                conn, account_id, at, SYSTEM_ACTOR, action, None, NEW, {"owner": owner, "rule": why}
            )
            surfaced[account_id] = owner
    return surfaced


# --- writes -----------------------------------------------------------------------------------


def _log(
    conn: sqlite3.Connection,
    account_id: str,
    at: str,
    actor: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    detail: dict[str, Any],
) -> None:
    detail = {k: v for k, v in detail.items() if v not in (None, "")}
    conn.execute(
        "insert into activity(account_id, at, actor, action, from_state, to_state, detail) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [
            account_id,
            at,
            actor,
            action,
            from_state,
            to_state,
            json.dumps(detail, ensure_ascii=False),
        ],
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
    """The account's state inside a write, recording a due return from sunset/snooze first.

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
    live = _read(conn, config, account_id, now)
    if stored[0] != live.state:
        action = "resurface" if stored[0] == SUNSET else "snooze_ended"
        _cas(conn, account_id, live.version, now, SYSTEM_ACTOR, state=live.state, owner=live.owner)
        _log(conn, account_id, at, SYSTEM_ACTOR, action, stored[0], live.state, {})
        live = _read(conn, config, account_id, now)
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
class Step:
    """What a validated transition does: the new state, other row changes, log detail."""

    to_state: str
    changes: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


def _transition(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    action: str,
    check: Callable[[TriageState], Step],
    *,
    now: datetime | None,
    expected_version: int | None = None,
    also: Callable[[sqlite3.Connection, str], None] | None = None,
) -> TriageState:
    """Settle, validate (``check`` raises or returns a Step), compare-and-set, log: one txn.

    ``also(conn, at)`` writes rows that belong to the same change (an outcome row).
    """
    now = current_time(now)
    at = format_ts(now)
    with store.write(db) as conn:
        current, seen_version = _settle(conn, config, account_id, now)
        step = check(current)
        if expected_version is not None and expected_version != seen_version:
            if current.owner and current.owner != actor:
                raise AlreadyClaimed(account_id, current.owner)
            raise TriageError(f"{account_id} changed since you loaded it; reload and retry")
        _cas(conn, account_id, current.version, now, actor, state=step.to_state, **step.changes)
        _log(conn, account_id, at, actor, action, current.state, step.to_state, step.detail)
        if also is not None:
            also(conn, at)
        return replace(_read(conn, config, account_id, now), previous=current.state)


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

    def check(current: TriageState) -> Step:
        if current.state in ACTIVE:
            if current.owner == actor:
                raise TriageError(f"{account_id} is already yours ({current.state})")
            raise AlreadyClaimed(account_id, current.owner or "someone")
        if current.state not in CLAIM_FROM:
            raise _refuse(account_id, "claim", current, "; it is closed")
        routed = current.owner if current.state == NEW and current.owner != actor else None
        cleared = dict.fromkeys(("parked_from", "sunset_at", "sunset_until", "snooze_until"))
        return Step(CLAIMED, {"owner": actor, **cleared}, {"routed_to": routed})

    return _transition(
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

    def check(current: TriageState) -> Step:
        if current.state not in (CLAIMED, CONTACTED):
            raise _refuse(account_id, "release", current, "; only claimed or contacted can be")
        _require_owner(account_id, "release", current, actor)
        return Step(NEW, {"owner": None}, {"reason": reason})

    return _transition(db, config, account_id, actor, "release", check, now=now)


def mark_contacted(
    db: sqlite_utils.Database,
    config: Config,
    account_id: str,
    actor: str,
    *,
    detail: str = "",
    now: datetime | None = None,
) -> TriageState:
    """Record that the owner reached out (claimed → contacted)."""

    def check(current: TriageState) -> Step:
        if current.state != CLAIMED:
            hint = "; claim it first" if current.state == NEW else ""
            raise _refuse(account_id, "mark contacted", current, hint)
        _require_owner(account_id, "mark contacted", current, actor)
        return Step(CONTACTED, detail={"detail": detail})

    return _transition(db, config, account_id, actor, "contacted", check, now=now)


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

    Writes the state change, its activity row and an ``outcomes`` row in one transaction.
    """
    outcome = outcome.strip().lower().replace(" ", "_").replace("-", "_")
    if outcome not in OUTCOME_FROM:
        raise TriageError(f"unknown outcome {outcome!r}; expected one of: {', '.join(OUTCOMES)}")

    def check(current: TriageState) -> Step:
        allowed = OUTCOME_FROM[outcome]
        if current.state not in allowed:
            hint = f"; {outcome} follows {', '.join(allowed)}"
            raise _refuse(account_id, f"record {outcome} for", current, hint)
        _require_owner(account_id, f"record {outcome} for", current, actor)
        return Step(outcome, detail={"outcome": outcome, "detail": detail})

    def also(conn: sqlite3.Connection, at: str) -> None:
        conn.execute(
            "insert into outcomes(account_id, at, outcome, source, author, detail) "
            "values (?, ?, ?, 'rep', ?, ?)",
            [account_id, at, outcome, actor, json.dumps({"detail": detail}, ensure_ascii=False)],
        )

    return _transition(db, config, account_id, actor, "outcome", check, now=now, also=also)


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
    **changes: Any,
) -> TriageState:
    """Sunset and snooze: from allowed states; someone else's active account is theirs to park."""

    def check(current: TriageState) -> Step:
        if current.state not in allowed:
            raise _refuse(account_id, action, current)
        if current.owner and current.owner != actor and current.state in ACTIVE:
            _require_owner(account_id, action, current, actor)
        parked_from = current.state if current.state not in PARKED else None
        return Step(to_state, {"parked_from": parked_from, **changes}, detail)

    return _transition(db, config, account_id, actor, action, check, now=now)


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

    With ``until`` it also comes back on that date, moment or not.
    """
    if not reason.strip():
        raise TriageError("a sunset needs a reason (--reason), e.g. 'no response after 3 emails'")
    now = current_time(now)
    if until is not None and until <= now:
        raise TriageError(f"--until {format_ts(until)} is not in the future")
    until_ts = format_ts(until) if until else None
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
        _log(
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
        _log(conn, account_id, at, actor, "feedback", current.state, current.state, detail)
    return feedback_id


def resurface_due(
    db: sqlite_utils.Database, config: Config, *, now: datetime | None = None
) -> list[str]:
    """Record the return of every parked account that is due back. Returns their ids.

    Reads already show them back; this makes the activity log say so (call after scoring).
    """
    now = current_time(now)
    params = live_params(config, now)
    with store.write(db) as conn:
        due = [
            r[0]
            for r in conn.execute(
                f"""select account_id from (select t.account_id, t.state as stored,
                        {live_columns("t")} from triage t
                        where t.state in {_in(*PARKED)})
                    where state != stored order by account_id""",
                params,
            )
        ]
        for account_id in due:
            _settle(conn, config, account_id, now)
    return due


# --- reads ------------------------------------------------------------------------------------


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def history(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """The activity log of one account, oldest first: ``{at, actor, action, from, to, detail}``."""
    rows = _rows(
        db,
        "select id, at, actor, action, from_state, to_state, detail from activity "
        "where account_id = ? order by at, id",
        [account_id],
    )
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "actor": r["actor"],
            "action": r["action"],
            "from": r["from_state"],
            "to": r["to_state"],
            "detail": json.loads(r["detail"] or "{}"),
        }
        for r in rows
    ]


def notes(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """Every note on the account, oldest first: ``{id, author, text, at}``."""
    return _rows(
        db,
        "select id, author, text, at from notes where account_id = ? order by at, id",
        [account_id],
    )


def feedback(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """Every verdict on the account, oldest first: ``{id, author, verdict, reason, text, at}``."""
    return _rows(
        db,
        "select id, author, verdict, reason, text, at from feedback where account_id = ? "
        "order by at, id",
        [account_id],
    )


def outcomes(db: sqlite_utils.Database, account_id: str) -> list[dict[str, Any]]:
    """Every outcome on the account, oldest first: ``{id, outcome, source, author, at}``."""
    return _rows(
        db,
        "select id, outcome, source, author, at from outcomes where account_id = ? order by at, id",
        [account_id],
    )


def triage_detail(
    db: sqlite_utils.Database, config: Config, account_id: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The triage part of ``account_detail``: state, owner, notes, activity, feedback, outcomes."""
    live = live_state(db, config, account_id, now=now)
    return {
        "state": live.state,
        "owner": live.owner,
        "version": live.version,
        "notes": notes(db, account_id),
        "activity": history(db, account_id),
        "feedback": feedback(db, account_id),
        "outcomes": outcomes(db, account_id),
    }
