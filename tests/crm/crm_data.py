"""What the CRM tests share besides fixtures: the clock and a whole-table snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def snapshot(db) -> dict[str, list[tuple]]:
    """Every triage table, whole: what 'changes nothing' is checked against."""
    return {
        table: db.conn.execute(f"select * from {table} order by 1").fetchall()
        for table in ("triage", "activity", "outcomes", "notes", "feedback")
    }
