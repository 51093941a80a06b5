"""Backtests on a hand-built usage history; every count below is worked out by hand.

Only seat_count is on (window 7 days, bar 2 users, weight 20), so an account's score at a
step is ``20 x min(1, users / 4) x 0.5 ** (age / 14)`` where ``age`` is the days since its
last active day in the 7-day window. Steps are the Mondays from 2026-01-05 to 2026-02-23.

- A: 4 users on Jan 10-11. Step Jan 12: 20 x 0.5^(1/14) = 19.0, qualifies; then silent.
  Converts Feb 1 (20 days after Jan 12). Reps said good.
- B: 3 users on Jan 19. Step Jan 19: 15.0, qualifies. Reps said bad.
- C: 2 users on Sun Jan 25. Step Jan 26: 10 x 0.5^(1/14) = 9.52: under a bar of 10, over 9.
  Converts Feb 10 (15 days after Jan 26).
- D: 1 user every week: never over the bar.
- E: on a paid plan from the start: gated, never surfaces.
- F: converts on Jan 20 (plan free -> pro), then 4 users on Jan 26: paid, so gated.
- G: 4 users on Jan 15 and again on Feb 8: qualifies at steps Jan 19 and Feb 9: two moments.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from seat_only import settings, toml
from typer.testing import CliRunner

from pqa_tui.backtest import ReplayData, Truth, replay, run_backtest, summarize, weekly_steps
from pqa_tui.cli import app
from pqa_tui.config import config_from_dict
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import compute_scores

STEPS = weekly_steps(date(2026, 1, 5), date(2026, 2, 23))


def test_steps_are_weekly():
    assert len(STEPS) == 8 and STEPS[1] == date(2026, 1, 12) and STEPS[-1] == date(2026, 2, 23)


def test_replay_matches_compute_scores_at_every_step(history):
    """The in-memory replay must agree with the real scorer, step by step.

    Both score through scoring/rules.py; what this guards is the usage they read: a replay's
    ReplayBatch (arrays in memory) must answer every window as UsageBatch (SQL) does.
    """
    plugins = load_plugins(None)
    config = config_from_dict(settings(9.0))
    (rep,) = replay(history, [config], plugins, STEPS)
    qualified = rep.qualified_steps()
    for i, step in enumerate(STEPS):
        expected = {
            s.account_id: round(s.score, 9)
            for s in compute_scores(history, config, plugins, step)
            if s.qualified
        }
        got = {a: round(rep.score(a, i), 9) for a, steps in qualified.items() if i in steps}
        assert got == expected, step


def test_counts_worked_out_by_hand(history):
    plugins = load_plugins(None)
    current, alternative = config_from_dict(settings(10.0)), config_from_dict(settings(9.0))
    cur, alt = replay(history, [current, alternative], plugins, STEPS, ReplayData.load(history))
    assert cur.qualified_steps() == {"A": [1], "B": [2], "G": [2, 5]}
    assert alt.qualified_steps() == {"A": [1], "B": [2], "C": [3], "G": [2, 5]}
    assert cur.score("A", 1) == pytest.approx(20 * 0.5 ** (1 / 14))
    assert alt.score("C", 3) == pytest.approx(10 * 0.5 ** (1 / 14))

    truth = Truth.load(history)
    s = summarize(cur, truth)
    assert (s["pqas"], s["moments"], s["known_good"], s["known_bad"], s["unlabelled"]) == (
        3,
        4,
        1,
        1,
        1,
    )
    # conversions in the window: A, C, F; only A was surfaced before converting, 20 days early
    assert (s["conversions"], s["conversions_caught"], s["median_days_early"]) == (3, 1, 20.0)
    a = summarize(alt, truth)
    assert (a["pqas"], a["moments"], a["known_good"], a["known_bad"]) == (4, 5, 1, 1)
    # A 20 days early, C 15 days early
    assert (a["conversions_caught"], a["median_days_early"], a["mean_days_early"]) == (
        2,
        17.5,
        17.5,
    )
    assert [w["new"] for w in a["weeks"]] == [0, 1, 2, 1, 0, 0, 0, 0]


def test_run_backtest_compares_on_the_same_accounts(history):
    plugins = load_plugins(None)
    out = run_backtest(
        history,
        config_from_dict(settings(10.0)),
        config_from_dict(settings(9.0)),
        plugins,
        start=date(2026, 1, 5),
        end=date(2026, 2, 23),
    )
    d = out["difference"]
    assert (d["both"], d["only_current"], d["only_alternative"]) == (3, 0, 1)
    assert d["gained"] == [
        {"account": "C", "verdict": None, "converted": "2026-02-10T00:00:00.000000Z"}
    ]


def test_cli_backtest_json(history, db_path, tmp_path):
    cur = tmp_path / "pqa.toml"
    alt = tmp_path / "lower.toml"
    cur.write_text(toml(settings(10.0)))
    alt.write_text(toml(settings(9.0)))
    args = ["--db", str(db_path), "--config", str(cur), "backtest", str(alt)]
    result = CliRunner().invoke(
        app, [*args, "--from", "2026-01-05", "--to", "2026-02-23", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["current"]["pqas"] == 3 and data["alternative"]["pqas"] == 4
    assert data["alternative"]["config"] == str(alt)

    plain = CliRunner().invoke(app, [*args, "--from", "2026-01-05", "--to", "2026-02-23"])
    assert plain.exit_code == 0, plain.output
    assert any(line.split()[:3] == ["PQAs", "surfaced", "3"] for line in plain.stdout.splitlines())


def test_bad_alternative_config_names_file_and_key(history, db_path, tmp_path):
    alt = tmp_path / "typo.toml"
    alt.write_text("[scoring]\nthreshhold = 5\n")
    result = CliRunner().invoke(app, ["--db", str(db_path), "backtest", str(alt)])
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    assert str(alt) in result.stderr and "scoring.threshhold" in result.stderr

    bad_detector = tmp_path / "detector.toml"
    bad_detector.write_text("[detectors.seat_count]\nmin_users = 'seven'\n")
    result = CliRunner().invoke(app, ["--db", str(db_path), "backtest", str(bad_detector)])
    assert result.exit_code == 2 and "detectors.seat_count.min_users" in result.stderr

    missing = CliRunner().invoke(
        app, ["--db", str(db_path), "backtest", str(tmp_path / "nope.toml")]
    )
    assert missing.exit_code == 2 and "nope.toml" in missing.stderr


def test_report_judges_detectors_by_replay(history):
    """Replayed firings: seat_count fired on A, B, C (9.52 points: a signal, not a PQA) and G.

    Eligible accounts (through every gate at some step): A, B, C, D, G (E pays from the start;
    F pays before its only activity). Converted before-or-after firing: A and C converted
    after seat_count fired; D, the only eligible account it missed, did not convert.
    """
    from pqa_tui.reports import build_report

    config = config_from_dict(settings(10.0))
    report = build_report(history, config, plugins=load_plugins(None))
    assert report["detectors_from"] == "replay"
    (seat,) = [d for d in report["detectors"] if d["detector"] == "seat_count"]
    assert (seat["fired"], seat["good"], seat["bad"], seat["converted"]) == (4, 1, 1, 2)
    assert seat["precision"] == 0.5
    assert seat["conversion_rate"] == 0.5 and seat["baseline_rate"] == 0.0
    assert seat["lift"] is None  # nothing converted without it: no finite ratio


def test_report_since_after_the_data_falls_back_to_stored_signals(history):
    from pqa_tui.reports import build_report

    config = config_from_dict(settings(10.0))
    since = "2027-01-01T00:00:00.000000Z"
    report = build_report(history, config, since=since, plugins=load_plugins(None))
    assert report["detectors_from"] == "stored signals"
    assert report["funnel"]["pqa_moments"] == 0


def test_a_hanging_detector_is_given_up_on_and_the_replay_completes(history):
    import threading

    from pqa_tui.detectors.base import Detector

    release, calls = threading.Event(), []

    class Hang(Detector):
        name = "hang"

        def detect(self, usage, options):
            calls.append(usage.account_id)
            release.wait()  # hangs until the test lets go
            return []

    plugins = load_plugins(None)
    plugins.detectors["hang"] = Hang()
    data = settings(10.0)
    data["scoring"]["detector_timeout_seconds"] = 0.3
    try:
        (rep,) = replay(history, [config_from_dict(data)], plugins, STEPS)
        assert "TimeoutError" in rep.skipped["hang"]
        assert len(calls) == 1  # skipped for the rest of the replay after one time box
        assert rep.qualified_steps() == {"A": [1], "B": [2], "G": [2, 5]}
    finally:
        release.set()
