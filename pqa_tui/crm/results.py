"""Importing a CRM export: read it whole, match every row, record the results in one transaction.

Nothing is written unless the whole file reads: a malformed file is an error naming the file
and line. Each matched row becomes :func:`pqa_tui.triage.record_crm_result` (owner, stage,
won / lost / open, source ``crm``); a row saying what the CRM already said is left out, so
importing the same file again changes nothing. Unmatched and ambiguous rows are listed with
their lines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import store, triage
from ..config import Config
from .formats import CSV, CrmFormat, normalise_header, parse_close_date
from .hubspot import HUBSPOT
from .matching import AccountIndex
from .reading import CrmFileError, CsvRow, read_rows
from .salesforce import SALESFORCE

FORMATS: dict[str, CrmFormat] = {f.name: f for f in (SALESFORCE, HUBSPOT, CSV)}
_HUBSPOT_HEADERS = {"recordid", "companydomainname", "dealstage", "dealname", "lifecyclestage",
                    "dealowner", "companyowner", "websiteurl"}  # fmt: skip
_SALESFORCE_HEADERS = {"opportunityname", "stagename", "opportunityowner", "accountowner",
                       "accountname", "website", "opportunityid"}  # fmt: skip


@dataclass(frozen=True)
class CrmRow:
    """One data row, read: what it says and the account it names."""

    line: int
    account_ref: str
    domain: str
    owner: str
    stage: str
    outcome: str  # won | lost | open
    record: str
    label: str
    closed_at: datetime | None


@dataclass
class ImportReport:
    """What an import did, row by row (the ``--json`` document)."""

    file: str
    format: str
    rows: int = 0
    recorded: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = {
            key: len(data[key])
            for key in ("recorded", "unchanged", "unmatched", "ambiguous", "duplicates")
        }
        return data


def detect_format(header: list[str]) -> CrmFormat:
    """HubSpot or Salesforce from their own column names (``__c`` fields are Salesforce's),
    else plain CSV."""
    names = {normalise_header(h) for h in header}
    if names & _HUBSPOT_HEADERS:
        return HUBSPOT
    if names & _SALESFORCE_HEADERS or any(h.strip().lower().endswith("__c") for h in header):
        return SALESFORCE
    return CSV


def read_crm_rows(path: Path, fmt: str | None = None) -> tuple[CrmFormat, list[CrmRow]]:
    """The rows of a CRM export, read and checked before anything is written."""
    header, rows = read_rows(path)
    if fmt is None:
        crm = detect_format(header)
    elif fmt in FORMATS:
        crm = FORMATS[fmt]
    else:
        raise CrmFileError(f"unknown CRM format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    columns = crm.columns(header)
    if "account_id" not in columns and "domain" not in columns:
        raise CrmFileError(
            f"{path}, line 1: no column to match accounts on ({crm.name} format): expected "
            f"the PQA account id ({', '.join(crm.account_id)}) or a website "
            f"({', '.join(crm.domain)}), compared without case, spaces or punctuation"
        )
    return crm, [_read_row(crm, columns, row) for row in rows]


def _read_row(crm: CrmFormat, columns: dict[str, int], row: CsvRow) -> CrmRow:
    def cell(fact: str) -> str | None:
        return row.cells[columns[fact]].strip() if fact in columns else None

    stage = cell("stage") or ""
    label = cell("label") or ""
    return CrmRow(
        line=row.line,
        account_ref=cell("account_id") or "",
        domain=cell("domain") or "",
        owner=cell("owner") or "",
        stage=stage,
        outcome=crm.outcome(stage, cell("won_flag"), cell("closed_flag")),
        record=cell("record") or label,
        label=label,
        closed_at=parse_close_date(cell("closed_at") or ""),
    )


def import_results(
    db: sqlite_utils.Database,
    config: Config,
    path: Path,
    *,
    fmt: str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Read ``path`` (format ``fmt``, else detected from its header) and record every matched
    row, all in one transaction. Raises :class:`CrmFileError` before writing anything when
    the file cannot be read."""
    crm, rows = read_crm_rows(path, fmt)
    report = ImportReport(file=str(path), format=crm.name, rows=len(rows))
    index = AccountIndex(db)
    # The last row about the same account and CRM record is what the CRM says now.
    latest: dict[tuple[str, str], CrmRow] = {}
    matched: list[tuple[CrmRow, str, str]] = []
    for row in rows:
        found = index.match(row.account_ref, row.domain)
        base = {"line": row.line, "name": row.label, "account_ref": row.account_ref,
                "domain": row.domain}  # fmt: skip
        if found.account_id is None:
            target = report.ambiguous if found.candidates else report.unmatched
            target.append({**base, "reason": found.reason, "candidates": list(found.candidates)})
            continue
        key = (found.account_id, row.record)
        if key in latest:
            earlier = latest[key].line
            report.duplicates.append(
                {"line": earlier, "account_id": found.account_id, "superseded_by": row.line}
            )
        latest[key] = row
        matched.append((row, found.account_id, found.matched_by))
    with store.write(db):
        for row, account_id, matched_by in matched:
            if latest[(account_id, row.record)] is not row:
                continue
            facts = {"line": row.line, "account_id": account_id, "matched_by": matched_by,
                     "outcome": row.outcome, "stage": row.stage, "owner": row.owner,
                     "record": row.record}  # fmt: skip
            state = triage.record_crm_result(
                db,
                config,
                account_id,
                outcome=row.outcome,
                stage=row.stage,
                owner=row.owner,
                record=row.record,
                closed_at=row.closed_at,
                detail={"file": path.name, "line": row.line, "matched_by": matched_by},
                now=now,
            )
            if state is None:
                report.unchanged.append(facts)
            else:
                report.recorded.append({**facts, "from": state.previous, "to": state.state})
    return report
