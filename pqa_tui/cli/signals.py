"""`pqa plugins`, `pqa score`, `pqa queue`, `pqa show`, `pqa config check`.

Each command parses options, calls the core (plugins, scoring, queue, accounts) and prints.
Account names, reasons and evidence come from outside, so they are printed as plain
:class:`~rich.text.Text` with control characters made visible, never as markup.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from ..accounts import account_detail, resolve_account
from ..config import check_config
from ..safe_text import show_controls
from ..timestamps import parse_day_option
from ..triage import VIEWS, QueueFilter
from ..triage.queue_view import (
    SORTS,
    TEXT_SORTS,
    QueueRow,
    count_queue,
    count_views,
    list_queue,
)
from ..workflows import score_and_route
from .app import CommandError, State, app, err_console, out, print_json, state

config_app = typer.Typer(help="Check the config.", no_args_is_help=True)
app.add_typer(config_app, name="config")


def plain(value: Any) -> Text:
    """Untrusted text as inert Text: no markup, control characters shown as ``\\xNN``."""
    return Text(show_controls("" if value is None else str(value)))


def _warn_plugin_errors(st) -> None:
    for error in st.plugins.errors:
        err_console.print(plain(f"Warning: {error}"))


@app.command()
def plugins(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON list of plugins."),
) -> None:
    """List every plugin: where it came from and what it contributes (and any that failed)."""
    st = state(ctx)
    loaded = st.plugins
    if as_json:
        rows = [asdict(info) for info in loaded.infos.values()]
        rows += [
            {"name": e.plugin, "source": e.source, "detectors": [], "formats": [],
             "exporters": [], "notifiers": [], "error": f"{e.stage}: {e.error}"}
            for e in loaded.errors
        ]  # fmt: skip
        print_json(rows)
        return
    table = Table("plugin", "source", "contributes", title="Plugins", title_justify="left")
    for info in loaded.infos.values():
        parts = [
            f"{kind}: {', '.join(names)}"
            for kind, names in (
                ("detectors", info.detectors),
                ("formats", info.formats),
                ("exporters", info.exporters),
                ("notifiers", info.notifiers),
            )
            if names
        ]
        table.add_row(plain(info.name), plain(info.source), plain("; ".join(parts) or "-"))
    out(table)
    for error in loaded.errors:
        out(plain(f"FAILED {error}"))


@app.command()
def score(
    ctx: typer.Context,
    as_of: str = typer.Option(
        None, "--as-of", help="Score the world as it was on this day (YYYY-MM-DD); default today."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Re-score every account and print what changed: new PQAs, fell out, detector errors."""
    st = state(ctx)
    day = parse_day_option(as_of, "--as-of") if as_of is not None else None
    config = st.config
    _warn_plugin_errors(st)
    done = score_and_route(st.db, config, st.plugins, as_of=day)
    run, routed, returned = done.run, done.routed, done.returned
    if as_json:
        print_json(run.to_json())
        return
    out(
        f"Scored {run.accounts:,} accounts as of {run.as_of} in {run.seconds:.2f} s: "
        f"{run.qualified:,} PQAs."
    )
    if run.latest_data_day and run.latest_data_day < run.as_of.isoformat() and day is None:
        gap = (run.as_of - date.fromisoformat(run.latest_data_day)).days
        if gap > 7:
            out(
                f"Note: the latest usage is from {run.latest_data_day} ({gap} days ago); "
                f"signals decay with time. Use --as-of {run.latest_data_day} to score as of then."
            )
    for label, changed in (("New PQAs", run.new_pqas), ("Fell out", run.fell_out)):
        if not changed:
            continue
        out(f"{label} ({len(changed)}):")
        for s in changed:
            why = s.gate or (s.reasons[0] if s.reasons else "no live signals")
            out(plain(f"  {s.name or s.account_id}  {s.score:.1f}  {why}"), soft_wrap=True)
    for f in run.failures:
        out(
            plain(
                f"Error: detector {f.detector} (plugin {f.plugin}) failed on {f.accounts} "
                f"account(s), e.g. {f.example_account}: {f.error}"
            ),
            soft_wrap=True,  # one line per change: greppable, never split mid-word
        )
    owners = sorted({o for o in routed.values() if o})
    if owners:
        assigned = sum(1 for o in routed.values() if o)
        out(plain(f"Routed {assigned} new PQA(s) to {', '.join(owners)}."))
    if returned:
        out(
            plain(
                f"Back in the queue (new PQA moment after a sunset, or snooze over): "
                f"{', '.join(returned)}"
            )
        )
    if not (run.new_pqas or run.fell_out or run.failures):
        out("No changes.")


