"""`pqa run`: the daily job for cron or a systemd timer (ingest what is new, score, alert).

Thin: :func:`pqa_tui.workflows.daily_run` does the work; this prints its one summary.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..safe_text import clean
from ..workflows import daily_run
from .app import app, err_console, out, print_json, state


@app.command("run")
def run_daily(
    ctx: typer.Context,
    ingest: Path = typer.Option(
        None,
        "--ingest",
        help="Ingest the files of this folder that no finished ingest read yet (by sha256).",
        file_okay=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """The daily job: ingest new files, score and route, send alerts; one summary.

    Exits 1 when a file could not be ingested, a detector failed or a message was not sent
    (the rest of the job still runs; failed messages stay pending for the next run).
    """
    st = state(ctx)
    for error in st.plugins.errors:
        err_console.print(f"Warning: {clean(str(error))}")
    done = daily_run(st.db, st.config, st.plugins, folder=ingest)
    if as_json:
        print_json(done.to_json())
    else:
        _print_summary(done, ingest)
    if not done.ok:
        raise typer.Exit(1)


def _print_summary(done, folder: Path | None) -> None:
    if folder is not None:
        inserted = sum(s.inserted for s in done.ingested)
        out(
            clean(
                f"Ingest {folder}: {len(done.ingested)} new file(s), {inserted:,} events added, "
                f"{len(done.unchanged)} already ingested, {len(done.failed)} failed."
            ),
            soft_wrap=True,
        )
        for s in done.ingested:
            out(
                clean(f"  {s.source}: {s.inserted:,} added, {s.duplicates:,} duplicates, "
                      f"{s.rejected:,} rejected"),
                soft_wrap=True,
            )  # fmt: skip
        for source, error in done.failed:
            out(clean(f"  Error: {source}: {error}"), soft_wrap=True)
    run = done.scored.run
    out(
        f"Scored {run.accounts:,} accounts as of {run.as_of}: {run.qualified:,} PQAs, "
        f"{len(run.new_pqas)} new, {len(run.fell_out)} fell out, "
        f"{sum(1 for o in done.scored.routed.values() if o)} routed, "
        f"{len(done.scored.returned)} back in the queue.",
        soft_wrap=True,
    )
    for f in run.failures:
        out(
            clean(f"  Error: detector {f.detector} (plugin {f.plugin}) failed on {f.accounts} "
                  f"account(s): {f.error}"),
            soft_wrap=True,
        )  # fmt: skip
    sent = done.notified
    out(f"Alerts: {sent.sent} sent, {sent.failed} failed, {sent.pending} pending.")
    for d in sent.deliveries:
        if d.error:
            out(clean(f"  Error: {d.channel}: {d.error}"), soft_wrap=True)
    out("OK" if done.ok else "FAILED")
