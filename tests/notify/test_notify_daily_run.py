"""`pqa run`, the daily job: ingest the new files of a folder, score and route, alert; one
summary; a second run ingests nothing new and alerts nobody twice; a failure exits 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from typer.testing import CliRunner

from pqa_tui.cli import app


def export(path: Path, first_day: int, last_day: int) -> Path:
    """Segment events of account shop: nine users active on each of these days back from now."""
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    lines = [
        {"type": "group", "userId": "u0", "groupId": "shop", "messageId": f"g-{path.name}",
         "timestamp": (today - timedelta(days=last_day)).isoformat(),
         "traits": {"name": "Shop", "website": "shop.io", "plan": "free"}},
    ]  # fmt: skip
    for back in range(first_day, last_day - 1, -1):
        for u in range(9):
            lines.append(
                {"type": "track", "event": "Document Created", "userId": f"u{u}",
                 "messageId": f"{path.name}-{back}-{u}", "context": {"groupId": "shop"},
                 "timestamp": (today - timedelta(days=back, minutes=u)).isoformat()}
            )  # fmt: skip
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    return path


def invoke(tmp_path: Path, db_path: Path, webhook, *args: str):
    config = tmp_path / "pqa.toml"
    config.write_text(
        "[scoring]\nexclude_domains = []\nthreshold = 1\nrequire_intent = false\n"
        f'[[notify.channels]]\nname = "sales"\nurl = "{webhook.url()}"\n'
    )
    base = ["--db", str(db_path), "--config", str(config)]
    return CliRunner().invoke(app, [*base, "run", *args])


def test_a_second_run_ingests_nothing_new_and_sends_nothing_twice(tmp_path, db_path, webhook):
    folder = tmp_path / "exports"
    folder.mkdir()
    export(folder / "a.ndjson", 20, 11)
    export(folder / "b.ndjson", 10, 1)
    (folder / ".b.ndjson.part").write_text("{half a line")  # a download still under way

    first = invoke(tmp_path, db_path, webhook, "--ingest", str(folder), "--json")

    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert set(data) == {"ok", "ingested", "unchanged", "failed", "score", "routed",
                         "returned", "notify"}  # fmt: skip
    assert data["ok"] is True
    assert [Path(s["source"]).name for s in data["ingested"]] == ["a.ndjson", "b.ndjson"]
    assert sum(s["inserted"] for s in data["ingested"]) == 2 * (10 * 9 + 1)
    assert data["unchanged"] == [] and data["failed"] == []
    assert [p["account"] for p in data["score"]["new_pqas"]] == ["shop"]
    assert (data["notify"]["sent"], data["notify"]["failed"]) == (1, 0)
    assert len(webhook.event_ids()) == 1

    export(folder / "c.ndjson", 0, 0)  # today's export arrives
    second = invoke(tmp_path, db_path, webhook, "--ingest", str(folder), "--json")

    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert [Path(s["source"]).name for s in again["ingested"]] == ["c.ndjson"]
    assert [Path(p).name for p in again["unchanged"]] == ["a.ndjson", "b.ndjson"]
    assert again["score"]["new_pqas"] == []
    assert again["notify"]["sent"] == 0 and len(webhook.event_ids()) == 1

    third = invoke(tmp_path, db_path, webhook, "--ingest", str(folder))
    assert third.exit_code == 0, third.output
    assert "0 new file(s), 0 events added, 3 already ingested, 0 failed." in third.stdout
    assert "Alerts: 0 sent, 0 failed, 0 pending." in third.stdout
    assert third.stdout.rstrip().endswith("OK")


def test_a_file_that_cannot_be_ingested_fails_the_job_but_not_the_rest(tmp_path, db_path, webhook):
    folder = tmp_path / "exports"
    folder.mkdir()
    export(folder / "a.ndjson", 20, 1)
    (folder / "b.bin").write_bytes(b"\x00\x01 not an export")

    result = invoke(tmp_path, db_path, webhook, "--ingest", str(folder))

    assert result.exit_code == 1
    assert "1 new file(s), 181 events added, 0 already ingested, 1 failed." in result.stdout
    assert "Error: " in result.stdout and "b.bin" in result.stdout
    assert "Alerts: 1 sent, 0 failed, 0 pending." in result.stdout  # scored and sent anyway
    assert result.stdout.rstrip().endswith("FAILED")


def test_without_a_folder_it_scores_and_alerts_only(tmp_path, db_path, webhook):
    result = invoke(tmp_path, db_path, webhook, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ingested"] == [] and data["score"]["accounts"] == 0
    assert data["notify"] == {"sent": 0, "failed": 0, "pending": 0, "messages": []}
