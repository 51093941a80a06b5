"""Each built-in export checked against the columns documented in docs/export.md."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from export_data import AWKWARD_NOTE, T0

from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.exporters.base import ExportError, collect, output_paths, run_exporter
from pqa_tui.plugins import load_plugins

DOC = Path(__file__).resolve().parents[2] / "docs" / "export.md"


def documented_columns(fmt: str, role: str) -> list[str]:
    """The first column of the table under '### <fmt>: <role> file' in docs/export.md."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^### {fmt}: {role} file.*?\n\n(\|.*?)\n\n", text + "\n\n", re.S | re.M)
    assert match, f"docs/export.md has no table for {fmt}: {role} file"
    lines = match.group(1).splitlines()[2:]  # skip header and |---|
    return [line.split("|")[1].strip() for line in lines]


def export(db, fmt, now, **kwargs):
    data = collect(db, Config(), now=now, **kwargs)
    return run_exporter(load_plugins(None), fmt, data)


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "fmt, roles",
    [
        ("salesforce", ["accounts", "tasks", "contacts"]),
        ("hubspot", ["companies", "notes", "contacts"]),
        ("csv", ["accounts", "notes", "contacts"]),
    ],
)
def test_csv_headers_match_the_documentation(worked_db, now, fmt, roles):
    files = export(worked_db, fmt, now)
    assert [f.role for f in files] == roles
    for f in files:
        header = next(csv.reader(io.StringIO(f.text)))
        assert header == documented_columns(fmt, f.role)


def test_salesforce_accounts_and_tasks(worked_db, now):
    accounts, tasks, _contacts = export(worked_db, "salesforce", now)
    rows = read_csv(accounts.text)
    # qualified or triaged, best first; hooli (not qualified, untouched) stays out
    assert [r["PQA_Account_Id__c"] for r in rows] == ["acme", "globex", "initech"]
    acme = rows[0]
    assert acme["Name"] == "Acme, Inc."
    assert acme["Website"] == "acme.io"
    assert acme["PQA_Score__c"] == "42.50"
    assert acme["PQA_Qualified__c"] == "true"
    assert acme["PQA_Top_Reasons__c"] == "9 users in 14 days; pricing x4"
    assert (acme["PQA_State__c"], acme["PQA_Owner__c"]) == ("claimed", "ann")
    assert acme["PQA_Moment_Date__c"] == "2026-03-01"
    assert acme["PQA_Last_Note__c"] == AWKWARD_NOTE
    assert acme["PQA_Last_Note_Date__c"] == "2026-03-03T09:00:00.000Z"
    assert rows[1]["PQA_State__c"] == "sunset"
    assert rows[2]["PQA_Owner__c"] == "" and rows[2]["PQA_Moment_Date__c"] == ""

    notes = read_csv(tasks.text)
    assert [n["PQA_Note_Id__c"] for n in notes] == ["pqa-note-1", "pqa-note-2", "pqa-note-3"]
    assert notes[1]["PQA_Account_Id__c"] == "acme"
    assert notes[1]["Description"] == AWKWARD_NOTE
    assert notes[1]["Subject"] == 'PQA note by ann: Spoke to "Zoë", the CFO, about Q3;'
    assert notes[1]["ActivityDate"] == "2026-03-03"
    assert {(n["Status"], n["Priority"]) for n in notes} == {("Completed", "Normal")}


def test_hubspot_companies_and_notes(worked_db, now):
    companies, notes, _contacts = export(worked_db, "hubspot", now)
    rows = read_csv(companies.text)
    assert [(r["PQA Account ID"], r["Company Domain Name"]) for r in rows] == [
        ("acme", "acme.io"),
        ("globex", "globex.com"),
        ("initech", ""),
    ]
    assert rows[0]["PQA Moment Date"] == "2026-03-01"
    assert rows[0]["PQA Last Note Date"] == "2026-03-03"
    note_rows = read_csv(notes.text)
    assert note_rows[1]["Company Domain Name"] == "acme.io"
    assert note_rows[1]["Activity date"] == "2026-03-03 09:00"
    assert note_rows[1]["Note body"] == AWKWARD_NOTE + "\n\n(ann via pqa, pqa-note-2)"


