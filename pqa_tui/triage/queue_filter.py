"""Which accounts a queue view shows: the filter, today's capacity, and its SQL condition.

One :class:`QueueFilter` is what ``pqa queue``'s options and the TUI's queue screen ask for;
:func:`queue_filter_sql` turns it into a condition on ``live_triage`` and
:mod:`pqa_tui.triage.queue_view` lists and counts the rows it keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import sqlite_utils

from ..config import Config
from ..timestamps import format_ts
from .live import sql_in
from .states import ACTIVE, NEW, PARKED, STATES, TriageError, current_time

VIEWS = ("queue", "mine", "new", "claimed", "parked", "all")


@dataclass(frozen=True)
class QueueFilter:
    """The accounts to list and their order: a view, optional filters, a sort.

    ``me`` is the person asking (their queue, their accounts); ``owner`` and ``state`` narrow
    any view; ``search`` matches ids, names and domains; ``sort`` is a key of
    :data:`pqa_tui.triage.queue_view.SORTS`, biggest (or latest, or Z) first when
    ``descending``. Paging (limit, offset) is not part of it: every page has the same filter.
    """

    me: str | None = None
    view: str = "queue"
    owner: str | None = None
    state: str | None = None
    search: str | None = None
    sort: str = "score"
    descending: bool = True


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


def queue_filter_sql(
    config: Config,
    db: sqlite_utils.Database,
    filters: QueueFilter,
    *,
    now: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    """A WHERE condition on ``live_triage`` (alias ``lt``) for a queue view and filters.

    Views: ``queue`` (new accounts within today's capacity, unrouted or routed to me, plus
    the ones I am working), ``mine`` (working, and every new one routed to me), ``new``
    (every qualified new account, waiting ones too, but none a recent contact holds),
    ``claimed``, ``parked`` (sunset and
    snoozed), ``all``.
    """
    me, view, owner, state = filters.me, filters.view, filters.owner, filters.state
    if view not in VIEWS:
        raise TriageError(f"unknown view {view!r}; expected one of: {', '.join(VIEWS)}")
    if state is not None and state not in STATES:
        raise TriageError(f"unknown state {state!r}; expected one of: {', '.join(STATES)}")
    params: dict[str, Any] = {"triage_me": me or ""}
    working = f"(lt.owner = :triage_me and lt.state in {sql_in(*ACTIVE)})"
    if view == "queue":
        # New accounts routed to me count against capacity like any other new account.
        params["triage_capacity"] = capacity(db, config, now=now).remaining
        surfaced = (
            "(lt.new_rank <= :triage_capacity and (lt.owner is null or lt.owner = :triage_me))"
        )
        clauses = [f"({surfaced} or {working})"]
    elif view == "mine":
        clauses = [f"(lt.owner = :triage_me and lt.state in {sql_in(NEW, *ACTIVE)})"]
    elif view == "new":
        clauses = [f"lt.state = '{NEW}' and lt.qualified = 1 and not lt.held"]
    elif view == "claimed":
        clauses = [f"lt.state in {sql_in(*ACTIVE)}"]
    elif view == "parked":
        clauses = [f"lt.state in {sql_in(*PARKED)}"]
    else:
        clauses = []
    if owner is not None:
        clauses.append("lt.owner = :triage_owner")
        params["triage_owner"] = owner
    if state is not None:
        clauses.append("lt.state = :triage_state")
        params["triage_state"] = state
    return (" and ".join(clauses) or "1"), params
