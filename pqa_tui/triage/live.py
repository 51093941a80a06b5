"""The live triage state: the SQL every read shares.

Parked accounts come back lazily: reads compute the live state in SQL (:func:`live_triage_sql`,
:func:`live_columns`), and the next write to the account records the return in the activity
log before its own change (:mod:`pqa_tui.triage.transitions`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from ..config import Config
from ..timestamps import format_ts
from .states import NEW, SNOOZED, SUNSET, TriageState, current_time


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