@app.command()
def queue(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="A JSON list of accounts."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Show at most N accounts."),
    mine: bool = typer.Option(False, "--mine", help="Only the accounts you own."),
    owner: str = typer.Option(None, "--owner", help="Only the accounts this person owns."),
    triage_state: str = typer.Option(
        None, "--state", help="Only accounts in this triage state (new, claimed, sunset, ...)."
    ),
    view: str = typer.Option(
        None, "--view", help="queue (default), mine, new, claimed, parked (sunset, snoozed), all."
    ),
    sort: str = typer.Option(
        "score",
        "--sort",
        help=f"Order by one of: {', '.join(SORTS)} (text A to Z, numbers biggest first).",
    ),
    reverse: bool = typer.Option(False, "--reverse", help="Reverse the order."),
    search: str = typer.Option(None, "--search", help="Only names, domains or ids matching this."),
) -> None:
    """The PQAs waiting for a human, best first, with the reasons for each."""
    st = state(ctx)
    if sort not in SORTS:
        raise CommandError(
            f"--sort {sort!r} is not a sort; choose one of: {', '.join(SORTS)}", exit_code=2
        )
    # --owner / --state look across every account unless a view is named.
    view = "mine" if mine else view or ("all" if owner or triage_state else "queue")
    descending = (sort not in TEXT_SORTS) != reverse
    filters = QueueFilter(st.actor, view, owner, triage_state, search, sort, descending)
    rows = list_queue(st.db, st.config, filters, limit=limit)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    if not rows:
        out(_nothing_listed(st, filters), soft_wrap=True)
        return
    total = count_queue(st.db, st.config, filters)
    # The triage column only when someone has worked an account: a fresh queue stays narrow.
    worked = any(r.state != "new" or r.owner for r in rows)
    table = Table("#", "account", "score", "PQA since", "why", title_justify="left")
    if worked:
        table.add_column("state")
    table.title = f"Queue: {len(rows)} of {total}"
    for i, r in enumerate(rows, 1):
        cells = [
            str(i),
            plain(r.name or r.account),
            f"{r.score:.1f}",
            plain((r.pqa_since or "")[:10]),
            plain(
                (f"back: {r.back_because}; " if r.back_because else "")
                + "; ".join((r.why or r.reasons)[:2])
                + (f" (+{len(r.why or r.reasons) - 2})" if len(r.why or r.reasons) > 2 else "")
            ),
        ]
        if worked:
            who = ", ".join(
                x for x in (r.owner, None if r.claim_days_left is None else _days_left(r)) if x
            )
            cells.append(plain(f"{r.state} ({who})" if who else r.state))
        table.add_row(*cells)
    out(table)


def _nothing_listed(st: State, filters: QueueFilter) -> str:
    """Why ``pqa queue`` lists nothing: a search names the views that do have matches."""
    if not filters.search:
        return "The queue is empty: run `pqa score` after ingesting, or lower scoring.threshold."
    views = tuple(v for v in VIEWS if v not in (filters.view, "mine"))
    counts = count_views(st.db, st.config, filters, views)
    found = [f"{n:,} in --view {v}" for v, n in counts.items() if n and v != "all"]
    if not found and counts.get("all"):
        found = [f"{counts['all']:,} in --view all"]
    where = f"; {', '.join(found)}" if found else "; no account or person matches it anywhere"
    return plain(f"No account in --view {filters.view} matches {filters.search!r}{where}.")


def _days_left(r: QueueRow) -> str:
    """How long an untouched claim has before it goes back to the pool."""
    n = r.claim_days_left
    return "expires today" if n == 0 else f"{n} day{'s' if n != 1 else ''} left"


