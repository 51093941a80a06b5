"""The one parser for dates and times typed as options (``--until``, ``--as-of``, ``--since``,
``--from``, ``--to``, ``--end``, ``--notes-since`` and the TUI forms)."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.timestamps import (
    DateOptionError,
    format_ts,
    parse_day_option,
    parse_time_option,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-04-01", "2026-04-01T00:00:00.000000Z"),
        (" 2026-04-01 ", "2026-04-01T00:00:00.000000Z"),
        ("20260401", "2026-04-01T00:00:00.000000Z"),
        ("2026-04-01T10:30:00Z", "2026-04-01T10:30:00.000000Z"),
        ("2026-04-01t10:30:00z", "2026-04-01T10:30:00.000000Z"),
        ("2026-04-01 10:30", "2026-04-01T10:30:00.000000Z"),  # no offset: UTC
        ("2026-04-01T12:30:00+02:00", "2026-04-01T10:30:00.000000Z"),
        ("1775039400", "2026-04-01T10:30:00.000000Z"),  # epoch seconds, not a day
    ],
)
def test_a_time_option_is_utc(text, expected):
    assert format_ts(parse_time_option(text, "--until")) == expected


def test_a_bare_day_can_mean_its_last_second():
    end = parse_time_option("2026-06-30", "--end", bare_day="end")
    assert format_ts(end) == "2026-06-30T23:59:59.000000Z"
    # a time is taken as given, whatever bare_day says
    noon = parse_time_option("2026-06-30T12:00:00Z", "--end", bare_day="end")
    assert format_ts(noon) == "2026-06-30T12:00:00.000000Z"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-01-31", date(2026, 1, 31)),
        ("20260131", date(2026, 1, 31)),
        ("2026-W05-6", date(2026, 1, 31)),
        ("2026-01-31T23:30:00-05:00", date(2026, 1, 31)),  # the day as written, not in UTC
        ("2026-01-31 and the rest", date(2026, 1, 31)),  # --since always read the first 10
    ],
)
def test_a_day_option_is_the_day_as_written(text, expected):
    assert parse_day_option(text, "--since") == expected


@pytest.mark.parametrize("text", ["soon", "next week", "", "2026-02-30", "31/01/2026"])
def test_one_error_names_the_option_and_what_to_type(text):
    with pytest.raises(DateOptionError) as time_error:
        parse_time_option(text, "--until")
    assert str(time_error.value) == (
        f"--until {text!r} is not a date: use YYYY-MM-DD or an ISO 8601 time"
    )
    with pytest.raises(DateOptionError) as day_error:
        parse_day_option(text, "--as-of")
    assert str(day_error.value) == f"--as-of {text!r} is not a date: use YYYY-MM-DD"
    assert time_error.value.exit_code == day_error.value.exit_code == 2  # a usage error


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--as-of", "soon"],
        ["report", "--since", "soon"],
        ["backtest", "alt.toml", "--from", "soon"],
        ["suggest", "--to", "soon"],
        ["snooze", "acme", "--until", "soon"],
        ["sunset", "acme", "--reason", "later", "--until", "soon"],
        ["export", "--format", "json", "--notes-since", "soon"],
        ["demo", "--no-tui", "--end", "soon"],
    ],
)
def test_every_date_option_refuses_the_same_way(tmp_path, monkeypatch, db, args):
    monkeypatch.chdir(tmp_path)
    db["accounts"].insert({"account_id": "acme"})  # the triage commands find it first
    (tmp_path / "alt.toml").write_text("[scoring]\nthreshold = 5\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "pqa.db"), *args])
    option = args[-2]
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {option} 'soon' is not a date: use YYYY-MM-DD")
    assert "Traceback" not in result.output
