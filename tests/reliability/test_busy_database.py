"""A write lock held too long: readers go on, writers wait with backoff, then stop with a
clear message (never "database is locked", never a traceback), and nothing half-done is left."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from reliability_data import integrity, segment_events, write_ndjson

from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.store import LOCK_WAIT_SECONDS, open_db

PQA = [sys.executable, "-m", "pqa_tui"]
HOLDER = r"""
import sys, time
from pathlib import Path
from pqa_tui.store import open_db
db = open_db(sys.argv[1])
db.conn.execute("begin immediate")  # someone's very long write
Path(sys.argv[2]).touch()
time.sleep(600)
"""
BUSY = (
    f"Error: the database is busy: another pqa process held the write lock for over "
    f"{LOCK_WAIT_SECONDS:.0f} s; try again when it finishes"
)


def test_writers_give_up_with_a_clear_message_and_readers_never_wait(db, db_path, tmp_path,
                                                                     tally):  # fmt: skip
    ingest_records(db, Config(), segment_events(500, accounts=3), source="seed")
    db.close()
    export = write_ndjson(tmp_path / "more.ndjson", segment_events(2_000, accounts=3, seed=5))
    held = tmp_path / "held"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path), str(held)])
    try:
        while not held.exists():
            assert holder.poll() is None
            time.sleep(0.02)
        base = [*PQA, "--db", str(db_path), "--as", "ann"]
        started = time.monotonic()
        writers = {
            name: subprocess.Popen([*base, *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            for name, args in {
                "note": ["note", "acct-1", "written while the file was busy"],
                "claim": ["claim", "acct-2"],
                "ingest": ["ingest", str(export)],
            }.items()
        }  # fmt: skip
        read = subprocess.run([*base, "stats", "--json"], capture_output=True, text=True,
                              timeout=60)  # fmt: skip
        read_seconds = time.monotonic() - started
        assert read.returncode == 0 and json.loads(read.stdout)["events"] == 500
        assert read_seconds < 5  # a reader is never held up by a writer (start-up included)
        for name, proc in writers.items():
            out, err = proc.communicate(timeout=LOCK_WAIT_SECONDS + 60)
            waited = time.monotonic() - started
            assert proc.returncode == 1, (name, out, err)
            assert " ".join(err.split()) == BUSY, (name, err)
            assert "locked" not in out + err and "Traceback" not in err
            assert LOCK_WAIT_SECONDS <= waited < LOCK_WAIT_SECONDS + 20, (name, waited)
            tally.add("concurrency", "writers told the file was busy")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)

    # Nothing half-done, and the same commands go through once the lock is free.
    db = open_db(db_path)
    assert db.conn.execute("select count(*) from notes").fetchone() == (0,)
    assert db.conn.execute("select count(*) from events").fetchone() == (500,)
    db.close()
    assert integrity(db_path) == "ok"
    for args in (["note", "acct-1", "now it goes through"], ["ingest", str(export)]):
        proc = subprocess.run([*PQA, "--db", str(db_path), "--as", "ann", *args],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
