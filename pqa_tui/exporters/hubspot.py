"""HubSpot: a Companies import file, and Notes and Contacts files associated with them.

Column headers are the labels HubSpot's import tool maps automatically (``Company name``,
``Company Domain Name``, ``Note body``, ``Activity date``) plus the ``PQA …`` custom company
properties listed in docs/export.md. Companies are matched on ``Company Domain Name`` (or the
unique ``PQA Account ID`` property), so re-importing updates them. HubSpot cannot update notes
by import: import each note once (``pqa export --notes-since``). Contacts (each account's
buyers and admins) are matched on ``Email`` and associated by ``Company Domain Name``. Dates
are ``YYYY-MM-DD``, note times ``YYYY-MM-DD HH:MM`` in UTC (pick UTC in the import's time
zone step).
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from .base import ExportData, Exporter, ExportFile, crm_account_cells, csv_text, day_of

COMPANY_COLUMNS = (
    "PQA Account ID",
    "Company name",
    "Company Domain Name",
    "PQA Plan",
    "PQA Score",
    "PQA Qualified",
    "PQA Top Reasons",
    "PQA State",
    "PQA Owner",
    "PQA Moment Date",
    "PQA Last Note",
    "PQA Last Note Date",
)
NOTE_COLUMNS = (
    "PQA Account ID",
    "Company Domain Name",
    "Note body",
    "Activity date",
)
CONTACT_COLUMNS = (
    "Email",
    "First Name",
    "Last Name",
    "Job Title",
    "PQA Contact Reason",
    "PQA Account ID",
    "Company Domain Name",
)
# HubSpot's multi-line text properties take up to 65,536 characters.
TEXT_LIMIT = 65_536


def hubspot_datetime(ts: str) -> str:
    """Stored time to ``YYYY-MM-DD HH:MM`` (UTC)."""
    return f"{ts[:10]} {ts[11:16]}" if ts else ""


def note_body(author: str, text: str, external_id: str) -> str:
    """The note, signed, with its stable id so a duplicate import is easy to spot."""
    footer = f"\n\n({author} via pqa, {external_id})"
    return text[: TEXT_LIMIT - len(footer)] + footer


class HubSpotExporter(Exporter):
    name = "hubspot"
    description = "HubSpot import CSV: Companies plus Notes associated by domain"

    def export(self, data: ExportData) -> list[ExportFile]:
        companies = csv_text(
            COMPANY_COLUMNS,
            (
                (*crm_account_cells(a), a.last_note[:TEXT_LIMIT], day_of(a.last_note_at))
                for a in data.accounts
            ),
            exact=data.raw_csv,
        )
        notes = csv_text(
            NOTE_COLUMNS,
            (
                (
                    n.account_external_id,
                    n.account_domain,
                    note_body(n.author, n.text, n.external_id),
                    hubspot_datetime(n.at),
                )
                for n in data.notes
            ),
            exact=data.raw_csv,
        )
        contacts = csv_text(
            CONTACT_COLUMNS,
            (
                (
                    c.email,
                    c.first_name,
                    c.last_name,
                    c.title,
                    "; ".join(c.reasons),
                    c.account_external_id,
                    c.account_domain,
                )
                for c in data.contacts
            ),
            exact=data.raw_csv,
        )
        return [
            ExportFile("companies", ".csv", companies, "Companies: match on domain"),
            ExportFile("notes", ".csv", notes, "Notes: associated with companies"),
            ExportFile("contacts", ".csv", contacts, "Contacts: associated with companies"),
        ]


@hookimpl
def register_exporters(register):
    register(HubSpotExporter())
