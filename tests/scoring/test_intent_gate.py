"""scoring.require_intent: which detectors count as intent, and what a usage-only account shows."""

from __future__ import annotations

from datetime import date

import pytest

from pqa_tui.config import ConfigError, config_from_dict
from pqa_tui.detectors import BUILTIN_MODULES
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import compute_scores, detector_settings, score_all
from pqa_tui.scoring.rules import NO_INTENT
from pqa_tui.testing import AccountBuilder

DAY = date(2026, 3, 10)
INTENT = {"admin_switch", "buyer_persona", "legal_pages", "pricing_views"}


@pytest.fixture
def plugins():
    return load_plugins(None)


def big_team(db, account_id="acme", *, pricing=False) -> AccountBuilder:
    """14 users today: seat_count alone is worth 8 points."""
    acct = AccountBuilder(db, account_id=account_id, created="2026-01-01")
    acct.active(14, DAY, DAY)
    if pricing:
        acct.page("u1", "/pricing", DAY, count=4)
    return acct.save()


def config(**detectors):
    return config_from_dict({"scoring": {"threshold": 5}, "detectors": detectors}, "pqa.toml")


def test_built_in_detectors_declare_intent(plugins):
    settings = detector_settings(config(), plugins)
    assert {s.name for s in settings if s.intent} == INTENT
    assert len(settings) == len(BUILTIN_MODULES)


def test_usage_only_keeps_its_score_and_shows_the_gate(db, plugins):
    big_team(db, "usage")
    big_team(db, "evaluating", pricing=True)
    scores = {s.account_id: s for s in compute_scores(db, config(), plugins, DAY)}
    usage, evaluating = scores["usage"], scores["evaluating"]
    assert usage.score == pytest.approx(8.0) and not usage.qualified
    assert usage.gate == NO_INTENT
    assert evaluating.qualified and evaluating.gate is None
    run = score_all(db, config(), plugins, as_of=DAY)
    assert [s.account_id for s in run.new_pqas] == ["evaluating"]
    row = db.conn.execute("select gate, score from scores where account_id = 'usage'").fetchone()
    assert row == (NO_INTENT, pytest.approx(8.0))


def test_an_account_with_no_signals_has_no_intent_gate(db, plugins):
    AccountBuilder(db, account_id="quiet", created="2026-01-01").active(1, DAY, DAY).save()
    (s,) = compute_scores(db, config(), plugins, DAY)
    assert s.score == 0 and s.gate is None


def test_config_says_which_detectors_count_as_intent(db, plugins):
    big_team(db, "usage")
    seats_count = config(seat_count={"intent": True})
    (s,) = compute_scores(db, seats_count, plugins, DAY)
    assert s.qualified and s.gate is None
    off = config_from_dict({"scoring": {"threshold": 5, "require_intent": False}}, "pqa.toml")
    assert compute_scores(db, off, plugins, DAY)[0].qualified
    # An intent detector turned off as intent no longer opens the gate.
    big_team(db, "evaluating", pricing=True)
    no_pricing = config(pricing_views={"intent": False})
    scores = {s.account_id: s for s in compute_scores(db, no_pricing, plugins, DAY)}
    assert scores["evaluating"].gate == NO_INTENT


def test_requiring_intent_with_no_intent_detector_is_an_error(plugins):
    none_left = config(**{name: {"enabled": False} for name in INTENT})
    with pytest.raises(ConfigError) as e:
        detector_settings(none_left, plugins)
    assert e.value.key == "scoring.require_intent"
    assert "intent = true" in str(e.value)
    with pytest.raises(ConfigError, match="expected true or false"):
        detector_settings(config(seat_count={"intent": "yes"}), plugins)
