"""Triage commands: claim, release, assign, contacted, note, feedback, outcome, sunset, snooze,
history, and export.

Thin: every rule lives in :mod:`pqa_tui.triage` and :mod:`pqa_tui.exporters`. Accounts are named
by id, name or domain (:func:`pqa_tui.accounts.resolve_account`). Text from the database is
printed through :func:`clean`, so a note cannot carry terminal escapes to the screen.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import typer

from .. import triage
from ..accounts import account_label, resolve_account
from ..safe_text import clean, show_controls
from ..timestamps import parse_time_option
from .app import app, err_console, out, print_json, state

ACCOUNT = typer.Argument(..., help="Account id, name or domain.")
Command = TypeVar("Command", bound=Callable[..., Any])


def command(func: Command) -> Command:
    """A triage command, listed under its own heading in ``pqa --help``."""
    return app.command(rich_help_panel="Triage")(func)  # type: ignore[return-value]


def _account(ctx: typer.Context, ref: str) -> str:
    return resolve_account(state(ctx).db, ref)


def _named(ctx: typer.Context, account_id: str) -> str:
    """The account as a confirmation names it (name and id), safe to print."""
    return clean(account_label(state(ctx).db, account_id))


def _report(ctx: typer.Context, live: triage.TriageState) -> None:
    owner = f" (owner {clean(live.owner)})" if live.owner else ""
    before = live.previous
    moved = f"{before} → {live.state}" if before and before != live.state else live.state
    out(f"{_named(ctx, live.account_id)}: {moved}{owner}")


@command
def claim(ctx: typer.Context, account: str = ACCOUNT) -> None:
    """Take an account: it becomes yours, and nobody else can claim it."""
    st = state(ctx)
    account_id = _account(ctx, account)
    _report(ctx, triage.claim(st.db, st.config, account_id, st.actor))


@command
def release(
    ctx: typer.Context,
    account: str = ACCOUNT,
    reason: str = typer.Option("", "--reason", "-r", help="Why you give it back."),
) -> None:
    """Give your claimed account back to the queue."""
    st = state(ctx)
    account_id = _account(ctx, account)
    _report(ctx, triage.release(st.db, st.config, account_id, st.actor, reason=reason))


@command
def assign(
    ctx: typer.Context,
    account: str = ACCOUNT,
    to: str = typer.Argument(..., help="The teammate (one of the config's triage.team)."),
) -> None:
    """Hand an account to a teammate: a new one waits in their queue, yours becomes theirs."""
    st = state(ctx)
    account_id = _account(ctx, account)
    _report(ctx, triage.assign(st.db, st.config, account_id, st.actor, to))


@command
def contacted(
    ctx: typer.Context,
    account: str = ACCOUNT,
    detail: str = typer.Option("", "--detail", "-d", help="How (email, call, ...)."),
    channel: str = typer.Option("", "--channel", help="How: email, call, meeting, chat, ..."),
) -> None:
    """Record that you reached out to your claimed account."""
    st = state(ctx)
    account_id = _account(ctx, account)
    live = triage.mark_contacted(
        st.db, st.config, account_id, st.actor, detail=detail, channel=channel
    )
    _report(ctx, live)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _note_text(text: str | None) -> str:
    """The note: the argument, stdin for ``-`` (or when piped), else ``$EDITOR``."""
    if text == "-" or (text is None and not _stdin_is_terminal()):
        return sys.stdin.read()
    if text is None:
        edited = click.edit("\n# Write the note above. Lines starting with # are dropped.\n")
        if edited is None:
            return ""
        return "\n".join(line for line in edited.splitlines() if not line.startswith("#"))
    return text


@command
def note(
    ctx: typer.Context,
    account: str = ACCOUNT,
    text: str = typer.Argument(
        None, help="The note; '-' reads stdin; none opens $EDITOR in a terminal."
    ),
) -> None:
    """Add a note to an account. Notes are kept forever: a correction is a new note."""
    st = state(ctx)
    account_id = _account(ctx, account)
    note_id = triage.add_note(st.db, st.config, account_id, st.actor, _note_text(text).strip())
    out(f"{_named(ctx, account_id)}: note {note_id} saved")


@command
def feedback(
    ctx: typer.Context,
    account: str = ACCOUNT,
    verdict: str = typer.Argument(..., help="good or bad: was this account worth surfacing?"),
    reason: str = typer.Option(
        "", "--reason", "-r", help="One of the config's triage.feedback_reasons."
    ),
    text: str = typer.Option("", "--text", "-t", help="Anything else, in your words."),
) -> None:
    """Say whether surfacing this account was worth it (apart from how the deal went)."""
    st = state(ctx)
    account_id = _account(ctx, account)
    triage.give_feedback(st.db, st.config, account_id, st.actor, verdict, reason=reason, text=text)
    out(f"{_named(ctx, account_id)}: {verdict.strip().lower()} lead, thanks")


@command
def outcome(
    ctx: typer.Context,
    account: str = ACCOUNT,
    result: str = typer.Argument(
        ..., metavar="OUTCOME", help=f"One of: {', '.join(triage.OUTCOMES)}."
    ),
    detail: str = typer.Option("", "--detail", "-d", help="A line of context."),
) -> None:
    """Record how it went: meeting, qualified, won, lost, no_response or not_a_fit."""
    st = state(ctx)
    account_id = _account(ctx, account)
    live = triage.record_outcome(st.db, st.config, account_id, st.actor, result, detail=detail)
    _report(ctx, live)


@command
def sunset(
    ctx: typer.Context,
    account: str = ACCOUNT,
    reason: str = typer.Option(..., "--reason", "-r", help="Why not now."),
    until: str = typer.Option(
        None, "--until", help="Also bring it back on this date (YYYY-MM-DD)."
    ),
) -> None:
    """Take an account out of the queue until its next PQA moment (or --until)."""
    st = state(ctx)
    account_id = _account(ctx, account)
    when = parse_time_option(until, "--until") if until else None
    live = triage.sunset(st.db, st.config, account_id, st.actor, reason=reason, until=when)
    _report(ctx, live)
    days = st.config.triage.sunset_cooldown_days
    back = f" or on {until}" if until else ""
    out(f"Back when something new happens, not before {days} days{back}.")


@command
def snooze(
    ctx: typer.Context,
    account: str = ACCOUNT,
    until: str = typer.Option(..., "--until", help="Hide it until this date (YYYY-MM-DD)."),
    reason: str = typer.Option("", "--reason", "-r", help="Why."),
) -> None:
    """Hide an account until a date; it comes back as it was."""
    st = state(ctx)
    account_id = _account(ctx, account)
    when = parse_time_option(until, "--until")
    live = triage.snooze(st.db, st.config, account_id, st.actor, until=when, reason=reason)
    _report(ctx, live)


@command
def history(
    ctx: typer.Context,
    account: str = ACCOUNT,
    as_json: bool = typer.Option(False, "--json", help="Print the log as JSON."),
) -> None:
    """The account's activity log: every change, who made it, when and why."""
    st = state(ctx)
    account_id = _account(ctx, account)
    rows = triage.history(st.db, account_id)
    if as_json:
        print_json({"account_id": account_id, "activity": rows})
        return
    if not rows:
        out(f"{clean(account_id)}: no activity yet")
        return
    notes = {n["id"]: n["text"] for n in triage.notes(st.db, account_id)}
    for r in rows:
        moved = f"{r['from'] or '-'} → {r['to']}" if r["from"] != r["to"] else r["to"] or ""
        line = f"{r['at'][:16].replace('T', ' ')}  {clean(r['actor'])}  {r['action']}  {moved}"
        detail = dict(r["detail"])
        note_id = detail.pop("note_id", None)
        extra = "  ".join(f"{k}: {clean(v)}" for k, v in detail.items())
        out(f"{line}  {extra}".rstrip(), soft_wrap=True)
        if note_id in notes:
            for text_line in clean(notes[note_id], multiline=True).splitlines():
                out(f"    {text_line}", soft_wrap=True)


