"""On the demo: a simulated team's history, and a report where planted signals beat noise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pqa_tui.config import Config
from pqa_tui.demo.archetypes import simulated_feedback
from pqa_tui.demo.build import build_demo
from pqa_tui.plugins import load_plugins
from pqa_tui.reports import build_report

END = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pqa_tui.store import open_db

    db = open_db(tmp_path_factory.mktemp("demo") / "pqa.db")
    config, plugins = Config(), load_plugins(None)
    team = build_demo(db, config, plugins, accounts=500, end=END).team
    yield db, config, plugins, team
    db.close()


def test_team_history_goes_through_triage(demo):
    db, _config, _plugins, team = demo
    assert team.claimed > 10 and team.contacted > 5
    claims = db.conn.execute(
        "select count(*) from activity where action = 'claim' and actor in ('ana', 'ben', 'chloe')"
    ).fetchone()[0]
    assert claims == team.claimed
    # every claim came after the account's first PQA moment
    early = db.conn.execute(
        "select count(*) from activity a where action = 'claim' and a.at < "
        "(select min(at) from pqa_moments m where m.account_id = a.account_id)"
    ).fetchone()[0]
    assert early == 0


def test_verdicts_follow_the_planted_archetype(demo):
    db, *_ = demo
    rows = db.conn.execute(
        "select f.verdict, f.reason, d.archetype, d.converts, d.has_buyer from feedback f "
        "join demo_accounts d using (account_id)"
    ).fetchall()
    assert {r[0] for r in rows} == {"good", "bad"}
    for verdict, reason, archetype, converts, has_buyer in rows:
        truth = {"archetype": archetype, "converts": converts, "has_buyer": has_buyer}
        assert (verdict, reason) == simulated_feedback(truth)


def test_planted_signals_beat_the_noise(demo):
    db, config, plugins, _team = demo
    rows = {d["detector"]: d for d in build_report(db, config, plugins=plugins)["detectors"]}
    good = ("pricing_views", "legal_pages", "seat_count", "buyer_persona")
    noise = ("paywall_hits", "invite_spike")
    for g in good:
        assert rows[g]["lift_ci"][0] > 1, g  # significantly more conversions where it fired
        for n in noise:
            assert rows[g]["lift"] > rows[n]["lift"], (g, n)
    for n in noise:
        assert rows[n]["lift_ci"][0] <= 1 <= rows[n]["lift_ci"][1], n  # no better than chance
        assert rows[n]["verdict"] == "noise"
