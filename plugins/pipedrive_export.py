"""Example exporter plugin: Pipedrive's spreadsheet import, organizations with their notes.

Drop a file like this in your plugins folder and ``pqa export --format pipedrive`` uses it.
Pipedrive's importer (Data import → From spreadsheet) maps each ``Organization - …`` column to
an organization field and ``Note - Content`` to a note on it; one row per note, and one row for
each organization without notes. Create the ``PQA …`` organization fields once, and pick "merge
duplicates" on ``Organization - PQA account id`` so a re-import updates them.
"""

from __future__ import annotations

from pqa_tui import hookimpl
from pqa_tui.exporters.base import ExportData, Exporter, ExportFile, csv_text

COLUMNS = (
    "Organization - Name",
    "Organization - PQA account id",
    "Organization - PQA score",
    "Organization - PQA state",
    "Organization - PQA owner",
    "Organization - PQA top reasons",
    "Note - Content",
)


class PipedriveExporter(Exporter):
    name = "pipedrive"
    description = "Pipedrive spreadsheet import: organizations with their notes"

    def export(self, data: ExportData) -> list[ExportFile]:
        notes_by_account: dict[str, list[str]] = {}
        for n in data.notes:
            notes_by_account.setdefault(n.account_id, []).append(
                f"{n.text}\n\n({n.author}, {n.at[:10]}, {n.external_id})"
            )
        rows = []
        for a in data.accounts:
            org = (
                a.name,
                a.external_id,
                f"{a.score:.2f}",
                a.state,
                a.owner,
                "; ".join(a.top_reasons),
            )
            for note in notes_by_account.get(a.account_id) or [""]:
                rows.append((*org, note))
        return [ExportFile("organizations", ".csv", csv_text(COLUMNS, rows), "Organizations")]


@hookimpl
def register_exporters(register):
    register(PipedriveExporter())
