"""The seeded demo generator: accounts with a planted archetype, and their Segment events.

Generation runs in two passes so it streams. :func:`generate_workspace` plans every account
(archetype, sign-up, users and when they join, conversion, churn): small objects, the planted
truth. :meth:`DemoWorkspace.records` then draws each account's events from its own random
stream, one account at a time, in time order within the account. Memory stays flat however
many events are asked for, and the same seed always gives the same records.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import accumulate

from ..errors import PqaError
from .archetypes import ARCHETYPES, BUYER_SENIORITIES, BY_NAME, Archetype

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
MONTH_DAYS = 30.44
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

PAID_PLANS = ("team", "business", "enterprise")

# Event names below match the defaults in pqa_tui.config ([events], [storage], [plans]).
# (name, weight) of the events on an ordinary active day; "File Uploaded" carries `bytes`.
DAILY_EVENTS: tuple[tuple[str, float], ...] = (
    ("Document Created", 0.24),
    ("Board Created", 0.10),
    ("Project Created", 0.04),
    ("Report Shared", 0.05),
    ("Document Viewed", 0.27),
    ("Comment Added", 0.13),
    ("Search Performed", 0.08),
    ("File Uploaded", 0.07),
    ("page:/app", 0.02),
)
PAYWALL_FEATURES = ("version history", "guest access", "sso", "advanced permissions", "pdf export")
PRICING_PAGES = ("/pricing", "/pricing", "/pricing", "/plans", "/upgrade")
LEGAL_PAGES = ("/terms", "/privacy", "/security", "/dpa")
PAGE_TITLES = {
    "/app": "Home",
    "/pricing": "Pricing",
    "/plans": "Plans",
    "/upgrade": "Upgrade",
    "/terms": "Terms of Service",
    "/privacy": "Privacy Policy",
    "/security": "Security",
    "/dpa": "Data Processing Agreement",
}
SITE = "https://app.boardly.test"

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
            "created_at": _iso(self.joined_ms),
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


def _iso(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 with a Z, the way Segment writes timestamps."""
    day, rest = divmod(ms, DAY_MS)
    secs, milli = divmod(rest, 1000)
    h, secs = divmod(secs, 3600)
    m, s = divmod(secs, 60)
    return f"{_day_text(day)}T{h:02d}:{m:02d}:{s:02d}.{milli:03d}Z"


def _stored_ts(ms: int | None) -> str | None:
    """Epoch milliseconds in the store's format (``pqa_tui.timestamps.TS_FORMAT``)."""
    return None if ms is None else _iso(ms)[:-1] + "000Z"


def _amplitude_time(ms: int) -> str:
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


def _to_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


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
        return _to_ms(self.end)

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
    end_ms = _to_ms(end)
    start_ms = end_ms - int(months * MONTH_DAYS * DAY_MS)
    names = _assign_archetypes(accounts, seed)
    planned = [
        _plan_account(i, BY_NAME[name], seed, start_ms, end_ms) for i, name in enumerate(names)
    ]
    return DemoWorkspace(seed=seed, end=end, months=months, activity=activity, accounts=planned)


# An event before shaping: (ms, seq, kind, name, user, properties, traits).
Event = tuple[int, int, str, str, "DemoUser | None", "dict | None", "dict | None"]


def _activity_level(account: DemoAccount, arch: Archetype, at_ms: int) -> float:
    """How active the account is at ``at_ms`` relative to its archetype's full activity."""
    age_days = (at_ms - account.created_ms) / DAY_MS
    if arch.lifecycle == "grow":
        level = min(1.0, 0.5 + 0.5 * age_days / 120)
    elif arch.lifecycle == "fade":
        level = 0.5 ** (age_days / account.fade_days)
    elif arch.lifecycle == "stall":
        level = 1.0 if account.stall_ms is None or at_ms < account.stall_ms else 0.04
    elif arch.lifecycle == "churn":
        level = 1.0 if account.churn_ms is None or at_ms < account.churn_ms else 0.0
    else:
        level = 1.0
    if account.convert_ms is not None and abs(at_ms - account.convert_ms) < 30 * DAY_MS:
        level = max(level, 1.2)  # around a purchase the team is in the product a lot
    return level