def test_plain_csv_keeps_stored_times(worked_db, now):
    accounts, notes, _contacts = export(worked_db, "csv", now)
    acme = read_csv(accounts.text)[0]
    assert acme["qualified"] == "1"
    assert acme["last_note_at"] == "2026-03-03T09:00:00.000000Z"
    assert acme["last_note_author"] == "ann"
    assert read_csv(notes.text)[2] == {
        "external_id": "pqa-note-3",
        "account_external_id": "globex",
        "account_id": "globex",
        "author": "bob",
        "at": "2026-03-02T09:00:00.000000Z",
        "text": "Budget frozen until Q3",
    }


def test_json_document(worked_db, now):
    (f,) = export(worked_db, "json", now)
    doc = json.loads(f.text)
    assert doc["exported_at"] == "2026-03-05T09:00:00.000000Z"
    acme = doc["accounts"][0]
    documented = set(documented_columns("csv", "accounts"))
    assert set(acme) == documented
    assert acme["top_reasons"] == ["9 users in 14 days", "pricing x4"]
    assert acme["qualified"] is True and acme["score"] == 42.5
    assert [n["external_id"] for n in doc["notes"]] == ["pqa-note-1", "pqa-note-2", "pqa-note-3"]
    assert doc["notes"][1]["text"] == AWKWARD_NOTE


@pytest.mark.parametrize("fmt", ["salesforce", "hubspot", "csv", "json"])
def test_reexport_is_stable_and_new_notes_only_add_rows(worked_db, now, fmt):
    first = export(worked_db, fmt, now)
    assert [f.text for f in export(worked_db, fmt, now)] == [f.text for f in first]
    triage.add_note(worked_db, Config(), "initech", "cy", "new lead", now=now)
    second = export(worked_db, fmt, now)
    if fmt == "json":
        before, after = json.loads(first[0].text), json.loads(second[0].text)
        assert after["notes"][:3] == before["notes"]
        assert after["notes"][3]["external_id"] == "pqa-note-4"
        return
    old_notes, new_notes = read_csv(first[1].text), read_csv(second[1].text)
    assert new_notes[:3] == old_notes and len(new_notes) == 4


def test_notes_since_limits_notes_not_accounts(worked_db, now):
    data = collect(worked_db, Config(), now=now, notes_since=T0 + timedelta(hours=1))
    assert [n.external_id for n in data.notes] == ["pqa-note-1", "pqa-note-2"]
    assert len(data.accounts) == 3


def test_salesforce_clips_long_notes_to_the_field_size(worked_db, now):
    triage.add_note(worked_db, Config(), "initech", "cy", "x" * 40_000, now=now)
    _, tasks, _ = export(worked_db, "salesforce", now)
    long = read_csv(tasks.text)[-1]["Description"]
    assert len(long) == 32_768 and long.endswith(" […]")


def test_unknown_format_lists_what_is_available(worked_db, now):
    with pytest.raises(ExportError, match="no exporter 'excel'; available: csv, hubspot, json"):
        export(worked_db, "excel", now)


def test_a_failing_exporter_plugin_is_named(worked_db, now):
    from pqa_tui.hookspecs import hookimpl

    class Broken:
        name = "broken"

        def export(self, data):
            raise KeyError("oops")

    class BrokenPlugin:
        @hookimpl
        def register_exporters(self, register):
            register(Broken())

    plugins = load_plugins(None)
    plugins.pm.register(BrokenPlugin(), name="broken_crm")
    plugins.exporters.clear()
    plugins._collect("register_exporters", "exporter", plugins.exporters)
    try:
        with pytest.raises(ExportError, match=r"'broken' \(plugin broken_crm\) failed: KeyError"):
            run_exporter(plugins, "broken", collect(worked_db, Config(), now=now))
        assert len(run_exporter(plugins, "csv", collect(worked_db, Config(), now=now))) == 3
    finally:
        plugins.pm.unregister(name="broken_crm")


def test_output_paths(tmp_path):
    from pqa_tui.exporters.base import ExportFile

    files = [ExportFile("accounts", ".csv", "", ""), ExportFile("tasks", ".csv", "", "")]
    assert output_paths("salesforce", files, tmp_path / "crm.csv") == [
        tmp_path / "crm.csv",
        tmp_path / "crm-tasks.csv",
    ]
    assert output_paths("salesforce", files, None) == [
        Path("pqa-salesforce-accounts.csv"),
        Path("pqa-salesforce-tasks.csv"),
    ]
