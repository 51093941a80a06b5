"""Demo event files: exact counts, each format's shape, gzip, and streaming memory."""

from __future__ import annotations

import gzip
import re
import tracemalloc
from datetime import UTC, datetime

import orjson
import pytest

from pqa_tui.config import Config
from pqa_tui.demo import DemoError, generate_workspace, write_event_file
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.plugins import load_plugins

END = datetime(2026, 6, 30, tzinfo=UTC)


def read_lines(path) -> list[dict]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as fh:
        return [orjson.loads(line) for line in fh]


@pytest.mark.parametrize("name", ["events.ndjson", "events.ndjson.gz"])
def test_writes_exactly_n_unique_segment_events(tmp_path, name):
    path = tmp_path / name
    assert write_event_file(path, events=3_000, accounts=20, seed=2, end=END) == 3_000
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"
    rows = read_lines(path)
    assert len(rows) == 3_000
    assert len({r["messageId"] for r in rows}) == 3_000
    assert {r["type"] for r in rows} == {"track", "page", "identify", "group"}


def test_track_only_and_more_events_than_the_accounts_hold(tmp_path):
    """Few accounts, many events: activity is scaled up (and accounts added if short)."""
    path = tmp_path / "track.ndjson"
    write_event_file(path, events=20_000, accounts=10, seed=4, end=END, track_only=True)
    rows = read_lines(path)
    assert len(rows) == 20_000
    assert {r["type"] for r in rows} == {"track"}
    assert all(r["context"]["groupId"] and r["event"] for r in rows)


def test_same_seed_same_file(tmp_path):
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    for path in (a, b):
        write_event_file(path, events=2_000, fmt="amplitude", seed=9, end=END)
    assert a.read_bytes() == b.read_bytes()


def test_amplitude_shape(tmp_path):
    path = tmp_path / "amp.ndjson.gz"
    write_event_file(path, events=2_000, fmt="amplitude", accounts=15, seed=1, end=END)
    rows = read_lines(path)
    assert len(rows) == 2_000
    for r in rows:
        assert r["event_type"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", r["event_time"])
        assert r["insert_id"] and r["user_id"].startswith("u_")
        assert set(r["groups"]) == {"company"}
        assert isinstance(r["event_properties"], dict)
        assert isinstance(r["user_properties"], dict)
    types = {r["event_type"] for r in rows}
    assert {"$identify", "$groupidentify", "Page Viewed", "Document Created"} <= types


def test_mixpanel_shape(tmp_path):
    path = tmp_path / "mp.ndjson"
    write_event_file(path, events=2_000, fmt="mixpanel", accounts=15, seed=1, end=END)
    rows = read_lines(path)
    assert len(rows) == 2_000
    for r in rows:
        props = r["properties"]
        assert r["event"]
        assert isinstance(props["time"], int) and 1.7e9 < props["time"] < 1.8e9
        assert props["distinct_id"].startswith("u_")
        assert props["$insert_id"] and props["account_id"].startswith("ws_")
    assert len({r["properties"]["$insert_id"] for r in rows}) == 2_000


@pytest.mark.parametrize("fmt", ["segment", "amplitude", "mixpanel"])
def test_every_shape_ingests_without_rejects(db, fmt):
    """The real readers accept what the generator writes, with accounts and users attached."""
    workspace = generate_workspace(8, end=END, accounts=12, months=3)
    records = list(workspace.records(fmt))
    plugins = load_plugins(None, entry_points_too=False)
    summary = ingest_records(db, Config(), records, source="test", fmt=fmt, plugins=plugins)
    assert summary.rejected == 0
    assert summary.inserted == len(records)
    accounts = {r[0] for r in db.conn.execute("select distinct account_id from events")}
    assert accounts == {a.account_id for a in workspace.accounts}


def test_the_writer_streams(tmp_path):
    """Memory stays far below the size of the file: events are never all held at once."""
    path = tmp_path / "big.ndjson"
    tracemalloc.start()
    try:
        write_event_file(path, events=20_000, accounts=100, seed=5, end=END)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert size > 3_000_000
    assert peak < size / 3


def test_bad_requests_are_refused(tmp_path):
    with pytest.raises(DemoError, match="--format"):
        write_event_file(tmp_path / "x", events=10, fmt="parquet")
    with pytest.raises(DemoError, match="--events"):
        write_event_file(tmp_path / "x", events=-1)
