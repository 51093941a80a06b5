"""Fuzzed input: every reader gets random and mutated records and never crashes.

Each example is a whole file (valid records, records with one field replaced by something
hostile, truncated JSON, invalid UTF-8, NUL bytes, random bytes; ragged CSV rows) ingested
into a fresh database. Every record ends up stored or rejected with a reason, the counts add
up (read = inserted + duplicates + rejected), and the rollups equal a recomputation from the
stored events. A reader may refuse a whole input with a clean ``IngestError`` (a gzip header
followed by garbage, say); it then stores nothing.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_data import recomputed_rollups, rollups_snapshot

from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import IngestError, ingest_paths, ingest_records
from pqa_tui.plugins import load_plugins
from pqa_tui.store import open_db

CONFIG = Config()
PLUGINS = load_plugins(entry_points_too=False)
JSON_FORMATS = ["segment", "amplitude", "mixpanel", "posthog"]

# -- values that break things ---------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "", " ", "\x00", "a\x00b", "\u202eevil", "\u200b", "[bold]x[/]", "\x1b[2J",
        "'; drop table events; --",
        "é" * 50, "\ud7ff", "𝕏", "-", "0", "null", "NaN",
    ]
) | st.text(max_size=40)  # fmt: skip
TIMESTAMPS = st.sampled_from(
    [
        "2026-02-01T10:00:00Z", "2026-02-01 10:00:00.123456", "2026-02-01T10:00:00+05:30",
        "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0999-05-01T00:00:00Z",
        "10000-01-01", "2026-02-30T00:00:00Z", "2026-13-01", "", "yesterday", "1e5",
        "99999999999999999999999999999999", "-1", 1_700_000_000, 1_700_000_000_000,
        1_700_000_000_000_000_000, -1, 0, 2**63 - 1, 2**64, -(2**63), 1e308, -1e308, 0.5,
        True, None, [], {}, "1700000000",
    ]
)  # fmt: skip
NUMBERS = st.sampled_from([0, -1, 2**63 - 1, -(2**63), 2**64, 1e308, -1e308, 5e-324, -0.0])


def nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = {"k": value} if i % 2 else [value]
    return value


JUNK = (
    HOSTILE_TEXT
    | NUMBERS
    | TIMESTAMPS
    | st.sampled_from([None, True, False, [], {}, [1, "a"], {"": None}])
    | st.sampled_from([nested(50), nested(300), nested(1000)])
    | st.dictionaries(HOSTILE_TEXT, HOSTILE_TEXT | NUMBERS, max_size=3)
)

# -- records in each format's shape ----------------------------------------------------------


def valid(fmt: str, i: int, ts: Any) -> dict[str, Any]:
    user, account = f"u{i % 5}", f"acct-{i % 3}"
    if fmt == "segment":
        kind = ("track", "page", "identify", "group")[i % 4]
        rec: dict[str, Any] = {"type": kind, "messageId": f"m{i}", "userId": user,
                               "timestamp": ts, "context": {"groupId": account}}  # fmt: skip
        if kind == "track":
            rec.update(event="Document Created", properties={"n": i})
        elif kind == "page":
            rec["properties"] = {"path": "/pricing"}
        elif kind == "identify":
            rec["traits"] = {"role": "admin", "email": f"{user}@x.io"}
        else:
            rec.update(groupId=account, traits={"name": "Acme", "plan": "pro"})
        return rec
    if fmt == "amplitude":
        return {"event_type": ["Document Created", "$identify", "Page Viewed"][i % 3],
                "event_time": ts, "user_id": user, "groups": {"company": account},
                "insert_id": f"a{i}", "event_properties": {"path": "/terms"},
                "user_properties": {"role": "member"}}  # fmt: skip
    if fmt == "mixpanel":
        return {"event": ["Document Created", "$mp_web_page_view"][i % 2],
                "properties": {"time": ts, "distinct_id": user, "account_id": account,
                               "$insert_id": f"x{i}", "current_url_path": "/plans"}}  # fmt: skip
    return {"event": ["Document Created", "$pageview", "$identify", "$groupidentify"][i % 4],
            "distinct_id": user, "timestamp": ts, "uuid": f"p{i}",
            "properties": {"$groups": {"company": account}, "$pathname": "/dpa",
                           "$group_key": account, "$set": {"role": "owner"}}}  # fmt: skip


def paths_of(rec: dict[str, Any]) -> list[tuple[Any, str]]:
    """(parent, key) of every field, nested ones too, so any of them can be replaced."""
    found = []
    stack: list[Any] = [rec]
    while stack:
        obj = stack.pop()
        for key, value in obj.items():
            found.append((obj, key))
            if isinstance(value, dict):
                stack.append(value)
    return found


@st.composite
def json_line(draw, fmt: str, i: int) -> bytes:
    rec = valid(fmt, i, draw(TIMESTAMPS) if draw(st.booleans()) else "2026-02-01T10:00:00Z")
    how = draw(st.sampled_from(["valid", "field", "field", "drop", "truncate", "bytes", "raw"]))
    if how in ("field", "drop"):
        fields = paths_of(rec)
        parent, key = fields[draw(st.integers(0, len(fields) - 1))]
        if how == "drop":
            del parent[key]
        else:
            parent[key] = draw(JUNK)
    if how == "raw":
        return draw(st.binary(max_size=80)).replace(b"\n", b" ")
    try:
        data = orjson.dumps(rec)
    except orjson.JSONEncodeError:  # junk orjson will not write (nested too deep)
        data = orjson.dumps(valid(fmt, i, "2026-02-01T10:00:00Z"))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "bytes":
        at = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x00", b"\xed\xa0\x80", b"\r"]))
        data = data[:at] + junk + data[at:]
    return data.replace(b"\n", b" ")


@st.composite
def json_file(draw, fmt: str) -> bytes:
    n = draw(st.integers(1, 25))
    lines = [draw(json_line(fmt, i)) for i in range(n)]
    # Duplicates are normal in exports: repeat some lines as they are.
    lines += draw(st.lists(st.sampled_from(lines), max_size=3))
    return b"\n".join(lines) + draw(st.sampled_from([b"\n", b"", b"\n\n"]))


CSV_HEADER = ["account_id", "user_id", "event", "timestamp", "message_id", "plan"]


@st.composite
def csv_file(draw) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    header = draw(st.sampled_from([CSV_HEADER, CSV_HEADER[:4], ["type", *CSV_HEADER]]))
    writer.writerow(header)
    for i in range(draw(st.integers(0, 20))):
        row = ["acct-1", f"u{i}", "Document Created", "2026-02-01T10:00:00Z", f"c{i}", "free"]
        if header[0] == "type":
            row.insert(0, draw(st.sampled_from(["track", "identify", "group", "page", "bogus"])))
        row = row[: len(header)]
        for _ in range(draw(st.integers(0, 2))):
            j = draw(st.integers(0, len(row) - 1))
            row[j] = str(draw(JUNK))[:200]
        row = row[: draw(st.integers(0, len(row) + 1))] + draw(
            st.lists(HOSTILE_TEXT, max_size=3)
        )  # ragged: short and long rows
        writer.writerow(row)
    data = out.getvalue().encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\x00", b'"', b"\r"])) + data[at:]
    return data


# -- the check ----------------------------------------------------------------------------


def expected_json_reads(data: bytes) -> int | None:
    """Lines the NDJSON reader counts (None for a JSON array): leading lines that are empty
    once a byte-order mark and blanks are stripped are skipped, then every non-blank line."""
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        head = line.lstrip(b"\xef\xbb\xbf \t\r\n")
        if head:
            if head[:1] == b"[":
                return None
            return 1 + sum(1 for rest in lines[i + 1 :] if rest.strip())
    return 0


def ingest_and_check(data: bytes, fmt: str, suffix: str) -> int:
    """Ingest one file into a fresh database; check the accounting. Returns records read."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        db = open_db(Path(tmp) / "pqa.db")
        try:
            try:
                (summary,) = ingest_paths(db, CONFIG, PLUGINS, [path], fmt=fmt)
            except IngestError as e:
                assert str(e)
                assert db.conn.execute("select count(*) from events").fetchone() == (0,)
                return 0
            assert summary.read == summary.inserted + summary.duplicates + summary.rejected
            stored = db.conn.execute(
                "select count(*) from events join ingest_runs r on r.id = events.run_id "
                "where r.source = ?",
                (str(path),),
            ).fetchone()[0]
            assert stored == summary.inserted
            reasons = [r for (r,) in db.conn.execute("select reason from rejects")]
            assert len(reasons) == summary.rejected and all(reasons)
            if summary.format != "csv":
                expected = expected_json_reads(data)
                if expected is not None:
                    assert summary.read == expected
            assert rollups_snapshot(db.conn) == recomputed_rollups(Path(tmp) / "pqa.db", CONFIG)
            return summary.read
        finally:
            db.close()


