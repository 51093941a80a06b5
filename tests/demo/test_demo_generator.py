"""The demo generator: deterministic, the right sizes and names, the planted truth visible."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatch

import pytest
from demo_features import account_features, correlation

from pqa_tui.config import Config
from pqa_tui.demo import ARCHETYPES, BUYER_SENIORITIES, generate_workspace
from pqa_tui.timestamps import parse_ts

END = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def workspace():
    return generate_workspace(3, end=END, accounts=150, months=6)


@pytest.fixture(scope="module")
def records(workspace):
    return list(workspace.records())


def test_same_seed_same_records_other_seed_other_records():
    def make(seed):
        return list(generate_workspace(seed, end=END, accounts=30, months=3).records())

    first = make(5)
    assert first == make(5)
    assert first != make(6)


def test_activity_scale_does_not_change_the_plan():
    """Benchmark files scale activity; the accounts and their truth must stay the same."""
    a = generate_workspace(5, end=END, accounts=40, months=3)
    b = generate_workspace(5, end=END, accounts=40, months=3, activity=3.0)
    assert a.truth() == b.truth()
    assert sum(1 for _ in b.records()) > 1.5 * sum(1 for _ in a.records())


def test_archetype_shares_are_exact_and_every_archetype_is_there(workspace):
    counts = Counter(a.archetype for a in workspace.accounts)
    assert sum(counts.values()) == 150
    for arch in ARCHETYPES:
        assert counts[arch.name] >= 1
        assert abs(counts[arch.name] - arch.share * 150) < 1


def test_every_account_shows_up_in_the_records_and_its_archetype_stays_out(workspace, records):
    groups = {r["groupId"] for r in records if r["type"] == "group"}
    truth = {t["account_id"]: t["archetype"] for t in workspace.truth()}
    assert groups == set(truth)
    assert truth == {a.account_id: a.archetype for a in workspace.accounts}
    # The planted answer lives in the truth only: a trait would show in the TUI's header.
    assert not any("archetype" in json.dumps(r.get("traits") or {}) for r in records)


def test_records_are_well_formed_unique_and_inside_the_window(workspace, records):
    start = parse_ts((END - timedelta(days=int(6 * 30.44) + 1)).isoformat())
    end = parse_ts(END.isoformat())
    ids = Counter(r["messageId"] for r in records)
    assert len(ids) == len(records)
    for r in records:
        assert r["type"] in ("track", "page", "identify", "group")
        assert r["userId"].startswith("u_")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["timestamp"])
        assert start <= parse_ts(r["timestamp"]) <= end
        account = r["groupId"] if r["type"] == "group" else r["context"]["groupId"]
        assert account.startswith("ws_")


def test_event_names_and_pages_match_the_default_config(records):
    config = Config()
    names = Counter(r["event"] for r in records if r["type"] == "track")
    for kind in ("value", "invite", "paywall"):
        assert any(names[n] for n in config.events[kind]), kind
    for name in config.events["value"]:
        assert names[name] > 0, name
    assert names["Subscription Started"] > 0
    assert "Subscription Started" in config.plans.subscription_events
    uploads = [r for r in records if r.get("event") in config.storage.events]
    assert uploads and all(
        isinstance(r["properties"][config.storage.property], int) and r["properties"]["bytes"] > 0
        for r in uploads
    )
    paths = Counter(r["properties"]["path"] for r in records if r["type"] == "page")
    for group in ("pricing", "legal"):
        hits = sum(n for p, n in paths.items() if any(fnmatch(p, g) for g in config.pages[group]))
        assert hits > 0, group


def test_conversions_are_plan_changes_and_admin_switches_are_role_changes(workspace, records):
    config = Config()
    paid = [
        r
        for r in records
        if r["type"] == "group" and r["traits"].get(config.plans.trait) not in (None, "free")
    ]
    converted = {t["account_id"] for t in workspace.truth() if t["converted_at"] is not None}
    assert converted and {r["groupId"] for r in paid} == converted
    assert all(r["traits"]["plan"] not in config.plans.free_plans for r in paid)
    switches = [r for r in records if r["type"] == "identify" and set(r["traits"]) == {"role"}]
    assert switches
    assert all(r["traits"]["role"] in config.roles.admin_roles for r in switches)


def test_truth_matches_the_records(workspace, records):
    features = account_features(records)
    truth = {t["account_id"]: t for t in workspace.truth()}
    for account_id, f in features.items():
        t = truth[account_id]
        assert f["seats"] == t["seats"]
        assert f["buyer"] == int(t["has_buyer"])
        assert f["subscribed"] == int(t["converted_at"] is not None)
        if t["converted_at"]:
            assert t["converts"] and t["will_convert_at"] is None
            assert t["converted_at"] <= parse_ts(END.isoformat())


def test_onboarding_profiles_are_complete(records):
    profiles = [r["traits"] for r in records if r["type"] == "identify" and "email" in r["traits"]]
    assert profiles
    for p in profiles:
        for key in ("role", "seniority", "department", "company_size", "use_case", "title"):
            assert p[key] not in (None, ""), key
    seniorities = Counter(p["seniority"] for p in profiles)
    buyers = sum(seniorities[s] for s in BUYER_SENIORITIES)
    # Some accounts have a buyer; most users are not one.
    assert 0 < buyers < 0.2 * len(profiles)


def test_good_signals_predict_conversion_and_noise_does_not():
    workspace = generate_workspace(11, end=END, accounts=800, months=12)
    features = account_features(workspace.records())
    truth = {t["account_id"]: t for t in workspace.truth()}
    ids = sorted(features)
    converts = [1.0 if truth[i]["converts"] else 0.0 for i in ids]
    r = {k: correlation([features[i][k] for i in ids], converts) for k in features[ids[0]]}
    for good in ("seats", "buyer", "pricing", "legal", "velocity", "admin_switches", "imported"):
        assert r[good] > 0.25, (good, r)
    for noise in ("paywall", "invite_spike"):
        assert r[noise] < 0.1, (noise, r)
    # The loudest accounts on the noise signals are the noisy archetype, which rarely buys.
    loudest = sorted(ids, key=lambda i: features[i]["paywall"], reverse=True)[:40]
    assert Counter(truth[i]["archetype"] for i in loudest).most_common(1)[0][0] == "noisy"
    noisy = [truth[i]["converts"] for i in ids if truth[i]["archetype"] == "noisy"]
    ready = [truth[i]["converts"] for i in ids if truth[i]["archetype"] == "buyer_ready"]
    assert sum(noisy) / len(noisy) < 0.2 < 0.4 < sum(ready) / len(ready)
