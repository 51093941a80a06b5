"""Kill a real `pqa ingest` mid-file: whole chunks remain, and a re-run finishes the job once.

Killed inside its first chunk (one chunk for the whole file), nothing of the file remains; the
child is killed with SIGKILL (no cleanup at all) once it has read more than the sha256 pass plus
half of the ingest pass of the big file, watched through /proc/<pid>/io. Killed after some
chunks committed (a chunk per batch), the database holds those chunks, consistent, and the
re-run resumes after them: the result equals a clean single run, row for row.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from ingest_data import count, ingest, recomputed_rollups, rollups, track, write_ndjson

from pqa_tui.ingest.queries import stats
from pqa_tui.store import open_db

pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/pid/io")


def big_file(path: Path, n: int) -> Path:
    with open(path, "wb") as fh:
        for i in range(n):
            rec = track(
                "Document Created" if i % 7 == 0 else "Search",
                f"u{i % 997}",
                f"acct{i % 101}",
                ts=f"2025-03-{1 + i * 28 // n:02d}T10:00:00.{i % 1000:03d}Z",
                msg=f"big-{i}",
            )
            fh.write(orjson.dumps(rec) + b"\n")
    return path


def bytes_read(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def kill_mid_file(db_path: Path, files: list[Path], threshold: int) -> None:
    # One chunk for the whole file: the kill lands inside it.
    env = {**os.environ, "PQA_LOAD_PLUGINS": "", "PQA_INGEST_CHUNK_SECONDS": "1000"}
    child = subprocess.Popen(
        [sys.executable, "-m", "pqa_tui", "--db", str(db_path), "ingest", *map(str, files)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    try:
        while bytes_read(child.pid) < threshold:
            assert child.poll() is None, "the ingest finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        assert child.poll() is None, "the ingest finished before it could be interrupted"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL


def index_names(db) -> set[str]:
    return {n for (n,) in db.conn.execute("select name from sqlite_master where type='index'")}


@pytest.mark.parametrize("first_load", [True, False], ids=["first-load", "after-a-file"])
def test_ingest_killed_in_its_first_chunk_leaves_nothing_and_a_rerun_finishes(tmp_path, first_load):
    big = big_file(tmp_path / "big.ndjson", 120_000)
    small = write_ndjson(tmp_path / "small.ndjson", [track("Search", "u1", "acct1", msg="s1")])
    files = [big] if first_load else [small, big]

    reference = open_db(tmp_path / "reference.db")
    ingest(reference, *files)
    expected = stats(reference)
    expected_rollups = rollups(reference)
    expected_indexes = index_names(reference)

    db_path = tmp_path / "killed.db"
    size = big.stat().st_size
    # sha256 pass over the big file, then half of the ingest pass (plus the small file).
    kill_mid_file(db_path, files, threshold=size + size // 2)

    db = open_db(db_path)
    assert db.conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert index_names(db) == expected_indexes  # deferred indexes came back with the rollback
    assert count(db, "select count(*) from events") == (0 if first_load else 1)
    assert count(db, "select count(*) from ingest_runs where source = ?", str(big)) == 0
    assert count(db, "select coalesce(sum(value), 0) from rollups where metric = 'events'") == (
        0 if first_load else 1
    )
    db.close()

    rerun = subprocess.run(
        [sys.executable, "-m", "pqa_tui", "--db", str(db_path), "ingest", *map(str, files)],
        env={**os.environ, "PQA_LOAD_PLUGINS": ""},
        capture_output=True,
        check=True,
    )
    assert rerun.returncode == 0
    db = open_db(db_path)
    got = stats(db)
    for key in ("events", "users", "accounts", "memberships", "rollup_rows", "rejected"):
        assert got[key] == expected[key], key
    assert rollups(db) == expected_rollups


# The state a finished ingest leaves, without ids and wall-clock times.
STATE = {
    "events": "dedupe_key, kind, account_id, user_id, event, ts, properties, line",
    "users": "user_id, email, role, first_seen, last_seen, traits",
    "accounts": "account_id, name, plan, first_seen, last_seen, traits",
    "memberships": "user_id, account_id, first_seen, last_seen",
    "user_days": "account_id, day, user_id",
    "rollups": "account_id, day, metric, value",
    "rejects": "source, line, reason",
    "sqlite_master": "type, name, sql",
}


def state(db) -> dict[str, list[tuple]]:
    return {
        t: sorted(db.conn.execute(f"select {cols} from {t}").fetchall(), key=repr)
        for t, cols in STATE.items()
    }


def chunky_file(path: Path, n: int) -> Path:
    """``big_file`` plus what a real export holds: repeated ids, rejects, late memberships."""
    big_file(path, n)
    with open(path, "ab") as fh:
        for i in range(0, n, 50):  # repeats of earlier events (same messageId)
            fh.write(orjson.dumps(track("Search", f"u{i % 997}", f"acct{i % 101}", msg=f"big-{i}")))
            fh.write(b"\n")
        fh.write(b"{not json\n")
        for i in range(3000):  # users with no account yet: attributed when the group call comes
            rec = track("Search", f"late{i % 30}", None, ts="2025-03-20T10:00:00Z", msg=f"l{i}")
            fh.write(orjson.dumps(rec) + b"\n")
        for u in range(30):
            rec = {
                "type": "group",
                "userId": f"late{u}",
                "groupId": "acct-late",
                "timestamp": "2025-03-21T10:00:00Z",
                "messageId": f"g{u}",
                "traits": {},
            }
            fh.write(orjson.dumps(rec) + b"\n")
    return path


def chunks_committed(db_path: Path, source: Path) -> int:
    if not db_path.exists():
        return 0
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "select max(chunks) from ingest_runs where source = ?", (str(source),)
        ).fetchone()
        return row[0] or 0
    except sqlite3.OperationalError:  # the file or its tables are not there yet
        return 0
    finally:
        conn.close()


@pytest.mark.parametrize("first_load", [True, False], ids=["first-load", "after-a-file"])
def test_ingest_killed_after_some_chunks_resumes_and_equals_a_clean_run(tmp_path, first_load):
    big = chunky_file(tmp_path / "big.ndjson", 60_000)
    small = write_ndjson(tmp_path / "small.ndjson", [track("Search", "u1", "acct1", msg="s1")])
    files = [big] if first_load else [small, big]
    env = {**os.environ, "PQA_LOAD_PLUGINS": "", "PQA_INGEST_CHUNK_SECONDS": "0"}

    reference = open_db(tmp_path / "reference.db")
    ingest(reference, *files)
    expected = state(reference)
    expected_run = reference.conn.execute(
        "select read, inserted, duplicates, rejected from ingest_runs where source = ?",
        (str(big),),
    ).fetchone()

    db_path = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "pqa_tui", "--db", str(db_path), "ingest", *map(str, files)]
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while chunks_committed(db_path, big) < 3:
            assert child.poll() is None, "the ingest finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL

    db = open_db(db_path)
    assert db.conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    read, inserted, finished = db.conn.execute(
        "select read, inserted, finished_at from ingest_runs where source = ?", (str(big),)
    ).fetchone()
    assert finished is None and 0 < read < expected_run[0]
    # Whole chunks: the events the run counts are there, with their rollups and no others.
    assert count(db, "select count(*) from events where run_id = "
                 "(select id from ingest_runs where source = ?)", str(big)) == inserted  # fmt: skip
    assert rollups(db) == recomputed_rollups(db)
    db.close()

    rerun = subprocess.run([*cmd, "--json"], env=env, capture_output=True, check=True, text=True)
    summary = [s for s in orjson.loads(rerun.stdout)["files"] if s["source"] == str(big)][0]
    db = open_db(db_path)
    assert state(db) == expected
    # One run of the big file, finished, counting what a clean run counts: exactly once.
    runs = db.conn.execute(
        "select read, inserted, duplicates, rejected, finished_at is not null from ingest_runs "
        "where source = ?",
        (str(big),),
    ).fetchall()
    assert runs == [(*expected_run, 1)]
    assert [summary[k] for k in ("read", "inserted", "duplicates", "rejected")] == list(
        expected_run
    )
