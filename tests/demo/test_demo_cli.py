"""`pqa demo` end to end through the CLI: build, summary, reuse, --force, refusal, files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.store import open_db

SMALL = ["--accounts", "60", "--months", "4", "--end", "2026-06-30", "--seed", "3"]


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray ./pqa.toml
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def counts(db_path) -> dict:
    db = open_db(db_path)
    try:
        q = db.conn.execute
        return {
            "events": q("select count(*) from events").fetchone()[0],
            "truth": q("select count(*) from demo_accounts").fetchone()[0],
            "converted": q("select count(*) from outcomes where outcome = 'converted'").fetchone()[
                0
            ],
            "paid_truth": q(
                "select count(*) from demo_accounts where converted_at is not null"
            ).fetchone()[0],
            "pqas": q("select count(*) from scores where qualified = 1").fetchone()[0],
            "history_days": q("select count(distinct day) from score_history").fetchone()[0],
            "meta": dict(q("select key, value from demo_meta")),
        }
    finally:
        db.close()


def test_demo_no_tui_builds_ingests_scores_and_summarises(run, db_path):
    result = run("--db", str(db_path), "demo", "--no-tui", "--json", *SMALL)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    c = counts(db_path)
    assert summary["accounts"] == 60 == c["truth"]
    assert summary["events"] == c["events"] > 1_000
    assert summary["users"] >= 60
    assert summary["pqas"] == c["pqas"] >= 1
    assert 1 <= len(summary["top"]) <= 5
    scores = [row["score"] for row in summary["top"]]
    assert scores == sorted(scores, reverse=True)
    assert all(row["archetype"] for row in summary["top"])
    # Conversions reached the outcomes table through the real ingest, one per paid account.
    assert c["converted"] == c["paid_truth"] >= 1
    # Scoring was replayed over the past, not only run for the last day.
    assert c["history_days"] > 3
    assert c["meta"]["seed"] == "3" and c["meta"]["end"].startswith("2026-06-30")


def test_plain_summary_names_the_top_accounts(run, db_path):
    result = run("--db", str(db_path), "demo", "--no-tui", *SMALL)
    assert result.exit_code == 0, result.output
    assert "accounts 60" in result.stdout
    assert "Top " in result.stdout and "score " in result.stdout


def test_rerun_opens_the_existing_demo_and_force_rebuilds_it(run, db_path):
    assert run("--db", str(db_path), "demo", "--no-tui", *SMALL).exit_code == 0
    before = counts(db_path)
    again = run("--db", str(db_path), "demo", "--no-tui", *SMALL)
    assert again.exit_code == 0
    assert "--force" in again.stderr
    assert counts(db_path) == before  # reopened, not rebuilt

    other = [*SMALL[:-1], "4"]  # another seed
    rebuilt = run("--db", str(db_path), "demo", "--no-tui", "--force", *other)
    assert rebuilt.exit_code == 0, rebuilt.output
    after = counts(db_path)
    assert after["meta"]["seed"] == "4"
    assert after["meta"]["built_at"] != before["meta"]["built_at"]
    assert after["truth"] == 60  # the old accounts are gone, not mixed in


def test_local_db_option_and_refusal_of_a_database_with_real_data(run, tmp_path):
    mine = tmp_path / "mine.db"
    db = open_db(mine)
    db.conn.execute(
        "insert into events (dedupe_key, kind, ts, run_id, line) "
        "values ('x', 'track', '2026-01-01T00:00:00.000000Z', 1, 1)"
    )
    db.close()
    result = run("demo", "--db", str(mine), "--no-tui", *SMALL)
    assert result.exit_code == 2
    assert "--force" in result.stderr and "--db" in result.stderr
    assert counts(mine)["events"] == 1  # untouched


def test_write_events_through_the_cli(run, tmp_path):
    path = tmp_path / "events.ndjson.gz"
    result = run(
        "demo", "--write-events", str(path), "--events", "1500", "--format", "mixpanel",
        "--accounts", "10", "--seed", "2", "--end", "2026-06-30",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1,500" in result.stderr
    import gzip

    with gzip.open(path) as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 1500 and all("$insert_id" in r["properties"] for r in rows)


def test_bad_options_name_the_option(run, tmp_path):
    result = run("demo", "--write-events", str(tmp_path / "x"), "--format", "csv")
    assert result.exit_code == 2 and "--format" in result.stderr
    result = run("--db", str(tmp_path / "d.db"), "demo", "--no-tui", "--end", "soon")
    assert result.exit_code == 2 and "--end" in result.stderr
    result = run("--db", str(tmp_path / "d.db"), "demo", "--no-tui", "--accounts", "0")
    assert result.exit_code == 2 and "--accounts" in result.stderr


def test_reopened_summary_shows_the_queue_as_triaged(run, db_path):
    """The top 5 is the queue, not the score table: a sunset account leaves it."""
    from pqa_tui import triage
    from pqa_tui.config import Config

    first = json.loads(run("--db", str(db_path), "demo", "--no-tui", "--json", *SMALL).stdout)
    gone = first["top"][0]["account_id"]
    db = open_db(db_path)
    try:
        triage.sunset(db, Config(), gone, "ann", reason="too early")
    finally:
        db.close()
    again = json.loads(run("--db", str(db_path), "demo", "--no-tui", "--json", *SMALL).stdout)
    assert again["pqas"] == first["pqas"]
    assert again["queue"] == first["queue"] - 1
    assert gone not in [row["account_id"] for row in again["top"]]
