"""A small workspace to import CRM results into: five accounts, two sharing a domain."""

from __future__ import annotations

from pathlib import Path

import pytest
from crm_data import NOW

from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.store import write

ACCOUNTS = [
    ("acme", "Acme", "acme.io"),
    ("globex", "Globex", "https://www.Globex.com/"),
    ("initech", "Initech", ""),
    ("twin-a", "Twins A", "twins.dev"),
    ("twin-b", "Twins B", "twins.dev"),
]


@pytest.fixture
def crm_db(db):
    with write(db) as conn:
        for account_id, name, domain in ACCOUNTS:
            conn.execute(
                "insert into accounts(account_id, name, domain) values (?, ?, ?)",
                [account_id, name, domain],
            )
    config = Config()
    triage.claim(db, config, "acme", "ann", now=NOW)
    triage.mark_contacted(db, config, "acme", "ann", now=NOW)
    return db


@pytest.fixture
def write_csv(tmp_path):
    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
        return path

    return write_file
