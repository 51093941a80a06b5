"""Several real processes on one SQLite file: every note kept, exactly one claim wins, and a
long ingest transaction blocks no reader and loses no triage write."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from triage_data import add_account

from pqa_tui import triage

WORKER = r"""
import json, os, sys, time
from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.store import open_db

db_path, go, me, n_notes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
db = open_db(db_path)
config = Config()
while not os.path.exists(go):  # start together, so the claims really race
    time.sleep(0.005)
result = {"me": me}
try:
    result["claimed"] = triage.claim(db, config, "acme", me).owner
except triage.AlreadyClaimed as e:
    result["lost_to"] = e.owner
    result["message"] = str(e)
for i in range(n_notes):
    triage.add_note(db, config, "acme", me, f"{me} note {i} ✓")
print(json.dumps(result))
"""

PEOPLE = ["ann", "bob", "cy", "dee", "eve"]
NOTES_EACH = 20


def test_processes_race_claims_and_write_notes(db, db_path, tmp_path, config):
    add_account(db, "acme")
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db_path), str(go), me, str(NOTES_EACH)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in PEOPLE
    ]
    time.sleep(0.5)  # let every process open the file and wait at the line
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))

    winners = [r["me"] for r in results if "claimed" in r]
    assert len(winners) == 1
    (winner,) = winners
    losers = [r for r in results if "lost_to" in r]
    assert len(losers) == len(PEOPLE) - 1
    assert all(r["lost_to"] == winner for r in losers)
    assert all(r["message"] == f"acme is already claimed by {winner}" for r in losers)

    live = triage.live_state(db, config, "acme")
    assert (live.state, live.owner) == ("claimed", winner)
    kept = {(n["author"], n["text"]) for n in triage.notes(db, "acme")}
    assert kept == {(me, f"{me} note {i} ✓") for me in PEOPLE for i in range(NOTES_EACH)}
    actions = [a["action"] for a in triage.history(db, "acme")]
    assert actions.count("claim") == 1
    assert actions.count("note") == len(PEOPLE) * NOTES_EACH


INGEST = r"""
import sys, time
from pathlib import Path
from pqa_tui.store import open_db, write

db_path, holding = sys.argv[1], Path(sys.argv[2])
db = open_db(db_path)
with write(db) as conn:  # one long ingest transaction holding the write lock
    conn.executemany(
        "insert into events(dedupe_key, kind, account_id, user_id, event, ts, run_id, line)"
        " values (?, 'track', 'acme', 'u1', 'Document Created', '2026-03-02T09:00:00.000000Z',"
        " 1, ?)",
        [(f"e{i}", i) for i in range(5000)],
    )
    holding.touch()
    time.sleep(1.5)
"""


def test_long_ingest_blocks_no_reader_and_loses_no_claim(db, db_path, tmp_path, config):
    from pqa_tui.triage import QueueFilter
    from pqa_tui.triage.queue_view import list_queue

    add_account(db, "acme")
    holding = tmp_path / "holding"
    ingest = subprocess.Popen(
        [sys.executable, "-c", INGEST, str(db_path), str(holding)], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not holding.exists():
        assert time.monotonic() < deadline and ingest.poll() is None, ingest.stderr.read()
        time.sleep(0.01)

    started = time.monotonic()
    assert [r.account for r in list_queue(db, config, QueueFilter(me="ann"))] == ["acme"]
    assert triage.live_state(db, config, "acme").state == "new"
    assert time.monotonic() - started < 0.5  # reads go on while the ingest holds the lock

    live = triage.claim(db, config, "acme", "ann")  # waits its turn, then lands
    waited = time.monotonic() - started
    assert ingest.wait(timeout=60) == 0
    assert (live.state, live.owner) == ("claimed", "ann")
    assert waited > 0.5
    (events,) = db.conn.execute("select count(*) from events").fetchone()
    assert events == 5000
