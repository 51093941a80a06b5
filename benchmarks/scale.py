#!/usr/bin/env python3
"""Past one machine: the scale targets of issue 15, as ratios measured in one run.

    python benchmarks/scale.py                       # 10,000,000 events (takes long)
    python benchmarks/scale.py --events 1000000 --note-events 1000000   # a shorter run

Prints, with the load average (the machine is shared; compare ratios, not seconds):

1. **Floor ratios** on ``--floor-events`` events (default 1M) of three shapes, each file's
   `pqa ingest` into a fresh database against ../shared/bench/ingest_floor.py on the same
   file: ``sessions`` and ``uniform`` (benchmarks/ingest.py's files) and ``export``: a
   time-ordered session-shaped export as a real one comes (5,000 accounts of 12 users, six
   snake_case event names that match no ``[events]`` kind, ``uuid`` message ids).
   Targets: sessions within 2x the floor, uniform within 3.5x.
2. **Engines** on ``--events`` session-shaped events: `pqa ingest` against
   `pqa ingest --engine duckdb`, events per second. Target: duckdb at least 5x.
3. **Scoring** (`pqa score`) on the floor-size database and on the ``--events`` one.
   Target: flat (the same seconds within noise): scoring reads rollups, not events.
4. **Waiting writers**: during a default `pqa ingest` of ``--note-events`` events into a
   workspace that already holds data, a note is written every 0.3 s through the library
   (`triage.add_note`, what `pqa note` calls); its wall time is its wait for the lock plus the
   write. Target: the worst under 2 s.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("PQA_LOAD_PLUGINS", "")

from ingest import FLOOR, fresh, measure, write_events  # noqa: E402

from pqa_tui import triage  # noqa: E402
from pqa_tui.config import Config  # noqa: E402
from pqa_tui.store import open_db  # noqa: E402

EXPORT_EVENTS = ["doc_opened", "doc_edited", "comment_posted", "share_link_created",
                 "export_started", "search_run"]  # fmt: skip


def write_export(path: Path, n: int, accounts: int = 5000, users: int = 12, seed: int = 11) -> None:
    """A time-ordered, session-shaped export: uuid ids, names that match no [events] kind."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    days = 365
    per_day = n // days
    written = 0
    with open(path, "wb") as fh:
        for day in range(days):
            todo = per_day if day < days - 1 else n - written
            today: list[tuple[float, int, int]] = []
            while len(today) < todo:
                acct, user = rng.randrange(accounts), rng.randrange(users)
                at = rng.uniform(0, 86_000)
                for _ in range(min(1 + int(rng.expovariate(1 / 7)), 40, todo - len(today))):
                    at = min(at + rng.uniform(1, 60), 86_399.999)
                    today.append((at, acct, user))
            today.sort()
            lines = []
            for at, acct, user in today:
                ts = start + timedelta(days=day, seconds=at)
                lines.append(orjson.dumps({
                    "type": "track",
                    "event": rng.choice(EXPORT_EVENTS),
                    "userId": f"user_{acct}_{user}",
                    "messageId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "properties": {"surface": rng.choice(["web", "desktop"])},
                    "context": {"groupId": f"org_{acct}"},
                }))  # fmt: skip
            fh.write(b"\n".join(lines) + b"\n")
            written += len(today)


def source(out: Path, kind: str, n: int) -> Path:
    path = out / f"scale-{kind}-{n}.ndjson"
    if not path.exists():
        t = time.perf_counter()
        if kind == "export":
            write_export(path, n)
        else:
            write_events(path, n, spread=kind)
        print(f"wrote {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.0f} s", flush=True)  # fmt: skip
    return path


PQA = [sys.executable, "-m", "pqa_tui"]
ENV = {**os.environ, "PQA_LOAD_PLUGINS": "", "PYTHONPATH": str(HERE.parent)}


def ingest(db: Path, path: Path, *extra: str) -> float:
    return measure("pqa ingest", [*PQA, "--db", str(db), "ingest", *extra, str(path)], ENV)[
        "seconds"
    ]