@app.command()
def show(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Account id, name or domain."),
    as_json: bool = typer.Option(False, "--json", help="Print the account as JSON."),
) -> None:
    """One account: profile, users, every signal with reason and evidence, score, PQA moments."""
    st = state(ctx)
    account_id = resolve_account(st.db, account)
    detail = account_detail(st.db, st.config, account_id)
    if as_json:
        print_json(detail)
        return
    title = detail["name"] or detail["account"]
    out(plain(f"{title}  ({detail['account']}, {detail['domain'] or 'no domain'})"))
    out(plain(f"plan: {detail['plan'] or '-'}   created: {(detail['created_at'] or '-')[:10]}"))
    if detail["score"] is None:
        out("Not scored yet: run `pqa score`.")
    else:
        status = "PQA" if detail["qualified"] else "not a PQA"
        if detail["gate"]:
            status += f" (held back: {detail['gate']})"
        out(
            plain(
                f"score {detail['score']:.1f} (bar {detail['threshold']:g}) as of "
                f"{detail['as_of']}: {status}"
            )
        )
    if detail["signals"]:
        table = Table("detector", "points", "= strength x weight x decay", "when", "reason")
        for s in detail["signals"]:
            decay = s["decay"] if s["decay"] is not None else 1.0
            table.add_row(
                plain(s["detector"]),
                f"{s['points']:.2f}",
                f"{s['strength']:.2f} x {s['weight']:g} x {decay:.2f}",
                plain(s["at"][:10]),
                plain(s["reason"]),
            )
        out(table)
        for s in detail["signals"]:
            out(plain(f"  {s['detector']} evidence: {json.dumps(s['evidence'], default=str)}"))
    if detail["users"]:
        out(f"Users ({len(detail['users'])}):")
        for u in detail["users"][:25]:
            profile = ", ".join(
                str(u[k]) for k in ("role", "seniority", "department", "company_size") if u[k]
            )
            out(plain(f"  {u['email'] or u['user_id']}  {profile}"))
        if len(detail["users"]) > 25:
            out(f"  ... and {len(detail['users']) - 25} more (--json lists all)")
    for m in detail["pqa_moments"]:
        ended = f" until {m['ended_at'][:10]}" if m["ended_at"] else " (current)"
        out(plain(f"PQA moment {m['at'][:10]}{ended}: score {m['score']:.1f}"))
    if detail["back_because"]:
        out(plain(f"Back from its sunset: {detail['back_because']}"))
    for sunset in detail["sunsets"]:
        until = f", until {sunset['until'][:10]}" if sunset["until"] else ""
        score = "not scored" if sunset["score"] is None else f"score {sunset['score']:.1f}"
        out(plain(f"Sunset {sunset['at'][:10]}{until}: {score} then"))
        for x in sunset["signals"]:
            kind = "behavioural" if x["behavioural"] else "level"
            out(plain(f"  {x['detector']} ({kind}): value {x['value']:g}, {x['reason']}"))
        if sunset["back_because"]:
            out(plain(f"  new since: {sunset['back_because']}"))
    _print_triage(detail["triage"])


def _print_triage(t: dict[str, Any]) -> None:
    """``pqa show``'s triage part: state and owner, outcomes, feedback and notes (the JSON
    has the full activity log; ``pqa history`` prints it)."""
    out(plain(f"triage: {t['state']}" + (f", owner {t['owner']}" if t["owner"] else "")))
    for o in t["outcomes"]:
        by = f" by {o['author']}" if o["author"] else ""
        out(plain(f"  outcome {o['outcome']} ({o['source']}{by}, {o['at'][:10]})"))
    for f in t["feedback"]:
        why = "; ".join(x for x in (f["reason"], f["text"]) if x)
        out(
            plain(f"  feedback {f['verdict']} by {f['author']} ({f['at'][:10]})")
            + (plain(f": {why}") if why else ""),
            soft_wrap=True,
        )
    if t["notes"]:
        out(f"Notes ({len(t['notes'])}):")
    for n in t["notes"]:
        out(plain(f"  {n['at'][:16].replace('T', ' ')}  {n['author']}"))
        for line in (n["text"] or "").splitlines():
            out(plain(f"    {line}"), soft_wrap=True)


@config_app.command("check")
def config_check(ctx: typer.Context) -> None:
    """Validate the config (with plugins loaded) without running anything."""
    st = state(ctx)
    config = st.config
    _warn_plugin_errors(st)
    check_config(config, st.plugins)
    out(plain(f"OK: {config.path or 'built-in defaults'}"))
