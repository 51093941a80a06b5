"""Constants the export tests share with their fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Quotes, commas, a newline, a spreadsheet formula and non-ASCII: every CSV trap at once.
AWKWARD_NOTE = "Spoke to \"Zoë\", the CFO, about Q3;\nsaid: =cmd|' /C calc'!A0 — call back ✓"
