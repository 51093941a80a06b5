"""CRM commands: ``pqa crm import`` reads a CRM's results back (owners, stages, won / lost).

Thin: reading, matching and recording live in :mod:`pqa_tui.crm`. Cells from the file are
printed cleaned, so a CRM export cannot carry terminal escapes to the screen.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..crm.results import FORMATS, import_results
from ..safe_text import clean
from .app import app, out, print_json, state

crm_app = typer.Typer(help="Read results back from a CRM.", no_args_is_help=True)
app.add_typer(crm_app, name="crm", rich_help_panel="Triage")


@crm_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A CRM export (CSV).", dir_okay=False),
    fmt: str = typer.Option(
        None,
        "--format",
        "-f",
        help=f"{', '.join(FORMATS)} (default: told apart by the file's column names).",
    ),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Record owners, stages and closed-won / closed-lost from a Salesforce or HubSpot export.

    Rows are matched to accounts by the PQA account id pqa exported, else by website domain.
    Importing the same file again changes nothing; a malformed file changes nothing.
    """
    st = state(ctx)
    report = import_results(st.db, st.config, file, fmt=fmt)
    if json_:
        print_json(report.as_json())
        return
    for r in report.recorded:
        moved = f"{r['from']} -> {r['to']}" if r["from"] != r["to"] else r["to"]
        out(
            f"line {r['line']}: {clean(r['account_id'])} {r['outcome']}"
            f" (stage {clean(r['stage']) or '-'}, owner {clean(r['owner']) or '-'}): {moved}",
            soft_wrap=True,
        )
    for r in report.unmatched:
        out(f"line {r['line']}: unmatched: {clean(r['reason'])}", soft_wrap=True)
    for r in report.ambiguous:
        out(
            f"line {r['line']}: ambiguous: {clean(r['reason'])}"
            f" ({', '.join(clean(c) for c in r['candidates'])})",
            soft_wrap=True,
        )
    for r in report.duplicates:
        out(f"line {r['line']}: superseded by line {r['superseded_by']} (same CRM record)")
    out(
        f"{clean(report.file)} ({report.format}): {report.rows} rows, "
        f"{len(report.recorded)} recorded, {len(report.unchanged)} unchanged, "
        f"{len(report.unmatched)} unmatched, {len(report.ambiguous)} ambiguous",
        soft_wrap=True,
    )