def fuzz_settings(pick) -> settings:
    return settings(
        max_examples=pick(60, 600),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.large_base_example],
    )  # fmt: skip


@pytest.mark.parametrize("fmt", JSON_FORMATS)
def test_json_readers_never_crash_and_account_for_every_line(fmt, pick, tally):
    @fuzz_settings(pick)
    @given(data=json_file(fmt))
    def run(data: bytes) -> None:
        tally.add("fuzz", "records fuzzed", ingest_and_check(data, fmt, ".ndjson"))
        tally.add("fuzz", "files fuzzed")

    run()


def test_auto_detection_never_crashes(pick, tally):
    @fuzz_settings(pick)
    @given(data=st.sampled_from(JSON_FORMATS).flatmap(json_file) | csv_file())
    def run(data: bytes) -> None:
        tally.add("fuzz", "records fuzzed", ingest_and_check(data, "auto", ".data"))
        tally.add("fuzz", "files fuzzed")

    run()


def test_csv_reader_never_crashes_on_ragged_rows(pick, tally):
    @fuzz_settings(pick)
    @given(data=csv_file())
    def run(data: bytes) -> None:
        tally.add("fuzz", "records fuzzed", ingest_and_check(data, "csv", ".csv"))
        tally.add("fuzz", "files fuzzed")

    run()


