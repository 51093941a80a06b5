"""The intent rule on a world with a usage-only segment that never converts."""

from __future__ import annotations

from datetime import date

import pytest
from fit_world import UNTIL

from pqa_tui.backtest import replay, run_backtest, weekly_steps
from pqa_tui.config import Config, config_from_dict
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import compute_scores
from pqa_tui.scoring.rules import NO_INTENT

USAGE_IS_ENOUGH = config_from_dict({"scoring": {"require_intent": False}}, "old.toml")
DAY = date(2026, 3, 2)


@pytest.fixture
def plugins():
    return load_plugins(None)


def by_segment(scores) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for s in scores:
        if s.qualified:
            found.setdefault(s.account_id.split("-")[0], set()).add(s.account_id)
    return found


def test_the_intent_rule_removes_the_usage_only_segment(db, world, plugins):
    before = {s.account_id: s for s in compute_scores(db, USAGE_IS_ENOUGH, plugins, DAY)}
    after = {s.account_id: s for s in compute_scores(db, Config(), plugins, DAY)}
    old, new = by_segment(before.values()), by_segment(after.values())
    assert old["usage"] and old["kicker"] and old["buyer"]  # usage alone used to be enough
    assert "usage" not in new
    assert new["kicker"] == old["kicker"] and new["buyer"] == old["buyer"]
    for account_id in old["usage"]:
        assert after[account_id].score == pytest.approx(before[account_id].score)
        assert after[account_id].gate == NO_INTENT
        assert {x.detector for x in after[account_id].signals} <= {
            "seat_count", "usage_volume", "velocity",
        }  # fmt: skip


def test_the_replay_applies_the_rule_as_scoring_does(db, world, plugins):
    steps = weekly_steps(date(2026, 2, 2), date(2026, 4, 27))
    (rep,) = replay(db, [Config()], plugins, steps)
    qualified = rep.qualified_steps()
    for i, day in enumerate(steps):
        scored = {s.account_id for s in compute_scores(db, Config(), plugins, day) if s.qualified}
        assert scored == {a for a, hit in qualified.items() if i in hit}, day


def test_backtest_before_and_after_drops_only_usage_only_accounts(db, world, plugins):
    old, new = replay(db, [USAGE_IS_ENOUGH, Config()], plugins, weekly_steps(DAY, UNTIL))
    before, after = set(old.qualified_steps()), set(new.qualified_steps())
    assert after < before
    assert before - after == {a for a in world["usage"] if a in before}
    data = run_backtest(db, USAGE_IS_ENOUGH, Config(), plugins, start=DAY, end=UNTIL)
    assert data["difference"]["only_current"] == len(before - after)
    assert data["difference"]["only_alternative"] == 0
    assert data["alternative"]["conversions_caught"] == data["current"]["conversions_caught"]
