"""The demo's planted truth: account archetypes and how each one behaves.

Every demo account is drawn from one archetype. The archetype fixes how likely the account is to
convert to paid, and the signals are then drawn *given* that outcome, so the good signals (seats,
a buyer persona, pricing and legal page visits, velocity) are more frequent in accounts that
convert, while the noise signals (paywall hits, invite spikes) are drawn without looking at the
outcome. Reports and backtests can check a PQA definition against this truth, and a simulated
team can give feedback from it (see :data:`FEEDBACK`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Archetype:
    """How one kind of account signs up, grows, evaluates and (maybe) converts."""

    name: str
    description: str
    share: float  # fraction of demo accounts
    conversion: float  # probability the account converts to paid, at any time
    seats: tuple[int, int]  # users the account reaches (min, max), before the conversion boost
    buyer_chance: float  # chance a director / VP / C-level user is in the account
    lifecycle: str  # "grow" | "fade" | "stall" | "churn" | "steady"
    days_per_week: float  # active days per user per week at full activity
    events_per_day: float  # mean extra events on an active day (one is always there)
    convert_after: tuple[int, int]  # days from sign-up to conversion, when it converts
    pricing_views: float  # mean pricing-page views outside an evaluation (curiosity)
    legal_views: float  # mean terms / privacy / security views outside an evaluation
    admin_switch: float  # chance of an admin switch outside an evaluation
    paywall_hits: float  # mean paywall hits over the account's life (noise)
    invite_spikes: float  # mean bulk-invite days over the account's life (noise)
    company_sizes: tuple[int, ...]  # onboarding "company size" answers this archetype gives
    use_cases: tuple[str, ...]
    personal_email: bool = False  # users sign up with gmail.com & co, no company domain
    domains: tuple[str, ...] = ()  # fixed domains (internal / test accounts)


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        name="buyer_ready",
        description="a real team with a buyer in it, evaluating: pricing and legal pages",
        share=0.08,
        conversion=0.6,
        seats=(6, 16),
        buyer_chance=0.6,
        lifecycle="grow",
        days_per_week=0.9,
        events_per_day=1.5,
        convert_after=(30, 110),
        pricing_views=1.0,
        legal_views=0.5,
        admin_switch=0.3,
        paywall_hits=4.0,
        invite_spikes=0.3,
        company_sizes=(50, 200, 500, 1000, 5000),
        use_cases=("team wiki", "project management", "client work"),
    ),
    Archetype(
        name="growing_team",
        description="a team adding people and work week after week",
        share=0.18,
        conversion=0.25,
        seats=(3, 12),
        buyer_chance=0.15,
        lifecycle="grow",
        days_per_week=0.7,
        events_per_day=1.5,
        convert_after=(45, 220),
        pricing_views=0.6,
        legal_views=0.2,
        admin_switch=0.2,
        paywall_hits=4.0,
        invite_spikes=0.3,
        company_sizes=(10, 50, 200, 500),
        use_cases=("team wiki", "project management", "engineering docs"),
    ),
    Archetype(
        name="solo_hobby",
        description="one person (a student, a side project): tries it and drifts away",
        share=0.36,
        conversion=0.01,
        seats=(1, 2),
        buyer_chance=0.0,
        lifecycle="fade",
        days_per_week=2.0,
        events_per_day=1.5,
        convert_after=(20, 200),
        pricing_views=0.4,
        legal_views=0.05,
        admin_switch=0.0,
        paywall_hits=3.0,
        invite_spikes=0.1,
        company_sizes=(1, 1, 1, 10),
        use_cases=("personal notes", "school", "side project"),
        personal_email=True,
    ),
    Archetype(
        name="stalled",
        description="a small team that set up in a burst and then barely came back",
        share=0.15,
        conversion=0.03,
        seats=(2, 6),
        buyer_chance=0.1,
        lifecycle="stall",
        days_per_week=1.8,
        events_per_day=1.5,
        convert_after=(30, 200),
        pricing_views=0.5,
        legal_views=0.1,
        admin_switch=0.1,
        paywall_hits=3.0,
        invite_spikes=0.2,
        company_sizes=(10, 50, 200),
        use_cases=("team wiki", "project management", "meeting notes"),
    ),
    Archetype(
        name="churned",
        description="a team that was active for a few weeks or months and then left",
        share=0.12,
        conversion=0.0,
        seats=(2, 8),
        buyer_chance=0.1,
        lifecycle="churn",
        days_per_week=1.2,
        events_per_day=1.5,
        convert_after=(30, 200),
        pricing_views=0.6,
        legal_views=0.1,
        admin_switch=0.1,
        paywall_hits=3.0,
        invite_spikes=0.2,
        company_sizes=(10, 50, 200),
        use_cases=("team wiki", "project management", "client work"),
    ),
    Archetype(
        name="noisy",
        description="loud but not buying: walls of paywall hits and bulk-invite spikes",
        share=0.10,
        conversion=0.06,
        seats=(1, 5),
        buyer_chance=0.05,
        lifecycle="steady",
        days_per_week=0.4,
        events_per_day=1.5,
        convert_after=(30, 250),
        pricing_views=0.5,
        legal_views=0.1,
        admin_switch=0.1,
        paywall_hits=40.0,
        invite_spikes=3.0,
        company_sizes=(1, 10, 50),
        use_cases=("personal notes", "side project", "team wiki"),
        personal_email=True,
    ),
    Archetype(
        name="internal",
        description="the vendor's own QA and test workspaces: busy, never a customer",
        share=0.01,
        conversion=0.0,
        seats=(4, 10),
        buyer_chance=0.3,
        lifecycle="steady",
        days_per_week=1.2,
        events_per_day=2.0,
        convert_after=(30, 200),
        pricing_views=6.0,
        legal_views=3.0,
        admin_switch=0.5,
        paywall_hits=8.0,
        invite_spikes=0.5,
        company_sizes=(200,),
        use_cases=("testing",),
        domains=("example.com", "test.com"),
    ),
)

BY_NAME: dict[str, Archetype] = {a.name: a for a in ARCHETYPES}

# What a rep would say after talking to an account of each archetype: the verdict ("good" when
# the conversation was worth having) and a reason from the default [triage] feedback_reasons.
# A simulated team gives this feedback; converting accounts are always "good".
FEEDBACK: dict[str, tuple[str, str]] = {
    "buyer_ready": ("good", "buyer engaged"),
    "growing_team": ("good", "strong usage"),
    "solo_hobby": ("bad", "student or hobby"),
    "stalled": ("bad", "too early"),
    "churned": ("bad", "too early"),
    "noisy": ("bad", "no buyer"),
    "internal": ("bad", "internal or test"),
}


def simulated_feedback(truth: dict) -> tuple[str, str]:
    """The (verdict, reason) a rep would give after talking to a demo account.

    ``truth`` is a ``demo_accounts`` row (or an item of ``DemoWorkspace.truth()``): accounts
    that convert were worth the conversation whatever their archetype; the others get their
    archetype's verdict, and never "good" (a buyer_ready account that does not buy was "too
    early").
    """
    if truth["converts"]:
        return "good", "buyer engaged" if truth["has_buyer"] else "strong usage"
    verdict, reason = FEEDBACK[truth["archetype"]]
    return ("bad", "too early") if verdict == "good" else (verdict, reason)


# Onboarding seniority answers that make a user a buyer persona.
BUYER_SENIORITIES: tuple[str, ...] = ("director", "vp", "c-level")