@command
def export(
    ctx: typer.Context,
    fmt: str = typer.Option(
        ..., "--format", "-f", help="salesforce, hubspot, csv, json, or a plugin's exporter."
    ),
    out_path: Path = typer.Option(
        None, "--out", "-o", help="Main file; companion files are written beside it."
    ),
    notes_since: str = typer.Option(
        None, "--notes-since", help="Only notes written on or after this date (YYYY-MM-DD)."
    ),
    raw_csv: bool = typer.Option(
        False,
        "--raw-csv",
        help="CSV cells exactly as stored: no ' before a cell starting with = + - @ "
        "(formula-injection guard; only for an importer that needs exact text).",
    ),
) -> None:
    """Write accounts, notes and contacts in the files a CRM import takes (docs/export.md)."""
    from ..exporters.base import collect, output_paths, run_exporter, write_files

    st = state(ctx)
    since = parse_time_option(notes_since, "--notes-since") if notes_since else None
    data = collect(st.db, st.config, notes_since=since, raw_csv=raw_csv)
    files = run_exporter(st.plugins, fmt, data)
    if out_path is None and len(files) == 1:
        text = files[0].text
        if sys.stdout.isatty():  # read on a screen, not saved: data never drives the terminal
            text = show_controls(text)
        sys.stdout.write(text)
        return
    paths = output_paths(fmt, files, out_path)
    write_files(files, paths)
    for f, path in zip(files, paths, strict=True):
        err_console.print(f"Wrote {path} ({f.description})")
    err_console.print(
        f"{len(data.accounts)} accounts, {len(data.notes)} notes, {len(data.contacts)} contacts"
    )
