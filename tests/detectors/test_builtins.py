"""Each built-in detector on hand-built accounts: fires, stays quiet, and the edge of its bar."""

from __future__ import annotations

import pytest

from pqa_tui.detectors.admin_switch import AdminSwitch
from pqa_tui.detectors.buyer_persona import BuyerPersona
from pqa_tui.detectors.invite_spike import InviteSpike
from pqa_tui.detectors.legal_pages import LegalPages
from pqa_tui.detectors.paywall_hits import PaywallHits
from pqa_tui.detectors.pricing_views import PricingViews
from pqa_tui.detectors.seat_count import SeatCount
from pqa_tui.detectors.storage_velocity import StorageVelocity
from pqa_tui.detectors.usage_volume import UsageVolume
from pqa_tui.detectors.velocity import Velocity
from pqa_tui.testing import AccountBuilder

AS_OF = "2026-03-31"


@pytest.fixture
def acct(db):
    return AccountBuilder(db, created="2026-01-01")


@pytest.mark.parametrize("users, fires", [(6, False), (7, True), (9, True)])
def test_seat_count_edge_of_bar(acct, users, fires):
    acct.active(users, "2026-03-20", "2026-03-30", every=5)
    signals = acct.run(SeatCount(), AS_OF)
    assert bool(signals) is fires
    if fires:
        (s,) = signals
        assert s.reason == f"{users} active users in the last 28 days (bar: 7)"
        assert s.strength == pytest.approx(users / 14)
        assert sorted(s.evidence["users"]) == sorted(f"u{i}" for i in range(1, users + 1))
        assert s.at_ts.startswith("2026-03-30")


def test_seat_count_ignores_users_outside_window_and_after_as_of(acct):
    acct.active(5, "2026-02-01", "2026-02-10")  # before the 28-day window
    acct.active(["a", "b", "c"], "2026-03-20", "2026-03-21")
    acct.active(["x", "y", "z", "w"], "2026-04-02", "2026-04-03")  # after as_of
    assert acct.run(SeatCount(), AS_OF) == []
    assert acct.run(SeatCount(), AS_OF, {"window_days": 60, "min_users": 8})


@pytest.mark.parametrize("count, fires", [(49, False), (50, True)])
def test_usage_volume_counts_value_events(acct, count, fires):
    acct.track("u1", "Document Created", "2026-03-10", count=count)
    acct.track("u1", "Clicked Button", "2026-03-10", count=500)  # not a value event
    signals = acct.run(UsageVolume(), AS_OF)
    assert bool(signals) is fires
    if fires:
        assert signals[0].reason == "50 value events in the last 28 days (bar: 50)"
        assert signals[0].strength == 0.5


def test_velocity_fires_on_growth_not_on_steady_use(db):
    steady = AccountBuilder(db, account_id="steady")
    steady.track("u1", "Document Created", "2026-03-05", count=20)
    steady.track("u1", "Document Created", "2026-03-25", count=20)
    assert steady.run(Velocity(), AS_OF) == []

    growing = AccountBuilder(db, account_id="growing")
    growing.active(3, "2026-03-05", "2026-03-06")
    growing.active(6, "2026-03-20", "2026-03-21")
    growing.track("u1", "Document Created", "2026-03-05", count=10)
    growing.track("u1", "Document Created", "2026-03-25", count=30)
    (s,) = growing.run(Velocity(), AS_OF)
    assert "active users up 100% in the last 14 days (6 vs 3 before)" in s.reason
    assert "value events up 200% in the last 14 days (30 vs 10 before)" in s.reason
    assert s.strength == 1.0
    assert {g["measure"] for g in s.evidence["grown"]} == {"active users", "value events"}


def test_velocity_needs_history_and_a_floor(acct):
    acct.track("u1", "Document Created", "2026-03-25", count=30)  # nothing before: no growth
    assert acct.run(Velocity(), AS_OF) == []
    acct2 = AccountBuilder(acct.db, account_id="small")
    acct2.track("u1", "Document Created", "2026-03-05", count=2)
    acct2.track("u1", "Document Created", "2026-03-25", count=9)  # below min_value_events 10
    assert acct2.run(Velocity(), AS_OF) == []


def test_storage_velocity(acct):
    acct.track("u1", "File Uploaded", "2026-03-05", properties={"bytes": 40_000_000})
    acct.track("u1", "File Uploaded", "2026-03-25", count=2, properties={"bytes": 40_000_000})
    (s,) = acct.run(StorageVelocity(), AS_OF)
    assert s.reason == (
        "storage added up 100% in the last 14 days (80.0 MB vs 40.0 MB before; bar: +100%)"
    )
    assert acct.run(StorageVelocity(), AS_OF, {"min_growth": 1.5}) == []


