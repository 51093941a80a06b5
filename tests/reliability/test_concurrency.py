"""Concurrency under load: a big `pqa ingest` runs while four processes write notes, claims,
releases and sunsets and two read the queue. Every write is kept, no "database is locked"
reaches anyone, and every queue read stays under a second."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from reliability_data import (
    integrity,
    recomputed_rollups,
    rollups_snapshot,
    segment_events,
    write_ndjson,
)

from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.plugins import load_plugins
from pqa_tui.scoring import score_all
from pqa_tui.store import open_db

PQA = [sys.executable, "-m", "pqa_tui"]
COMMON = r"""
import json, os, sys, time
from pathlib import Path
from pqa_tui import triage
from pqa_tui.config import Config
from pqa_tui.store import open_db
db_path, me, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
db, config = open_db(db_path), Config()
stop, acks = folder / "stop", open(folder / f"{me}.acks", "a", buffering=1)
(folder / f"{me}.ready").touch()
"""
# A rep's day at full speed: claim, note, release on their own accounts; now and then a sunset.
WRITER = (
    COMMON
    + r"""
w = int(me[-1])
mine = [f"acct-{w * 10 + k}" for k in range(5)]
parkable = [f"acct-{100 + w * 20 + k}" for k in range(20)]
i, slowest = 0, 0.0
while not stop.exists() or i < 20:
    account = mine[i % len(mine)]
    started = time.monotonic()
    triage.claim(db, config, account, me)
    triage.add_note(db, config, account, me, f"{me} note {i} on {account}")
    triage.release(db, config, account, me, reason=f"round {i}")
    slowest = max(slowest, time.monotonic() - started)
    note = {"op": "note", "account": account, "text": f"{me} note {i} on {account}"}
    acks.write(json.dumps(note) + "\n")
    if i % 10 == 0 and parkable:
        account = parkable.pop()
        triage.sunset(db, config, account, me, reason=f"{me} sunset {i}")
        acks.write(json.dumps({"op": "sunset", "account": account}) + "\n")
    i += 1
print(json.dumps({"iterations": i, "slowest_write_s": slowest}))
"""
)
READER = (
    COMMON
    + r"""
from pqa_tui.triage.queue_view import count_queue, list_queue
times = []
while not stop.exists() or len(times) < 5:
    started = time.monotonic()
    rows = list_queue(db, config, limit=50)
    total = count_queue(db, config)
    times.append(time.monotonic() - started)
    assert len(rows) <= 50 and total >= len(rows)
    time.sleep(0.02)
print(json.dumps({"reads": len(times), "max_s": max(times)}))
"""
)
CLI_NOTES = 8


def test_ingest_with_four_writers_and_two_readers(tmp_path, pick, tally):
    db_path = tmp_path / "pqa.db"
    config = Config()
    db = open_db(db_path)
    ingest_records(db, config, segment_events(20_000, accounts=200, seed=1), source="seed")
    score_all(db, config, load_plugins(entry_points_too=False))
    before_events = db.conn.execute("select count(*) from events").fetchone()[0]
    db.close()

    total, per_file = pick(100_000, 500_000), pick(25_000, 100_000)
    events = segment_events(total, accounts=200, seed=2)
    files = []
    for k in range(total // per_file):
        files.append(str(write_ndjson(tmp_path / f"big-{k}.ndjson",
                                      (next(events) for _ in range(per_file)))))  # fmt: skip

    folder = tmp_path / "run"
    folder.mkdir()
    people = ["writer0", "writer1", "writer2"]
    procs = {
        me: subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), me, str(folder)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for me in people
    }  # fmt: skip
    for me in ("reader0", "reader1"):
        procs[me] = subprocess.Popen(
            [sys.executable, "-c", READER, str(db_path), me, str(folder)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not all((folder / f"{me}.ready").exists() for me in procs):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs.values())
        time.sleep(0.05)

    ingest = subprocess.Popen(
        [*PQA, "--db", str(db_path), "ingest", "--json", *files],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # The fourth writer is a person at the command line: `pqa note` while the ingest runs.
    cli_results = []
    for i in range(CLI_NOTES):
        cli = subprocess.run(
            [*PQA, "--db", str(db_path), "--as", "cli", "note", "acct-90", f"cli note {i}"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        cli_results.append(cli)
    ingest_out, ingest_err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, ingest_err
    (folder / "stop").touch()
    reports = {}
    for me, p in procs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, f"{me}: {err}"
        assert "locked" not in err and "busy" not in err
        reports[me] = json.loads(out)

    for cli in cli_results:
        assert cli.returncode == 0, cli.stderr
        assert "locked" not in cli.stderr + cli.stdout

    # Every write is kept.
    db = open_db(db_path)
    notes = {(n, a) for n, a in db.conn.execute("select text, account_id from notes")}
    sunsets = {
        a for (a,) in db.conn.execute("select account_id from activity where action = 'sunset'")
    }
    acked_notes, acked_sunsets = 0, 0
    for me in people:
        for line in (folder / f"{me}.acks").read_text().splitlines():
            ack = json.loads(line)
            if ack["op"] == "note":
                assert (ack["text"], ack["account"]) in notes
                acked_notes += 1
            else:
                assert ack["account"] in sunsets
                acked_sunsets += 1
    cli_notes = {t for t, a in notes if a == "acct-90"}
    assert cli_notes == {f"cli note {i}" for i in range(CLI_NOTES)}
    logged = db.conn.execute("select count(*) from activity where action = 'note'").fetchone()[0]
    assert logged == len(notes) == acked_notes + CLI_NOTES

    # The ingest lost nothing either, and what it derived is right.
    summary = json.loads(ingest_out)
    repeated = 200  # the group call of each account repeats the seed's (same messageId)
    assert sum(f["inserted"] for f in summary["files"]) == total - repeated
    assert sum(f["duplicates"] for f in summary["files"]) == repeated
    after_events = db.conn.execute("select count(*) from events").fetchone()[0]
    assert after_events == before_events + total - repeated
    assert rollups_snapshot(db.conn) == recomputed_rollups(db_path, config)
    db.close()
    assert integrity(db_path) == "ok"

    # Queue reads stayed under a second all along.
    for me in ("reader0", "reader1"):
        assert reports[me]["reads"] >= 5
        assert reports[me]["max_s"] < 1.0, reports[me]
    tally.add("concurrency", "events ingested under load", total)
    tally.add("concurrency", "writes kept", acked_notes * 3 + acked_sunsets + CLI_NOTES)
    tally.add(
        "concurrency", "queue reads", sum(reports[r]["reads"] for r in ("reader0", "reader1"))
    )
    slowest_read = max(reports[r]["max_s"] for r in ("reader0", "reader1"))
    tally.add("concurrency", "slowest queue read ms", round(slowest_read * 1000))
    slowest_write = max(reports[w]["slowest_write_s"] for w in people)
    tally.add("concurrency", "slowest claim+note+release ms", round(slowest_write * 1000))
