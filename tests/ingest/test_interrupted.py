"""Kill a real `pqa ingest` mid-file: nothing of that file remains, and a re-run finishes it.

The child is killed with SIGKILL (no cleanup at all) once it has read more than the sha256
pass plus half of the ingest pass of the big file, watched through /proc/<pid>/io.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from ingest_data import count, ingest, rollups, track, write_ndjson

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
    env = {**os.environ, "PQA_LOAD_PLUGINS": ""}
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
def test_killed_ingest_leaves_no_half_file_and_a_rerun_finishes(tmp_path, first_load):
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
