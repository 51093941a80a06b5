"""`pqa demo`: build the demo workspace and open it, or write demo event files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from ..demo import (
    DEFAULT_ACCOUNTS,
    DEFAULT_MONTHS,
    DEFAULT_SEED,
    FORMATS,
    DemoError,
    build_demo,
    demo_summary,
    inspect_database,
    remove_database,
    write_event_file,
)
from ..timestamps import parse_time_option
from .app import State, app, err_console, is_terminal, out, print_json, state


def _parse_end(value: str | None) -> datetime | None:
    """``--end``: a day means the end of that day (UTC); a time is taken as given."""
    return parse_time_option(value, "--end", bare_day="end") if value is not None else None


@app.command()
def demo(
    ctx: typer.Context,
    db: Path = typer.Option(
        None, "--db", help="Database to build the demo in (default: the global --db, ./pqa.db)."
    ),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Same seed, same workspace."),
    end: str = typer.Option(
        None, "--end", help="Last day (YYYY-MM-DD, UTC) or time of the demo; default: now."
    ),
    accounts: int = typer.Option(
        None,
        "--accounts",
        help=f"Accounts to generate (default {DEFAULT_ACCOUNTS}; with --write-events, one per "
        "200 events).",
        show_default=False,
    ),
    months: int = typer.Option(DEFAULT_MONTHS, "--months", help="Months of history."),
    force: bool = typer.Option(
        False, "--force", help="Delete the database at --db and build the demo afresh."
    ),
    no_tui: bool = typer.Option(
        False, "--no-tui", help="Print a summary (accounts, users, events, PQAs, top 5)."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --no-tui: the summary as JSON."),
    write_events: Path = typer.Option(
        None,
        "--write-events",
        help="Write demo events to this NDJSON file (gzip when it ends in .gz) instead.",
        metavar="FILE",
    ),
    events: int = typer.Option(100_000, "--events", help="With --write-events: how many."),
    fmt: str = typer.Option(
        "segment", "--format", help=f"With --write-events: {' | '.join(FORMATS)}."
    ),
    track_only: bool = typer.Option(
        False,
        "--track-only",
        help="With --write-events: track events only (no identify, group or page calls).",
    ),
) -> None:
    """Build a realistic demo workspace (about 2,000 accounts over 12 months), score it and
    open the TUI. Re-running opens the demo already in --db; --force rebuilds it.
    """
    if write_events is not None:
        written = write_event_file(
            write_events,
            events=events,
            fmt=fmt,
            accounts=accounts,
            seed=seed,
            end=_parse_end(end),
            months=months,
            track_only=track_only,
        )
        err_console.print(f"Wrote {written:,} {fmt} events to {write_events}")
        return
    st = state(ctx)
    if db is not None:
        st.db_path = db
    accounts = DEFAULT_ACCOUNTS if accounts is None else accounts
    _build_or_reuse(st, seed, _parse_end(end), accounts, months, force)
    if no_tui or not is_terminal():
        _print_summary(demo_summary(st.db, st.config), st, as_json)
        return
    from ..tui import run_tui

    st.db.close()  # the TUI opens its own connections
    run_tui(st.workspace)


def _build_or_reuse(
    st: State, seed: int, end: datetime | None, accounts: int, months: int, force: bool
) -> None:
    """Build the demo, reopen the one already there, or refuse to touch someone's data."""
    existing = inspect_database(st.db_path)
    if existing is not None and force:
        remove_database(st.db_path)
        existing = None
    if existing is not None and existing.demo:
        meta = existing.demo
        err_console.print(
            f"{st.db_path} already holds the demo (seed {meta.get('seed')}, "
            f"{meta.get('accounts')} accounts, ending {meta.get('end')}): opening it. "
            "Pass --force to rebuild it."
        )
    elif existing is not None and existing.events:
        raise DemoError(
            f"{st.db_path} holds {existing.events:,} events that pqa demo did not make; build "
            f"the demo in another file with --db demo.db, or pass --force to delete "
            f"{st.db_path} and build the demo there"
        )
    else:
        _build(st, seed=seed, end=end, accounts=accounts, months=months)


def _build(st: State, *, seed: int, end: datetime | None, accounts: int, months: int) -> None:
    err_console.print(
        f"Building the demo in {st.db_path}: {accounts:,} accounts over {months} months "
        f"(seed {seed})..."
    )
    build = build_demo(
        st.db, st.config, st.plugins, seed=seed, end=end, accounts=accounts, months=months
    )
    ingest = build.ingest
    err_console.print(
        f"Ingested {ingest.inserted:,} events in {build.seconds['generate_and_ingest']:.1f} s, "
        f"replayed scoring over the past in {build.seconds['history']:.1f} s, scored "
        f"{build.score.accounts:,} accounts as of {build.score.as_of.isoformat()} in "
        f"{build.seconds['score']:.1f} s."
    )


def _print_summary(summary: dict[str, Any], st: State, as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    meta = summary["demo"]
    end = meta.get("end", "")[:10]
    out(
        f"Demo workspace in {st.db_path} (seed {meta.get('seed')}, {meta.get('months')} "
        f"months to {end})"
    )
    out(
        f"accounts {summary['accounts']:,}  users {summary['users']:,}  "
        f"events {summary['events']:,}  PQAs {summary['pqas']:,}  in the queue "
        f"{summary['queue']:,}"
    )
    if not summary["top"]:
        out("The queue is empty: nothing crosses the bar, or every PQA is being worked.")
        return
    out(f"Top {len(summary['top'])} of the queue:")
    for i, row in enumerate(summary["top"], 1):
        reason = " · ".join(row["why"][:3]) or (row["reasons"][0] if row["reasons"] else "")
        out(
            f"{i:>3}. {row['name'] or row['account_id']}  ({row['account_id']})  "
            f"score {row['score']:.1f}  [truth: {row['archetype']}]"
        )
        if reason:
            out(f"     {reason}")
    out(f"Open it with `pqa --db {st.db_path} tui`; `pqa demo --force` rebuilds it.")
