"""The demo through the real pipeline: the default config finds the planted truth."""

from __future__ import annotations

from datetime import UTC, datetime

from pqa_tui.config import Config
from pqa_tui.demo import FEEDBACK, build_demo, simulated_feedback
from pqa_tui.plugins import load_plugins

END = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)


def test_default_scoring_surfaces_accounts_that_convert(db):
    config = Config()
    build = build_demo(
        db, config, load_plugins(None, entry_points_too=False), seed=5, end=END, accounts=250,
        months=6,
    )  # fmt: skip
    q = db.conn.execute
    assert build.ingest.rejected == 0
    assert q("select count(*) from demo_accounts").fetchone()[0] == 250
    base = q("select avg(converts) from demo_accounts").fetchone()[0]
    qualified = [
        r[0]
        for r in q(
            "select d.converts from scores s join demo_accounts d using (account_id) "
            "where s.qualified = 1"
        )
    ]
    assert len(qualified) >= 5
    precision = sum(qualified) / len(qualified)
    assert precision >= 0.5 and precision >= 3 * base, (precision, base)
    # Replayed history: some accounts that bought were PQAs before they bought.
    surfaced_then_bought = q(
        "select count(distinct d.account_id) from demo_accounts d join pqa_moments m "
        "using (account_id) where d.converted_at is not null and m.at < d.converted_at"
    ).fetchone()[0]
    assert surfaced_then_bought >= 1
    # Test and internal workspaces never qualify: the exclude_domains gate holds them back.
    internal = q(
        "select count(*) from scores s join demo_accounts d using (account_id) "
        "where d.archetype = 'internal' and s.qualified = 1"
    ).fetchone()[0]
    assert internal == 0


def test_simulated_feedback_follows_the_truth():
    assert set(FEEDBACK) >= {"buyer_ready", "noisy", "solo_hobby", "internal"}
    config_reasons = set(Config().triage.feedback_reasons)
    for archetype, (verdict, reason) in FEEDBACK.items():
        assert verdict in ("good", "bad") and reason in config_reasons, archetype
    bought = {"archetype": "noisy", "converts": True, "has_buyer": False}
    assert simulated_feedback(bought) == ("good", "strong usage")
    stuck = {"archetype": "buyer_ready", "converts": False, "has_buyer": True}
    assert simulated_feedback(stuck) == ("bad", "too early")
    assert simulated_feedback({"archetype": "internal", "converts": False, "has_buyer": True}) == (
        "bad",
        "internal or test",
    )
