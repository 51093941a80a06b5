"""What each demo account does, day by day: its archetype's activity drawn as raw events."""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

from .archetypes import BY_NAME, Archetype
from .model import DAY_MS, WEEK_MS, DemoAccount, DemoUser, Event, iso_z, poisson

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
        "created_at": iso_z(account.created_ms),
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
