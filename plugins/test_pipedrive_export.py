"""The example Pipedrive exporter, loaded from the plugins folder the way users load it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.exporters.base import collect, run_exporter
from pqa_tui.plugins import load_plugins
from pqa_tui.store import open_db, write

HERE = Path(__file__).parent


def test_pipedrive_rows_per_note_and_per_quiet_organization(tmp_path, monkeypatch):
    monkeypatch.setenv("PQA_LOAD_PLUGINS", "pipedrive_export")
    plugins = load_plugins(HERE)
    assert not plugins.errors
    assert plugins.owners[("exporter", "pipedrive")] == "pipedrive_export"

    db = open_db(tmp_path / "pqa.db")
    with write(db) as conn:
        for account_id, score in (("acme", 30.0), ("globex", 12.0)):
            conn.execute(
                "insert into accounts(account_id, name) values (?, ?)", [account_id, account_id]
            )
            conn.execute(
                "insert into scores(account_id, score, qualified, reasons, scored_at, as_of) "
                "values (?, ?, 1, '[\"9 users\"]', 't', 't')",
                [account_id, score],
            )
    config = Config()
    triage.claim(db, config, "acme", "ann")
    triage.add_note(db, config, "acme", "ann", "Call booked")
    triage.add_note(db, config, "acme", "ann", "Met the CFO")

    (f,) = run_exporter(plugins, "pipedrive", collect(db, config))
    rows = list(csv.DictReader(io.StringIO(f.text, newline="")))
    assert [(r["Organization - PQA account id"], r["Organization - PQA owner"]) for r in rows] == [
        ("acme", "ann"),
        ("acme", "ann"),
        ("globex", ""),
    ]
    assert rows[0]["Note - Content"].startswith("Call booked\n\n(ann, ")
    assert rows[0]["Note - Content"].endswith(", pqa-note-1)")
    assert rows[2]["Note - Content"] == ""
    assert rows[0]["Organization - PQA top reasons"] == "9 users"
    db.close()
