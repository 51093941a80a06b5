"""Rollups are what detectors read: exact values, late memberships, and equality with a
recomputation from raw events."""

from __future__ import annotations

from ingest_data import (
    count,
    group,
    identify,
    ingest,
    page,
    recomputed_rollups,
    rollups,
    track,
    write_ndjson,
)

from pqa_tui.config import Config

DAY = "2025-03-01"


def test_every_metric_of_one_account_day(db, tmp_path):
    config = Config()
    config.events["integration"] = ["Integration Connected"]  # a plugin author's custom kind
    events = [
        track("Document Created", "u1", ts=f"{DAY}T10:00:00.000Z"),
        track("Document Created", "u2", ts=f"{DAY}T11:00:00.000Z"),
        track("Paywall Hit", "u1", ts=f"{DAY}T12:00:00.000Z"),
        track("File Uploaded", "u2", ts=f"{DAY}T12:30:00.000Z", bytes=1500),
        track("File Uploaded", "u2", ts=f"{DAY}T12:31:00.000Z", bytes="500"),
        track("Integration Connected", "u3", ts=f"{DAY}T13:00:00.000Z"),
        page("/pricing/teams", "u1", ts=f"{DAY}T14:00:00.000Z"),
        page("/privacy", "u1", ts=f"{DAY}T14:01:00.000Z"),
        page("/docs", "u1", ts=f"{DAY}T14:02:00.000Z"),
        identify("u1", ts=f"{DAY}T09:00:00.000Z", role="member"),  # not usage
    ]
    ingest(db, write_ndjson(tmp_path / "day.ndjson", events), config=config)
    assert rollups(db) == {
        ("a1", DAY, "events"): 9,
        ("a1", DAY, "active_users"): 3,
        ("a1", DAY, "value"): 2,
        ("a1", DAY, "paywall"): 1,
        ("a1", DAY, "integration"): 1,
        ("a1", DAY, "storage"): 2000,
        ("a1", DAY, "pages"): 3,
        ("a1", DAY, "page:pricing"): 1,
        ("a1", DAY, "page:legal"): 1,
    }
    assert rollups(db) == recomputed_rollups(db, config)


def test_active_users_stay_distinct_across_files_and_batches(db, tmp_path, monkeypatch):
    from pqa_tui.ingest import batches

    monkeypatch.setattr(batches, "BATCH_SIZE", 2)  # users repeat across many small batches
    first = [track("Search", f"u{i % 3}", ts=f"{DAY}T10:0{i}:00.000Z") for i in range(6)]
    second = [track("Search", f"u{i % 4}", ts=f"{DAY}T11:0{i}:00.000Z") for i in range(8)]
    ingest(db, write_ndjson(tmp_path / "1.ndjson", first))
    ingest(db, write_ndjson(tmp_path / "2.ndjson", second))
    r = rollups(db)
    assert r[("a1", DAY, "active_users")] == 4
    assert r[("a1", DAY, "events")] == 14
    assert count(db, "select count(*) from user_days") == 4
    assert r == recomputed_rollups(db)


def test_active_users_stay_distinct_when_the_recent_user_days_rotate(db, tmp_path, monkeypatch):
    from pqa_tui.ingest import batches

    # Tiny batches and a two-triple memory: triples fall out of it and come back, so the
    # database must tell which users are new to a day.
    monkeypatch.setattr(batches, "BATCH_SIZE", 3)
    monkeypatch.setattr(batches, "RECENT_USER_DAYS", 2)
    events = [
        track("Search", f"u{(i * 7) % 5}", f"a{i % 2}", ts=f"{DAY}T10:{i:02d}:00.000Z")
        for i in range(40)
    ]
    ingest(db, write_ndjson(tmp_path / "day.ndjson", events[:25]))
    ingest(db, write_ndjson(tmp_path / "more.ndjson", events[25:]))
    r = rollups(db)
    assert r[("a0", DAY, "active_users")] + r[("a1", DAY, "active_users")] == count(
        db, "select count(*) from user_days"
    )
    assert count(db, "select count(*) from user_days") == len(
        {(f"a{i % 2}", f"u{(i * 7) % 5}") for i in range(40)}
    )
    assert r == recomputed_rollups(db)


