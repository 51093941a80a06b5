"""The triage commands through Typer's CliRunner, checked on the output and the database."""

from __future__ import annotations

import json

import pytest
from triage_data import add_account
from typer.testing import CliRunner

from pqa_tui import triage
from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.store import write


@pytest.fixture
def cli(db, db_path, tmp_path, monkeypatch):
    """Run `pqa --db <file> --as <who> ...` in an empty folder (no stray pqa.toml)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PQA_USER", raising=False)
    add_account(db, "acme-1", name="Acme", domain="acme.io")
    add_account(db, "acme-2", name="Acme Labs", domain="acmelabs.dev")
    add_account(db, "globex", name="Globex", domain="globex.com")

    def run(*args, who="ann", input=None):
        return CliRunner().invoke(app, ["--db", str(db_path), "--as", who, *args], input=input)

    return run


def ok(result):
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def error(result) -> str:
    """The ``Error: ...`` line a refused command printed (exit code 1, nothing raised)."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: ")
    return result.stderr


def test_claim_by_domain_then_loser_is_told_who_has_it(cli, db):
    assert ok(cli("claim", "acme.io")) == "Acme (acme-1): new → claimed (owner ann)\n"
    assert error(cli("claim", "Acme", who="bob")) == "Error: acme-1 is already claimed by ann\n"
    assert triage.live_state(db, Config(), "acme-1").owner == "ann"


def test_ambiguous_name_lists_the_candidates(cli, db):
    message = error(cli("claim", "acm"))
    assert "matches 2 accounts" in message and "acme-1" in message and "acme-2" in message
    assert triage.history(db, "acme-1") == triage.history(db, "acme-2") == []


def test_the_whole_path_and_history(cli, db):
    ok(cli("claim", "globex"))
    assert ok(cli("contacted", "globex", "--detail", "email")) == (
        "Globex (globex): claimed → contacted (owner ann)\n"
    )
    assert (
        ok(cli("outcome", "globex", "meeting"))
        == "Globex (globex): contacted → meeting (owner ann)\n"
    )
    ok(cli("feedback", "globex", "good", "--reason", "right timing", "--text", "lost on price"))
    ok(cli("note", "globex", "Demo on Friday"))
    out = ok(cli("history", "globex"))
    lines = out.splitlines()
    assert "ann  claim  new → claimed" in lines[0]
    assert "contacted  claimed → contacted  detail: email" in lines[1]
    assert "outcome  contacted → meeting  outcome: meeting" in lines[2]
    assert "feedback  meeting  verdict: good  reason: right timing" in lines[3]
    assert lines[4].endswith("note  meeting") and lines[5] == "    Demo on Friday"

    data = json.loads(ok(cli("history", "globex", "--json")))
    assert data["account_id"] == "globex"
    assert [a["action"] for a in data["activity"]] == [
        "claim",
        "contacted",
        "outcome",
        "feedback",
        "note",
    ]
    assert {a["actor"] for a in data["activity"]} == {"ann"}


def test_refused_transition_is_a_clear_error(cli):
    assert "it is new; claim it first" in error(cli("contacted", "globex"))


def test_note_from_stdin_keeps_unicode_and_newlines(cli, db):
    text = "Zoë said: ship it 🚀\nsecond line [bold]not markup[/bold]\n"
    assert ok(cli("note", "globex", "-", input=text)) == "Globex (globex): note 1 saved\n"
    (saved,) = triage.notes(db, "globex")
    assert saved["text"] == text.strip() and saved["author"] == "ann"


def test_note_with_no_text_opens_the_editor_on_a_terminal(cli, db, monkeypatch):
    import click

    from pqa_tui.cli import triage as triage_cli

    monkeypatch.setattr(triage_cli, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr(click, "edit", lambda text: "Typed in vim\n# a comment line\n")
    ok(cli("note", "globex"))
    assert [n["text"] for n in triage.notes(db, "globex")] == ["Typed in vim"]


def test_empty_note_saves_nothing(cli, db):
    assert "empty" in error(cli("note", "globex", "-", input="   \n"))
    assert triage.notes(db, "globex") == []


def test_history_shows_escapes_as_symbols_not_terminal_codes(cli):
    ok(cli("note", "globex", "before\x1b]0;pwned\x07after \x1b[31mred"))
    out = ok(cli("history", "globex"))
    assert "\x1b" not in out and "\x07" not in out
    assert "before␛]0;pwned␇after ␛[31mred" in out


def test_sunset_and_snooze_dates(cli, db):
    ok(cli("claim", "globex"))
    out = ok(cli("sunset", "globex", "--reason", "no budget", "--until", "2099-01-01"))
    assert out.splitlines() == [
        "Globex (globex): claimed → sunset (owner ann)",
        "Back when something new happens, not before 14 days or on 2099-01-01.",
    ]
    live = triage.live_state(db, Config(), "globex")
    assert live.sunset_until == "2099-01-01T00:00:00.000000Z"
    ok(cli("snooze", "acme-2", "--until", "2099-02-01", "--reason", "after launch"))
    assert triage.live_state(db, Config(), "acme-2").snooze_until == "2099-02-01T00:00:00.000000Z"
    refused = cli("snooze", "acme-1", "--until", "soon")  # a usage error, like every bad date
    assert refused.exit_code == 2 and "--until 'soon' is not a date" in refused.stderr


def test_feedback_reason_is_checked_against_the_config(cli, db):
    assert "triage.feedback_reasons" in error(cli("feedback", "globex", "bad", "--reason", "rude"))
    ok(cli("feedback", "globex", "bad", "--reason", "no buyer"))
    assert [f["verdict"] for f in triage.feedback(db, "globex")] == ["bad"]


def test_release_by_someone_else_is_refused(cli, db):
    ok(cli("claim", "globex"))
    assert "owned by ann, not bob" in error(cli("release", "globex", who="bob"))
    assert ok(cli("release", "globex")) == "Globex (globex): claimed → new\n"


def test_who_am_i_comes_from_pqa_user(cli, db, db_path, monkeypatch):
    monkeypatch.setenv("PQA_USER", "dee")
    result = CliRunner().invoke(app, ["--db", str(db_path), "claim", "globex"])
    assert result.exit_code == 0, result.output
    assert triage.history(db, "globex")[0]["actor"] == "dee"


def test_errors_show_escapes_as_symbols(cli, db):
    with write(db) as conn:
        conn.execute(
            "insert into scores(account_id, score, qualified, scored_at, as_of) "
            "values ('evil\x1b[2J', 20, 1, 't', 't')"
        )
    ok(cli("claim", "evil\x1b[2J", who="x\x1b]0;owned\x07"))
    message = error(cli("claim", "evil\x1b[2J"))
    assert "\x1b" not in message and "\x07" not in message
    assert message == "Error: evil␛[2J is already claimed by x␛]0;owned␇\n"


def test_assign_hands_an_account_to_a_teammate(cli, db):
    assert ok(cli("assign", "globex", "bob")) == "Globex (globex): new (owner bob)\n"
    assert triage.history(db, "globex")[-1]["detail"] == {"to": "bob"}
    ok(cli("claim", "globex", who="bob"))
    assert "owned by bob, not ann" in error(cli("assign", "globex", "cy"))
