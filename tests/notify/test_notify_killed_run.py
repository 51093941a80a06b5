"""A `pqa notify` process killed mid-run loses nothing and repeats only the message it was
sending when it died (with the same event id, so the receiver can drop it)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from notify_data import config_with, outbox_rows, surface
from servers import WAIT, WebhookServer
from typer.testing import CliRunner

from pqa_tui.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_notify_repeats_only_the_message_in_flight(db, db_path, tmp_path):
    slow = WebhookServer(hold_from=1)  # answers the first request, holds the second
    try:
        config_file = tmp_path / "pqa.toml"
        config_file.write_text(f'[[notify.channels]]\nname = "sales"\nurl = "{slow.url()}"\n')
        config = config_with({"name": "sales", "url": slow.url()})
        now = datetime.now(UTC)
        for account_id, score in (("a1", 30), ("a2", 20), ("a3", 10)):
            surface(db, config, account_id, score=score, now=now)
        first, second, third = [r["event_id"] for r in outbox_rows(db)]
        base = ["--db", str(db_path), "--config", str(config_file)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PQA_LOAD_PLUGINS": ""}

        proc = subprocess.Popen(
            [sys.executable, "-m", "pqa_tui", *base, "notify"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert slow.arrived.wait(WAIT), "the second message never reached the server"
        finally:
            proc.kill()
            proc.communicate(timeout=WAIT)
        assert proc.returncode != 0

        assert [(r["event_id"], r["status"]) for r in outbox_rows(db)] == [
            (first, "sent"),
            (second, "pending"),
            (third, "pending"),
        ]

        slow.hold_from = None
        slow.release()
        result = CliRunner().invoke(app, [*base, "notify", "--json"])
        assert result.exit_code == 0, result.output
        assert '"sent": 2' in result.stdout and '"pending": 0' in result.stdout
        assert slow.event_ids() == [first, second, second, third]
        assert {r["status"] for r in outbox_rows(db)} == {"sent"}
    finally:
        slow.close()
