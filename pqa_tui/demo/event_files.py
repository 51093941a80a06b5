"""Writing demo events to NDJSON files (plain or .gz) for tests and benchmarks.

The writer streams: it plans the accounts, then draws and writes one account's events at a
time, so a file of millions of events needs no more memory than one account.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import orjson

from .activity import account_events
from .generator import DemoWorkspace, generate_workspace
from .model import DemoAccount, DemoError
from .record_shapes import FORMATS

# How many accounts of each archetype the writer samples to measure events per account.
_SAMPLE_PER_ARCHETYPE = 40


def _open(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        # Level 1: these files are test input, written often and read once.
        return gzip.open(path, "wb", compresslevel=1)  # type: ignore[return-value]
    return open(path, "wb")


def write_event_file(
    path: str | Path,
    *,
    events: int,
    fmt: str = "segment",
    accounts: int | None = None,
    seed: int = 1,
    end: datetime | None = None,
    months: int = 12,
    track_only: bool = False,
) -> int:
    """Write exactly ``events`` demo events in ``fmt`` shape to ``path`` (gzip for ``.gz``).

    ``accounts`` defaults to one account per 200 events (at least 10). The ordinary activity
    of every user is scaled so the accounts hold about that many events; when they hold fewer,
    more accounts are added. Returns the number of events written.
    """
    if fmt not in FORMATS:
        raise DemoError(f"--format {fmt!r} is not one of: {', '.join(FORMATS)}")
    if events < 0:
        raise DemoError("--events must be 0 or more")
    if accounts is None:
        accounts = max(10, events // 200)
    workspace = generate_workspace(seed, end=end, accounts=accounts, months=months)
    workspace.activity = _activity_for(workspace, events, track_only)
    written = 0
    path = Path(path)
    dumps = orjson.dumps
    newline = orjson.OPT_APPEND_NEWLINE
    with _open(path) as fh:
        while written < events:
            # One write per line: the file object buffers, and orjson's output buffers are
            # larger than the line, so holding a batch of them costs far more than it saves.
            for record in workspace.records(fmt, track_only=track_only):
                fh.write(dumps(record, option=newline))
                written += 1
                if written == events:
                    break
            if written < events:
                # Short: plan more accounts after the ones already written (new ids, new seed).
                more = generate_workspace(
                    seed + written, end=workspace.end, accounts=accounts, months=months
                )
                more.activity = workspace.activity
                workspace = more
    return written


def _activity_for(workspace: DemoWorkspace, events: int, track_only: bool) -> float:
    """The activity scale at which the workspace holds a little more than ``events``.

    Events do not grow in proportion to the scale (every active day has at least one event),
    so the scale is measured on a sample of accounts and corrected once.
    """
    by_archetype: dict[str, list[DemoAccount]] = defaultdict(list)
    for account in workspace.accounts:
        by_archetype[account.archetype].append(account)
    # Stratified by archetype: a few heavy archetypes hold most events.
    strata = [(len(group), group[:_SAMPLE_PER_ARCHETYPE]) for group in by_archetype.values()]
    activity = 1.0
    for _ in range(2):
        expected = 0.0
        for size, sample in strata:
            counted = 0
            for account in sample:
                evs = account_events(account, workspace.end_ms, workspace.seed, activity)
                counted += sum(1 for e in evs if not track_only or e[2] == "track")
            expected += counted * size / len(sample)
        if expected <= 0:
            return activity
        activity = max(0.05, activity * 1.03 * events / expected)
    return activity
