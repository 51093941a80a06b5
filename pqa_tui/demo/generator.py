"""The seeded demo generator: accounts with a planted archetype, and their Segment events.

Generation runs in two passes so it streams. :func:`generate_workspace` plans every account
(archetype, sign-up, users and when they join, conversion, churn): small objects, the planted
truth. :meth:`DemoWorkspace.records` then draws each account's events from its own random
stream, one account at a time, in time order within the account. Memory stays flat however
many events are asked for, and the same seed always gives the same records.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from .activity import account_events
from .archetypes import ARCHETYPES, BUYER_SENIORITIES, BY_NAME, Archetype
from .model import (
    DAY_MS,
    MONTH_DAYS,
    PAID_PLANS,
    DemoAccount,
    DemoError,
    DemoUser,
    to_ms,
)
from .record_shapes import SHAPES

_FIRST = (
    "Ada Alex Amir Ana Ben Bo Carla Chen Dana Diego Eli Emma Eva Farah Femi Gil Hana Ivan Jae "
    "Jana Jon Kai Kemal Lea Leo Lin Luca Maya Mei Mila Nia Noah Omar Pia Priya Rafa Rosa Sam "
    "Sara Tara Teo Uma Vera Wen Yara Yusuf Zoe"
).split()
_LAST = (
    "Abebe Adams Berg Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kim Kowalski Lopez "
    "Meyer Moreau Nakamura Novak Okafor Park Patel Quinn Rossi Sato Schmidt Silva Singh Tanaka "
    "Torres Varga Wang Weber Xu Yilmaz Zhang"
).split()
_ADJ = (
    "Blue Bright Cedar Clear Copper Crisp Delta Ember Golden Granite Green Harbor Iron Juniper "
    "Lumen Maple North Nova Oak Orbit Pine Quartz Red River Silver Solar Stone Summit Swift True"
).split()
_NOUN = (
    "Arc Bay Bridge Cloud Field Forge Grid Hive Lab Leaf Line Loop Mill Path Peak Point Rock "
    "Sail Shift Spark Stack Star Tide Trail Vale Wave Works Yard"
).split()
_SUFFIX = ("Labs", "Studio", "Systems", "Health", "Logistics", "Capital", "Media", "Robotics", "")
_TLDS = ("com", "io", "co", "dev", "ai")
_PERSONAL = ("gmail.com", "outlook.com", "proton.me", "icloud.com", "yahoo.com")
# Members work here; buyers may also sit in finance, operations or IT (which the buyer_persona
# detector reads as buying departments, so members stay out of them).
_DEPARTMENTS = ("engineering", "product", "design", "marketing", "sales", "support")
_BUYER_DEPARTMENTS = _DEPARTMENTS + ("finance", "operations", "it")
_BUYER_TITLES = {
    "director": "Director of {dept}",
    "vp": "VP {dept}",
    "c-level": "Chief {dept} Officer",
}


def _assign_archetypes(n: int, seed: int) -> list[str]:
    """Exact shares (largest remainder), shuffled: small demos still hold every archetype."""
    raw = [a.share * n for a in ARCHETYPES]
    counts = [int(x) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    names = [a.name for a, c in zip(ARCHETYPES, counts, strict=True) for _ in range(c)]
    random.Random(f"{seed}:archetypes").shuffle(names)
    return names


def _plan_account(
    index: int, arch: Archetype, seed: int, start_ms: int, end_ms: int
) -> DemoAccount:
    rng = random.Random(f"{seed}:{index}")
    account_id = f"ws_{rng.getrandbits(48):012x}"
    # More sign-ups lately (a growing product), none in the last day.
    span = end_ms - DAY_MS - start_ms
    created = start_ms + int(span * rng.random() ** 0.8)
    created -= created % 1000
    converts = rng.random() < arch.conversion
    convert_ms = None
    if converts:
        lo, hi = arch.convert_after
        convert_ms = created + rng.randint(lo, hi) * DAY_MS + rng.randint(9, 17) * 3_600_000
    churn_ms = stall_ms = None
    if arch.lifecycle == "churn":
        churn_ms = created + rng.randint(21, 150) * DAY_MS
    elif arch.lifecycle == "stall":
        stall_ms = created + rng.randint(5, 28) * DAY_MS
    fade_days = rng.uniform(5, 35)

    owner_first, owner_last = rng.choice(_FIRST), rng.choice(_LAST)
    if arch.domains:
        domain: str | None = rng.choice(arch.domains)
        name = f"{rng.choice(_ADJ)} {rng.choice(('QA', 'Staging', 'Test', 'Sandbox'))}"
    elif arch.personal_email:
        domain = None
        name = f"{owner_first}'s workspace"
    else:
        adj, noun = rng.choice(_ADJ), rng.choice(_NOUN)
        name = f"{adj}{noun.lower()} {rng.choice(_SUFFIX)}".strip()
        domain = f"{adj}{noun}.{rng.choice(_TLDS)}".lower()

    account = DemoAccount(
        index=index,
        account_id=account_id,
        name=name,
        domain=domain,
        archetype=arch.name,
        created_ms=created,
        converts=converts,
        convert_ms=convert_ms,
        plan=rng.choice(PAID_PLANS[:2] if arch.name != "buyer_ready" else PAID_PLANS)
        if converts
        else "free",
        churn_ms=churn_ms,
        stall_ms=stall_ms,
        fade_days=fade_days,
    )
    account.users = _plan_users(rng, arch, account, owner_first, owner_last, end_ms)
    return account


def _plan_users(
    rng: random.Random,
    arch: Archetype,
    account: DemoAccount,
    owner_first: str,
    owner_last: str,
    end_ms: int,
) -> list[DemoUser]:
    """The account's users and when each joins; only those who joined by the end are kept."""
    seats = rng.randint(*arch.seats)
    if account.converts:
        seats = round(seats * 1.4) + 1
    buyer_chance = arch.buyer_chance * (1.6 if account.converts else 0.7)
    has_buyer = rng.random() < min(buyer_chance, 0.95)
    company_size = rng.choice(arch.company_sizes)
    use_case = rng.choice(arch.use_cases)
    created = account.created_ms
    # Where later users may join: the account's active life.
    last = end_ms
    if account.churn_ms is not None:
        last = min(last, account.churn_ms)
    if account.stall_ms is not None:
        last = min(last, account.stall_ms)
    if arch.lifecycle in ("fade", "steady"):
        last = min(last, created + 60 * DAY_MS)
    evaluation = account.convert_ms - 42 * DAY_MS if account.convert_ms is not None else None

    joins = [created]
    for _ in range(seats - 1):
        if evaluation is not None and evaluation > created and rng.random() < 0.5:
            # Converting teams add people fast in the weeks before they buy: velocity.
            joins.append(evaluation + int(rng.random() * 42 * DAY_MS))
        else:
            # Growing teams add people later rather than sooner.
            joins.append(created + int((last - created) * rng.random() ** 0.7))
    joins.sort()
    buyer_slot = -1
    if has_buyer:
        buyer_slot = 0 if seats == 1 else rng.randint(1, seats - 1)
        if evaluation is not None and seats > 1:
            # The buyer tends to arrive just before the purchase.
            joins[buyer_slot] = max(created, account.convert_ms - rng.randint(5, 30) * DAY_MS)

    users = []
    for slot, joined in enumerate(joins):
        if joined > end_ms:
            continue
        if slot == 0:
            first, last_name = owner_first, owner_last
        else:
            first, last_name = rng.choice(_FIRST), rng.choice(_LAST)
        department = rng.choice(_DEPARTMENTS)
        if slot == buyer_slot:
            department = rng.choice(_BUYER_DEPARTMENTS)
            seniority = rng.choice(BUYER_SENIORITIES)
            title = _BUYER_TITLES[seniority].format(dept=department.title())
        elif arch.personal_email and rng.random() < 0.5:
            seniority, title = "student", "Student"
        elif rng.random() < 0.3:
            seniority, title = "manager", f"{department.title()} Manager"
        else:
            seniority, title = "individual contributor", f"{department.title()} Specialist"
        if arch.personal_email:
            email_domain = rng.choice(_PERSONAL)
        else:
            email_domain = account.domain or "example.com"
        user_hex = f"{rng.getrandbits(48):012x}"
        users.append(
            DemoUser(
                user_id=f"u_{user_hex}",
                name=f"{first} {last_name}",
                email=f"{first}.{last_name}.{user_hex[:4]}@{email_domain}".lower(),
                # "admin", not "owner", for the creator: "owner" reads as a buyer seniority.
                role="admin" if slot in (0, buyer_slot) else "member",
                title=title,
                seniority=seniority,
                department=department,
                company_size=company_size,
                use_case=use_case if rng.random() < 0.8 else rng.choice(arch.use_cases),
                joined_ms=joined - joined % 1000,
                activity=rng.lognormvariate(0, 0.5),
            )
        )
    return users


