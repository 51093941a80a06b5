"""Score = sum of strength x weight x decay; gates; PQA moments; isolation; config checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pqa_tui.config import Config, ConfigError, config_from_dict
from pqa_tui.detectors import BUILTIN_MODULES
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import compute_scores, detector_settings, score_all
from pqa_tui.store import open_db
from pqa_tui.testing import AccountBuilder

ALL = [m.rsplit(".", 1)[1] for m in BUILTIN_MODULES]


def only(*names: str, scoring: dict | None = None, **tables: dict) -> Config:
    """A config with just these built-in detectors enabled.

    Usage detectors alone never make a PQA under ``scoring.require_intent``; these tests are
    about the arithmetic and the other gates, so the intent gate is off unless asked for
    (it has tests of its own in test_intent_gate.py).
    """
    detectors = {n: {"enabled": False} for n in ALL if n not in names}
    detectors.update(tables)
    scoring = {"require_intent": False, **(scoring or {})}
    return config_from_dict({"detectors": detectors, "scoring": scoring}, "pqa.toml")


@pytest.fixture
def plugins():
    return load_plugins(None)


def busy_account(db, account_id="acme", *, users=14, day="2026-03-10", **kw) -> AccountBuilder:
    acct = AccountBuilder(db, account_id=account_id, created="2026-01-01", **kw)
    acct.active(users, day, day)
    return acct.save()


def test_score_is_strength_times_weight_times_decay(db, plugins):
    busy_account(db)  # 14 users on 03-10: seat_count strength 1.0, weight 8
    config = only("seat_count")
    (fresh,) = compute_scores(db, config, plugins, date(2026, 3, 10))
    assert fresh.score == pytest.approx(8.0)
    (later,) = compute_scores(db, config, plugins, date(2026, 3, 24))  # one half-life later
    assert later.score == pytest.approx(4.0)
    assert later.signals[0].decay == pytest.approx(0.5)
    assert later.reasons == ["14 active users in the last 28 days (bar: 7)"]
    heavier = only("seat_count", seat_count={"weight": 12.0})
    assert compute_scores(db, heavier, plugins, date(2026, 3, 10))[0].score == pytest.approx(12)


def test_signals_past_max_age_do_not_count(db, plugins):
    busy_account(db)
    config = only("seat_count", seat_count={"window_days": 60}, scoring={"max_signal_age_days": 20})
    (s,) = compute_scores(db, config, plugins, date(2026, 4, 5))  # 26 days after the evidence
    assert s.score == 0 and s.signals == []


def test_as_of_sees_only_data_up_to_that_day(db, plugins):
    acct = busy_account(db, users=3, day="2026-03-01")
    acct.active(["late1", "late2", "late3", "late4", "late5"], "2026-03-12", "2026-03-12")
    acct.save()
    config = only("seat_count")
    assert compute_scores(db, config, plugins, date(2026, 3, 11))[0].score == 0
    assert compute_scores(db, config, plugins, date(2026, 3, 12))[0].score > 0


@pytest.mark.parametrize(
    "kw, scoring, gate",
    [
        ({"created": "2026-03-01"}, {}, "too new: 9 days old (min 14 days)"),
        ({"plan": "pro"}, {}, "paid: plan 'pro' (scoring.exclude_paid)"),
        ({"domain": "qa.example.com"}, {}, "internal domain: qa.example.com"),
        ({}, {"denylist": ["ACME.io"]}, "denylist: 'acme.io' is in scoring.denylist"),
    ],
)
def test_gated_account_keeps_score_but_does_not_qualify(db, plugins, kw, scoring, gate):
    acct = AccountBuilder(db, account_id="acme", **{"created": "2026-01-01", **kw})
    acct.active(14, "2026-03-10", "2026-03-10").save()
    (s,) = compute_scores(db, only("seat_count", scoring=scoring), plugins, date(2026, 3, 10))
    assert s.score == pytest.approx(8.0)
    assert not s.qualified
    assert s.gate.startswith(gate)
    open_gates = {"exclude_paid": False, "min_account_age_days": 0, "exclude_domains": []}
    ungated = only("seat_count", scoring={"threshold": 5, **open_gates})
    assert compute_scores(db, ungated, plugins, date(2026, 3, 10))[0].qualified is True


def test_paid_gate_uses_the_plan_as_of_the_day(db, plugins):
    acct = busy_account(db)
    acct.plan_change("free", "pro", "2026-03-20")
    acct.save()
    config = only("seat_count", scoring={"threshold": 5})
    assert compute_scores(db, config, plugins, date(2026, 3, 10))[0].qualified
    assert compute_scores(db, config, plugins, date(2026, 3, 21))[0].gate.startswith("paid")


def test_pqa_moments_open_close_and_come_back(db, plugins):
    acct = busy_account(db, day="2026-03-01")
    config = only("seat_count", scoring={"threshold": 5})
    run = score_all(db, config, plugins, as_of=date(2026, 3, 1))
    assert [s.account_id for s in run.new_pqas] == ["acme"] and run.qualified == 1
    # Two weeks on the signal has decayed to 4 points: the account falls out.
    run = score_all(db, config, plugins, as_of=date(2026, 3, 15))
    assert [s.account_id for s in run.fell_out] == ["acme"] and run.new_pqas == []
    acct.active(14, "2026-03-20", "2026-03-20").save()
    run = score_all(db, config, plugins, as_of=date(2026, 3, 20))
    assert [s.account_id for s in run.new_pqas] == ["acme"]
    moments = list(db.query("select at, ended_at from pqa_moments order by id"))
    assert [m["at"][:10] for m in moments] == ["2026-03-01", "2026-03-20"]
    # 8 points halve every 14 days: under 5 from Mar 11, the day the streak ended, though
    # the run that saw it was on Mar 15 (the days between were scored again).
    assert moments[0]["ended_at"].startswith("2026-03-11") and moments[1]["ended_at"] is None
    history = list(db.query("select day, qualified from score_history order by day"))
    assert [(h["day"], h["qualified"]) for h in history] == [
        ("2026-03-01", 1), ("2026-03-15", 0), ("2026-03-20", 1)
    ]  # fmt: skip
    saved = db["scores"].get("acme")
    assert saved["qualified"] == 1 and saved["as_of"] == "2026-03-20"
    assert db["signals"].count == 1


def test_rescoring_the_same_day_changes_nothing(db, plugins):
    busy_account(db)
    config = only("seat_count", scoring={"threshold": 5})
    score_all(db, config, plugins, as_of=date(2026, 3, 10))
    again = score_all(db, config, plugins, as_of=date(2026, 3, 10))
    assert again.new_pqas == [] and again.fell_out == []
    assert db["pqa_moments"].count == 1 and db["score_history"].count == 1


BOOM = """
from pqa_tui.detectors.base import Detector, Signal
from pqa_tui.hookspecs import hookimpl


