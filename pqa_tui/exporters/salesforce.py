"""Salesforce: Account upsert, a Task per note and a Contact per buyer or admin (Data Loader CSV).

Accounts upsert on the External ID field ``PQA_Account_Id__c`` (Data Loader, or the Data Import
Wizard's "Add new and update existing records" matched on that field); notes become completed
Tasks upserted on ``PQA_Note_Id__c``; contacts upsert on ``PQA_Contact_Id__c``. Dates are
``yyyy-MM-dd``, date-times ``yyyy-MM-ddTHH:mm:ss.SSSZ`` (UTC), which Data Loader reads without
settings. docs/export.md lists the custom fields to create once.
"""

from __future__ import annotations

from ..hookspecs import hookimpl
from .base import ExportData, Exporter, ExportFile, crm_account_cells, csv_text, day_of

ACCOUNT_COLUMNS = (
    "PQA_Account_Id__c",
    "Name",
    "Website",
    "PQA_Plan__c",
    "PQA_Score__c",
    "PQA_Qualified__c",
    "PQA_Top_Reasons__c",
    "PQA_State__c",
    "PQA_Owner__c",
    "PQA_Moment_Date__c",
    "PQA_Last_Note__c",
    "PQA_Last_Note_Date__c",
)
TASK_COLUMNS = (
    "PQA_Note_Id__c",
    "PQA_Account_Id__c",
    "Subject",
    "Description",
    "ActivityDate",
    "Status",
    "Priority",
)
CONTACT_COLUMNS = (
    "PQA_Contact_Id__c",
    "PQA_Account_Id__c",
    "FirstName",
    "LastName",
    "Email",
    "Title",
    "Department",
    "PQA_Contact_Reason__c",
)
# Long Text Area fields hold 32,768 characters; longer notes are cut with a marker.
LONG_TEXT_LIMIT = 32_768
SUBJECT_LIMIT = 255


def salesforce_datetime(ts: str) -> str:
    """Stored time to ``yyyy-MM-ddTHH:mm:ss.SSSZ`` (milliseconds, UTC)."""
    return f"{ts[:23]}Z" if ts else ""


def clip(text: str, limit: int) -> str:
    marker = " […]"
    return text if len(text) <= limit else text[: limit - len(marker)] + marker


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


class SalesforceExporter(Exporter):
    name = "salesforce"
    description = "Salesforce Data Loader CSV: Account upsert plus Task per note"

    def export(self, data: ExportData) -> list[ExportFile]:
        accounts = csv_text(
            ACCOUNT_COLUMNS,
            (
                (
                    *crm_account_cells(a),
                    clip(a.last_note, LONG_TEXT_LIMIT),
                    salesforce_datetime(a.last_note_at),
                )
                for a in data.accounts
            ),
            exact=data.raw_csv,
        )
        tasks = csv_text(
            TASK_COLUMNS,
            (
                (
                    n.external_id,
                    n.account_external_id,
                    clip(f"PQA note by {n.author}: {first_line(n.text)}", SUBJECT_LIMIT),
                    clip(n.text, LONG_TEXT_LIMIT),
                    day_of(n.at),
                    "Completed",
                    "Normal",
                )
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
                    clip(c.first_name, 40),
                    clip(c.last_name, 80),
                    c.email,
                    clip(c.title, 128),
                    clip(c.department, 80),
                    "; ".join(c.reasons),
                )
                for c in data.contacts
            ),
            exact=data.raw_csv,
        )
        return [
            ExportFile("accounts", ".csv", accounts, "Account: upsert on PQA_Account_Id__c"),
            ExportFile("tasks", ".csv", tasks, "Task: upsert on PQA_Note_Id__c"),
            ExportFile("contacts", ".csv", contacts, "Contact: upsert on PQA_Contact_Id__c"),
        ]


@hookimpl
def register_exporters(register):
    register(SalesforceExporter())
