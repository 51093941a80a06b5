"""`pqa report` through the CLI: JSON for scripts, plain tables when piped, markup never read."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pqa_tui.cli import app


def run(db_path, *args):
    result = CliRunner().invoke(app, ["--db", str(db_path), *args])
    return result


def test_report_json_has_detectors(db_path, story):
    result = run(db_path, "report", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {d["detector"]: d for d in data["detectors"]}
    assert (rows["seat_count"]["fired"], rows["seat_count"]["good"]) == (4, 2)
    assert rows["paywall"]["precision"] == 0.0
    assert data["surfaced_vs_not"]["surfaced"]["converted"] == 2


def test_report_piped_is_a_plain_table(db_path, story):
    result = run(db_path, "report")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "## Detectors: which signals carry weight" in lines
    seat = next(line for line in lines if line.startswith("seat_count"))
    # fired good bad precision ... in aligned columns, no bar characters when piped
    assert seat.split()[:5] == ["seat_count", "4", "2", "1", "66.7%"]
    assert "█" not in result.stdout
    # Nothing to fit on in this hand-built history: the report says so instead of weights.
    assert any(line.startswith("fitted weights: none yet: ") for line in lines)


def test_report_since_rejects_a_bad_date(db_path, story):
    result = run(db_path, "report", "--since", "yesterday-ish")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --since 'yesterday-ish' is not a date: use YYYY-MM-DD")
    assert "Traceback" not in result.output


def test_markup_in_names_is_printed_as_is(db_path, build):
    build.account("x1")
    build.moment("x1", "2026-01-05", ["[bold red]evil[/]"])
    result = run(db_path, "report")
    assert result.exit_code == 0, result.output
    assert "[bold red]evil[/]" in result.stdout
