"""A big file is read by a second process: same database as reading it in one, and failures
on either side leave nothing of the file and no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import orjson
import pytest
from ingest_data import count, group, identify, ingest, page, track, write_ndjson

from pqa_tui.config import Config
from pqa_tui.errors import PqaError
from pqa_tui.ingest import pipeline
from pqa_tui.ingest.formats import JsonLinesFormat, Record, Reject
from pqa_tui.ingest.pipeline import ingest_paths
from pqa_tui.ingest.read_ahead import ReadAheadError
from pqa_tui.plugins import load_plugins
from pqa_tui.store import open_db

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

TABLES = {
    "events": (
        "dedupe_key, kind, account_id, user_id, event, ts, properties, line, "
        "(select r.source from ingest_runs r where r.id = events.run_id)"
    ),
    "users": "*",
    "accounts": "*",
    "memberships": "*",
    "trait_changes": "entity, entity_id, account_id, trait, old_value, new_value, ts",
    "outcomes": "account_id, outcome, source, detail",
    "rollups": "account_id, day, metric, value",
    "user_days": "*",
    "rejects": "source, line, reason, raw",
    "ingest_runs": "source, sha256, read, inserted, duplicates, rejected",
}


def story(n: int = 3000) -> list:
    """Memberships arriving late, traits, role and plan changes, conversions, pages, storage,
    duplicates in the file and rejects, spread over several batches."""
    recs: list = [
        track("Search", "late", None, ts="2025-03-01T08:00:00.000Z"),
        identify("u1", role="member", email="u1@example.io"),
        group("u1", "a1", plan="free", name="Acme"),
    ]
    for i in range(n):
        ts = f"2025-03-{1 + i * 27 // n:02d}T10:{i % 60:02d}:00.000Z"
        recs.append(track("Document Created", f"u{i % 37}", f"a{i % 11}", ts=ts, msg=f"t{i}"))
        if i % 97 == 0:
            recs.append(track("File Uploaded", "u2", "a2", ts=ts, bytes=1000 + i))
        if i % 101 == 0:
            recs.append(page(f"/docs/{i % 3}", "u3", "a3", ts=ts))
        if i % 211 == 0:
            recs.append(track("Document Created", f"u{i % 37}", f"a{i % 11}", ts=ts, msg=f"t{i}"))
        if i % 307 == 0:
            recs.append(b"{not json")
        if i % 401 == 0:
            recs.append(track("Search", "late", None, ts=ts))
    recs += [
        identify("u1", ts="2025-03-20T09:00:00.000Z", role="admin"),
        track("Role Changed", "u4", "a4", ts="2025-03-21T09:00:00.000Z", role="owner"),
        group("u1", "a1", ts="2025-03-22T09:00:00.000Z", plan="pro"),
        group("late", "a5", ts="2025-03-28T09:00:00.000Z"),
        track("Subscription Started", "u6", "a6", ts="2025-03-28T10:00:00.000Z"),
    ]
    return recs


def write_story(path: Path, recs: list) -> Path:
    path.write_bytes(
        b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in recs)
    )
    return path


def dump(db) -> dict[str, list]:
    return {
        table: sorted(map(repr, db.conn.execute(f"select {cols} from {table}")))
        for table, cols in TABLES.items()
    }


def test_read_ahead_gives_the_same_database(tmp_path, monkeypatch):
    first = write_story(tmp_path / "first.ndjson", story())
    second = write_ndjson(
        tmp_path / "second.ndjson",
        [track("Document Created", "u5", "a1", msg="t5"), track("Search", "late", "a7")],
    )
    results = {}
    for name, threshold in (("one process", 1 << 60), ("read ahead", 0)):
        monkeypatch.setattr(pipeline, "READ_AHEAD_BYTES", threshold)
        db = open_db(tmp_path / f"{name}.db")
        seen: list = []
        summaries = ingest(db, first, second, progress=lambda *args, seen=seen: seen.append(args))
        results[name] = ([s.to_dict() | {"seconds": 0, "rate": 0} for s in summaries], dump(db))
        assert seen[-1] == (str(second), second.stat().st_size, second.stat().st_size)
        assert (str(first), first.stat().st_size, first.stat().st_size) in seen
        db.close()
    assert results["read ahead"] == results["one process"]
    summary = results["read ahead"][0][0]
    assert summary["rejected"] == 10 and summary["duplicates"] == 15
    assert results["read ahead"][1]["trait_changes"]  # the effects did run


class FailingFormat(JsonLinesFormat):
    """Segment-like lines; the reader fails (as a broken gzip would) or dies at line 2500."""

    name = "failing"

    def __init__(self, how: str):
        self.how = how

    def sniff(self, head: bytes, filename: str) -> bool:
        return True

    def convert(self, obj, line: int, config: Config) -> Record | Reject:
        if line == 2500:
            if self.how == "raise":
                raise OSError("disk went away")
            os._exit(9)
        return Record("track", f"k{line}", "u1", "a1", "Search", obj["ts"], {}, None, line)


@pytest.mark.parametrize("how", ["raise", "die"])
def test_a_failing_reader_rolls_the_file_back(db, tmp_path, monkeypatch, how):
    monkeypatch.setattr(pipeline, "READ_AHEAD_BYTES", 0)
    path = write_ndjson(
        tmp_path / "f.ndjson", [{"ts": "2025-03-01T10:00:00.000Z"} for _ in range(5000)]
    )
    plugins = load_plugins(entry_points_too=False)
    plugins.formats["failing"] = FailingFormat(how)
    expected = OSError if how == "raise" else ReadAheadError
    with pytest.raises(expected) as raised:
        ingest_paths(db, Config(), plugins, [str(path)], fmt="failing")
    if how == "die":
        assert isinstance(raised.value, PqaError)
        assert "exit code 9" in str(raised.value) and "nothing from this file" in str(raised.value)
    assert count(db, "select count(*) from events") == 0
    assert count(db, "select count(*) from ingest_runs") == 0
    # the write lock is free and the file goes in next time
    monkeypatch.setattr(pipeline, "READ_AHEAD_BYTES", 1 << 60)
    assert ingest(db, path, fmt="segment")[0].read == 5000


DRIVER = """
import os, sys, time
import multiprocessing
from pqa_tui.config import Config
from pqa_tui.ingest import pipeline
from pqa_tui.plugins import load_plugins
from pqa_tui.store import open_db

