"""The demo's planted world: its accounts and users, and the clock arithmetic they share.

A leaf module: the planner (:mod:`.generator`), the activity model (:mod:`.activity`) and the
per-format shapes (:mod:`.record_shapes`) all build on it, so none of them imports another.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from ..errors import PqaError
from .archetypes import BUYER_SENIORITIES

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
MONTH_DAYS = 30.44
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

PAID_PLANS = ("team", "business", "enterprise")


class DemoError(PqaError):
    """A demo request that cannot be carried out; the message says which option to change."""

    exit_code = 2


@dataclass
class DemoUser:
    """One planned user: who they are (the onboarding profile) and when they join."""

    user_id: str
    name: str
    email: str
    role: str  # workspace role at sign-up: admin (the creator, or a buyer) | member
    title: str
    seniority: str
    department: str
    company_size: int
    use_case: str
    joined_ms: int
    activity: float  # how much more (or less) than the account's typical user they use it

    @property
    def is_buyer(self) -> bool:
        return self.seniority in BUYER_SENIORITIES

    def traits(self) -> dict:
        """The traits of the identify call at sign-up."""
        return {
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "title": self.title,
            "seniority": self.seniority,
            "department": self.department,
            "company_size": self.company_size,
            "use_case": self.use_case,
            "created_at": iso_z(self.joined_ms),
        }


@dataclass
class DemoAccount:
    """One planned account and its planted truth (archetype, conversion)."""

    index: int
    account_id: str
    name: str
    domain: str | None
    archetype: str
    created_ms: int
    converts: bool  # converts to paid at some time, possibly after the demo's end
    convert_ms: int | None  # when it converts (may lie after the end)
    plan: str  # the paid plan it converts to ("free" when it never does)
    churn_ms: int | None  # last day of use for churned accounts
    stall_ms: int | None  # end of the first burst for stalled accounts
    fade_days: float  # half-life of activity for fading accounts
    users: list[DemoUser] = field(default_factory=list)  # only users who joined by the end

    @property
    def created_at(self) -> datetime:
        return _dt(self.created_ms)

    @property
    def convert_at(self) -> datetime | None:
        """When it converts to paid (may lie after the demo's end), None if it never does."""
        return _dt(self.convert_ms) if self.convert_ms is not None else None

    @property
    def seats(self) -> int:
        return len(self.users)

    @property
    def has_buyer(self) -> bool:
        return any(u.is_buyer for u in self.users)

    def truth(self, end_ms: int) -> dict:
        """The planted truth as a JSON-ready dict (what the demo_accounts table holds)."""
        converted = self.convert_ms is not None and self.convert_ms <= end_ms
        pending = self.converts and not converted
        churned = self.churn_ms is not None and self.churn_ms <= end_ms
        return {
            "account_id": self.account_id,
            "archetype": self.archetype,
            "converts": self.converts,
            "converted_at": _stored_ts(self.convert_ms) if converted else None,
            "will_convert_at": _stored_ts(self.convert_ms) if pending else None,
            "plan": self.plan,
            "seats": self.seats,
            "has_buyer": self.has_buyer,
            "churned_at": _stored_ts(self.churn_ms) if churned else None,
        }


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


_DAY_TEXT: dict[int, str] = {}


def _day_text(day: int) -> str:
    text = _DAY_TEXT.get(day)
    if text is None:
        text = _DAY_TEXT[day] = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
    return text


def iso_z(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 with a Z, the way Segment writes timestamps."""
    day, rest = divmod(ms, DAY_MS)
    secs, milli = divmod(rest, 1000)
    h, secs = divmod(secs, 3600)
    m, s = divmod(secs, 60)
    return f"{_day_text(day)}T{h:02d}:{m:02d}:{s:02d}.{milli:03d}Z"


def _stored_ts(ms: int | None) -> str | None:
    """Epoch milliseconds in the store's format (``pqa_tui.timestamps.TS_FORMAT``)."""
    return None if ms is None else iso_z(ms)[:-1] + "000Z"


def amplitude_time(ms: int) -> str:
    """Epoch milliseconds as Amplitude's ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    day, rest = divmod(ms, DAY_MS)
    secs, milli = divmod(rest, 1000)
    h, secs = divmod(secs, 3600)
    m, s = divmod(secs, 60)
    return f"{_day_text(day)} {h:02d}:{m:02d}:{s:02d}.{milli:03d}000"


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def to_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


# An event before shaping: (ms, seq, kind, name, user, properties, traits).
Event = tuple[int, int, str, str, "DemoUser | None", "dict | None", "dict | None"]
