#!/usr/bin/env python3
"""The SQLite work alone of a first `pqa ingest`, beside the floor, in one run.

    python benchmarks/ingest_sql_only.py                 # after benchmarks/ingest.py
    python benchmarks/ingest_sql_only.py --events 100000

Answers "how close to the floor can a first load get at all?". It ingests the benchmark's
Segment file once with `pqa ingest`, reads back every row that ingest wrote (events, rollups,
user-days, users, accounts, memberships) into memory, then replays exactly those writes into a
fresh database with the real schema, as the pipeline does them (deferred indexes dropped, one
transaction, events in batches of 2,000, rollups as upserts in chunks of 100,000, user-days,
first/last seen, the indexes built at the end, commit and checkpoint), and times only that:
no file, no JSON, no Python beyond the ``executemany`` calls. The floor
(``../shared/bench/ingest_floor.py``: parsing included) runs on the same file in the same run.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.ingest import FLOOR, OUT, fresh, write_events  # noqa: E402
from pqa_tui import store  # noqa: E402
from pqa_tui.ingest.batches import BATCH_SIZE, DELTAS_LIMIT, INSERT_EVENT  # noqa: E402
from pqa_tui.ingest.bulk_indexes import INDEX_BUILD_CACHE_KIB, INGEST_CACHE_KIB  # noqa: E402


def chunks(rows: list, size: int):
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def replay(source: Path, target: Path) -> dict[str, float]:
    """Time the writes of ``source``'s first load, replayed into a fresh ``target``."""
    src = sqlite3.connect(source)
    events = src.execute(
        "select dedupe_key, kind, account_id, user_id, event, ts, properties, run_id, line "
        "from events order by id"
    ).fetchall()
    rollups = src.execute("select account_id, day, metric, value from rollups").fetchall()
    user_days = src.execute("select account_id, day, user_id from user_days").fetchall()
    users = src.execute("select user_id, first_seen, last_seen from users").fetchall()
    accounts = src.execute("select account_id, first_seen, last_seen from accounts").fetchall()
    members = src.execute(
        "select user_id, account_id, first_seen, last_seen from memberships"
    ).fetchall()
    src.close()

    db = store.open_db(fresh(target))
    conn = db.conn
    conn.execute(f"pragma cache_size = -{INGEST_CACHE_KIB}")
    deferred = conn.execute(
        "select name, sql from sqlite_master where type = 'index' and sql is not null and "
        "tbl_name in ('events', 'rollups') and sql not like '% where %'"
    ).fetchall()
    conn.execute(
        "insert into ingest_runs(source, started_at) values ('replay', '2026-01-01T00:00:00Z')"
    )
    times: dict[str, float] = {}
    start = time.perf_counter()
    conn.execute("begin immediate")
    for name, _ in deferred:
        conn.execute(f'drop index "{name}"')
    for batch in chunks(events, BATCH_SIZE):
        conn.executemany(INSERT_EVENT, batch)
    times["events insert"] = time.perf_counter() - start
    t = time.perf_counter()
    for chunk in chunks(rollups, DELTAS_LIMIT):
        conn.executemany(
            "insert into rollups(account_id, day, metric, value) values (?, ?, ?, ?) "
            "on conflict(account_id, day, metric) do update set value = value + excluded.value",
            chunk,
        )
    conn.executemany(
        "insert or ignore into user_days(account_id, day, user_id) values (?, ?, ?)", user_days
    )
    conn.executemany("insert into users(user_id, first_seen, last_seen) values (?, ?, ?)", users)
    conn.executemany(
        "insert into accounts(account_id, first_seen, last_seen) values (?, ?, ?)", accounts
    )
    conn.executemany(
        "insert into memberships(user_id, account_id, first_seen, last_seen) values (?, ?, ?, ?)",
        members,
    )
    times["rollups, user-days, seen"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute(f"pragma cache_size = -{INDEX_BUILD_CACHE_KIB}")
    for _, sql in deferred:
        conn.execute(sql)
    times["index builds"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute("commit")
    times["commit (+ checkpoint)"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - start
    conn.close()
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=OUT, help="where files and databases go")
    args = parser.parse_args(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    src = out / f"segment-{args.events}-sessions.ndjson"  # benchmarks/ingest.py's file
    if not src.exists():
        write_events(src, args.events)
    env = {**os.environ, "PQA_LOAD_PLUGINS": ""}
    loaded = fresh(out / "sql-only-source.db")
    subprocess.run(
        [sys.executable, "-m", "pqa_tui", "--db", str(loaded), "ingest", str(src)],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    floor_out = subprocess.run(
        [sys.executable, str(FLOOR), str(src), str(fresh(out / "floor.db"))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    floor = float(floor_out.split("seconds=")[1].split()[0])
    times = replay(loaded, out / "sql-only.db")
    print(f"\n{args.events:,} Segment track events; load average {os.getloadavg()[0]:.2f}")
    print(f"{'step':<36} {'seconds':>8} {'x floor':>8}")
    print(f"{'floor (parsing included)':<36} {floor:>8.2f} {1:>8.2f}")
    for step, secs in times.items():
        print(f"{'SQL only: ' + step:<36} {secs:>8.2f} {secs / floor:>8.2f}")


if __name__ == "__main__":
    main()
