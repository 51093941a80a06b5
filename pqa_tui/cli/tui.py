"""`pqa tui`: open the triage TUI on the configured database."""

from __future__ import annotations

import typer

from .app import CommandError, app, is_terminal, state


@app.command()
def tui(ctx: typer.Context) -> None:
    """Work the queue from the keyboard: claim, note, feedback, outcome, sunset, snooze."""
    st = state(ctx)
    if not is_terminal():
        raise CommandError("pqa tui needs a terminal; use `pqa queue` for plain output")
    st.db  # noqa: B018 - opening creates the file and applies migrations before the TUI reads
    from ..tui import run_tui

    run_tui(st.workspace)