# -- the big and the deep, deterministically ------------------------------------------------


@pytest.mark.parametrize("fmt", JSON_FORMATS)
def test_ten_megabyte_lines_and_deep_nesting(fmt, tmp_path, tally):
    good = valid(fmt, 0, "2026-02-01T10:00:00Z")
    big = valid(fmt, 1, "2026-02-01T10:00:00Z")
    target = big["properties"] if "properties" in big else big.setdefault("event_properties", {})
    target["blob"] = "x" * (10 * 1024 * 1024)
    deep = orjson.dumps(valid(fmt, 2, "2026-02-01T10:00:00Z")).replace(
        b"}", b', "deep": ' + b"[" * 300 + b"1" + b"]" * 300 + b"}", 1
    )
    deeper = b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    lines = [
        orjson.dumps(good),
        orjson.dumps(big),
        b"{" + b"x" * (10 * 1024 * 1024),  # a 10 MB line of broken JSON
        deep,
        deeper,
        b"\x00" * 1000,
    ]
    read = ingest_and_check(b"\n".join(lines) + b"\n", fmt, ".ndjson")
    assert read == len(lines)
    tally.add("fuzz", "records fuzzed", read)


def test_ingest_records_takes_python_objects_it_cannot_store(tmp_path, tally):
    """``ingest_records`` (the demo's path) gets objects no JSON file holds."""
    import datetime as dt

    weird: list[Any] = [
        {"type": "track", "event": "E", "userId": "u", "timestamp": "2026-02-01T00:00:00Z",
         "properties": {1: "int key"}},
        {"type": "track", "event": "E", "userId": "u", "timestamp": "2026-02-01T00:00:00Z",
         "properties": {"when": dt.datetime(2026, 1, 1), "raw": b"\xff", "s": {1, 2}}},
        {"type": "track", "event": "E", "userId": "u", "timestamp": 10**400},
        {"type": "track", "event": "E", "userId": "u", "timestamp": "2026-02-01T00:00:00Z",
         "properties": {"deep": nested(400)}},
        {"type": "track", "event": "E", "userId": "u", "timestamp": "2026-02-01T00:00:00Z"},
    ]  # fmt: skip
    db = open_db(tmp_path / "pqa.db")
    summary = ingest_records(db, CONFIG, weird, source="python")
    assert summary.read == len(weird)
    assert summary.read == summary.inserted + summary.duplicates + summary.rejected
    assert summary.inserted >= 1
    rejects = db.conn.execute("select count(*) from rejects").fetchone()[0]
    assert rejects == summary.rejected
    assert db.conn.execute("pragma integrity_check").fetchone() == ("ok",)
    tally.add("fuzz", "records fuzzed", len(weird))


def test_stored_times_stay_sortable_text(tmp_path):
    """Out-of-range years are rejected or stored zero-padded, so a day (ts[:10]) is the date."""
    lines = [
        orjson.dumps(valid("segment", 0, ts))
        for ts in ("0999-05-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "2026-02-01T10:00:00Z")
    ]
    path = tmp_path / "t.ndjson"
    path.write_bytes(b"\n".join(lines))
    db = open_db(tmp_path / "pqa.db")
    ingest_paths(db, CONFIG, PLUGINS, [path], fmt="segment")
    stored = [ts for (ts,) in db.conn.execute("select ts from events")]
    assert stored
    for ts in stored:
        assert len(ts) == 27 and ts[4] == ts[7] == "-" and ts[10] == "T", ts
    # (The three lines share one message id: the later two are duplicates, counted out again.)
    days = {day for (day,) in db.conn.execute("select day from rollups where value != 0")}
    assert days == {ts[:10] for ts in stored}
    assert isinstance(db.conn, sqlite3.Connection)