@dataclass
class DemoWorkspace:
    """A planned demo workspace: its accounts (with the truth) and a stream of their events."""

    seed: int
    end: datetime
    months: int
    activity: float
    accounts: list[DemoAccount]

    @property
    def end_ms(self) -> int:
        return to_ms(self.end)

    def records(self, fmt: str = "segment", *, track_only: bool = False) -> Iterator[dict]:
        """Every account's events as dicts in ``fmt`` (segment, amplitude or mixpanel) shape.

        Accounts come one after another, each in time order. ``track_only`` leaves out the
        identify, group and page calls (benchmark files of plain track events).
        """
        shape = SHAPES.get(fmt)
        if shape is None:
            raise DemoError(f"--format {fmt!r} is not one of: {', '.join(SHAPES)}")
        for account in self.accounts:
            for event in account_events(account, self.end_ms, self.seed, self.activity):
                if track_only and event[2] != "track":
                    continue
                record = shape(event, account)
                if record is not None:
                    yield record

    def truth(self) -> list[dict]:
        """The planted truth of every account (archetype, conversion, seats, buyer)."""
        end_ms = self.end_ms
        return [a.truth(end_ms) for a in self.accounts]


def generate_workspace(
    seed: int = 1,
    *,
    end: datetime | None = None,
    accounts: int = 2000,
    months: int = 12,
    activity: float = 1.0,
) -> DemoWorkspace:
    """Plan a demo workspace of ``accounts`` accounts over the ``months`` ending at ``end``.

    ``end`` defaults to now (UTC, to the minute), so age gates and "last 28 days" windows see
    what they would on live data. ``activity`` scales how many ordinary events each active user
    sends (the writer of benchmark files uses it to reach a requested event count).
    """
    if accounts < 1:
        raise DemoError("--accounts must be at least 1")
    if months < 1:
        raise DemoError("--months must be at least 1")
    if end is None:
        end = datetime.now(UTC).replace(second=0, microsecond=0)
    elif end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    end_ms = to_ms(end)
    start_ms = end_ms - int(months * MONTH_DAYS * DAY_MS)
    names = _assign_archetypes(accounts, seed)
    planned = [
        _plan_account(i, BY_NAME[name], seed, start_ms, end_ms) for i, name in enumerate(names)
    ]
    return DemoWorkspace(seed=seed, end=end, months=months, activity=activity, accounts=planned)
