"""`pqa suggest` on the hand-built history of test_backtest.py, worked out by hand.

Replayed steps: Mondays Jan 5 to Feb 2 (the data ends Feb 8). Scores where they are above 0:
A 19.04 at Jan 12, B 15.0 at Jan 19, G 16.4 at Jan 19, C 9.52 at Jan 26. Only one good and
one bad verdict: too few, so leads are judged by conversions among the accounts that could
surface (A, B, C, D, G): good A and C (converted), bad B, D and G.

At the current bar of 10: A, B, G surface: 1 of 2 good kept, 2 of 3 bad. Keeping 80% of the
good leads takes a bar at or under 9.52 (C's score); the highest candidate there is
5 + (19.04 - 5) * 11 / 36 = 9.29 (candidates split 5 .. the top peak in 36 steps).
"""

from __future__ import annotations

import json

from seat_only import settings, toml
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.config import config_from_dict
from pqa_tui.plugins import load_plugins
from pqa_tui.suggest import suggest

TOP = 20 * 0.5 ** (1 / 14)
SUGGESTED = round(5 + (TOP - 5) * 11 / 36, 2)


def test_suggestion_worked_out_by_hand(history):
    out = suggest(history, config_from_dict(settings(10.0)), load_plugins(None))
    assert out["labels"] == "conversions"
    assert (out["good_leads"], out["bad_leads"]) == (2, 3)
    cur = out["current"]
    assert (cur["pqas"], cur["good_kept"], cur["bad_kept"], cur["conversions_caught"]) == (
        3,
        1,
        2,
        1,
    )
    best = out["suggested"]
    assert best["threshold"] == SUGGESTED == 9.29
    assert (best["pqas"], best["good_kept"], best["bad_kept"]) == (4, 2, 2)
    # A caught 20 days before converting, C 15 days
    assert (best["conversions_caught"], best["median_days_early"]) == (2, 17.5)
    # seat_count fired on four accounts only: too little data to call it noise
    assert out["detector_changes"] == [] and out["combined"] is None
    assert out["config_snippet"] == f"[scoring]\nthreshold = {SUGGESTED}\n"


def test_trade_off_table_holds_current_and_suggested(history):
    out = suggest(history, config_from_dict(settings(10.0)), load_plugins(None))
    thresholds = [r["threshold"] for r in out["thresholds"]]
    assert 10.0 in thresholds and SUGGESTED in thresholds
    assert thresholds == sorted(thresholds) and len(thresholds) <= 11
    # raising the bar never keeps more accounts
    pqas = [r["pqas"] for r in out["thresholds"]]
    assert pqas == sorted(pqas, reverse=True)


def test_cli_suggest(history, db_path, tmp_path):
    cur = tmp_path / "pqa.toml"
    cur.write_text(toml(settings(10.0)))
    args = ["--db", str(db_path), "--config", str(cur), "suggest"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["suggested"]["threshold"] == SUGGESTED
    plain = CliRunner().invoke(app, args)
    assert plain.exit_code == 0, plain.output
    assert f"Lower the threshold from 10.00 to {SUGGESTED:.2f}" in plain.stdout
    assert f"threshold = {SUGGESTED}" in plain.stdout.splitlines()
