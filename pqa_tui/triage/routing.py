"""Who a newly surfaced account goes to: the first routing rule that fits, else round robin.

Routing only pre-assigns: the account shows in its owner's queue, who still claims it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

import sqlite_utils

from .. import store
from ..config import Config, RoutingRule
from ..timestamps import format_ts
from .history import log_activity
from .states import NEW, SYSTEM_ACTOR, current_time


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
            log_activity(
                conn, account_id, at, SYSTEM_ACTOR, action, None, NEW, {"owner": owner, "rule": why}
            )
            surfaced[account_id] = owner
    return surfaced
