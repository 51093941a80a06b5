"""Every input format with records shaped like the real exports, compressed or not."""

from __future__ import annotations

import gzip
import io
import zipfile

import orjson
import pytest
from ingest_data import count, ingest, rollups, track, write_ndjson

from pqa_tui.config import Config
from pqa_tui.ingest.formats import InputFormat, Record
from pqa_tui.ingest.pipeline import IngestError, detect_format
from pqa_tui.plugins import load_plugins
from pqa_tui.timestamps import parse_ts


def events(db) -> list[tuple]:
    return db.conn.execute(
        "select kind, account_id, user_id, event, ts from events order by ts, id"
    ).fetchall()


# -- timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2025-03-01T10:00:00Z", "2025-03-01T10:00:00.000000Z"),
        ("2025-03-01T10:00:00.123Z", "2025-03-01T10:00:00.123000Z"),
        ("2025-03-01T10:00:00.123456Z", "2025-03-01T10:00:00.123456Z"),
        ("2025-03-01T10:00:00.1Z", "2025-03-01T10:00:00.100000Z"),
        ("2025-03-01T10:00:00.123456789Z", "2025-03-01T10:00:00.123456Z"),
        ("2025-03-01T12:00:00+02:00", "2025-03-01T10:00:00.000000Z"),
        ("2025-03-01T05:30:00.5-04:30", "2025-03-01T10:00:00.500000Z"),
        ("2025-03-01T12:00:00+0200", "2025-03-01T10:00:00.000000Z"),
        ("2025-03-01 10:00:00.250000", "2025-03-01T10:00:00.250000Z"),  # Amplitude, naive = UTC
        ("2025-03-01T10:00:00", "2025-03-01T10:00:00.000000Z"),
        ("2025-03-01", "2025-03-01T00:00:00.000000Z"),
        ("2025-03-01t10:00:00z", "2025-03-01T10:00:00.000000Z"),
        (1740823200, "2025-03-01T10:00:00.000000Z"),  # epoch seconds
        (1740823200.5, "2025-03-01T10:00:00.500000Z"),
        (1740823200123, "2025-03-01T10:00:00.123000Z"),  # milliseconds
        (1740823200123456, "2025-03-01T10:00:00.123456Z"),  # microseconds
        ("1740823200", "2025-03-01T10:00:00.000000Z"),
        ("1740823200123", "2025-03-01T10:00:00.123000Z"),
    ],
)
def test_parse_ts(raw, stored):
    assert parse_ts(raw) == stored


@pytest.mark.parametrize(
    "raw", ["", "yesterday", "2025-13-01T00:00:00.000Z", "2025-02-30", None, True, -1, [1]]
)
def test_parse_ts_rejects(raw):
    with pytest.raises(ValueError):
        parse_ts(raw)


# -- Segment --------------------------------------------------------------------------------


def test_segment_calls(db, tmp_path):
    calls = [
        {
            "type": "identify",
            "userId": "u1",
            "messageId": "m1",
            "timestamp": "2025-03-01T09:00:00.000Z",
            "traits": {
                "email": "ana@acme.io",
                "role": "admin",
                "companySize": "51-200",
                "seniority": "Director",
                "createdAt": "2025-02-27T08:00:00Z",
            },
        },
        {
            "type": "group",
            "userId": "u1",
            "groupId": "acme",
            "messageId": "m2",
            "timestamp": "2025-03-01T09:01:00.000Z",
            "traits": {"name": "Acme", "website": "https://www.acme.io", "plan": "free"},
        },
        {
            "type": "track",
            "event": "Document Created",
            "userId": "u1",
            "messageId": "m3",
            "timestamp": "2025-03-01T10:00:00.000Z",
            "properties": {"template": "blank"},
        },
        {
            "type": "page",
            "userId": "u1",
            "messageId": "m4",
            "name": "Pricing",
            "timestamp": "2025-03-01T10:05:00+01:00",
            "properties": {"url": "https://acme.app/pricing?x=1"},
        },
        {
            "type": "screen",
            "anonymousId": "anon-7",
            "messageId": "m5",
            "name": "Home",
            "timestamp": "2025-03-01T10:06:00.000Z",
            "context": {"groupId": "acme"},
        },
    ]
    ingest(db, write_ndjson(tmp_path / "segment.ndjson", calls))
    assert events(db) == [
        # attributed once the group call made u1 a member of acme
        ("identify", "acme", "u1", None, "2025-03-01T09:00:00.000000Z"),
        ("group", "acme", "u1", None, "2025-03-01T09:01:00.000000Z"),
        ("page", "acme", "u1", "Pricing", "2025-03-01T09:05:00.000000Z"),
        ("track", "acme", "u1", "Document Created", "2025-03-01T10:00:00.000000Z"),
        ("screen", "acme", "anon-7", "Home", "2025-03-01T10:06:00.000000Z"),
    ]
    user = db.conn.execute(
        "select email, role, company_size, seniority, created_at from users where user_id='u1'"
    ).fetchone()
    assert user == ("ana@acme.io", "admin", 200, "Director", "2025-02-27T08:00:00.000000Z")
    account = db.conn.execute(
        "select name, domain, plan from accounts where account_id = 'acme'"
    ).fetchone()
    assert account == ("Acme", "acme.io", "free")
    assert rollups(db)[("acme", "2025-03-01", "page:pricing")] == 1