def score_seconds(db: Path, as_of: str = "2025-12-31") -> float:
    out = subprocess.run([*PQA, "--db", str(db), "score", "--as-of", as_of, "--json"],
                         env=ENV, capture_output=True, check=True)  # fmt: skip
    return orjson.loads(out.stdout)["seconds"]


def note_waits(db_path: Path, path: Path) -> tuple[list[float], float]:
    """Note wall times while `pqa ingest PATH` runs, and the ingest's seconds."""
    db = open_db(db_path)
    config = Config()
    account = db.conn.execute("select account_id from accounts limit 1").fetchone()[0]
    waits: list[float] = []
    done = threading.Event()
    result: dict[str, float] = {}

    def run_ingest() -> None:
        result["seconds"] = ingest(db_path, path)
        done.set()

    thread = threading.Thread(target=run_ingest)
    thread.start()
    time.sleep(1.0)  # past the ingest's start-up
    i = 0
    while not (waits and done.is_set()):
        t = time.perf_counter()
        triage.add_note(db, config, account, "bench", f"note {i}")
        waits.append(time.perf_counter() - t)
        i += 1
        time.sleep(0.3)
    thread.join()
    db.close()
    return waits, result["seconds"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--floor-events", type=int, default=1_000_000)
    parser.add_argument("--note-events", type=int, default=3_000_000)
    parser.add_argument("--skip", action="append", default=[],
                        choices=["floors", "engines", "scoring", "notes"])  # fmt: skip
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    load_before = os.getloadavg()

    if "floors" not in args.skip:
        for kind in ("sessions", "uniform", "export"):
            src = source(out, kind, args.floor_events)
            floor = measure("floor", [sys.executable, str(FLOOR), str(src),
                                      str(fresh(out / "scale-floor.db"))])["seconds"]  # fmt: skip
            pqa = ingest(fresh(out / f"scale-{kind}.db"), src)
            lines.append(
                f"floor ratio, {kind:<8} {args.floor_events:>11,} events: floor "
                f"{floor:6.2f} s, pqa ingest {pqa:6.2f} s = {pqa / floor:.2f}x"
            )
            print(lines[-1], flush=True)

    big = source(out, "sessions", args.events)
    if "engines" not in args.skip:
        default = ingest(fresh(out / "scale-default.db"), big)
        duck = ingest(fresh(out / "scale-duckdb.db"), big, "--engine", "duckdb")
        lines.append(f"engines, {args.events:,} events: default {args.events / default:,.0f} "
                     f"events/s ({default:.1f} s), duckdb {args.events / duck:,.0f} events/s "
                     f"({duck:.1f} s) = {default / duck:.2f}x")  # fmt: skip
        print(lines[-1], flush=True)

    if "scoring" not in args.skip:
        small_db, big_db = out / "scale-sessions.db", out / "scale-default.db"
        if not small_db.exists():
            ingest(small_db, source(out, "sessions", args.floor_events))
        if not big_db.exists():
            ingest(big_db, big)
        small = min(score_seconds(small_db) for _ in range(2))
        large = min(score_seconds(big_db) for _ in range(2))
        lines.append(f"scoring: {args.floor_events:,} events {small:.2f} s, {args.events:,} "
                     f"events {large:.2f} s = {large / small:.2f}x")  # fmt: skip
        print(lines[-1], flush=True)

    if "notes" not in args.skip:
        db = fresh(out / "scale-notes.db")
        seed = out / "scale-seed.ndjson"
        write_export(seed, 2_000, accounts=50, seed=3)
        ingest(db, seed)  # a workspace that already holds data (not the empty first load)
        waits, secs = note_waits(db, source(out, "sessions", args.note_events))
        waits.sort()
        lines.append(f"notes during a {args.note_events:,}-event ingest ({secs:.1f} s): "
                     f"{len(waits)} notes, median {waits[len(waits) // 2]:.3f} s, "
                     f"worst {waits[-1]:.3f} s")  # fmt: skip
        print(lines[-1], flush=True)

    load_after = os.getloadavg()
    print(f"\n{os.cpu_count()} cores; load average before {load_before[0]:.2f} "
          f"{load_before[1]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f}")  # fmt: skip
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
