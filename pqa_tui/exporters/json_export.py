"""JSON: one document ``{exported_at, accounts, notes, contacts}`` for scripts and syncs.

Always exact text: JSON is never read as a formula, so ``raw_csv`` does not apply.
"""

from __future__ import annotations

import json

from ..hookspecs import hookimpl
from .base import ExportData, Exporter, ExportFile


class JsonExporter(Exporter):
    name = "json"
    description = "One JSON document with accounts, notes and contacts"

    def export(self, data: ExportData) -> list[ExportFile]:
        text = json.dumps(data.as_json(), indent=2, ensure_ascii=False)
        # DEL and C1 controls as \u escapes: the same JSON, inert if the file reaches a screen.
        text = text.translate({code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}) + "\n"
        return [ExportFile("export", ".json", text, "accounts and notes")]


@hookimpl
def register_exporters(register):
    register(JsonExporter())