def test_segment_json_array(db, tmp_path):
    path = tmp_path / "batch.json"
    path.write_bytes(orjson.dumps([track("Search", "u1"), track("Search", "u2")]))
    summary = ingest(db, path)[0]
    assert (summary.format, summary.inserted) == ("segment", 2)


# -- Amplitude ------------------------------------------------------------------------------


def amplitude_event(n: int, **extra) -> dict:
    return {
        "event_type": "Document Created",
        "event_time": f"2025-03-01 10:00:0{n}.123456",
        "user_id": f"u{n}",
        "device_id": "dev-1",
        "insert_id": f"ins-{n}",
        "uuid": f"uuid-{n}",
        "groups": {"company": ["acme"]},
        "user_properties": {"role": "member", "department": "Design"},
        "event_properties": {"template": "blank"},
        **extra,
    }


def test_amplitude_export_zip_of_gzipped_files(db, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for hour in range(2):
            lines = [orjson.dumps(amplitude_event(hour * 2 + i)) for i in range(2)]
            zf.writestr(
                f"123456/123456_2025-03-01_{hour}#0.json.gz",
                gzip.compress(b"\n".join(lines) + b"\n"),
            )
    path = tmp_path / "export.zip"
    path.write_bytes(buf.getvalue())
    summary = ingest(db, path)[0]
    assert (summary.format, summary.read, summary.inserted) == ("amplitude", 4, 4)
    assert events(db)[0] == (
        "track",
        "acme",
        "u0",
        "Document Created",
        "2025-03-01T10:00:00.123456Z",
    )
    assert count(db, "select department from users where user_id = 'u3'") == "Design"
    assert rollups(db)[("acme", "2025-03-01", "value")] == 4


def test_amplitude_identify_and_group_identify(db, tmp_path):
    calls = [
        amplitude_event(1, event_type="$identify", user_properties={"role": "owner"}),
        amplitude_event(2, event_type="$groupidentify", group_properties={"plan": "pro"}),
    ]
    ingest(db, write_ndjson(tmp_path / "amp.json", calls))
    assert count(db, "select role from users where user_id = 'u1'") == "owner"
    assert count(db, "select plan from accounts where account_id = 'acme'") == "pro"


# -- Mixpanel -------------------------------------------------------------------------------


def test_mixpanel_raw_export_seconds_and_milliseconds(db, tmp_path):
    rows = [
        {
            "event": "Document Created",
            "properties": {
                "time": 1740823200,
                "distinct_id": "u1",
                "$insert_id": "i1",
                "account_id": "acme",
                "mp_lib": "web",
            },
        },
        {
            "event": "Search",
            "properties": {
                "time": 1740823260123,
                "distinct_id": "u2",
                "$insert_id": "i2",
                "$groups": {"company": "beta"},
            },
        },
    ]
    path = tmp_path / "mixpanel.ndjson.gz"
    path.write_bytes(gzip.compress(b"\n".join(orjson.dumps(r) for r in rows)))
    summary = ingest(db, path)[0]
    assert summary.format == "mixpanel"
    assert events(db) == [
        ("track", "acme", "u1", "Document Created", "2025-03-01T10:00:00.000000Z"),
        ("track", "beta", "u2", "Search", "2025-03-01T10:01:00.123000Z"),
    ]


# -- PostHog --------------------------------------------------------------------------------


def test_posthog_event_export(db, tmp_path):
    rows = [
        {
            "event": "$pageview",
            "distinct_id": "u1",
            "uuid": "p1",
            "timestamp": "2025-03-01T10:00:00.000000+00:00",
            "properties": {
                "$current_url": "https://acme.app/terms",
                "$groups": {"org": "acme"},
                "$set": {"email": "a@acme.io"},
            },
        },
        {
            "event": "$groupidentify",
            "distinct_id": "u1",
            "uuid": "p2",
            "timestamp": "2025-03-01T10:01:00Z",
            "properties": {
                "$group_type": "org",
                "$group_key": "acme",
                "$group_set": {"name": "Acme Inc"},
            },
        },
    ]
    summary = ingest(db, write_ndjson(tmp_path / "posthog.jsonl", rows))[0]
    assert summary.format == "posthog"
    assert count(db, "select email from users where user_id = 'u1'") == "a@acme.io"
    assert count(db, "select name from accounts where account_id = 'acme'") == "Acme Inc"
    assert rollups(db)[("acme", "2025-03-01", "page:legal")] == 1


# -- CSV ------------------------------------------------------------------------------------


def test_csv_with_bom_quotes_and_a_mapping(db, tmp_path):
    config = Config()
    config.ingest.csv.account = "Company"
    config.ingest.csv.user = "User"
    config.ingest.csv.event = "Action"
    config.ingest.csv.time = "When"
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffCompany,User,Action,When,note\n"
        'acme,u1,Document Created,2025-03-01T10:00:00Z,"hello, world"\n'
        'acme,u2,"Search",1740823260,"two\nlines"\n'
        "acme,u3,Search,2025-03-01,plain\n".encode()
    )
    summary = ingest(db, path, config=config)[0]
    assert (summary.format, summary.inserted, summary.rejected) == ("csv", 3, 0)
    props = db.conn.execute("select properties from events order by line").fetchall()
    assert [orjson.loads(p)["note"] for (p,) in props] == ["hello, world", "two\nlines", "plain"]
    assert [line for (line,) in db.conn.execute("select line from events order by line")] == [
        2,
        3,
        5,
    ]