pipeline.READ_AHEAD_BYTES = 0

def progress(source, done, total):
    if done:  # a batch is written: tell the reader's pid, then hang until killed
        print(multiprocessing.active_children()[0].pid, flush=True)
        time.sleep(60)

pipeline.ingest_paths(open_db(sys.argv[1]), Config(), load_plugins(entry_points_too=False),
                      [sys.argv[2]], progress=progress)
"""


def test_the_reader_exits_when_the_ingest_is_killed(tmp_path):
    path = write_ndjson(
        tmp_path / "big.ndjson",
        [track("Search", f"u{i % 50}", "a1", msg=f"m{i}") for i in range(40_000)],
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(DRIVER), str(tmp_path / "k.db"), str(path)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PQA_LOAD_PLUGINS": ""},
    )
    try:
        reader = int(parent.stdout.readline())
        assert Path(f"/proc/{reader}").exists() or not Path("/proc").exists()
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _running(reader) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(reader), "the reading process outlived the killed ingest"
    finally:
        parent.kill()
        parent.wait()
    db = open_db(tmp_path / "k.db")
    assert count(db, "select count(*) from events") == 0
    assert ingest(db, path)[0].inserted == 40_000


def _running(pid: int) -> bool:
    """Alive and not a zombie (a reaped or orphaned child is gone or 'Z')."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_strict_stops_at_the_first_reject_read_ahead(db, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "READ_AHEAD_BYTES", 0)
    path = write_story(tmp_path / "story.ndjson", story())
    with pytest.raises(pipeline.StrictReject, match=r"story.ndjson:\d+: malformed JSON"):
        ingest(db, path, strict=True)
    assert count(db, "select count(*) from events") == 0
    assert count(db, "select count(*) from rejects") == 0
