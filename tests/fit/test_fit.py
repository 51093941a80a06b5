"""`pqa fit` on the segments world: better held-out precision, and no label after --until."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fit_world import HORIZON_DAYS, START, UNTIL, outcome, verdict
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.config import Config, load_config
from pqa_tui.fit import FitError, Labels, run_fit
from pqa_tui.plugins import load_plugins


@pytest.fixture
def plugins():
    return load_plugins(None)


def fit(db, plugins, until=UNTIL):
    result = run_fit(db, Config(), plugins, until=until, horizon_days=HORIZON_DAYS)
    result.pop("seconds")
    return result


def test_fit_on_the_first_half_raises_held_out_precision(db, world, plugins):
    result = fit(db, plugins)
    assert result["until"] == UNTIL.isoformat()
    assert result["held_out"]["from"] > result["trained"]["to"]  # fit early, test late
    assert result["held_out"]["to"] <= UNTIL.isoformat()
    current, fitted = result["current"], result["fitted"]
    assert fitted["precision"] > current["precision"]
    assert fitted["precision_top10"] >= current["precision_top10"]
    assert fitted["recall"] >= current["recall"]
    weights = {d["detector"]: d["fitted"] for d in result["detectors"]}
    # Seats and volume are what the never-buying big teams have: the fit leaves them out.
    assert weights["seat_count"] == 0 and weights["usage_volume"] == 0
    assert weights["buyer_persona"] > 0 and weights["legal_pages"] > 0
    configured = {d["detector"]: d["configured"] for d in result["detectors"]}
    assert sum(weights.values()) == pytest.approx(sum(configured.values()), abs=0.1)


def test_fit_never_reads_a_label_after_until(db, world, plugins):
    before = fit(db, plugins)
    after_until = UNTIL + timedelta(days=1)
    for account_id in world["kicker"]:  # had they bought, the fit would think otherwise
        outcome(db, account_id, after_until, "won")
        verdict(db, account_id, after_until, good=True)
    assert fit(db, plugins) == before
    # The same labels dated on --until itself are read, and change the fit: the check above
    # could have failed.
    for account_id in world["kicker"]:
        outcome(db, account_id, UNTIL, "won")
        verdict(db, account_id, UNTIL, good=True)
    assert fit(db, plugins) != before


def test_too_few_labels_says_how_many_more(db, world, plugins):
    with pytest.raises(FitError) as e:
        fit(db, plugins, until=START + timedelta(days=7 * 8))
    assert "too few labels to fit" in str(e.value)
    assert "more good leads" in str(e.value) and "more bad leads" in str(e.value)


def test_labels_are_conversions_within_the_horizon_and_verdicts(db, world):
    labels = Labels.load(db, f"{UNTIL}T23:59:59.999999Z")
    buyer, kicker = world["buyer"][0], world["kicker"][0]
    assert labels.label(buyer, START, HORIZON_DAYS) is True  # converts 35 days later
    assert labels.label(buyer, START + timedelta(days=40), HORIZON_DAYS) is None  # paid then
    assert labels.label(buyer, START, 30) is False  # not within 30 days
    assert labels.label(kicker, START, HORIZON_DAYS) is False  # the horizon has passed
    assert labels.label(kicker, UNTIL - timedelta(days=7), HORIZON_DAYS) is None  # too soon
    verdict(db, kicker, START + timedelta(days=3), good=True)
    labels = Labels.load(db, f"{UNTIL}T23:59:59.999999Z")
    assert labels.label(kicker, START, HORIZON_DAYS) is True


def test_cli_fit_prints_the_table_and_writes_a_whole_config(db_path, db, world, tmp_path):
    out = tmp_path / "fitted.toml"
    (tmp_path / "pqa.toml").write_text("# the defaults\n")
    base = ["--db", str(db_path), "--config", str(tmp_path / "pqa.toml")]
    args = ["fit", "--until", UNTIL.isoformat(), "--horizon-days", str(HORIZON_DAYS)]
    result = CliRunner().invoke(app, [*base, *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "precision of PQAs" in result.output and "recall of converters" in result.output
    assert "seat_count" in result.output
    data = json.loads(CliRunner().invoke(app, [*base, *args, "--json"]).output)
    assert set(data) >= {"until", "trained", "held_out", "current", "fitted", "detectors"}
    written = out.read_text()
    assert written.startswith("# Written by `pqa fit --until 2026-06-28`")
    assert "# precision of PQAs" in written
    config = load_config(out, required=True)
    assert config.scoring.threshold == data["fitted"]["threshold"]
    for d in data["detectors"]:
        assert config.detectors[d["detector"]]["weight"] == d["fitted"]
    assert config.scoring.require_intent is True and config.events == Config().events
    too_early = CliRunner().invoke(app, [*base, "fit", "--until", "2026-03-01"])
    assert too_early.exit_code == 1
    assert "too few labels to fit" in too_early.output


def test_cli_fit_rejects_a_bad_date(db_path):
    result = CliRunner().invoke(app, ["--db", str(db_path), "fit", "--until", "June"])
    assert result.exit_code == 2
    assert "--until 'June' is not a date" in result.output


def test_fit_on_a_workspace_without_usage(db, plugins):
    with pytest.raises(FitError, match="no usage"):
        run_fit(db, Config(), plugins, until=date(2026, 6, 1))