def account_events(account: DemoAccount, end_ms: int, seed: int, activity: float) -> list[Event]:
    """One account's events up to ``end_ms``, in time order, from the account's own stream."""
    arch = BY_NAME[account.archetype]
    rng = random.Random(f"{seed}:{account.index}:events")
    events: list[Event] = []
    seq = 0

    def add(ms: int, kind: str, name: str, user, props=None, traits=None) -> None:
        nonlocal seq
        if ms <= end_ms and (account.churn_ms is None or ms <= account.churn_ms + DAY_MS):
            events.append((ms, seq, kind, name, user, props, traits))
            seq += 1

    users = account.users
    owner = users[0]
    plan = "free"
    group_traits = {
        "name": account.name,
        "plan": plan,
        "created_at": _iso(account.created_ms),
    }
    if account.domain:
        group_traits["domain"] = account.domain
    # Sign-up of each user: identify with the onboarding profile, then the group call.
    for user in users:
        add(user.joined_ms, "identify", "", user, None, user.traits())
        add(user.joined_ms + 1000, "group", "", user, None, dict(group_traits))
        if user is not owner:
            inviter = rng.choice(users[: max(1, users.index(user))])
            add(
                user.joined_ms - rng.randint(1, 48) * 3_600_000,
                "track",
                "User Invited",
                inviter,
                {"role": "member"},
            )

    stop_ms = end_ms
    if account.churn_ms is not None:
        stop_ms = min(stop_ms, account.churn_ms)

    # Ordinary use: active days per user per week, a few events on each active day.
    names = [n for n, _ in DAILY_EVENTS]
    cum = list(accumulate(w for _, w in DAILY_EVENTS))
    total = cum[-1]
    per_day = (1 + arch.events_per_day) * activity
    # The hot loop: rng.random() instead of randint (several times faster) for the gaps.
    random_ = rng.random
    for user in users:
        hour = rng.randint(7, 16)  # the user's usual start of day (UTC)
        week = user.joined_ms - user.joined_ms % DAY_MS
        while week < stop_ms:
            level = _activity_level(account, arch, week + 3 * DAY_MS)
            days = min(7, poisson(rng, arch.days_per_week * level * user.activity))
            for d in rng.sample(range(7), days) if days else ():
                t = week + d * DAY_MS + (hour * 60 + int(random_() * 240)) * 60_000
                for _ in range(max(1, poisson(rng, per_day))):
                    t += 20_000 + int(random_() * 880_000)  # 20 s to 15 min later
                    if t < user.joined_ms + 2000:
                        continue
                    name = names[bisect(cum, random_() * total)]
                    if name == "File Uploaded":
                        size = int(min(2e8, rng.lognormvariate(12.9, 1.5)))
                        add(t, "track", name, user, {"bytes": size, "kind": "attachment"})
                    elif name.startswith("page:"):
                        add(t, "page", name[5:], user)
                    else:
                        add(t, "track", name, user)
            week += WEEK_MS

    life_end = stop_ms
    if arch.lifecycle == "stall" and account.stall_ms is not None:
        life_end = min(life_end, account.stall_ms + 30 * DAY_MS)
    if arch.lifecycle == "fade":
        life_end = min(life_end, account.created_ms + int(4 * account.fade_days * DAY_MS))

    def any_time() -> int:
        return account.created_ms + int(
            (max(life_end, account.created_ms) - account.created_ms) * rng.random()
        )

    def joined_by(ms: int) -> list[DemoUser]:
        return [u for u in users if u.joined_ms <= ms] or [owner]

    # Curiosity, unrelated to buying: pricing and legal pages, an admin switch.
    for _ in range(poisson(rng, arch.pricing_views)):
        t = any_time()
        add(t, "page", rng.choice(PRICING_PAGES), rng.choice(joined_by(t)))
    for _ in range(poisson(rng, arch.legal_views)):
        t = any_time()
        add(t, "page", rng.choice(LEGAL_PAGES), rng.choice(joined_by(t)))
    members = [u for u in users if u.role == "member"]
    if members and rng.random() < arch.admin_switch:
        user = rng.choice(members)
        add(max(user.joined_ms + DAY_MS, any_time()), "identify", "", user, None, {"role": "admin"})

    # Noise, drawn without looking at the outcome: paywall walls and bulk-invite spikes.
    hits = poisson(rng, arch.paywall_hits)
    while hits > 0:
        t = any_time()
        user = rng.choice(joined_by(t))
        feature = rng.choice(PAYWALL_FEATURES)
        for _ in range(min(hits, rng.randint(1, 6))):
            t += rng.randint(5, 300) * 1000
            add(t, "track", "Paywall Hit", user, {"feature": feature})
            hits -= 1
    for _ in range(poisson(rng, arch.invite_spikes)):
        t = any_time()
        user = rng.choice(joined_by(t))
        for _ in range(rng.randint(8, 40)):
            t += rng.randint(3, 60) * 1000
            add(t, "track", "User Invited", user, {"role": "member"})

    def import_files(t: int, user: DemoUser) -> None:
        """A team moving its documents in: tens of large uploads in an afternoon (storage)."""
        for _ in range(rng.randint(15, 60)):
            t += rng.randint(10, 240) * 1000
            size = int(min(2e8, rng.lognormvariate(15.5, 0.8)))
            add(t, "track", "File Uploaded", user, {"bytes": size, "kind": "import"})

    if arch.lifecycle == "grow" and rng.random() < 0.08:
        t = any_time()
        import_files(t, rng.choice(joined_by(t)))

    # Evaluation before a purchase: the buyer and admins read pricing and legal pages, someone
    # is made admin, the team moves its files in; then the plan changes and the subscription
    # starts.
    if account.converts and account.convert_ms is not None:
        conv = account.convert_ms
        window = 28 * DAY_MS
        first_eval = max(account.created_ms + DAY_MS, conv - window)
        deciders = [u for u in users if u.is_buyer or u.role == "admin"] or [owner]

        def eval_time() -> int:
            return first_eval + int((conv - first_eval) * rng.random())

        for _ in range(1 + poisson(rng, 5)):
            t = eval_time()
            add(
                t,
                "page",
                rng.choice(PRICING_PAGES),
                rng.choice([u for u in deciders if u.joined_ms <= t] or [owner]),
            )
        legal_mean = 2.5 if arch.name == "buyer_ready" else 1.2
        for _ in range(poisson(rng, legal_mean) + (rng.random() < 0.7)):
            t = eval_time()
            add(
                t,
                "page",
                rng.choice(LEGAL_PAGES),
                rng.choice([u for u in deciders if u.joined_ms <= t] or [owner]),
            )
        if rng.random() < 0.5:
            t = eval_time()
            import_files(t, rng.choice([u for u in users if u.joined_ms <= t] or [owner]))
        if members and rng.random() < 0.7:
            user = rng.choice(members)
            add(
                max(user.joined_ms + 3_600_000, eval_time()),
                "identify",
                "",
                user,
                None,
                {"role": "admin"},
            )
        buyer = next((u for u in deciders if u.is_buyer and u.joined_ms <= conv), owner)
        paid = {"name": account.name, "plan": account.plan}
        add(conv, "group", "", buyer, None, paid)
        seats = sum(1 for u in users if u.joined_ms <= conv)
        price = {"team": 10, "business": 18, "enterprise": 30}[account.plan]
        add(
            conv + 2000,
            "track",
            "Subscription Started",
            buyer,
            {
                "plan": account.plan,
                "seats": seats,
                "billing_period": rng.choice(("monthly", "annual")),
                "mrr": seats * price,
            },
        )

    events.sort()
    return events


