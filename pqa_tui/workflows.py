"""Sequences of core steps that more than one face runs, so each lives in one place.

``pqa score`` and the demo build both score, record PQA moments and hand the new PQAs to the
team; :func:`score_and_route` is that sequence. ``pqa run``, the daily job, ingests what is
new in a folder, then does that and sends the alerts: :func:`daily_run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from . import triage
from .config import Config
from .errors import PqaError
from .ingest.pipeline import FileSummary, ingest_paths
from .ingest.runs import identical_run, may_be_ingested, sha256
from .notify.delivery import NotifyRun, notify
from .plugins import Plugins
from .scoring import ScoreRun, score_all


@dataclass
class ScoredAndRouted:
    """What :func:`score_and_route` did."""

    run: ScoreRun
    # The new PQAs given a triage row: {account_id: owner, or None when no routing rule fits}.
    routed: dict[str, str | None]
    # Parked accounts that came back (a new PQA moment after a sunset, or a snooze over).
    returned: list[str]


def score_and_route(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    *,
    as_of: date | None = None,
    now: datetime | None = None,
) -> ScoredAndRouted:
    """Score every account as of ``as_of`` (saving scores and PQA moments), then give new PQAs
    their triage row (and an owner, if a routing rule fits) and log parked accounts that are
    due back. ``now`` is when the triage steps happen (default: the current time).
    """
    run = score_all(db, config, plugins, as_of=as_of)
    routed = triage.route_new(db, config, now=now)
    returned = triage.resurface_due(db, config, now=now)
    return ScoredAndRouted(run=run, routed=routed, returned=returned)


@dataclass
class DailyRun:
    """What :func:`daily_run` did: one summary of ingest, scoring and alerts."""

    ingested: list[FileSummary] = field(default_factory=list)
    # Files of the folder whose bytes a finished ingest run already read (by sha256).
    unchanged: list[str] = field(default_factory=list)
    # (file, error) of each file that could not be ingested.
    failed: list[tuple[str, str]] = field(default_factory=list)
    scored: ScoredAndRouted | None = None
    notified: NotifyRun | None = None

    @property
    def ok(self) -> bool:
        """False when a file, a detector or a notification failed (the job exits non-zero)."""
        return not (
            self.failed
            or (self.scored and self.scored.run.failures)
            or (self.notified and self.notified.failed)
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary (what ``pqa run --json`` prints)."""
        return {
            "ok": self.ok,
            "ingested": [s.to_dict() for s in self.ingested],
            "unchanged": self.unchanged,
            "failed": [{"source": f, "error": e} for f, e in self.failed],
            "score": self.scored.run.to_json() if self.scored else None,
            "routed": self.scored.routed if self.scored else {},
            "returned": self.scored.returned if self.scored else [],
            "notify": self.notified.to_json() if self.notified else None,
        }


def new_files(db: sqlite_utils.Database, folder: Path) -> tuple[list[Path], list[Path]]:
    """The files of ``folder`` (by name, hidden ones left out) as (not ingested yet, ingested).

    A file is ingested when a finished run read its very bytes (sha256); a file killed half way
    is not, and ingesting it again resumes it. Only a file the size of a finished run is hashed.
    """
    if not folder.is_dir():
        raise PqaError(f"{folder}: no such folder")
    todo, done = [], []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        size = path.stat().st_size
        seen = may_be_ingested(db, size) and identical_run(db, sha256(str(path))) is not None
        (done if seen else todo).append(path)
    return todo, done


def daily_run(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Plugins,
    *,
    folder: Path | None = None,
    now: datetime | None = None,
) -> DailyRun:
    """The daily job: ingest the new files of ``folder``, score and route, send the alerts.

    A file that fails is reported and the others go on (scoring sees what did go in); the
    caller exits non-zero when :attr:`DailyRun.ok` is false.
    """
    result = DailyRun()
    if folder is not None:
        todo, done = new_files(db, folder)
        result.unchanged = [str(p) for p in done]
        for path in todo:
            try:
                result.ingested += ingest_paths(db, config, plugins, [path])
            except PqaError as e:
                result.failed.append((str(path), str(e)))
    result.scored = score_and_route(db, config, plugins, now=now)
    result.notified = notify(db, config, plugins.notifiers, now=now)
    return result
