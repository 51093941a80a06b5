"""`pqa queue --search` that finds nothing says where the matches are; `pqa show` prints the
triage part (state, owner, outcomes, feedback, notes)."""

from __future__ import annotations

import pytest
from triage_data import add_account
from typer.testing import CliRunner

from pqa_tui import triage
from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.store import write


@pytest.fixture
def cli(db, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = Config()
    add_account(db, "greentide", name="Greentide Systems", domain="greentide.io", score=30)
    add_account(db, "acme", name="Acme", domain="acme.io", score=20)
    with write(db) as conn:
        conn.execute(
            "insert into users(user_id, email, name) values ('u1', 'kemal@acme.io', 'Kemal Aydin')"
        )
        conn.execute("insert into memberships(user_id, account_id) values ('u1', 'acme')")
    triage.claim(db, config, "greentide", "ann")
    triage.sunset(db, config, "greentide", "ann", reason="no budget")

    def run(*args):
        result = CliRunner().invoke(app, ["--db", str(db_path), "--as", "ann", *args])
        assert result.exit_code == 0, result.output
        return result.output

    return run


def test_a_search_with_no_match_in_the_queue_names_the_view_that_has_it(cli):
    said = cli("queue", "--search", "greentide")
    assert "queue is empty" not in said
    assert "No account in --view queue matches 'greentide'; 1 in --view parked." in said
    assert "nothing-like-it" in cli("queue", "--search", "nothing-like-it")
    assert "no account or person matches it anywhere" in cli("queue", "--search", "nothing-like-it")


def test_search_finds_an_account_by_a_persons_name_or_email(cli):
    assert "Acme" in cli("queue", "--search", "kemal")
    assert "Acme" in cli("queue", "--search", "Aydin")


def test_show_prints_state_owner_outcomes_feedback_and_notes(cli, db):
    config = Config()
    triage.claim(db, config, "acme", "ann")
    triage.give_feedback(db, config, "acme", "ann", "good", text="VP asked about SSO")
    triage.add_note(db, config, "acme", "ann", "Called Kemal.\nDemo on Friday.")
    said = cli("show", "acme")
    assert "triage: claimed, owner ann" in said
    assert "feedback good by ann" in said and "VP asked about SSO" in said
    assert "Notes (1):" in said and "    Called Kemal." in said and "    Demo on Friday." in said
