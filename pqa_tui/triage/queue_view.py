"""The queue: PQAs waiting for a human, best first, filtered by triage view.

Views and capacity come from :mod:`pqa_tui.triage` (its live-state SQL and
``queue_filter_sql``), so the CLI, the TUI and reports all see the same queue; what to list
is one :class:`~pqa_tui.triage.queue_filter.QueueFilter`.

Speed: the queue is read at every key of the TUI, on workspaces of 50,000 scored accounts.
Instead of ``live_triage_sql`` (a window over every score), the rows are narrowed first to
the accounts a view can show (``_candidates``), and today's surfaced accounts (the best
qualified new ones, up to capacity) are found by walking the ``scores_rank`` index until
capacity is reached. ``queue_filter_sql`` then decides on those rows exactly as it would on
all of them; ``tests/triage/test_queue_rows.py`` checks both give the same rows.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlite_utils

from ..config import Config
from ..errors import PqaError
from ..timestamps import format_ts
from .live import claim_days_left, claim_touch_sql, contact_held_sql, live_columns, live_params
from .queue_filter import QueueFilter, queue_filter_sql
from .returns import RETURN_FACTS_SQL, why_back
from .row_reasons import ReasonSignal, distinguishing_reasons
from .states import CLAIMED, NEW, SYSTEM_ACTOR, current_time

ACTIVE_DAYS = 28  # "active users": distinct users in the last 28 days up to the score's as_of
TREND_WEEKS = 8  # the trend: distinct active users in each of the last 8 weeks, oldest first

# The score's as-of day: the day the usage columns end on.
_AS_OF = "substr(s.as_of, 1, 10)"


def _distinct_users(
    first_days_back: int, last_days_back: int, account: str = "s.account_id", day: str = _AS_OF
) -> str:
    """SQL: distinct users of ``account`` between two days counted back from ``day``."""
    return (
        f"(select count(distinct u.user_id) from user_days u where u.account_id = {account} "
        f"and u.day >= date({day}, '-{first_days_back} days') "
        f"and u.day <= date({day}, '-{last_days_back} days'))"
    )


ACTIVE_USERS_SQL = _distinct_users(ACTIVE_DAYS - 1, 0)
# What the trend sorts by: this week's active users less those of the first week shown.
TREND_SQL = (
    f"({_distinct_users(6, 0)} - {_distinct_users(TREND_WEEKS * 7 - 1, TREND_WEEKS * 7 - 7)})"
)


def _last_touch(account: str = "s.account_id") -> str:
    """SQL: a person's latest step or note on ``account`` (routing by pqa is not a touch)."""
    return (
        f"(select max(v.at) from activity v where v.account_id = {account} "
        "and v.actor != :system_actor)"
    )


LAST_TOUCH_SQL = _last_touch()
# The open PQA moment (the latest, should a replay have left two open).
PQA_SINCE_SQL = (
    "(select max(m.at) from pqa_moments m where m.account_id = lt.account_id "
    "and m.ended_at is null)"
)

# Sort keys a caller may ask for -> SQL expression (never user text in SQL). The computed
# ones (active_users, trend, last_touch) are worked out for every row of the view to sort
# it: cheap on the queue, a few hundred ms on "all" at 50,000 accounts.
SORTS = {
    "score": "lt.score",  # lt, not s: the new view then reads scores_rank in order, no sort
    "name": "coalesce(a.name, s.account_id)",
    "since": "since",
    "account": "lt.account_id",
    "active_users": ACTIVE_USERS_SQL,
    "trend": TREND_SQL,
    "last_touch": LAST_TOUCH_SQL,
    "reasons": "s.reasons",  # by the top reason: accounts that surfaced alike sit together
    "state": "lt.state",
    "owner": "lt.owner",
}
# The sorts that read best A to Z; the others (numbers, times) biggest or latest first.
TEXT_SORTS = ("name", "account", "reasons", "state", "owner")
# Each sort in words, for a status line.
SORT_WORDS = {
    "score": "score",
    "name": "name",
    "since": "PQA since",
    "account": "account id",
    "active_users": "active users",
    "trend": "trend",
    "last_touch": "last touch",
    "reasons": "top reason",
    "state": "state",
    "owner": "owner",
}


