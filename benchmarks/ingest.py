#!/usr/bin/env python3
"""Ingest speed and memory, side by side with the floor and with `sqlite-utils insert --nl`.

    python benchmarks/ingest.py                 # 1,000,000 Segment track events
    python benchmarks/ingest.py --events 100000 # a quick run

Writes a seeded Segment NDJSON file (about 5,000 accounts, 10 users each, a year of events)
to benchmarks/out/, then runs each contender in its own subprocess on a fresh database:
the floor (../shared/bench/ingest_floor.py: one executemany, indexes built afterwards),
`pqa ingest`, `pqa ingest` of the same file again (all duplicates), and
`sqlite-utils insert --nl`. Prints seconds, ratio to the floor, peak RSS (from
``RUSAGE_CHILDREN``, measured per contender in a fresh child: the largest single process, so
for `pqa ingest` of a big file the writer, not writer + reader) and the load average, because
other work on the machine skews every number (a two-process ingest most of all on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR = ROOT.parent / "shared" / "bench" / "ingest_floor.py"
OUT = HERE / "out"

EVENTS = [
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


def write_events(
    path: Path, n: int, accounts: int = 5000, seed: int = 7, spread: str = "sessions"
) -> None:
    """A seeded year of Segment track events, written in time order like a real export.

    ``sessions`` (the default, like real product usage): a user does a burst of events
    (geometric, mean 10) in one sitting, so an active account-day holds several events.
    ``uniform``: every event picks a random account, user and moment, the worst case for
    rollups (about one new rollup row per event).
    """
    rng = random.Random(seed)
    names = [name for name, _ in EVENTS]
    weights = [w for _, w in EVENTS]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    days = 365
    per_day = n // days
    written = 0
    with open(path, "wb") as fh:
        for day in range(days):
            todo = per_day if day < days - 1 else n - written
            day_events = []
            while len(day_events) < todo:
                acct = rng.randrange(accounts)
                user = f"u{acct}-{rng.randrange(10)}"
                at = rng.uniform(0, 86_000)
                size = 1 if spread == "uniform" else min(1 + int(rng.expovariate(1 / 9)), 60)
                for _ in range(min(size, todo - len(day_events))):
                    at = min(at + rng.uniform(1, 30), 86_399.999)
                    day_events.append((at, acct, user))
            day_events.sort()
            names_today = rng.choices(names, weights, k=len(day_events))
            buf = []
            for (at, acct, user), name in zip(day_events, names_today, strict=True):
                ts = start + timedelta(days=day, seconds=at)
                props: dict = {"plan_tier": "free", "source": "web"}
                if name == "File Uploaded":
                    props["bytes"] = rng.randrange(1_000, 5_000_000)
                elif name == "Document Created":
                    props["template"] = rng.choice(["blank", "meeting", "roadmap"])
                event = {
                    "type": "track",
                    "event": name,
                    "userId": user,
                    "messageId": f"{rng.getrandbits(128):032x}",
                    "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.")
                    + f"{ts.microsecond // 1000:03d}Z",
                    "properties": props,
                    "context": {"groupId": f"acct-{acct}", "library": {"name": "analytics.js"}},
                }
                buf.append(orjson.dumps(event))
            fh.write(b"\n".join(buf) + b"\n")
            written += len(day_events)


def measure(label: str, argv: list[str], env: dict[str, str] | None = None) -> dict:
    """Run ``argv`` in a fresh child that reports its own wall time and peak RSS."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
        "s = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'seconds': s, 'rss_kb': rss, 'rc': p.returncode,"
        " 'err': p.stderr.decode()[-2000:]}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env, check=True
    )
    data = orjson.loads(out.stdout)
    if data["rc"] != 0:
        sys.exit(f"{label} failed:\n{data['err']}")
    data["label"] = label
    return data


def fresh(path: Path) -> Path:
    """``path`` with no database (nor its -wal and -shm) left from an earlier run."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--spread", choices=["sessions", "uniform"], default="sessions")
    parser.add_argument("--skip-sqlite-utils", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT, help="where files and databases go")
    args = parser.parse_args(argv)

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    src = out / f"segment-{args.events}-{args.spread}.ndjson"
    if not src.exists():
        t = time.perf_counter()
        write_events(src, args.events, args.accounts, spread=args.spread)
        print(f"wrote {src} ({src.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s")

    env = {**os.environ, "PQA_LOAD_PLUGINS": ""}
    pqa = [sys.executable, "-m", "pqa_tui"]
    results = []
    load_before = os.getloadavg()
    results.append(
        measure("floor", [sys.executable, str(FLOOR), str(src), str(fresh(out / "floor.db"))])
    )
    db = fresh(out / "pqa.db")
    results.append(measure("pqa ingest", [*pqa, "--db", str(db), "ingest", str(src)], env))
    results.append(
        measure(
            "pqa ingest (again, all duplicates)", [*pqa, "--db", str(db), "ingest", str(src)], env
        )
    )
    copy = out / "segment-copy.ndjson"
    shutil.copyfile(src, copy)
    with open(copy, "ab") as fh:
        fh.write(b"\n")  # a different sha256: every line goes through dedupe
    results.append(
        measure(
            "pqa ingest (same events, new file)", [*pqa, "--db", str(db), "ingest", str(copy)], env
        )
    )
    copy.unlink()
    if not args.skip_sqlite_utils:
        su = shutil.which("sqlite-utils") or str(Path(sys.executable).parent / "sqlite-utils")
        results.append(
            measure(
                "sqlite-utils insert --nl",
                [su, "insert", str(fresh(out / "su.db")), "events", str(src), "--nl"],
            )
        )
    load_after = os.getloadavg()

    floor = results[0]["seconds"]
    print(
        f"\n{args.events:,} Segment track events, {src.stat().st_size / 1e6:.0f} MB, "
        f"{os.cpu_count()} cores; load average before {load_before[0]:.2f}, "
        f"after {load_after[0]:.2f}"
    )
    print(f"{'contender':<38} {'seconds':>8} {'x floor':>8} {'events/s':>10} {'peak RSS':>9}")
    for r in results:
        print(
            f"{r['label']:<38} {r['seconds']:>8.2f} {r['seconds'] / floor:>8.2f} "
            f"{args.events / r['seconds']:>10,.0f} {r['rss_kb'] / 1024:>7.0f}MB"
        )


if __name__ == "__main__":
    main()
