"""`pqa notify`: send the alerts that are due to every configured channel.

Thin: :func:`pqa_tui.notify.delivery.notify` does the work. Messages hold text from outside
(account names, reasons), so everything is printed with markup off and controls made visible.
"""

from __future__ import annotations

import typer

from ..notify import delivery
from ..safe_text import clean
from .app import app, err_console, out, print_json, state


@app.command()
def notify(
    ctx: typer.Context,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the messages without sending or recording them."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print {sent, failed, pending, messages} as JSON."
    ),
) -> None:
    """Send new PQAs, returns and digests to the notify channels of the config, once each.

    Exits 1 when any message failed; failed messages stay pending for the next run.
    """
    st = state(ctx)
    config = st.config
    if not config.notify.channels:
        err_console.print("No [[notify.channels]] in the config: nothing to send.")
    plugins = st.plugins
    for error in plugins.errors:
        err_console.print(f"Warning: {clean(str(error))}")
    run = delivery.notify(st.db, config, plugins.notifiers, dry_run=dry_run)
    if as_json:
        print_json(run.to_json())
    elif dry_run:
        for message in run.messages:
            out(f"--- to {message.channel} ({message.event_id}): {message.title()}")
            out(message.text())
            out()
        out(f"{len(run.messages)} message(s) would be sent; nothing was sent or recorded.")
    else:
        for d in run.deliveries:
            line = f"{d.status:<8} {d.channel}  {d.event}  {d.account or '-'}"
            out(clean(line) + (f"  {clean(d.error)}" if d.error else ""))
        out(f"{run.sent} sent, {run.failed} failed, {run.pending} pending")
    if any(d.status == delivery.FAILED for d in run.deliveries):
        raise typer.Exit(1)
