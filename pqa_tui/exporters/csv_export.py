"""Plain CSV: accounts, notes and contacts files, snake_case columns, ISO 8601 UTC times.

For spreadsheets and CRMs without an exporter of their own.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from .base import ExportData, Exporter, ExportFile, csv_text

ACCOUNT_COLUMNS = (
    "external_id",
    "account_id",
    "name",
    "domain",
    "plan",
    "score",
    "qualified",
    "top_reasons",
    "state",
    "owner",
    "pqa_moment_at",
    "last_note",
    "last_note_at",
    "last_note_author",
)
NOTE_COLUMNS = ("external_id", "account_external_id", "account_id", "author", "at", "text")
CONTACT_COLUMNS = (
    "external_id",
    "account_external_id",
    "account_id",
    "user_id",
    "email",
    "first_name",
    "last_name",
    "title",
    "department",
    "reasons",
)


class CsvExporter(Exporter):
    name = "csv"
    description = "Plain CSV: accounts, notes and contacts"

    def export(self, data: ExportData) -> list[ExportFile]:
        accounts = csv_text(
            ACCOUNT_COLUMNS,
            (
                (
                    a.external_id,
                    a.account_id,
                    a.name,
                    a.domain,
                    a.plan,
                    f"{a.score:.2f}",
                    int(a.qualified),
                    "; ".join(a.top_reasons),
                    a.state,
                    a.owner,
                    a.pqa_moment_at,
                    a.last_note,
                    a.last_note_at,
                    a.last_note_author,
                )
                for a in data.accounts
            ),
            exact=data.raw_csv,
        )
        notes = csv_text(
            NOTE_COLUMNS,
            (
                (n.external_id, n.account_external_id, n.account_id, n.author, n.at, n.text)
                for n in data.notes
            ),
            exact=data.raw_csv,
        )
        contacts = csv_text(
            CONTACT_COLUMNS,
            (
                (
                    c.external_id,
                    c.account_external_id,
                    c.account_id,
                    c.user_id,
                    c.email,
                    c.first_name,
                    c.last_name,
                    c.title,
                    c.department,
                    "; ".join(c.reasons),
                )
                for c in data.contacts
            ),
            exact=data.raw_csv,
        )
        return [
            ExportFile("accounts", ".csv", accounts, "accounts"),
            ExportFile("notes", ".csv", notes, "notes"),
            ExportFile("contacts", ".csv", contacts, "contacts: buyers and admins"),
        ]


@hookimpl
def register_exporters(register):
    register(CsvExporter())