class Boom(Detector):
    name = "boom"
    description = "Raises on one account."

    def detect(self, usage, options):
        if usage.account_id == "bad":
            raise RuntimeError("no data for " + usage.account_id)
        yield Signal(at=usage.as_of, strength=1.0, reason="boom says hi")


@hookimpl
def register_detectors(register):
    register(Boom())
"""


def test_a_raising_detector_is_isolated_and_reported(db, tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "boom.py").write_text(BOOM)
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "boom")
    plugins = load_plugins(folder)
    assert "boom" in plugins.detectors
    busy_account(db, "good")
    busy_account(db, "bad")
    run = score_all(db, Config(), plugins, as_of=date(2026, 3, 10))
    assert run.accounts == 2
    (failure,) = run.failures
    assert (failure.detector, failure.plugin, failure.accounts) == ("boom", "boom", 1)
    assert failure.error == "RuntimeError: no data for bad"
    bad = {r["detector"] for r in db.query("select detector from signals where account_id='bad'")}
    good = {r["detector"] for r in db.query("select detector from signals where account_id='good'")}
    assert "seat_count" in bad and "boom" not in bad
    assert {"seat_count", "boom"} <= good


@pytest.mark.parametrize(
    "detectors, key, message",
    [
        ({"seat_cont": {}}, "detectors.seat_cont", "unknown detector; expected one of:"),
        ({"seat_count": {"bar": 3}}, "detectors.seat_count.bar", "unknown option"),
        ({"seat_count": {"min_users": "7"}}, "detectors.seat_count.min_users", "an integer"),
        ({"seat_count": {"min_users": 7.5}}, "detectors.seat_count.min_users", "an integer"),
        ({"seat_count": {"window_days": -3}}, "detectors.seat_count.window_days", "1 day"),
        ({"seat_count": {"window_days": 0}}, "detectors.seat_count.window_days", "1 day"),
        ({"velocity": {"min_growth": -1}}, "detectors.velocity.min_growth", "0 or more"),
        ({"seat_count": {"enabled": 1}}, "detectors.seat_count.enabled", "true or false"),
        ({"seat_count": {"weight": "high"}}, "detectors.seat_count.weight", "a number"),
        ({"buyer_persona": {"departments": [1]}}, "detectors.buyer_persona.departments",
         "a list of a strings"),
    ],
)  # fmt: skip
def test_config_errors_name_file_and_key(plugins, detectors, key, message):
    config = config_from_dict({"detectors": detectors}, "/etc/pqa.toml")
    with pytest.raises(ConfigError) as info:
        detector_settings(config, plugins)
    assert info.value.key == key
    assert str(info.value).startswith(f"/etc/pqa.toml: {key}: ")
    assert message in str(info.value)


def test_config_values_are_merged_with_defaults(plugins):
    config = config_from_dict(
        {
            "detectors": {
                "velocity": {"min_growth": 1, "weight": 2},
                "seat_count": {"enabled": False},
            }
        }
    )
    settings = {s.name: s for s in detector_settings(config, plugins)}
    assert settings["velocity"].options["min_growth"] == 1.0
    assert isinstance(settings["velocity"].options["min_growth"], float)
    assert settings["velocity"].options["window_days"] == 14
    assert settings["velocity"].weight == 2.0
    assert settings["seat_count"].enabled is False
    assert settings["seat_count"].plugin == "pqa_tui.detectors.seat_count"


def _moments_when_scored_on(path, plugins, days: list[date]) -> list[tuple]:
    db = open_db(path)
    acct = AccountBuilder(db, account_id="acme", created="2026-01-01")
    acct.active(14, "2026-03-01", "2026-03-20")  # a busy team, then a quiet three weeks
    acct.active(14, "2026-04-11", "2026-04-30").active(3, "2026-05-01", "2026-05-31").save()
    config = only("seat_count", scoring={"threshold": 5})
    for d in days:
        score_all(db, config, plugins, as_of=d)
    moments = db.execute("select at, ended_at from pqa_moments order by id").fetchall()
    db.close()
    return moments


def test_moments_are_the_same_scored_daily_or_monthly(tmp_path, plugins):
    """A streak starts on the first qualifying day and ends on the first that is not, however
    far apart the scoring days are: the days between two runs are scored again."""
    first = date(2026, 3, 1)
    daily = [first + timedelta(days=n) for n in range(92)]
    monthly = [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 5, 31)]
    by_day = _moments_when_scored_on(tmp_path / "daily.db", plugins, daily)
    by_month = _moments_when_scored_on(tmp_path / "monthly.db", plugins, monthly)
    assert by_month == by_day
    assert [(a[:10], e[:10] if e else None) for a, e in by_day] == [
        ("2026-03-01", "2026-03-30"),
        ("2026-04-11", "2026-05-28"),
    ]