def _message_id(account: DemoAccount, seq: int) -> str:
    return f"{account.account_id[3:]}-{seq:05d}"


def _shape_segment(event: Event, account: DemoAccount) -> dict:
    ms, seq, kind, name, user, props, traits = event
    record: dict = {
        "type": kind,
        "messageId": _message_id(account, seq),
        "userId": user.user_id,
        "timestamp": _iso(ms),
    }
    if kind == "track":
        record["event"] = name
        record["properties"] = props or {}
        record["context"] = {"groupId": account.account_id}
    elif kind == "page":
        record["name"] = PAGE_TITLES.get(name, name)
        record["properties"] = {"path": name, "url": SITE + name, "title": PAGE_TITLES.get(name)}
        record["context"] = {"groupId": account.account_id}
    elif kind == "identify":
        record["traits"] = traits
        record["context"] = {"groupId": account.account_id}
    else:  # group
        record["groupId"] = account.account_id
        record["traits"] = traits
    return record


def _shape_amplitude(event: Event, account: DemoAccount) -> dict:
    ms, seq, kind, name, user, props, traits = event
    record: dict = {
        "event_type": name,
        "user_id": user.user_id,
        "event_time": _amplitude_time(ms),
        "insert_id": _message_id(account, seq),
        "groups": {"company": account.account_id},
        "event_properties": props or {},
        "user_properties": {},
    }
    if kind == "page":
        record["event_type"] = "Page Viewed"
        record["event_properties"] = {"path": name, "url": SITE + name}
    elif kind == "identify":
        record["event_type"] = "$identify"
        record["user_properties"] = traits
    elif kind == "group":
        record["event_type"] = "$groupidentify"
        record["group_properties"] = traits
    return record


def _shape_mixpanel(event: Event, account: DemoAccount) -> dict | None:
    ms, seq, kind, name, user, props, traits = event
    if kind == "group":
        return None  # group profiles are not in a Mixpanel raw export
    properties = {
        "time": ms // 1000,
        "distinct_id": user.user_id,
        "$insert_id": _message_id(account, seq),
        "account_id": account.account_id,
    }
    if kind == "identify":
        properties["$set"] = traits
        return {"event": "$identify", "properties": properties}
    if kind == "page":
        properties["$current_url"] = SITE + name
        properties["current_url_path"] = name
        return {"event": "$mp_web_page_view", "properties": properties}
    if props:
        properties.update(props)
    return {"event": name, "properties": properties}


SHAPES = {"segment": _shape_segment, "amplitude": _shape_amplitude, "mixpanel": _shape_mixpanel}
FORMATS: tuple[str, ...] = tuple(SHAPES)