def test_csv_without_the_mapped_columns_is_rejected_with_advice(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    summary = ingest(db, path)[0]
    assert summary.rejected == 1
    reason = count(db, "select reason from rejects")
    assert "[ingest.csv]" in reason


# -- detection and plugins ------------------------------------------------------------------


def test_detection_and_override(db, tmp_path):
    plugins = load_plugins(entry_points_too=False)
    assert set(plugins.formats) >= {"segment", "amplitude", "mixpanel", "posthog", "csv"}
    with pytest.raises(IngestError, match="--format"):
        detect_format(plugins.formats, b"\x00\x01binary", "blob.bin")
    path = tmp_path / "events.txt"
    path.write_text("user_id,account_id,event,timestamp\nu1,a1,Search,2025-03-01\n")
    assert ingest(db, path, fmt="csv")[0].inserted == 1
    with pytest.raises(IngestError, match="unknown format"):
        ingest(db, path, fmt="parquet")


class LogFormat(InputFormat):
    """A plugin format: ``<iso time> <account> <user> <event>`` per line."""

    name = "spacelog"
    sniff_order = 10

    def sniff(self, head: bytes, filename: str) -> bool:
        return filename.endswith(".log")

    def read(self, stream, source, config):
        for n, raw in enumerate(stream, 1):
            ts, account, user, event = raw.decode().split()
            yield Record("track", None, user, account, event, parse_ts(ts), {}, None, n)


def test_a_plugin_adds_a_format(db, tmp_path):
    from pqa_tui.hookspecs import hookimpl
    from pqa_tui.ingest.pipeline import ingest_paths

    class Plugin:
        @hookimpl
        def register_formats(self, register):
            register(LogFormat())

    plugins = load_plugins(entry_points_too=False)
    plugins.pm.register(Plugin(), name="spacelog")
    plugins.formats.clear()
    plugins._collect("register_formats", "format", plugins.formats)
    path = tmp_path / "app.log"
    path.write_text("2025-03-01T10:00:00Z acme u1 Document_Created\n")
    summary = ingest_paths(db, Config(), plugins, [str(path)])[0]
    assert (summary.format, summary.inserted) == ("spacelog", 1)
    assert events(db) == [
        ("track", "acme", "u1", "Document_Created", "2025-03-01T10:00:00.000000Z")
    ]


def test_ndjson_with_a_byte_order_mark(db, tmp_path):
    path = tmp_path / "bom.ndjson"
    path.write_bytes(
        b"\xef\xbb\xbf" + b"\n".join(orjson.dumps(track("Search", f"u{i}")) for i in range(2))
    )
    summary = ingest(db, path)[0]
    assert (summary.format, summary.inserted, summary.rejected) == ("segment", 2, 0)
