"""Finding an account from what a person types, and everything known about it.

:func:`account_detail` is the one JSON-ready picture of an account: profile, users, the
signals behind its score with reasons and evidence, PQA moments and score history. The CLI
(`pqa show --json`) prints it and the TUI account screen renders it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from .config import Config
from .contacts import account_contacts
from .errors import PqaError
from .triage import triage_detail

HISTORY_DAYS = 90
WEEKS = 12  # the weekly usage account_detail gives, up to the score's as-of day


class UnknownAccount(PqaError):
    """No account matches what was typed."""


class AmbiguousAccount(PqaError):
    """Several accounts match; ``candidates`` lists ``(account_id, name, domain)``."""

    def __init__(self, ref: str, candidates: list[tuple[str, str | None, str | None]]):
        self.candidates = candidates
        listed = "; ".join(f"{a} ({n or '-'}, {d or '-'})" for a, n, d in candidates[:10])
        more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
        super().__init__(f"{ref!r} matches {len(candidates)} accounts: {listed}{more}; use the id")


def resolve_account(db: sqlite_utils.Database, ref: str) -> str:
    """The account id for an id, a name or a domain (exact first, then a unique substring)."""
    conn = db.conn
    known = (
        "select account_id from accounts where account_id = ? "
        "union select account_id from scores where account_id = ?"
    )
    if conn.execute(known, (ref, ref)).fetchone():
        return ref
    exact = conn.execute(
        "select account_id, name, domain from accounts "
        "where lower(name) = lower(?) or lower(domain) = lower(?) order by account_id",
        (ref, ref),
    ).fetchall()
    if len(exact) == 1:
        return exact[0][0]
    if not exact:
        pattern = "%" + ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        exact = conn.execute(
            "select account_id, name, domain from accounts where name like ? escape '\\' "
            "or domain like ? escape '\\' or account_id like ? escape '\\' order by account_id",
            (pattern, pattern, pattern),
        ).fetchall()
        if len(exact) == 1:
            return exact[0][0]
    if exact:
        raise AmbiguousAccount(ref, [tuple(r) for r in exact])
    raise UnknownAccount(f"no account matches {ref!r}; `pqa queue` lists the PQAs")


def _rows(db: sqlite_utils.Database, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    cur = db.conn.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur]


def _loads(text: str | None, empty: Any) -> Any:
    try:
        return json.loads(text) if text else empty
    except ValueError:
        return empty


def weekly_usage(
    db: sqlite_utils.Database, account_id: str, last_day: str | None
) -> dict[str, list[Any]]:
    """The account's usage in the :data:`WEEKS` weeks of 7 days ending on ``last_day``.

    ``weeks`` holds each week's first day; ``active_users`` the distinct users active that
    week (user_days), ``value`` the value events (rollups), ``storage`` the bytes stored by
    the week's end (every storage rollup up to it). Empty lists without a day to end on.
    """
    if not last_day:
        return {"weeks": [], "active_users": [], "value": [], "storage": []}
    end = date.fromisoformat(last_day[:10])
    first = end - timedelta(days=7 * WEEKS - 1)
    weeks = [(first + timedelta(days=7 * i)).isoformat() for i in range(WEEKS)]
    usage: dict[str, list[float]] = {m: [0] * WEEKS for m in ("active_users", "value", "storage")}
    week = "cast((julianday(day) - julianday(:first)) / 7 as integer)"
    window = {"account": account_id, "first": first.isoformat(), "end": end.isoformat()}
    in_window = "account_id = :account and day >= :first and day <= :end"
    for i, users in db.conn.execute(
        f"select {week} as w, count(distinct user_id) from user_days where {in_window} group by w",
        window,
    ):
        usage["active_users"][i] = users
    for metric, i, total in db.conn.execute(
        f"select metric, {week} as w, sum(value) from rollups where {in_window} "
        "and metric in ('value', 'storage') group by metric, w",
        window,
    ):
        usage[metric][i] = total
    (stored,) = db.conn.execute(
        "select coalesce(sum(value), 0) from rollups where account_id = :account "
        "and metric = 'storage' and day < :first",
        window,
    ).fetchone()
    for i, added in enumerate(usage["storage"]):
        stored += added
        usage["storage"][i] = stored
    return {"weeks": weeks, **usage}


def account_detail(
    db: sqlite_utils.Database, config: Config, account_id: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything about one account, JSON-ready (what ``pqa show --json`` prints).

    Keys: ``account``, ``name``, ``domain``, ``plan``, ``created_at``, ``first_seen``,
    ``last_seen``, ``traits``, ``score``, ``threshold``, ``qualified``, ``gate``, ``as_of``,
    ``scored_at``, ``reasons``, ``signals`` (each ``detector``, ``plugin``, ``at``,
    ``strength``, ``weight``, ``decay``, ``points``, ``reason``, ``evidence``), ``users``,
    ``contacts`` (who to talk to, buyers first: :func:`pqa_tui.contacts.account_contacts`,
    each with its ``reasons``), ``pqa_moments``, ``score_history`` (last 90 scoring days),
    ``state``, ``owner``, ``notes`` (each ``id``, ``author``, ``text``, ``at``),
    ``back_because`` (why it is back from a sunset, else None), ``sunsets`` (each ``at``,
    ``until``, ``score``, ``signals`` then, ``back_at``, ``back_because``), ``triage`` (state,
    owner, version, notes, activity, feedback, outcomes, sunsets:
    :func:`pqa_tui.triage.triage_detail`) and
    ``weekly`` (the last 12 weeks up to ``as_of``, else up to ``last_seen``:
    :func:`weekly_usage`). ``now`` is when the triage state is read (default: now).
    """
    (account,) = _rows(
        db,
        "select ? as account_id, a.name, a.domain, a.plan, a.created_at, a.first_seen, "
        "a.last_seen, a.traits from (select 1) left join accounts a on a.account_id = ?",
        (account_id, account_id),
    )
    scores = _rows(db, "select * from scores where account_id = ?", (account_id,))
    score = scores[0] if scores else {}
    signals = []
    for s in _rows(
        db, "select * from signals where account_id = ? order by points desc, id", (account_id,)
    ):
        evidence = _loads(s["evidence"], {})
        signals.append(
            {
                "detector": s["detector"],
                "plugin": evidence.pop("plugin", None),
                "at": s["at"],
                "strength": s["strength"],
                "weight": s["weight"],
                "decay": evidence.pop("decay", None),
                "points": s["points"],
                "reason": s["reason"],
                "evidence": evidence,
            }
        )
    users = _rows(
        db,
        "select u.user_id, u.email, u.name, u.role, u.seniority, u.department, u.company_size, "
        "u.use_case, coalesce(m.first_seen, u.first_seen) as first_seen, "
        "coalesce(m.last_seen, u.last_seen) as last_seen from memberships m "
        "join users u on u.user_id = m.user_id where m.account_id = ? order by first_seen",
        (account_id,),
    )
    moments = _rows(
        db,
        "select at, score, reasons, ended_at from pqa_moments where account_id = ? order by at",
        (account_id,),
    )
    for m in moments:
        m["reasons"] = _loads(m["reasons"], [])
    history = _rows(
        db,
        "select day, score, qualified from (select * from score_history where account_id = ? "
        "order by day desc limit ?) order by day",
        (account_id, HISTORY_DAYS),
    )
    for h in history:
        h["qualified"] = bool(h["qualified"])
    worked = triage_detail(db, config, account_id, now=now)
    return {
        "account": account_id,
        "name": account["name"],
        "domain": account["domain"],
        "plan": account["plan"],
        "created_at": account["created_at"],
        "first_seen": account["first_seen"],
        "last_seen": account["last_seen"],
        "traits": _loads(account["traits"], {}),
        "score": score.get("score"),
        "threshold": config.scoring.threshold,
        "qualified": bool(score.get("qualified")),
        "gate": score.get("gate"),
        "as_of": score.get("as_of"),
        "scored_at": score.get("scored_at"),
        "reasons": _loads(score.get("reasons"), []),
        "signals": signals,
        "users": users,
        "contacts": [
            {**asdict(c), "reasons": c.reasons} for c in account_contacts(db, config, account_id)
        ],
        "pqa_moments": moments,
        "score_history": history,
        "state": worked["state"],
        "owner": worked["owner"],
        "notes": worked["notes"],
        "back_because": worked["back_because"],
        "sunsets": worked["sunsets"],
        "triage": worked,
        "weekly": weekly_usage(db, account_id, score.get("as_of") or account["last_seen"]),
    }


def account_label(db: sqlite_utils.Database, account_id: str) -> str:
    """How a confirmation names the account: ``Acme (acme-1)``, the bare id when it has no
    name (names repeat; the id keeps the line exact)."""
    row = db.conn.execute(
        "select name from accounts where account_id = ?", (account_id,)
    ).fetchone()
    name = row[0] if row else None
    return f"{name} ({account_id})" if name and name != account_id else account_id
