"""Building the demo workspace into a database: generate, ingest, keep the truth, score.

The demo goes through the same doors as real data: the generated Segment calls are ingested by
:func:`pqa_tui.ingest.pipeline.ingest_records`, scored and routed by
:func:`pqa_tui.workflows.score_and_route` as ``pqa score`` does.
Only the planted truth (``demo_accounts``) and how the demo was built (``demo_meta``) are
written here.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import store
from ..config import Config
from ..timestamps import now_ts
from .generator import DemoWorkspace, generate_workspace
from .model import MONTH_DAYS, DemoError

DEFAULT_SEED = 42
DEFAULT_ACCOUNTS = 2000
DEFAULT_MONTHS = 12
DEMO_SOURCE = "pqa demo"
# How often the build replays scoring over the demo's past (days).
HISTORY_EVERY_DAYS = 21


@dataclass
class DemoBuild:
    """What :func:`build_demo` did."""

    workspace: DemoWorkspace
    ingest: Any  # pqa_tui.ingest.pipeline.FileSummary
    score: Any  # pqa_tui.scoring.ScoreRun
    team: Any  # pqa_tui.demo.team_history.TeamHistory
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class ExistingDatabase:
    """A pqa database found where the demo would go."""

    path: Path
    events: int
    demo: dict[str, str]  # demo_meta; empty when pqa demo did not build it


def inspect_database(path: str | Path) -> ExistingDatabase | None:
    """What is at ``path`` already: None for no file (or an empty one), else a summary.

    Opened read-only, so a file that is not a pqa database is refused, never migrated.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
            if "events" not in tables:
                raise DemoError(
                    f"{path} is not a pqa database; choose another file with --db"
                ) from None
            events = conn.execute("select count(*) from events").fetchone()[0]
            demo = (
                dict(conn.execute("select key, value from demo_meta"))
                if ("demo_meta" in tables)
                else {}
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise DemoError(
            f"{path} is not a SQLite database ({e}); choose another file with --db"
        ) from None
    return ExistingDatabase(path=path, events=events, demo=demo)


def remove_database(path: str | Path) -> None:
    """Delete a database file with its WAL and shared-memory files (for ``--force``)."""
    path = Path(path)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


def build_demo(
    db: sqlite_utils.Database,
    config: Config,
    plugins: Any,
    *,
    seed: int = DEFAULT_SEED,
    end: datetime | None = None,
    accounts: int = DEFAULT_ACCOUNTS,
    months: int = DEFAULT_MONTHS,
    activity: float = 1.0,
    history_every_days: int = HISTORY_EVERY_DAYS,
) -> DemoBuild:
    """Generate a demo workspace, ingest it into ``db``, store its truth and score it.

    Scoring replays the past every ``history_every_days`` days (0: not at all) before scoring
    as of the end, so the database holds score history and PQA moments from before accounts
    converted, as if the tool had run all year: what reports and backtests look at. ``db``
    should be empty: the demo's events would mix with any already there.
    """
    from ..ingest.pipeline import ingest_records
    from ..scoring import score_all
    from ..workflows import score_and_route
    from .team_history import simulate_team

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    workspace = generate_workspace(
        seed, end=end, accounts=accounts, months=months, activity=activity
    )
    summary = ingest_records(
        db, config, workspace.records(), source=DEMO_SOURCE, fmt="segment", plugins=plugins
    )
    seconds["generate_and_ingest"] = time.perf_counter() - start
    _save_truth(db, workspace)
    start = time.perf_counter()
    last_day = workspace.end.date()
    if history_every_days > 0:
        day = last_day - timedelta(days=int(months * MONTH_DAYS))
        while day < last_day:
            # As if pqa ran every history_every_days: scoring the days between too would cost
            # as much as a daily run (pqa_tui.scoring.streaks).
            score_all(db, config, plugins, as_of=day, fill_gap=False)
            day += timedelta(days=history_every_days)
    seconds["history"] = time.perf_counter() - start
    # A year of a team working the queue, so reports and the TUI have history to show. It
    # reads only the past's PQA moments, and scoring never reads triage, so it can go first.
    team = simulate_team(db, config, end=workspace.end, seed=seed)
    # Then what `pqa score` does: score as of the end, route new PQAs, bring parked ones back.
    start = time.perf_counter()
    run = score_and_route(db, config, plugins, as_of=last_day, now=workspace.end).run
    seconds["score"] = time.perf_counter() - start
    return DemoBuild(workspace=workspace, ingest=summary, score=run, team=team, seconds=seconds)


def _save_truth(db: sqlite_utils.Database, workspace: DemoWorkspace) -> None:
    columns = (
        "account_id", "archetype", "converts", "converted_at", "will_convert_at", "plan",
        "seats", "has_buyer", "churned_at",
    )  # fmt: skip
    meta = {
        "seed": str(workspace.seed),
        "end": workspace.end.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "accounts": str(len(workspace.accounts)),
        "months": str(workspace.months),
        "activity": str(workspace.activity),
        "built_at": now_ts(),
    }
    with store.write(db) as conn:
        conn.executemany(
            f"insert or replace into demo_accounts ({', '.join(columns)}) "
            f"values ({', '.join('?' * len(columns))})",
            [tuple(t[c] for c in columns) for t in workspace.truth()],
        )
        conn.executemany(
            "insert or replace into demo_meta (key, value) values (?, ?)", meta.items()
        )


def demo_summary(db: sqlite_utils.Database, config: Config, *, top: int = 5) -> dict[str, Any]:
    """Counts and the first ``top`` accounts of the queue, each with its planted archetype:
    what ``pqa demo --no-tui`` prints (JSON-ready).
    """
    from ..triage.queue_view import count_queue, list_queue

    def n(sql: str) -> int:
        return db.conn.execute(sql).fetchone()[0]

    rows = list_queue(db, config, limit=top)
    archetypes = dict(
        db.conn.execute(
            f"select account_id, archetype from demo_accounts where account_id in "
            f"({', '.join('?' * len(rows))})",
            [r.account for r in rows],
        )
    )
    return {
        "accounts": n("select count(*) from accounts"),
        "users": n("select count(*) from users"),
        "events": n("select count(*) from events"),
        "pqas": n("select count(*) from scores where qualified = 1"),
        "queue": count_queue(db, config),
        "top": [
            {
                "account_id": r.account,
                "name": r.name,
                "score": round(r.score, 2),
                "state": r.state,
                "owner": r.owner,
                "archetype": archetypes.get(r.account),
                "reasons": r.reasons,
                "why": r.why,
            }
            for r in rows
        ],
        "demo": dict(db.conn.execute("select key, value from demo_meta")),
    }