def test_late_membership_backfills_events_and_rollups(db, tmp_path):
    # File 1: u9's events name no account and u9 has no membership yet.
    early = [
        track("Document Created", "u9", None, ts=f"{DAY}T10:00:00.000Z"),
        track("Pricing Viewed", "u9", None, ts="2025-03-02T10:00:00.000Z"),
    ]
    ingest(db, write_ndjson(tmp_path / "early.ndjson", early))
    assert count(db, "select count(*) from events where account_id is null") == 2
    assert rollups(db) == {}
    # File 2: the group call arrives, and one more event without an account.
    late = [
        group("u9", "acme", ts="2025-03-05T09:00:00.000Z", name="Acme"),
        track("Document Created", "u9", None, ts="2025-03-05T10:00:00.000Z"),
    ]
    ingest(db, write_ndjson(tmp_path / "late.ndjson", late))
    assert count(db, "select count(*) from events where account_id is null") == 0
    r = rollups(db)
    assert r[("acme", DAY, "value")] == 1
    assert r[("acme", "2025-03-02", "pricing")] == 1
    assert r[("acme", "2025-03-05", "events")] == 1
    assert r[("acme", DAY, "active_users")] == 1
    assert r == recomputed_rollups(db)
    assert count(db, "select count(*) from memberships where user_id = 'u9'") == 1


def test_membership_later_in_the_same_file(db, tmp_path):
    events = [
        track("Document Created", "u5", None, ts=f"{DAY}T08:00:00.000Z"),
        group("u5", "beta", ts=f"{DAY}T09:00:00.000Z"),
        track("Document Created", "u5", None, ts=f"{DAY}T10:00:00.000Z"),
    ]
    ingest(db, write_ndjson(tmp_path / "f.ndjson", events))
    assert rollups(db)[("beta", DAY, "value")] == 2
    assert rollups(db) == recomputed_rollups(db)


def test_rollups_equal_recomputation_after_a_messy_history(db, tmp_path, monkeypatch):
    """Overlapping files, duplicates inside files, late groups, pages, storage, many batches."""
    from pqa_tui.ingest import batches

    monkeypatch.setattr(batches, "BATCH_SIZE", 7)
    names = ["Document Created", "File Uploaded", "Pricing Viewed", "Search", "User Invited"]
    events = []
    for i in range(120):
        user = f"u{i % 9}"
        account = None if i % 9 == 8 else f"acct{i % 4}"
        ts = f"2025-03-{1 + i % 5:02d}T{i % 24:02d}:00:00.000Z"
        if i % 10 == 0:
            events.append(page(f"/pricing/{i}", user, account, ts=ts, msg=f"m{i}"))
        else:
            events.append(track(names[i % 5], user, account, ts=ts, msg=f"m{i}", bytes=i * 10))
    first = events[:80] + events[10:20]  # in-file duplicates on the first (bulk) load
    second = events[60:] + [group("u8", "acct3", ts="2025-03-09T00:00:00.000Z")]
    bulk = ingest(db, write_ndjson(tmp_path / "a.ndjson", first))[0]
    assert (bulk.read, bulk.inserted, bulk.duplicates) == (90, 80, 10)
    assert rollups(db) == recomputed_rollups(db)
    summary = ingest(db, write_ndjson(tmp_path / "b.ndjson", second))[0]
    assert summary.duplicates == 20
    assert count(db, "select count(*) from events where kind = 'track' or kind = 'page'") == 120
    assert rollups(db) == recomputed_rollups(db)
    total_events = sum(v for (_, _, m), v in rollups(db).items() if m == "events")
    assert total_events == 120
