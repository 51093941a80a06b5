"""`pqa ingest`, `pqa rejects`, `pqa stats`: parse options, call pqa_tui.ingest, print."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from ..ingest.pipeline import FileSummary, ingest_paths
from ..ingest.queries import list_rejects, stats
from .app import CommandError, State, app, err_console, is_terminal, out, print_json, state


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def _summary_table(summaries: list[FileSummary]) -> Table:
    """One row per file: read / inserted / duplicates / rejected and events per second."""
    secs = sum(s.seconds for s in summaries)
    table = Table(
        title="Ingest summary",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption=f"{len(summaries)} file(s) in {secs:.2f} s",
        caption_justify="left",
    )
    longest = max((len(s.source) for s in summaries), default=4)
    table.add_column("file (format)", overflow="fold", min_width=min(longest, 20))
    for name in ("read", "inserted", "duplicates", "rejected", "events/s"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in summaries:
        if s.already_ingested_run:
            what = f"identical to run {s.already_ingested_run}"
        else:
            what = s.format
        table.add_row(
            f"{s.source} ({what})",
            f"{s.read:,}",
            f"{s.inserted:,}",
            f"{s.duplicates:,}",
            f"{s.rejected:,}",
            f"{s.rate:,.0f}",
        )
    if len(summaries) > 1:
        read = sum(s.read for s in summaries)
        table.add_row(
            "total",
            f"{read:,}",
            f"{sum(s.inserted for s in summaries):,}",
            f"{sum(s.duplicates for s in summaries):,}",
            f"{sum(s.rejected for s in summaries):,}",
            f"{read / secs if secs else 0:,.0f}",
        )
    return table


@app.command()
def ingest(
    ctx: typer.Context,
    files: list[str] = typer.Argument(None, help="Export files; - reads stdin. .gz and .zip ok."),
    format_: str = typer.Option(
        "auto",
        "--format",
        "-f",
        help="auto (detect per file), segment, amplitude, mixpanel, posthog, csv, or a plugin's.",
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Fail (exit 3) on the first rejected line; that file is rolled back.",
    ),
    json_: bool = typer.Option(False, "--json", help="Print the per-file summary as JSON."),
    rollups: Path = typer.Option(
        None,
        "--rollups",
        help="Load rollup tables computed elsewhere (`pqa warehouse sql`) from this folder.",
    ),
    engine: str = typer.Option(
        "sqlite",
        "--engine",
        help="sqlite (events stored) or duckdb (Segment files: only the rollups are stored).",
    ),
) -> None:
    """Read analytics exports into the database (deduplicated; one transaction per file)."""
    st = state(ctx)
    if rollups is not None or engine != "sqlite":
        _load_rollups(st, files or [], rollups, engine, json_)
        return
    if not files:
        raise CommandError("give the export files to read (or --rollups DIR)", 2)
    summaries = _run(st, files, format_, strict, show_bar=is_terminal() and not json_)
    rejected = sum(s.rejected for s in summaries)
    if json_:
        print_json({"files": [s.to_dict() for s in summaries], "rejected": rejected})
    else:
        table = _summary_table(summaries)
        if is_terminal():
            out(table)
        else:  # no width to respect: keep each file on one line for grep and logs
            Console(markup=False, emoji=False, highlight=False, width=160).print(table)
        if rejected:
            out(f"{rejected:,} lines were rejected: list them with `pqa rejects`.")


def _load_rollups(
    st: State, files: list[str], folder: Path | None, engine: str, json_: bool
) -> None:
    """`--rollups DIR` or `--engine duckdb FILE...`: rollups in, one transaction."""
    from ..warehouse.engine import ingest_with_duckdb
    from ..warehouse.loader import load_rollups

    if folder is not None:
        if files or engine != "sqlite":
            raise CommandError("--rollups DIR takes no files and no --engine", 2)
        summary = load_rollups(st.db, folder)
    elif engine == "duckdb":
        if not files:
            raise CommandError("--engine duckdb needs the Segment files to read", 2)
        summary = ingest_with_duckdb(st.db, st.config, files)
    else:
        raise CommandError(f"--engine {engine!r} is not one of: sqlite, duckdb", 2)
    if json_:
        print_json(summary.to_dict())
        return
    table = Table(
        title=f"Rollups loaded ({summary.mode})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption=f"{summary.accounts:,} account(s) replaced in {summary.seconds:.2f} s",
        caption_justify="left",
    )
    for name in ("table", "read", "loaded", "rejected"):
        table.add_column(name, justify="left" if name == "table" else "right")
    if summary.read_events is not None:
        table.add_row("events read", f"{summary.read_events:,}", "", "")
    for name, counts in summary.tables.items():
        table.add_row(
            name, f"{counts['read']:,}", f"{counts['loaded']:,}", f"{counts['rejected']:,}"
        )
    out(table)
    if summary.rejected:
        out(f"{summary.rejected:,} rows were rejected: list them with `pqa rejects`.")


def _run(st: State, files: list[str], fmt: str, strict: bool, show_bar: bool) -> list[FileSummary]:
    """Ingest with a progress bar (bytes, rate, ETA) on a terminal, silently otherwise."""
    if not show_bar:
        return ingest_paths(st.db, st.config, st.plugins, files, fmt=fmt, strict=strict)
    with _progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(source: str, done: int | None, total: int | None) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(Path(source).name, total=total)
            bar.update(tasks[source], completed=done or 0, total=total)

        return ingest_paths(
            st.db, st.config, st.plugins, files, fmt=fmt, strict=strict, progress=progress
        )


@app.command()
def rejects(
    ctx: typer.Context,
    source: str = typer.Option(None, "--source", help="Only rejects from this file."),
    limit: int = typer.Option(50, "--limit", min=0, help="At most this many (newest first)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the lines ingest could not use: file, line number, reason and the raw text."""
    rows = list_rejects(state(ctx).db, source=source, limit=limit)
    if json_:
        print_json(rows)
        return
    if not rows:
        out("No rejects.")
        return
    # One reject per entry, "file:line: reason" first like a compiler, so it greps well.
    for r in rows:
        raw = r["raw"] or ""
        out(f"{r['source']}:{r['line']}: {r['reason']}", soft_wrap=True)
        out("    " + (raw if len(raw) <= 300 else raw[:300] + "..."), soft_wrap=True)


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Counts of what the database holds: events, users, accounts, rejects, time range."""
    st = state(ctx)
    if not st.db_path.exists():
        raise CommandError(
            f"{st.db_path} does not exist; run `pqa init` or `pqa ingest FILE` first"
        )
    data = stats(st.db)
    if json_:
        print_json(data)
        return
    table = Table(show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    modes = data.pop("sources", [])
    for key, value in data.items():
        table.add_row(
            key.replace("_", " "),
            "" if value is None else f"{value:,}" if isinstance(value, int) else str(value),
        )
    for source in modes:
        table.add_row(f"source ({source['mode']})", source["source"])
    out(table)
