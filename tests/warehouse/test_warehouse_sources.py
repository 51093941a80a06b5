"""The JSON-properties sources (PostHog, Amplitude, Mixpanel) run in DuckDB over their tables."""

from __future__ import annotations

import json

import pytest

from pqa_tui.config import Config
from pqa_tui.warehouse.engine import connect
from pqa_tui.warehouse.sources import snake_case
from pqa_tui.warehouse.sql import like_pattern, statements

T1, T2 = "2026-05-01 10:00:00", "2026-05-01 11:00:00"


def _posthog(con) -> None:
    con.execute("create table events (uuid varchar, event varchar, properties json, "
                "\"timestamp\" timestamp, distinct_id varchar)")  # fmt: skip
    rows = [
        ("e1", "Document Created", {"$groups": {"company": "acme"}}, T1, "u1"),
        ("e2", "$pageview", {"$groups": {"company": "acme"}, "$pathname": "/pricing"}, T2, "u2"),
        ("e3", "$identify", {"$set": {"email": "a@acme.io", "role": "admin"}}, T1, "u1"),
    ]
    con.executemany("insert into events values (?, ?, ?, ?, ?)",
                    [(a, b, json.dumps(c), d, e) for a, b, c, d, e in rows])  # fmt: skip


def _amplitude(con) -> None:
    con.execute("create table events (insert_id varchar, uuid varchar, user_id varchar, "
                "event_type varchar, event_time timestamp, event_properties json, "
                "user_properties json, groups json, group_properties json)")  # fmt: skip
    con.executemany(
        "insert into events values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("e1", "x1", "u1", "Document Created", T1, "{}", '{"email": "a@acme.io"}',
             '{"company": "acme"}', None),
            ("e2", "x2", "u2", "[Amplitude] Page Viewed", T2,
             '{"[Amplitude] Page Path": "/pricing"}', None, '{"company": "acme"}', None),
        ],
    )  # fmt: skip


def _mixpanel(con) -> None:
    con.execute("create table mp_master_event (insert_id varchar, distinct_id varchar, "
                "event_name varchar, \"time\" timestamp, properties json)")  # fmt: skip
    con.executemany(
        "insert into mp_master_event values (?, ?, ?, ?, ?)",
        [
            ("e1", "u1", "Document Created", T1, '{"account_id": "acme"}'),
            ("e2", "u2", "$mp_web_page_view", T2,
             '{"account_id": "acme", "current_url_path": "/pricing"}'),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    "source, make", [("posthog", _posthog), ("amplitude", _amplitude), ("mixpanel", _mixpanel)]
)
def test_json_sources_give_the_rollups(source, make):
    con = connect()
    make(con)
    found = statements(Config(), source, "duckdb")
    rows = con.execute(found["rollups"] + " order by 1, 2, 3").fetchall()
    assert [(a, str(d), m, v) for a, d, m, v in rows] == [
        ("acme", "2026-05-01", "active_users", 2.0),
        ("acme", "2026-05-01", "events", 2.0),
        ("acme", "2026-05-01", "page:pricing", 1.0),
        ("acme", "2026-05-01", "pages", 1.0),
        ("acme", "2026-05-01", "value", 1.0),
    ]
    users = dict(con.execute("select user_id, email from (" + found["users"] + ")").fetchall())
    if source != "mixpanel":
        assert users["u1"] == "a@acme.io"
    for sql in found.values():  # every table runs
        con.execute(sql).fetchall()


def test_table_names_are_overridable_and_quoted():
    found = statements(Config(), "segment", "postgres", tables={"tracks": "analytics.tracks"})
    assert '"analytics"."tracks"' in found["rollups"]


def test_names_and_globs():
    assert snake_case("File Uploaded") == "file_uploaded"
    assert snake_case("companySize") == "company_size"
    assert like_pattern("/pricing*") == ("/pricing%", False)
    assert like_pattern("/a_b?") == ("/a\\_b_", True)
    with pytest.raises(ValueError, match="character classes"):
        like_pattern("/[ab]")
