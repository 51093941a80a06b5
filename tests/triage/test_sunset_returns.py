"""The next PQA moment, for real: a sunset account comes back only when something new happens.

Each test builds a team's usage with the real scorer (AccountBuilder, score_all) in a real
SQLite file and moves an injected clock: nine people doing the same work every day never bring
a sunset account back, however often (or seldom) scoring runs; a pricing visit, a +50% seat
jump, a plugin's behavioural detector or the --until date do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pqa_tui import triage
from pqa_tui.config import config_from_dict
from pqa_tui.detectors import BUILTIN_MODULES
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import score_all
from pqa_tui.testing import AccountBuilder
from pqa_tui.triage.queue_view import list_queue

REPO_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
ALL = [m.rsplit(".", 1)[1] for m in BUILTIN_MODULES]
SUNSET_AT = datetime(2026, 7, 2, 10, tzinfo=UTC)
TEAM = [f"u{i}" for i in range(1, 10)]  # nine people


def config_for(*detectors: str, **triage_settings):
    """Seats and pricing views (plus ``detectors``), a bar of 5, the default triage rules."""
    on = {"seat_count", "pricing_views", *detectors}
    tables = {n: {"enabled": False} for n in ALL if n not in on}
    return config_from_dict(
        {
            "detectors": tables,
            "scoring": {"threshold": 5},
            "events": {"integration": ["Integration Connected"]},
            "triage": triage_settings,
        },
        "pqa.toml",
    )


@pytest.fixture
def plugins():
    return load_plugins(None)


def team_at_work(db, config, first: str, last: str, users=TEAM) -> AccountBuilder:
    acct = AccountBuilder(db, created="2026-01-01", config=config)
    acct.active(users, first, last)
    return acct.save()


def sunset_world(db, config, plugins) -> AccountBuilder:
    """Nine people active every day since June, two pricing views on Jun 28; scored on
    Jul 1, sunset on Jul 2 by ann."""
    acct = team_at_work(db, config, "2026-06-01", "2026-07-01")
    acct.page("u1", "/pricing", "2026-06-28", count=2).save()
    run = score_all(db, config, plugins, as_of=date(2026, 7, 1))
    assert [s.account_id for s in run.new_pqas] == ["acct-1"]
    triage.sunset(db, config, "acct-1", "ann", reason="no budget this year", now=SUNSET_AT)
    return acct


def day(n: int) -> date:
    """``n`` days after the sunset."""
    return SUNSET_AT.date() + timedelta(days=n)


def at(n: int) -> datetime:
    return SUNSET_AT + timedelta(days=n)


def end(n: int) -> datetime:
    """Midnight at the end of day ``n``: a run scoring day ``n`` has seen all of it."""
    return datetime.combine(day(n + 1), datetime.min.time(), tzinfo=UTC)


def list_all(db, config, n: int):
    return list_queue(db, config, triage.QueueFilter(view="all"), now=end(n))


def live(db, config, n: int):
    return triage.live_state(db, config, "acct-1", now=end(n))


def test_the_sunset_keeps_what_the_account_looked_like(db, plugins):
    config = config_for()
    sunset_world(db, config, plugins)
    (snap,) = triage.sunset_snapshots(db, "acct-1")
    assert snap["at"].startswith("2026-07-02") and snap["score"] > 5
    seen = {x["detector"]: (x["behavioural"], x["value"]) for x in snap["signals"]}
    assert seen == {"seat_count": (False, 9.0), "pricing_views": (True, 2.0)}


@pytest.mark.parametrize("every", [7, 60], ids=["weekly scoring", "one run at the end"])
def test_sixty_days_of_the_same_work_never_bring_it_back(db, plugins, every):
    config = config_for()
    acct = sunset_world(db, config, plugins)
    acct.active(TEAM, day(0), day(60)).save()
    for n in range(every, 61, every):
        score_all(db, config, plugins, as_of=day(n))
        assert live(db, config, n).state == "sunset"
    assert live(db, config, 61).state == "sunset"
    assert triage.sunset_snapshots(db, "acct-1")[0]["back_because"] is None


def test_a_pricing_visit_after_the_cooldown_brings_it_back(db, plugins):
    config = config_for()
    acct = sunset_world(db, config, plugins)
    acct.active(TEAM, day(0), day(21)).page("u3", "/pricing", day(18), count=2).save()
    for n in (7, 14):
        score_all(db, config, plugins, as_of=day(n))
        assert live(db, config, n).state == "sunset"
    score_all(db, config, plugins, as_of=day(21))
    back = live(db, config, 21)
    assert (back.state, back.owner) == ("new", None)
    (row,) = [r for r in list_all(db, config, 21) if r.account == "acct-1"]
    assert row.back_because == (
        "pricing views on Jul 20, after the sunset on Jul 2: 2 pricing views in the last "
        "14 days (bar: 2)"
    )


def test_a_pricing_visit_inside_the_cooldown_waits_for_it(db, plugins):
    config = config_for()
    acct = sunset_world(db, config, plugins)
    acct.active(TEAM, day(0), day(7)).page("u3", "/pricing", day(5), count=2).save()
    score_all(db, config, plugins, as_of=day(7))
    assert live(db, config, 13).state == "sunset"  # found, but the 14-day cooldown holds it
    assert triage.live_state(db, config, "acct-1", now=at(14)).state == "new"


def test_a_fifty_percent_seat_jump_brings_it_back(db, plugins):
    config = config_for()
    acct = sunset_world(db, config, plugins)
    more = TEAM + ["u10", "u11", "u12", "u13", "u14"]  # 9 -> 14
    acct.active(TEAM, day(0), day(20)).active(more, day(20), day(28)).save()
    for n in (7, 14, 21, 28):
        score_all(db, config, plugins, as_of=day(n))
    assert live(db, config, 28).state == "new"
    detail = triage.triage_detail(db, config, "acct-1", now=at(28))
    assert detail["back_because"] == "seat count 14, 9 at the sunset on Jul 2 (+56%)"


def test_a_thirty_percent_jump_does_not(db, plugins):
    config = config_for()
    acct = sunset_world(db, config, plugins)
    more = TEAM + ["u10", "u11", "u12"]  # 9 -> 12: +33%, under the +50% bar
    acct.active(TEAM, day(0), day(20)).active(more, day(20), day(60)).save()
    for n in range(7, 61, 7):
        score_all(db, config, plugins, as_of=day(n))
    assert live(db, config, 61).state == "sunset"
    # ... unless the team lowers the bar.
    lower = config_for(sunset_rise=0.3)
    score_all(db, lower, plugins, as_of=day(61))
    assert live(db, lower, 61).state == "new"


@pytest.mark.parametrize("behavioural", [True, False])
def test_a_plugin_behavioural_detector_brings_it_back(db, monkeypatch, behavioural):
    """integration_connected (plugins/) declares itself behavioural: a new connection after
    the sunset is news. Declared a level, the same connection is not: by Jul 30 the one
    before the sunset has left the 28-day window, so the count is 1, as at the sunset."""
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "integration_connected")
    plugins = load_plugins(REPO_PLUGINS)
    detector = plugins.detectors["integration_connected"]
    monkeypatch.setattr(type(detector), "behavioural", behavioural)
    config = config_for("integration_connected")
    acct = team_at_work(db, config, "2026-06-01", "2026-07-01")
    acct.track("u1", "Integration Connected", "2026-06-25").save()
    score_all(db, config, plugins, as_of=date(2026, 7, 1))
    triage.sunset(db, config, "acct-1", "ann", reason="later", now=SUNSET_AT)
    acct.active(TEAM, day(0), day(35)).track("u2", "Integration Connected", day(10)).save()
    for n in (28, 35):
        score_all(db, config, plugins, as_of=day(n))
    assert live(db, config, 35).state == ("new" if behavioural else "sunset")


def test_until_brings_it_back_by_time_alone(db, plugins):
    config = config_for()
    acct = sunset_world(db, config, plugins)
    triage.claim(db, config, "acct-1", "ann", now=at(1))
    until = datetime(2026, 8, 1, tzinfo=UTC)
    triage.sunset(db, config, "acct-1", "ann", reason="budget in August", until=until, now=at(2))
    acct.active(TEAM, day(0), day(40)).save()
    score_all(db, config, plugins, as_of=day(10))
    assert live(db, config, 28).state == "sunset"  # the end of Jul 31
    assert live(db, config, 29).state == "new"  # Aug 1, nothing new needed
    row = [r for r in list_all(db, config, 29) if r.account == "acct-1"][0]
    assert row.back_because == "back on Aug 1 as set at the sunset on Jul 4"


def test_the_next_write_logs_the_return_with_its_reason(db, plugins):
    config = config_for()
    acct = sunset_world(db, config, plugins)
    acct.active(TEAM, day(0), day(21)).page("u3", "/pricing", day(18), count=2).save()
    score_all(db, config, plugins, as_of=day(21))
    assert triage.resurface_due(db, config, now=end(21)) == ["acct-1"]
    last = triage.history(db, "acct-1")[-1]
    assert (last["action"], last["from"], last["to"]) == ("resurface", "sunset", "new")
    assert last["detail"]["because"].startswith("pricing views on Jul 20")
