#!/usr/bin/env python3
"""Scoring speed: a full re-score against one full-scan SQL aggregate of the raw events.

    python benchmarks/score.py                          # 1,000,000 events, 5,000 accounts
    python benchmarks/score.py --quick                  # 100,000 events, 500 accounts

Builds (or reuses, in benchmarks/out/) two databases through the ingest pipeline
(``ingest_records``): a year of seeded Segment calls, and the same calls twice over (every
event duplicated with its own message id on the same day, so same accounts, users and days,
twice the events). On each it times, best of ``--repeat`` interleaved rounds:

- ``aggregate``: one SQL query over the raw events table computing the counts scoring needs
  per account (events, distinct users and value / invite / paywall / pricing events over the
  detectors' windows): the cost of scoring from raw events;
- ``compute``: ``compute_scores`` (every detector on every account, reads only);
- ``score_all``: ``compute`` plus saving signals, scores, history and PQA moments.

Prints a table with the ratios. Targets: score_all at least 3x faster than the aggregate,
and doubling the events moves score_all by under 20%.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PQA_LOAD_PLUGINS", "")  # built-ins only: a stable thing to time

from pqa_tui.config import Config  # noqa: E402
from pqa_tui.ingest.pipeline import ingest_records  # noqa: E402
from pqa_tui.plugins import load_plugins  # noqa: E402
from pqa_tui.scoring import compute_scores, score_all  # noqa: E402
from pqa_tui.store import open_db  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
END = date(2026, 3, 31)
TRACKS = [
    ("Document Created", 30),
    ("Document Viewed", 120),
    ("Board Created", 10),
    ("Comment Added", 40),
    ("File Uploaded", 15),
    ("User Invited", 3),
    ("Paywall Hit", 2),
    ("Pricing Viewed", 2),
    ("Search Performed", 50),
    ("Report Shared", 5),
]
PAGES = ["/pricing", "/terms", "/privacy", "/docs", "/blog", "/home"]
# About one user in twenty is a director or VP, as in product sign-ups.
SENIORITY = ["IC"] * 16 + ["Manager"] * 3 + ["Director", "VP"]


def calls(n_events: int, n_accounts: int, days: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Seeded Segment calls: a group and identify per account and user, then the events.

    Accounts differ in size and activity (a heavy tail, as in real products), so some
    qualify and most do not.
    """
    rng = random.Random(seed)
    start = datetime.combine(END - timedelta(days=days - 1), datetime.min.time(), UTC)
    sizes = [max(1, int(rng.lognormvariate(1.6, 0.7))) for _ in range(n_accounts)]
    activity = [rng.lognormvariate(0, 1.0) for _ in range(n_accounts)]
    for a, size in enumerate(sizes):
        created = start + timedelta(days=rng.randrange(max(1, days // 2)))
        yield {
            "type": "group", "messageId": f"g{a}", "userId": f"a{a}u0", "groupId": f"a{a}",
            "timestamp": created.isoformat(),
            "traits": {"name": f"Account {a}", "domain": f"a{a}.example.org", "plan": "free",
                       "created_at": created.isoformat()},
        }  # fmt: skip
        for u in range(size):
            yield {
                "type": "identify", "messageId": f"i{a}.{u}", "userId": f"a{a}u{u}",
                "timestamp": created.isoformat(), "context": {"groupId": f"a{a}"},
                "traits": {"email": f"u{u}@a{a}.example.org", "seniority": rng.choice(SENIORITY)},
            }  # fmt: skip
    names = [t for t, _ in TRACKS]
    weights = [w for _, w in TRACKS]
    picked = rng.choices(range(n_accounts), activity, k=n_events)
    kinds = rng.choices(names, weights, k=n_events)
    for i in range(n_events):
        a = picked[i]
        # Hours 0-22 only: the doubled copy adds a second and must stay on the same day.
        ts = start + timedelta(days=rng.randrange(days), seconds=rng.randrange(23 * 3600))
        call = {
            "messageId": f"e{i}",
            "userId": f"a{a}u{rng.randrange(sizes[a])}",
            "timestamp": ts.isoformat(),
            "context": {"groupId": f"a{a}"},
        }
        if i % 20 == 0:
            call.update(type="page", properties={"path": rng.choice(PAGES)})
        else:
            call.update(type="track", event=kinds[i], properties={})
            if kinds[i] == "File Uploaded":
                call["properties"] = {"bytes": rng.randrange(10_000, 5_000_000)}
        yield call


def doubled(source: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each event, then a copy one second later with its own message id."""
    for call in source:
        yield call
        if call["type"] in ("track", "page"):
            ts = datetime.fromisoformat(call["timestamp"]) + timedelta(seconds=1)
            yield {**call, "messageId": call["messageId"] + "b", "timestamp": ts.isoformat()}


def build(path: Path, records: Iterator[dict[str, Any]], config: Config, plugins) -> None:
    if path.exists():
        return
    tmp = path.with_suffix(".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    started = time.perf_counter()
    db = open_db(tmp)
    summary = ingest_records(db, config, records, source="benchmark", plugins=plugins)
    db.close()
    tmp.rename(path)
    print(
        f"built {path.name}: {summary.inserted:,} calls in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def aggregate(db, config: Config) -> list[tuple[Any, ...]]:
    """One full scan of the raw events: the counts the detectors need, per account.

    Events keep only their time (``ts``, UTC text that sorts as time; schema v2 dropped the
    ``day`` column), so a window from day D on is ``ts >= 'D'`` and one before day D is
    ``ts < 'D'``: plain text comparisons, no per-row date arithmetic.
    """
    d = {k: (END - timedelta(days=k - 1)).isoformat() for k in (7, 14, 28, 35)}
    after_end = (END + timedelta(days=1)).isoformat()
    ev = config.events

    def names(kind: str) -> str:
        return "(" + ",".join("'" + n.replace("'", "''") + "'" for n in ev[kind]) + ")"

    sql = f"""
        select account_id,
          sum(ts >= '{d[28]}') as events_28,
          count(distinct case when ts >= '{d[28]}' then user_id end) as users_28,
          count(distinct case when ts >= '{d[14]}' then user_id end) as users_14,
          count(distinct case when ts >= '{d[28]}' and ts < '{d[14]}' then user_id end),
          sum(ts >= '{d[28]}' and event in {names("value")}) as value_28,
          sum(ts >= '{d[14]}' and event in {names("value")}) as value_14,
          sum(ts >= '{d[28]}' and ts < '{d[14]}' and event in {names("value")}),
          sum(ts >= '{d[7]}' and event in {names("invite")}) as invite_7,
          sum(ts >= '{d[35]}' and ts < '{d[7]}' and event in {names("invite")}),
          sum(ts >= '{d[14]}' and event in {names("paywall")}) as paywall_14,
          sum(ts >= '{d[14]}' and event in {names("pricing")}) as pricing_14
        from events where ts < '{after_end}' and account_id is not null
        group by account_id"""
    return db.conn.execute(sql).fetchall()


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="100,000 events over 500 accounts (a minute)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where the databases are kept")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.accounts = 100_000, 500

    args.out.mkdir(parents=True, exist_ok=True)
    config = Config()
    plugins = load_plugins(None, entry_points_too=False)
    tag = f"v3-{args.events}e-{args.accounts}a-{args.days}d"
    paths = {"1x": args.out / f"score-{tag}.db", "2x": args.out / f"score-{tag}-doubled.db"}
    build(paths["1x"], calls(args.events, args.accounts, args.days), config, plugins)
    build(paths["2x"], doubled(calls(args.events, args.accounts, args.days)), config, plugins)

    # Interleaved rounds, best of each: other work on the machine slows some rounds, and a
    # slow round should not favour one contender or one data set.
    dbs = {label: open_db(path) for label, path in paths.items()}
    results: dict[str, dict[str, Any]] = {}
    for label, db in dbs.items():
        scores = compute_scores(db, config, plugins, END)
        results[label] = {
            "events": db.conn.execute("select count(*) from events").fetchone()[0],
            "rollups": db.conn.execute("select count(*) from rollups").fetchone()[0],
            "scored": len(scores),
            "pqas": sum(s.qualified for s in scores),
        }
    contenders: dict[str, Callable[[Any], Any]] = {
        "aggregate": lambda db: aggregate(db, config),
        "compute": lambda db: compute_scores(db, config, plugins, END),
        "score_all": lambda db: score_all(db, config, plugins, as_of=END),
    }
    for _ in range(args.repeat):
        for label, db in dbs.items():
            for name, run in contenders.items():
                took = timed(lambda run=run, db=db: run(db))
                results[label][name] = min(results[label].get(name, took), took)
    for db in dbs.values():
        db.close()

    load = os.getloadavg()[0]
    print(f"Scoring benchmark as of {END} (best of {args.repeat}; load average {load:.2f})")
    print(
        f"{'data':<8}{'events':>11}{'rollups':>10}{'scored':>8}{'PQAs':>6}"
        f"{'aggregate s':>13}{'compute s':>11}{'score_all s':>13}{'agg/score_all':>15}"
    )
    for label, r in results.items():
        print(
            f"{label:<8}{r['events']:>11,}{r['rollups']:>10,}{r['scored']:>8,}{r['pqas']:>6,}"
            f"{r['aggregate']:>13.3f}{r['compute']:>11.3f}{r['score_all']:>13.3f}"
            f"{r['aggregate'] / r['score_all']:>14.1f}x"
        )
    one, two = results["1x"], results["2x"]
    for key in ("aggregate", "compute", "score_all"):
        print(f"doubling events: {key} x{two[key] / one[key]:.2f}")


if __name__ == "__main__":
    main()