@dataclass
class QueueRow:
    """One account in the queue: what ``pqa queue --json`` prints per account."""

    account: str
    name: str | None
    domain: str | None
    score: float
    qualified: bool
    reasons: list[str] = field(default_factory=list)
    gate: str | None = None
    state: str = "new"
    owner: str | None = None
    pqa_since: str | None = None
    # The triage version this row was read at: pass it to triage.claim(expected_version=...).
    version: int = 0
    # Distinct users in the 28 days up to the score's as-of day (from user_days).
    active_users: int = 0
    # Distinct active users per week, the 8 weeks up to the as-of day, oldest first.
    trend: list[int] = field(default_factory=list)
    # When a person last stepped the account through triage or noted it (None: never).
    last_touch: str | None = None
    # The reasons that tell this account apart, intent first, in short forms
    # (:func:`pqa_tui.triage.row_reasons.distinguishing_reasons`).
    why: list[str] = field(default_factory=list)
    # Why a sunset account is back, in one sentence ("pricing views on Jul 20, after the
    # sunset on Jul 2: ..."); None unless it came back from a sunset and nobody claimed it.
    back_because: str | None = None
    # Days before a claim nobody touches goes back to the pool (triage.claim_expiry_days);
    # None unless the account is claimed and claims expire.
    claim_days_left: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _candidates(view: str, owner: str | None, state: str | None) -> str:
    """A condition on ``s`` keeping at least every account the view can show.

    Accounts without a triage row read as ``new`` with no owner, so any view or filter on
    an owner or a state other than new needs a triage row; the queue view shows today's
    surfaced accounts and the ones I work (which I own).
    """
    if view == "queue":
        return (
            "s.account_id in (select account_id from surfaced "
            "union select account_id from triage where owner = :triage_me)"
        )
    if view == "mine":
        return "s.account_id in (select account_id from triage where owner = :triage_me)"
    if owner is not None:
        return "s.account_id in (select account_id from triage where owner = :triage_owner)"
    if view in ("claimed", "parked") or state not in (None, NEW):
        return "s.account_id in (select account_id from triage)"
    if view == "new":
        return "s.qualified = 1"
    return "1"


def _surfaced_sql() -> str:
    """Today's surfaced accounts: the best qualified accounts whose live state is new and that
    no recent contact holds, up to capacity, ranked; the same as ``new_rank <= capacity`` of
    ``live_triage_sql``."""
    return f"""
        select account_id, row_number() over (order by score desc, account_id) as new_rank
        from (
            select account_id, score from (
                select s.account_id, s.score, {live_columns("t")}, {contact_held_sql("t")} as held
                from scores s left join triage t on t.account_id = s.account_id
                where s.qualified = 1)
            where state = '{NEW}' and not held
            order by score desc, account_id
            limit :triage_capacity)"""


