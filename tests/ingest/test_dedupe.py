"""Nothing lost, nothing doubled: re-runs, overlapping files, other formats, no ids."""

from __future__ import annotations

import gzip
import hashlib

from ingest_data import count, identify, ingest, recomputed_rollups, rollups, track, write_ndjson


def test_identical_file_again_is_all_duplicates(db, tmp_path):
    path = write_ndjson(tmp_path / "e.ndjson", [track("Search", f"u{i}") for i in range(5)])
    first = ingest(db, path)[0]
    before = rollups(db)
    again = ingest(db, path)[0]
    assert (first.read, first.inserted, first.duplicates) == (5, 5, 0)
    assert (again.read, again.inserted, again.duplicates) == (5, 0, 5)
    assert again.already_ingested_run is not None
    assert count(db, "select count(*) from events") == 5
    assert rollups(db) == before


def test_overlapping_file_adds_only_new_events(db, tmp_path):
    events = [track("Search", "u1", ts=f"2025-03-01T10:00:0{i}.000Z") for i in range(6)]
    ingest(db, write_ndjson(tmp_path / "a.ndjson", events[:4]))
    summary = ingest(db, write_ndjson(tmp_path / "b.ndjson", events[2:]))[0]
    assert (summary.read, summary.inserted, summary.duplicates) == (4, 2, 2)
    assert count(db, "select count(*) from events") == 6
    assert rollups(db)[("a1", "2025-03-01", "events")] == 6
    assert rollups(db) == recomputed_rollups(db)


def test_same_events_gzipped_are_duplicates(db, tmp_path):
    events = [track("Search", "u1"), track("Search", "u2")]
    plain = write_ndjson(tmp_path / "e.ndjson", events)
    gz = tmp_path / "e.ndjson.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    ingest(db, plain)
    summary = ingest(db, gz)[0]
    assert (summary.inserted, summary.duplicates) == (0, 2)


def test_dedupe_across_formats_on_the_source_id(db, tmp_path):
    ingest(db, write_ndjson(tmp_path / "seg.ndjson", [track("Search", "u1", msg="evt-42")]))
    csv = tmp_path / "same.csv"
    csv.write_text(
        "message_id,user_id,account_id,event,timestamp\n"
        "evt-42,u1,a1,Search,2025-03-01T10:00:00Z\n"
        "evt-43,u1,a1,Search,2025-03-01T10:05:00Z\n"
    )
    summary = ingest(db, csv)[0]
    assert (summary.inserted, summary.duplicates) == (1, 1)
    assert rollups(db)[("a1", "2025-03-01", "events")] == 2


def test_records_without_ids_dedupe_on_content(db, tmp_path):
    events = [track("Search", "u1"), track("Search", "u2")]
    for e in events:
        del e["messageId"]
    ingest(db, write_ndjson(tmp_path / "a.ndjson", events))
    summary = ingest(db, write_ndjson(tmp_path / "b.ndjson", events + [track("Other", "u3")]))[0]
    assert (summary.inserted, summary.duplicates) == (1, 2)
    assert count(db, "select count(*) from events where dedupe_key like 'h:%'") == 2


def test_duplicate_inside_a_later_file(db, tmp_path):
    ingest(db, write_ndjson(tmp_path / "a.ndjson", [track("Search", "u1")]))
    dup = track("Search", "u2", msg="twice")
    summary = ingest(db, write_ndjson(tmp_path / "b.ndjson", [dup, dup, track("X", "u3")]))[0]
    assert (summary.read, summary.inserted, summary.duplicates) == (3, 2, 1)
    assert rollups(db) == recomputed_rollups(db)


def test_duplicate_identify_applies_once(db, tmp_path):
    call = identify("u1", role="member", msg="id-1")
    change = identify("u1", ts="2025-03-02T09:00:00.000Z", role="admin", msg="id-2")
    ingest(db, write_ndjson(tmp_path / "a.ndjson", [call, change, change]))
    ingest(db, write_ndjson(tmp_path / "b.ndjson", [call, change, track("X", "u1")]))
    assert count(db, "select count(*) from trait_changes") == 1
    assert count(db, "select role from users where user_id = 'u1'") == "admin"


def test_progress_reports_bytes_up_to_the_size(db, tmp_path, monkeypatch):
    from pqa_tui.ingest import batches

    monkeypatch.setattr(batches, "BATCH_SIZE", 10)
    path = write_ndjson(tmp_path / "e.ndjson", [track("Search", f"u{i}") for i in range(50)])
    calls = []
    ingest(db, path, progress=lambda source, done, total: calls.append((source, done, total)))
    size = path.stat().st_size
    assert calls[0] == (str(path), 0, size) and calls[-1] == (str(path), size, size)
    assert all(total == size for _, _, total in calls)
    done = [d for _, d, _ in calls]
    assert done == sorted(done) and len(calls) >= 3


def test_a_new_file_is_hashed_while_read_and_same_size_is_not_same_file(db, tmp_path):
    a = write_ndjson(tmp_path / "a.ndjson", [track("Search", "u1", msg="m1")])
    b = write_ndjson(tmp_path / "b.ndjson", [track("Search", "u2", msg="m2")])
    assert a.stat().st_size == b.stat().st_size
    ingest(db, a)
    run = db.conn.execute("select sha256, bytes from ingest_runs").fetchone()
    assert run == (hashlib.sha256(a.read_bytes()).hexdigest(), a.stat().st_size)
    summary = ingest(db, b)[0]
    assert (summary.inserted, summary.already_ingested_run) == (1, None)
    assert ingest(db, b)[0].already_ingested_run == 2
    assert count(db, "select count(*) from events") == 2
