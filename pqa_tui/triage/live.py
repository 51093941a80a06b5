"""The live triage state: the SQL every read shares.

Parked accounts come back, and stale claims go back to the pool, lazily: reads compute the
live state in SQL (:func:`live_triage_sql`, :func:`live_columns`), and the next write to the
account records the change in the activity log before its own
(:mod:`pqa_tui.triage.transitions`). Whether a sunset account has had a new PQA moment is
decided at scoring time and stored (:mod:`pqa_tui.triage.returns`): this SQL only reads it.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from ..config import Config
from ..timestamps import format_ts, ts_to_datetime
from .states import CLAIMED, NEW, SNOOZED, SUNSET, TriageState, current_time

# The steps that keep a claim alive (a return from a snooze restarts the clock too); anything
# else, a routing or a look, does not.
CLAIM_TOUCHES = ("claim", "note", "contacted", "outcome", "feedback", "snooze_ended")


def claim_touch_sql(account: str) -> str:
    """SQL: when ``account``'s claim was last touched (claimed, noted, contacted, ...)."""
    return (
        f"(select max(v.at) from activity v where v.account_id = {account} "
        f"and v.action in {sql_in(*CLAIM_TOUCHES)})"
    )


def contact_held_sql(t: str) -> str:
    """SQL true when triage row ``t``'s account was contacted within
    ``triage.contact_cooldown_days`` and no behavioural detector fired after that contact:
    it is not surfaced as new, whatever its score."""
    return f"""({t}.account_id is not null and exists (
        select 1 from activity c where c.account_id = {t}.account_id and c.action = 'contacted'
            and c.at > :contact_cutoff and c.at <= :triage_now
            and not exists (select 1 from signals g where g.account_id = c.account_id
                            and g.behavioural = 1 and g.at > c.at and g.at <= :triage_now)))"""


def _resurfaced_sql(t: str) -> str:
    """SQL true when sunset row ``t`` is due back at :triage_now: its ``--until`` date passed,
    or scoring found a new PQA moment after it (:mod:`pqa_tui.triage.returns`), the cooldown
    has passed and no recent contact holds it."""
    return f"""(
        ({t}.sunset_until is not null and {t}.sunset_until <= :triage_now)
        or ({t}.sunset_at <= :triage_cutoff
            and exists (select 1 from sunsets r where r.account_id = {t}.account_id
                        and r.at = {t}.sunset_at and r.back_at <= :triage_now)
            and not {contact_held_sql(t)}))"""


def live_columns(t: str) -> str:
    """The live ``state`` and ``owner`` of triage row ``t``: a parked account due back reads
    as back, and a claim untouched for ``triage.claim_expiry_days`` as new and unowned."""
    back_from_sunset = f"({t}.state = '{SUNSET}' and {_resurfaced_sql(t)})"
    back_from_snooze = f"({t}.state = '{SNOOZED}' and {t}.snooze_until <= :triage_now)"
    touched = claim_touch_sql(f"{t}.account_id")
    stale_claim = f"({t}.state = '{CLAIMED}' and {touched} <= :claim_cutoff)"
    return f"""
        case when {t}.state is null then '{NEW}'
             when {back_from_sunset} then '{NEW}'
             when {back_from_snooze} then coalesce({t}.parked_from, '{NEW}')
             when {stale_claim} then '{NEW}'
             else {t}.state end as state,
        case when {back_from_sunset} or {stale_claim} then null else {t}.owner end as owner"""


def live_params(config: Config, now: datetime) -> dict[str, Any]:
    """The named parameters :func:`live_columns` and :func:`contact_held_sql` read."""
    t = config.triage
    expiry = t.claim_expiry_days
    return {
        "triage_now": format_ts(now),
        "triage_cutoff": format_ts(now - timedelta(days=t.sunset_cooldown_days)),
        # '' when claims never expire: no time is on or before it.
        "claim_cutoff": format_ts(now - timedelta(days=expiry)) if expiry else "",
        "contact_cutoff": format_ts(now - timedelta(days=t.contact_cooldown_days)),
    }


def claim_days_left(config: Config, touched: str | None, now: datetime) -> int | None:
    """Whole days (rounded up) before a claim last touched at ``touched`` goes back to the
    pool; None when claims never expire."""
    if not config.triage.claim_expiry_days or touched is None:
        return None
    expires = ts_to_datetime(touched) + timedelta(days=config.triage.claim_expiry_days)
    return max(0, math.ceil((expires - now) / timedelta(days=1)))


def live_triage_sql(config: Config, *, now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """A ``live_triage`` CTE body over every scored account, and its named parameters.

    Columns: ``account_id, state, owner, version, score, qualified, held, new_rank``.
    ``state`` is the live state (parked accounts that are due back read as back); ``held`` is
    1 when a recent contact keeps it from surfacing (:func:`contact_held_sql`); ``new_rank``
    numbers the qualified new accounts not held best first, so ``new_rank <= capacity`` is
    today's part of the queue.
    Used as ``with live_triage as (<sql>) select ... join live_triage using (account_id)``.
    """
    surfaces = f"state = '{NEW}' and qualified = 1 and not held"
    sql = f"""
        select account_id, state, owner, version, score, qualified, held,
               case when {surfaces} then
                   row_number() over (partition by ({surfaces}) order by score desc, account_id)
               end as new_rank
        from (
            select s.account_id, s.score, s.qualified, coalesce(t.version, 0) as version,
                   {live_columns("t")}, {contact_held_sql("t")} as held
            from scores s left join triage t on t.account_id = s.account_id
        )"""
    return sql, live_params(config, current_time(now))


def sql_in(*values: str) -> str:
    """An SQL ``(...)`` list of triage's own state names (never user text)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def live_state(
    db: sqlite_utils.Database, config: Config, account_id: str, *, now: datetime | None = None
) -> TriageState:
    """The account's live triage state (``new`` with no owner when nobody has touched it)."""
    return read_state(db.conn, config, account_id, current_time(now))


def read_state(
    conn: sqlite3.Connection, config: Config, account_id: str, now: datetime
) -> TriageState:
    row = conn.execute(
        f"""select t.account_id, {live_columns("t")}, t.version, t.updated_at, t.updated_by,
                   t.sunset_at, t.sunset_until, t.snooze_until
            from triage t where t.account_id = :account_id""",
        {"account_id": account_id, **live_params(config, now)},
    ).fetchone()
    if row is None:
        return TriageState(account_id, NEW, None, 0)
    return TriageState(*row)
