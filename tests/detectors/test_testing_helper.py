"""The plugin authors' helper writes exactly the rollups ingest writes for the same events."""

from __future__ import annotations

from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.store import open_db
from pqa_tui.testing import AccountBuilder


def _rows(db, sql):
    return sorted(tuple(r) for r in db.conn.execute(sql).fetchall())


def test_account_builder_matches_ingest(tmp_path):
    config = Config()
    built = AccountBuilder(tmp_path / "built.db", account_id="acme", config=config)
    built.track("u1", "Document Created", "2026-03-01", count=2)
    built.track("u2", "File Uploaded", "2026-03-01", properties={"bytes": 1500})
    built.track("u2", "Paywall Hit", "2026-03-02")
    built.page("u3", "/pricing/teams", "2026-03-02")
    built.page("u1", "/docs", "2026-03-02")
    built.save()

    calls = [
        ("track", "u1", "Document Created", "2026-03-01", {}),
        ("track", "u1", "Document Created", "2026-03-01", {}),
        ("track", "u2", "File Uploaded", "2026-03-01", {"bytes": 1500}),
        ("track", "u2", "Paywall Hit", "2026-03-02", {}),
        ("page", "u3", None, "2026-03-02", {"path": "/pricing/teams"}),
        ("page", "u1", None, "2026-03-02", {"path": "/docs"}),
    ]
    records = [
        {"type": kind, "messageId": f"m{i}", "userId": user, "context": {"groupId": "acme"},
         "timestamp": f"{day}T12:00:00Z", "properties": props,
         **({"event": event} if event else {})}
        for i, (kind, user, event, day, props) in enumerate(calls)
    ]  # fmt: skip
    ingested = open_db(tmp_path / "ingested.db")
    ingest_records(ingested, config, records, source="test")

    for sql in (
        "select account_id, day, metric, value from rollups",
        "select account_id, day, user_id from user_days",
    ):
        assert _rows(built.db, sql) == _rows(ingested, sql)
    assert ("acme", "2026-03-02", "page:pricing", 1.0) in _rows(
        ingested, "select account_id, day, metric, value from rollups"
    )
