"""`pqa queue --mine / --owner / --state / --view` and `pqa show --json` with triage fields."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from triage_data import add_account, rescore
from typer.testing import CliRunner

from pqa_tui import triage
from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.triage import QueueFilter
from pqa_tui.triage.queue_view import list_queue


@pytest.fixture
def worked(db, db_path, tmp_path, monkeypatch):
    """Five PQAs: ann claimed a0, bob contacted a1, ann sunset a2 (unclaimed), a3, a4 new."""
    monkeypatch.chdir(tmp_path)
    config = Config()
    for i in range(5):
        add_account(db, f"a{i}", score=50 - i)
    triage.claim(db, config, "a0", "ann")
    triage.claim(db, config, "a1", "bob")
    triage.mark_contacted(db, config, "a1", "bob")
    triage.sunset(db, config, "a2", "ann", reason="no budget")
    triage.add_note(db, config, "a0", "ann", "Zoë wants a demo ✓")

    def queue(*args, who="ann"):
        result = CliRunner().invoke(
            app, ["--db", str(db_path), "--as", who, "queue", "--json", *args]
        )
        assert result.exit_code == 0, result.output
        return [(r["account"], r["state"], r["owner"]) for r in json.loads(result.stdout)]

    return queue


def test_default_queue_is_new_plus_mine(worked):
    assert worked() == [("a0", "claimed", "ann"), ("a3", "new", None), ("a4", "new", None)]
    assert worked(who="bob") == [
        ("a1", "contacted", "bob"),
        ("a3", "new", None),
        ("a4", "new", None),
    ]


def test_mine_owner_state_and_views(worked):
    assert worked("--mine") == [("a0", "claimed", "ann")]
    assert worked("--owner", "bob") == [("a1", "contacted", "bob")]
    assert worked("--state", "sunset") == [("a2", "sunset", None)]
    assert worked("--view", "parked") == [("a2", "sunset", None)]
    assert [a for a, _, _ in worked("--view", "claimed")] == ["a0", "a1"]
    assert [a for a, _, _ in worked("--view", "all")] == ["a0", "a1", "a2", "a3", "a4"]


def test_unknown_state_is_a_clean_error(worked, db_path):
    result = CliRunner().invoke(app, ["--db", str(db_path), "queue", "--state", "hot"])
    assert result.exit_code == 1
    assert "unknown state 'hot'; expected one of: new, claimed" in result.stderr


def test_table_shows_state_and_owner_once_worked(worked, db_path):
    result = CliRunner().invoke(app, ["--db", str(db_path), "--as", "ann", "queue"])
    # ann claimed a0 just now: 7 days (triage.claim_expiry_days) before it goes stale.
    assert "claimed (ann, 7 days left)" in result.stdout


def test_show_json_has_state_owner_and_notes(worked, db_path):
    result = CliRunner().invoke(app, ["--db", str(db_path), "show", "a0", "--json"])
    shown = json.loads(result.stdout)
    assert (shown["state"], shown["owner"]) == ("claimed", "ann")
    (note,) = shown["notes"]
    assert (note["author"], note["text"]) == ("ann", "Zoë wants a demo ✓")
    assert note["at"].endswith("Z")
    assert [a["action"] for a in shown["triage"]["activity"]] == ["claim", "note"]


def test_queue_rows_carry_the_version_a_claim_checks(db, worked):
    config = Config()
    (row,) = [
        r for r in list_queue(db, config, QueueFilter(me="cy", view="new")) if r.account == "a3"
    ]
    triage.claim(db, config, "a3", "bob")
    with pytest.raises(triage.AlreadyClaimed, match="already claimed by bob"):
        triage.claim(db, config, "a3", "cy", expected_version=row.version)


def test_resurfaced_account_is_back_in_the_queue(db, worked):
    config = Config()
    later = datetime.now(UTC) + timedelta(days=30)
    # Was: any PQA moment after the sunset. Now scoring must find something new: here a
    # pricing visit the day before.
    visit = later - timedelta(days=1)
    rescore(db, config, "a2", visit, ("pricing_views", True, 2.0, visit))
    rows = {r.account: r for r in list_queue(db, config, QueueFilter(me="cy"), now=later)}
    assert rows["a2"].back_because.startswith("pricing views on ")
    assert "after the sunset on" in rows["a2"].back_because
    assert rows["a3"].back_because is None
    assert "a2" not in [r.account for r in list_queue(db, config, QueueFilter(me="cy"))]
