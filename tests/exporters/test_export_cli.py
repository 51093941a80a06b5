"""`pqa export` through CliRunner: the files land where --out says, JSON goes to stdout."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from pqa_tui.cli import app


@pytest.fixture
def run(worked_db, db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner().invoke(app, ["--db", str(db_path), "export", *args])

    return invoke


def test_salesforce_writes_accounts_and_tasks_beside_each_other(run, tmp_path):
    result = run("--format", "salesforce", "--out", str(tmp_path / "crm.csv"))
    assert result.exit_code == 0, result.output
    with open(tmp_path / "crm.csv", newline="", encoding="utf-8") as f:
        accounts = list(csv.DictReader(f))
    with open(tmp_path / "crm-tasks.csv", newline="", encoding="utf-8") as f:
        tasks = list(csv.DictReader(f))
    assert [a["PQA_Account_Id__c"] for a in accounts] == ["acme", "globex", "initech"]
    assert len(tasks) == 3
    assert "3 accounts, 3 notes, 0 contacts" in result.output


def test_without_out_several_files_go_to_the_current_folder(run, tmp_path):
    assert run("--format", "hubspot").exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("pqa-hubspot-*")) == [
        "pqa-hubspot-companies.csv",
        "pqa-hubspot-contacts.csv",
        "pqa-hubspot-notes.csv",
    ]


def test_json_goes_to_stdout(run):
    result = run("--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert [a["account_id"] for a in doc["accounts"]] == ["acme", "globex", "initech"]


def test_notes_since(run):
    doc = json.loads(run("--format", "json", "--notes-since", "2026-03-03").stdout)
    assert [n["external_id"] for n in doc["notes"]] == ["pqa-note-2"]


def test_unknown_format_is_an_error(run):
    result = run("--format", "excel")
    assert result.exit_code == 1
    assert "available: csv, hubspot, json, salesforce" in result.stderr


def test_missing_folder_is_an_error(run, tmp_path):
    result = run("--format", "csv", "--out", str(tmp_path / "nope" / "x.csv"))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
