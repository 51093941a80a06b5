"""Crash safety: real `pqa` processes killed with SIGKILL at random points, many times.

After every kill the file passes ``PRAGMA integrity_check``, the rollups equal a
recomputation from the raw events, and running the same command again reaches exactly the
state of a run that was never interrupted. Triage writes killed mid-stream are all-or-nothing:
every note has its log line, every acknowledged write is there, the version counts the steps.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_data import (
    integrity,
    recomputed_rollups,
    rollups_snapshot,
    segment_events,
    write_ndjson,
)

from pqa_tui.config import Config
from pqa_tui.schema import SCHEMA_VERSION

PQA = [sys.executable, "-m", "pqa_tui"]
AS_OF = "2026-03-06"
# Each table as compared between runs: the columns that do not hold wall-clock times or ids.
STATE = {
    "events": (
        "dedupe_key, kind, account_id, user_id, event, ts, properties, line, "
        "(select r.source from ingest_runs r where r.id = events.run_id)"
    ),
    "users": "user_id, email, name, role, company_size, first_seen, last_seen, traits, traits_at",
    "accounts": "account_id, name, domain, plan, first_seen, last_seen, traits, traits_at",
    "memberships": "user_id, account_id, first_seen, last_seen",
    "trait_changes": "entity, entity_id, account_id, trait, old_value, new_value, ts",
    "rollups": "account_id, day, metric, round(value, 3)",
    "user_days": "account_id, day, user_id",
    "rejects": "source, line, reason, raw",
    "signals": "account_id, detector, at, strength, weight, round(points, 6), reason",
    "scores": "account_id, round(score, 6), qualified, gate, reasons, as_of",
    "score_history": "account_id, day, round(score, 6), qualified",
    "pqa_moments": "account_id, at, round(score, 6), reasons, ended_at",
    "triage": "account_id, state, owner, version",
    "sqlite_master": "type, name, tbl_name, sql",
}

SCORING_TABLES = {"signals", "scores", "score_history", "pqa_moments", "triage"}


def state(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(str(path))
    try:
        return {
            t: sorted(conn.execute(f"select {cols} from {t}").fetchall(), key=repr)
            for t, cols in STATE.items()
        }
    finally:
        conn.close()


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([*PQA, "--db", str(db), *args], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc


def kill_at(db: Path, delay: float, *args: str) -> bool:
    """Start ``pqa ARGS`` and SIGKILL it after ``delay`` s. True if it was killed mid-run."""
    proc = subprocess.Popen([*PQA, "--db", str(db), *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    if not killed:
        assert proc.returncode == 0, err
    return killed


def check_consistent(db: Path) -> None:
    assert integrity(db) == "ok"
    conn = sqlite3.connect(str(db))
    try:
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        # Killed while creating the file: the schema is there whole or not at all.
        (version,) = conn.execute("pragma user_version").fetchone()
        tables = conn.execute("select count(*) from sqlite_master").fetchone()[0]
        if version == 0:
            assert tables == 0
            return
        assert version == SCHEMA_VERSION
        assert rollups_snapshot(conn) == recomputed_rollups(db, Config())
        # A file is in the database entirely or not at all: its ingest run is finished.
        counts = dict(
            conn.execute(
                "select r.source, count(*) from events e join ingest_runs r on r.id = e.run_id "
                "group by r.source"
            )
        )
        runs = dict(
            conn.execute(
                "select source, inserted from ingest_runs where finished_at is not null "
                "and inserted > 0"
            )
        )
        assert counts == runs
    finally:
        conn.close()


@pytest.fixture(scope="module")
def exports(tmp_path_factory, pick):
    """Three export files (the third repeats part of the second: duplicates are normal)."""
    folder = tmp_path_factory.mktemp("exports")
    n = pick(6_000, 60_000)
    events = list(segment_events(3 * n, accounts=200, seed=7))
    paths = []
    for k in range(3):
        chunk = events[k * n : (k + 1) * n]
        if k == 2:
            chunk = events[n + n // 2 : 2 * n] + chunk
        paths.append(write_ndjson(folder / f"export-{k}.ndjson", iter(chunk)))
    return [str(p) for p in paths]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, exports):
    """The state after an ingest and a score that nobody interrupted, and how long they took."""
    db = tmp_path_factory.mktemp("reference") / "pqa.db"
    started = time.monotonic()
    run(db, "ingest", *exports)
    ingest_seconds = time.monotonic() - started
    started = time.monotonic()
    run(db, "score", "--as-of", AS_OF)
    score_seconds = time.monotonic() - started
    return db, ingest_seconds, score_seconds


def test_killed_ingest_leaves_a_consistent_file_and_a_rerun_finishes_the_job(
    tmp_path, exports, reference, pick, tally
):
    ref_db, ingest_seconds, _ = reference
    want = {t: rows for t, rows in state(ref_db).items() if t not in SCORING_TABLES}
    rng = random.Random(int(os.environ.get("PQA_KILL_SEED", "7")))
    trials, kills = pick(6, 40), 0
    for trial in range(trials):
        db = tmp_path / f"trial-{trial}.db"
        # One to three kills in a row, each at a random point of the whole command.
        for _ in range(rng.randint(1, 3)):
            if kill_at(db, rng.uniform(0.2, 1.05) * ingest_seconds, "ingest", *exports):
                kills += 1
            if db.exists():
                check_consistent(db)
        run(db, "ingest", *exports)
        check_consistent(db)
        got = {t: rows for t, rows in state(db).items() if t not in SCORING_TABLES}
        assert got == want, f"trial {trial}: the rerun differs from an uninterrupted ingest"
    assert kills >= trials // 2, "the kills should mostly land while the ingest runs"
    tally.add("crash", "ingest kills survived", kills)


def test_killed_score_keeps_the_old_scores_or_the_new_ones(tmp_path, exports, reference, pick,
                                                          tally):  # fmt: skip
    ref_db, _, score_seconds = reference
    want = state(ref_db)
    base = tmp_path / "base.db"
    run(base, "ingest", *exports)
    before = state(base)
    rng = random.Random(11)
    kills = 0
    for trial in range(pick(6, 30)):
        db = tmp_path / f"score-{trial}.db"
        db.write_bytes(base.read_bytes())
        if kill_at(db, rng.uniform(0.5, 1.05) * score_seconds, "score", "--as-of", AS_OF):
            kills += 1
        check_consistent(db)
        middle = state(db)
        scored = {t: middle[t] == want[t] for t in ("signals", "scores", "score_history")}
        untouched = {t: middle[t] == before[t] for t in ("signals", "scores", "score_history")}
        assert all(scored.values()) or all(untouched.values()), (trial, scored, untouched)
        run(db, "score", "--as-of", AS_OF)
        assert state(db) == want
    tally.add("crash", "score kills survived", kills)


WRITER = r"""
import sys
from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.store import open_db