def test_storage_velocity_from_almost_nothing_says_so(acct):
    acct.track("u1", "File Uploaded", "2026-03-05", properties={"bytes": 30_000})
    acct.track("u1", "File Uploaded", "2026-03-25", count=2, properties={"bytes": 40_000_000})
    (s,) = acct.run(StorageVelocity(), AS_OF)
    assert s.reason == (
        "storage added 80.0 MB in the last 14 days, from almost nothing before "
        "(30.0 KB; bar: +100%)"
    )


def test_admin_switch_sees_role_moves_but_not_setup(acct):
    acct.trait_change("u1", "role", None, "admin", "2026-01-01T10:00:00.000000Z")  # set-up
    assert acct.run(AdminSwitch(), "2026-01-10", {"window_days": 28}) == []
    acct2 = AccountBuilder(acct.db, account_id="moved")
    acct2.user("u2", email="new.admin@acme.io")
    acct2.trait_change("u1", "role", "admin", "member", "2026-03-20")
    acct2.trait_change("u2", "role", "member", "admin", "2026-03-21")
    acct2.trait_change("u3", "department", "sales", "finance", "2026-03-21")  # other trait
    (s,) = acct2.run(AdminSwitch(), AS_OF)
    assert s.reason.startswith("2 admin role changes in the last 28 days")
    assert "u1 admin -> member, new.admin@acme.io member -> admin" in s.reason
    assert s.strength == 1.0
    assert acct2.run(AdminSwitch(), "2026-05-30") == []  # out of the window


def test_legal_and_pricing_pages(acct):
    acct.page("u1", "/terms", "2026-03-30")
    acct.page("u1", "/pricing", "2026-03-29")
    acct.track("u2", "Pricing Viewed", "2026-03-30")
    acct.page("u1", "/blog/terms-of-love", "2026-03-30")  # matches no pattern
    (legal,) = acct.run(LegalPages(), AS_OF)
    assert legal.reason == "1 legal-page view in the last 28 days (bar: 1)"
    (pricing,) = acct.run(PricingViews(), AS_OF)
    assert pricing.reason == "2 pricing views in the last 14 days (bar: 2)"
    assert pricing.evidence["counts"] == {"page:pricing": 1, "pricing": 1}
    assert acct.run(PricingViews(), AS_OF, {"min_views": 3}) == []
    assert acct.run(LegalPages(), AS_OF, {"min_views": 2}) == []
    assert acct.run(LegalPages(), "2026-04-28") == []  # 29 days later: out of the window


@pytest.mark.parametrize("hits, fires", [(2, False), (3, True)])
def test_paywall_hits(acct, hits, fires):
    acct.track("u1", "Feature Locked", "2026-03-28", count=hits)
    assert bool(acct.run(PaywallHits(), AS_OF)) is fires


def test_buyer_persona(db):
    acct = AccountBuilder(db)
    acct.user("u1", role="member", seniority="Individual contributor", email="dev@acme.io")
    acct.user("u2", seniority="VP", department="Engineering", email="vp@acme.io")
    acct.track("u1", "Signed In", "2026-03-30")
    acct.track("u2", "Signed In", "2026-03-29")
    (s,) = acct.run(BuyerPersona(), AS_OF)
    assert s.reason == (
        "buyer in the account: vp@acme.io (VP, Engineering), active in the last 28 days"
    )
    assert s.strength == 1.0
    assert [b["user_id"] for b in s.evidence["buyers"]] == ["u2"]


def test_buyer_persona_needs_a_recent_buyer_and_whole_words(db):
    gone = AccountBuilder(db, account_id="gone")
    gone.user("u1", seniority="Director")
    gone.track("u1", "Signed In", "2026-01-05")  # inactive for months
    assert gone.run(BuyerPersona(), AS_OF) == []
    words = AccountBuilder(db, account_id="words")
    words.user("w1", department="Marketing", role="Editor")  # "it" inside a word is no match
    words.track("w1", "Signed In", "2026-03-30")
    assert words.run(BuyerPersona(), AS_OF) == []
    dept = AccountBuilder(db, account_id="dept")
    dept.user("d1", department="IT")
    dept.track("d1", "Signed In", "2026-03-30")
    (s,) = dept.run(BuyerPersona(), AS_OF)
    assert s.strength == 0.6


def test_invite_spike(acct):
    acct.track("u1", "User Invited", "2026-03-01", count=2)  # usual: 2 in 28 days
    acct.track("u1", "User Invited", "2026-03-28", count=5)
    (s,) = acct.run(InviteSpike(), AS_OF)
    assert s.reason == "5 invites in the last 7 days vs 0.5 usual (bar: 5 and 3x usual)"
    few = AccountBuilder(acct.db, account_id="few")
    few.track("f1", "User Invited", "2026-03-28", count=4)  # under the bar of 5
    assert few.run(InviteSpike(), AS_OF) == []
    busy = AccountBuilder(acct.db, account_id="busy")
    busy.track("u1", "User Invited", "2026-03-10", count=40)  # usual pace is already high
    busy.track("u1", "User Invited", "2026-03-28", count=6)
    assert busy.run(InviteSpike(), AS_OF) == []
