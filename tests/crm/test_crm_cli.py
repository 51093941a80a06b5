"""`pqa crm import` through CliRunner: the report, --json, and errors that change nothing."""

from __future__ import annotations

import json

from crm_data import snapshot
from typer.testing import CliRunner

from pqa_tui.cli import app

DEALS = """\
Record ID,Deal Name,Deal Stage,Deal owner,PQA Account ID,Company Domain Name
1,Acme,closedwon,Jane Roe,acme,
2,Twins,appointmentscheduled,Sam Poe,,twins.dev
3,Nobody,closedlost,Sam Poe,,nobody.example\x1b[2J
"""


def invoke(db_path, *args):
    return CliRunner().invoke(app, ["--db", str(db_path), "crm", "import", *args])


def test_json_report(crm_db, db_path, write_csv):
    path = write_csv("deals.csv", DEALS)
    result = invoke(db_path, str(path), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["file"] == str(path) and doc["format"] == "hubspot" and doc["rows"] == 3
    assert doc["counts"] == {"recorded": 1, "unchanged": 0, "unmatched": 1, "ambiguous": 1,
                             "duplicates": 0}  # fmt: skip
    assert doc["recorded"] == [
        {"line": 2, "account_id": "acme", "matched_by": "id", "outcome": "won",
         "stage": "closedwon", "owner": "Jane Roe", "record": "1", "from": "contacted",
         "to": "won"}
    ]  # fmt: skip
    assert doc["ambiguous"][0]["candidates"] == ["twin-a", "twin-b"]
    assert doc["unmatched"][0] == {"line": 4, "name": "Nobody", "account_ref": "",
                                   "domain": "nobody.example\x1b[2J",
                                   "reason": "no account has domain nobody.example\x1b[2j",
                                   "candidates": []}  # fmt: skip
    again = json.loads(invoke(db_path, str(path), "--json").stdout)
    assert again["counts"]["recorded"] == 0 and again["counts"]["unchanged"] == 1


def test_text_report_lists_rows_by_line(crm_db, db_path, write_csv):
    result = invoke(db_path, str(write_csv("deals.csv", DEALS)), "--format", "hubspot")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "line 2: acme won (stage closedwon, owner Jane Roe): contacted -> won" in lines
    assert "line 3: ambiguous: 2 accounts have domain twins.dev (twin-a, twin-b)" in lines
    # Text from the file cannot drive the terminal: the escape is shown, not sent.
    assert "line 4: unmatched: no account has domain nobody.example␛[2j" in lines
    assert lines[-1].endswith(
        "(hubspot): 3 rows, 1 recorded, 0 unchanged, 1 unmatched, 1 ambiguous"
    )
    assert "\x1b" not in result.stdout


def test_a_malformed_file_is_an_error_naming_file_and_line(crm_db, db_path, write_csv):
    path = write_csv("bad.csv", DEALS + "4,Extra,closedwon,Jane,acme,,surplus\n")
    before = snapshot(crm_db)
    result = invoke(db_path, str(path))
    assert result.exit_code == 1
    assert "bad.csv, line 5: 7 cells, but the header has 6" in result.stderr
    assert snapshot(crm_db) == before


def test_unknown_format_is_an_error(crm_db, db_path, write_csv):
    result = invoke(db_path, str(write_csv("deals.csv", DEALS)), "--format", "pipedrive")
    assert result.exit_code == 1
    assert "unknown CRM format 'pipedrive'; expected one of: salesforce, hubspot, csv" in (
        result.stderr
    )