db_path, me, acks = sys.argv[1], sys.argv[2], open(sys.argv[3], "a", buffering=1)
db, config = open_db(db_path), Config()
i = int(sys.argv[4])
acks.write("ready\n")
while True:
    triage.claim(db, config, "acct-1", me)
    triage.add_note(db, config, "acct-1", me, f"{me} {i}")
    acks.write(f"note {i}\n")
    triage.release(db, config, "acct-1", me, reason=f"r{i}")
    acks.write(f"released {i}\n")
    i += 1
"""


def wait_for_ready(acks: Path, count: int, proc: subprocess.Popen, limit: float = 60.0) -> None:
    """Until the writer has said ``ready`` ``count`` times in all (it is in its write loop)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        text = acks.read_text() if acks.exists() else ""
        if text.count("ready\n") >= count:
            return
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.01)
    raise AssertionError(f"the writer did not start within {limit} s")


def test_killed_note_and_claim_writes_are_all_or_nothing(tmp_path, exports, pick, tally):
    db = tmp_path / "triage.db"
    run(db, "ingest", exports[0])
    acks = tmp_path / "acks.txt"
    rng = random.Random(3)
    next_i, kills = 0, 0
    for started in range(1, pick(12, 80) + 1):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), "ann", str(acks), str(next_i)],
            stderr=subprocess.PIPE,
        )
        # Past start-up (which a loaded machine can stretch past a second), into the write loop.
        wait_for_ready(acks, started, proc)
        time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        kills += 1

        assert integrity(db) == "ok"
        conn = sqlite3.connect(str(db))
        notes = [t for (t,) in conn.execute("select text from notes order by id")]
        logged = conn.execute(
            "select count(*) from activity where action = 'note' and account_id = 'acct-1'"
        ).fetchone()[0]
        steps = conn.execute(
            "select count(*) from activity where action in ('claim', 'release')"
        ).fetchone()[0]
        state_, owner, version = conn.execute(
            "select state, owner, version from triage where account_id = 'acct-1'"
        ).fetchone()
        last = conn.execute(
            "select action, to_state from activity where action in ('claim', 'release') "
            "order by id desc limit 1"
        ).fetchone()
        conn.close()
        assert logged == len(notes)  # every note has its log line, and no log line is orphaned
        assert version == steps  # each claim / release moved the version once, with its line
        assert (state_, owner) == (("claimed", "ann") if last[0] == "claim" else ("new", None))
        numbers = [int(t.split()[1]) for t in notes]
        assert numbers == list(range(len(numbers)))  # no note lost in the middle
        acked = {int(line.split()[1]) for line in acks.read_text().splitlines()
                 if line.startswith("note")}  # fmt: skip
        assert acked <= set(numbers)  # an acknowledged note is never lost
        if state_ == "claimed":  # killed between claim and release: let the next run go on
            subprocess.run([*PQA, "--db", str(db), "--as", "ann", "release", "acct-1"],
                           check=True, capture_output=True, timeout=60)  # fmt: skip
        next_i = len(numbers)
    tally.add("crash", "triage kills survived", kills)
    tally.add("crash", "notes kept through kills", next_i)