def _query(
    db: sqlite_utils.Database,
    config: Config,
    select: str,
    tail: str,
    filters: QueueFilter,
    *,
    now: datetime | None,
    extra: dict[str, Any] | None = None,
    count: bool = False,
    rank: bool = False,
) -> list[tuple[Any, ...]]:
    """Run ``select ... tail`` over the view's rows (``lt``; ``s`` and ``a`` unless counting);
    ``rank`` works out ``new_rank`` whatever the view (:func:`count_views` needs it)."""
    view, owner, state, search = filters.view, filters.owner, filters.state, filters.search
    params = live_params(config, current_time(now))
    where, filter_params = queue_filter_sql(config, db, filters, now=now)
    params.update(filter_params)
    if search:
        # People count too: an account matches when one of its users' names or emails does.
        where += (
            " and (lt.account_id like :q escape '\\' or a.name like :q escape '\\' "
            "or a.domain like :q escape '\\' or lt.account_id in ("
            "select m.account_id from users u join memberships m on m.user_id = u.user_id "
            "where u.name like :q escape '\\' or u.email like :q escape '\\'))"
        )
        params["q"] = (
            "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
    params.update(extra or {})
    surfaced = rank or view == "queue"  # only the queue view reads new_rank
    ctes = [f"surfaced as ({_surfaced_sql()})"] if surfaced else []
    new_rank = (
        "(select r.new_rank from surfaced r where r.account_id = s.account_id)"
        if surfaced
        else "null"
    )
    ctes.append(
        f"""live_triage as (
            select s.account_id, s.score, s.qualified, coalesce(t.version, 0) as version,
                   {live_columns("t")}, {contact_held_sql("t")} as held, {new_rank} as new_rank
            from scores s left join triage t on t.account_id = s.account_id
            where {_candidates(view, owner, state)})"""
    )
    # A count needs the account's name and domain only to search them.
    joins = "" if count and not search else "left join accounts a on a.account_id = lt.account_id "
    if not count:
        joins = "join scores s on s.account_id = lt.account_id " + joins
    sql = f"with {', '.join(ctes)} select {select} from live_triage lt {joins}where {where} {tail}"
    return db.conn.execute(sql, params).fetchall()


def _usage(db: sqlite_utils.Database, account_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Active users, weekly trend and last touch of a page of accounts (never the whole view)."""
    # The page's accounts and as-of days, read once ("materialized") for every subquery.
    page = f"""with page as materialized (
        select s.account_id, {_AS_OF} as last_day
        from json_each(:ids) p join scores s on s.account_id = p.value)"""
    params = {"ids": json.dumps(account_ids), "system_actor": SYSTEM_ACTOR}
    # One small index range per week: cheaper than grouping the page's rows by week.
    weeks = [
        _distinct_users(7 * back + 6, 7 * back, "page.account_id", "page.last_day")
        for back in reversed(range(TREND_WEEKS))
    ]
    active = _distinct_users(ACTIVE_DAYS - 1, 0, "page.account_id", "page.last_day")
    rows = db.conn.execute(
        f"{page} select account_id, {active}, {_last_touch('page.account_id')}, "
        f"{', '.join(weeks)} from page",
        params,
    )
    usage = {
        account: {"active_users": users, "last_touch": at, "trend": trend, "why": []}
        for account, users, at, *trend in rows
    }
    signals: dict[str, list[ReasonSignal]] = {}
    for account, *signal in db.conn.execute(
        "select g.account_id, g.detector, g.at, g.points, g.reason "
        "from json_each(:ids) p join signals g on g.account_id = p.value",
        params,
    ):
        signals.setdefault(account, []).append(ReasonSignal(*signal))
    for account, found in signals.items():
        usage[account]["why"] = distinguishing_reasons(found)
    return usage


def list_queue(
    db: sqlite_utils.Database,
    config: Config,
    filters: QueueFilter = QueueFilter(),
    *,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> list[QueueRow]:
    """Accounts in a queue view, best first by default (page with ``limit`` / ``offset``)."""
    sort = filters.sort
    if sort not in SORTS:
        raise PqaError(f"unknown sort {sort!r}; expected one of: {', '.join(SORTS)}")
    order = f"{SORTS[sort]} {'desc' if filters.descending else 'asc'}, lt.account_id"
    now = current_time(now)
    rows = _query(
        db,
        config,
        "s.account_id, a.name, a.domain, s.score, s.qualified, s.reasons, s.gate, lt.state, "
        f"lt.owner, {PQA_SINCE_SQL} as since, lt.version, "
        f"case when lt.state = '{NEW}' then {RETURN_FACTS_SQL.format(account='lt.account_id')} "
        f"end, case when lt.state = '{CLAIMED}' then {claim_touch_sql('lt.account_id')} end",
        f"order by {order} limit :limit offset :offset",
        filters,
        now=now,
        extra={"limit": limit, "offset": offset, "system_actor": SYSTEM_ACTOR},
    )
    usage = _usage(db, [r[0] for r in rows])
    now_ts = format_ts(now)
    return [
        QueueRow(
            account=r[0],
            name=r[1],
            domain=r[2],
            score=round(r[3], 2),
            qualified=bool(r[4]),
            reasons=json.loads(r[5] or "[]"),
            gate=r[6],
            state=r[7],
            owner=r[8],
            pqa_since=r[9],
            version=r[10],
            back_because=why_back(r[11], now_ts),
            claim_days_left=claim_days_left(config, r[12], now),
            **usage[r[0]],
        )
        for r in rows
    ]


def count_queue(
    db: sqlite_utils.Database,
    config: Config,
    filters: QueueFilter = QueueFilter(),
    *,
    now: datetime | None = None,
) -> int:
    """How many accounts :func:`list_queue` would list with the same filter, unpaged."""
    (row,) = _query(db, config, "count(*)", "", filters, now=now, count=True)
    return row[0]


def count_views(
    db: sqlite_utils.Database,
    config: Config,
    filters: QueueFilter,
    views: tuple[str, ...],
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """How many accounts each of ``views`` holds under the same filter and search: the TUI's
    tab counts, and where a search that found nothing in one view has matches instead.

    One pass over every account, a sum per view: five separate counts cost five passes."""
    sums, params = [], {}
    for i, view in enumerate(views):
        where, view_params = queue_filter_sql(config, db, replace(filters, view=view), now=now)
        params.update(view_params)  # the same names carry the same values in every view
        sums.append(f"coalesce(sum({where}), 0) as view_{i}")
    (row,) = _query(
        db,
        config,
        ", ".join(sums),
        "",
        replace(filters, view="all"),
        now=now,
        extra=params,
        count=True,
        rank="queue" in views,
    )
    return dict(zip(views, row, strict=True))


def scored_as_of(db: sqlite_utils.Database) -> str | None:
    """The latest day scores were computed as of (``None`` before the first ``pqa score``)."""
    (day,) = db.conn.execute("select max(substr(as_of, 1, 10)) from scores").fetchone()
    return day
