"""`notify()` against a real local webhook server: once each, outages, owners, capacity, digests."""

from __future__ import annotations

from datetime import timedelta

from notify_data import NOW, config_with, outbox_rows, surface
from servers import WebhookServer, free_port

from pqa_tui import triage
from pqa_tui.notify.delivery import notify
from pqa_tui.plugins import load_plugins


def notifiers():
    return load_plugins(None, entry_points_too=False).notifiers


def channel(url: str, **settings) -> dict:
    return {"name": settings.pop("name", "sales"), "url": url, **settings}


def test_a_new_pqa_reaches_the_webhook_once_with_what_a_rep_needs(db, webhook):
    config = config_with(channel(webhook.url()))
    moment = surface(db, config, "acme", name="Acme Inc", score=23.4)

    run = notify(db, config, notifiers(), now=NOW)

    assert run.to_json() == {
        "sent": 1,
        "failed": 0,
        "pending": 0,
        "messages": [
            {"channel": "sales", "account": "acme", "event": "new", "status": "sent", "error": None}
        ],
    }
    (got,) = webhook.received
    assert got.body["pqa_event_id"] == f"new:{moment}"
    assert got.headers["X-Pqa-Event-Id"] == f"new:{moment}"
    assert got.body["title"] == "New PQA: Acme Inc"
    text = got.body["message"]
    for expected in (
        "New PQA: Acme Inc (acme.io), score 23.4",
        "- 7 active users",
        "- pricing viewed 3 times",
        "Buyer: Dana Boss, dana@acme.io, vp",
        "Owner: nobody yet (pqa claim acme)",
        "Open: pqa show acme",
    ):
        assert expected in text

    again = notify(db, config, notifiers(), now=NOW)
    assert (again.sent, again.failed, again.pending, again.deliveries) == (0, 0, 0, [])
    assert len(webhook.received) == 1


def test_a_channel_that_is_down_keeps_its_messages_until_it_is_back(db, webhook):
    down = f"json://127.0.0.1:{free_port()}/hook"
    config = config_with(channel(down, name="ops"), channel(webhook.url()))
    surface(db, config, "acme")
    surface(db, config, "beta", score=18)

    run = notify(db, config, notifiers(), now=NOW)

    assert (run.sent, run.failed, run.pending) == (2, 1, 2)
    failed = [d for d in run.deliveries if d.status == "failed"]
    assert [(d.channel, d.account) for d in failed] == [("ops", "acme")]
    assert failed[0].error  # says why
    assert {r["status"] for r in outbox_rows(db) if r["channel"] == "ops"} == {"pending"}
    assert len(webhook.received) == 2  # the other channel carried on

    back = WebhookServer()
    try:
        up = config_with(channel(back.url(), name="ops"), channel(webhook.url()))
        run = notify(db, up, notifiers(), now=NOW)
        assert (run.sent, run.failed, run.pending) == (2, 0, 0)
        assert sorted(r.body["message"].split(":")[1].split("(")[0].strip()
                      for r in back.received) == ["Acme", "Beta"]  # fmt: skip
        assert len(webhook.received) == 2  # nothing repeated on the channel that was up
        assert notify(db, up, notifiers(), now=NOW).sent == 0
        assert len(back.received) == 2
    finally:
        back.close()


def test_a_refusing_service_is_a_failure_and_the_message_stays_pending(db):
    refusing = WebhookServer(status=500)
    try:
        config = config_with(channel(refusing.url()))
        surface(db, config, "acme")
        run = notify(db, config, notifiers(), now=NOW)
        assert (run.sent, run.failed, run.pending) == (0, 1, 1)
        (row,) = outbox_rows(db)
        assert (row["status"], row["attempts"]) == ("pending", 1)
        assert row["last_error"]
    finally:
        refusing.close()


def test_the_owner_filter_sends_only_accounts_owned_by_or_routed_to_that_person(db, webhook):
    config = config_with(
        channel(webhook.url(), name="ann-dm", owner="ann"),
        routing=[{"owner": "ann", "domain_suffix": ".edu"}],
    )
    surface(db, config, "uni", domain="cs.state.edu")  # routed to ann
    surface(db, config, "shop", domain="shop.io")  # unrouted
    surface(db, config, "later", domain="later.io")
    triage.claim(db, config, "later", "ann", now=NOW)  # claimed by ann before the run

    run = notify(db, config, notifiers(), now=NOW)

    assert [(d.account, d.status) for d in run.deliveries] == [
        ("shop", "skipped"),
        ("later", "skipped"),  # claimed: no longer new, nothing to announce
        ("uni", "sent"),
    ]
    assert [r.body["message"].splitlines()[0] for r in webhook.received] == [
        "New PQA: Uni (cs.state.edu), score 20.0"
    ]
    assert "Owner: ann" in webhook.received[0].body["message"]
    assert notify(db, config, notifiers(), now=NOW).deliveries == []  # skipped for good


def test_never_more_new_accounts_a_day_than_the_queue_shows(db, webhook):
    config = config_with(channel(webhook.url()), team=["ann"], daily_cap_per_person=2)
    for i, score in enumerate((30, 20, 25, 10)):
        surface(db, config, f"a{i}", score=score)

    run = notify(db, config, notifiers(), now=NOW)

    assert sorted(d.account for d in run.deliveries if d.status == "sent") == ["a0", "a2"]
    assert sorted(d.account for d in run.deliveries if d.status == "held") == ["a1", "a3"]
    assert run.pending == 2
    # Ann claims one: the queue now shows one more... but two were already announced today.
    triage.claim(db, config, "a0", "ann", now=NOW + timedelta(hours=1))
    later = notify(db, config, notifiers(), now=NOW + timedelta(hours=2))
    assert later.sent == 0 and later.pending == 2
    # Tomorrow the queue shows a2 (announced yesterday) and a1; a3 waits for room.
    tomorrow = notify(db, config, notifiers(), now=NOW + timedelta(days=1))
    assert [d.account for d in tomorrow.deliveries if d.status == "sent"] == ["a1"]
    assert tomorrow.pending == 1
    assert len(webhook.received) == 3


def test_a_digest_channel_gets_one_message_per_run(db, webhook):
    config = config_with(channel(webhook.url(), digest=True))
    ids = [surface(db, config, name, score=s) for name, s in (("acme", 20), ("beta", 30))]

    run = notify(db, config, notifiers(), now=NOW)

    assert run.sent == 2 and len(webhook.received) == 1
    (got,) = webhook.received
    assert got.body["pqa_event_id"] == ",".join(f"new:{i}" for i in ids)
    assert got.body["title"] == "pqa: 2 accounts"
    assert "New PQA: Acme (acme.io)" in got.body["message"]
    assert "New PQA: Beta (acme.io)" in got.body["message"]
    assert notify(db, config, notifiers(), now=NOW).sent == 0


def test_the_daily_digest_event_lists_todays_queue_once_a_day(db, webhook):
    config = config_with(channel(webhook.url(), on=["digest"]), daily_cap_per_person=1)
    surface(db, config, "acme", score=20)
    surface(db, config, "beta", score=30)

    first = notify(db, config, notifiers(), now=NOW)
    second = notify(db, config, notifiers(), now=NOW + timedelta(hours=3))
    next_day = notify(db, config, notifiers(), now=NOW + timedelta(days=1))

    assert [d.event for d in first.deliveries] == ["digest"]
    assert (second.sent, next_day.sent) == (0, 1)
    assert [r.body["pqa_event_id"] for r in webhook.received] == [
        "digest:2026-03-02",
        "digest:2026-03-03",
    ]
    text = webhook.received[0].body["message"]
    assert "In today's queue: Beta" in text and "Acme" not in text  # capacity 1
    assert webhook.received[0].body["title"] == "pqa digest 2026-03-02: 1 in today's queue"


def test_a_return_from_snooze_is_queued_with_the_return_and_sent(db, webhook):
    config = config_with(channel(webhook.url(), on=["back"]))
    surface(db, config, "acme")
    triage.claim(db, config, "acme", "ann", now=NOW)
    triage.snooze(db, config, "acme", "ann", until=NOW + timedelta(days=1), now=NOW)
    assert outbox_rows(db) == []  # a channel not listening to "new" got nothing

    triage.resurface_due(db, config, now=NOW + timedelta(days=2))
    (row,) = outbox_rows(db)
    assert (row["event"], row["account_id"], row["status"]) == ("back", "acme", "pending")
    run = notify(db, config, notifiers(), now=NOW + timedelta(days=2))
    assert run.sent == 1
    assert webhook.received[0].body["title"] == "Back in the queue: Acme"
    assert "Owner: ann" in webhook.received[0].body["message"]


def test_dry_run_sends_and_records_nothing(db, webhook):
    config = config_with(channel(webhook.url(), on=["new", "digest"]))
    surface(db, config, "acme")

    run = notify(db, config, notifiers(), dry_run=True, now=NOW)

    assert {(d.event, d.status) for d in run.deliveries} == {
        ("new", "dry_run"),
        ("digest", "dry_run"),
    }
    assert len(run.messages) == 2
    assert webhook.received == []
    assert [r["status"] for r in outbox_rows(db)] == ["pending"]  # no digest row either
    assert notify(db, config, notifiers(), now=NOW).sent == 2


def test_a_stale_claim_goes_to_the_owners_channel(db, webhook):
    """Ann's claim, untouched for 10 days (claim_expiry_days 7), goes back to the pool; the
    write that records it queues the event, and it reaches the channel of the owner who lost
    it, though nobody owns the account any more."""
    config = config_with(channel(webhook.url(), on=["stale_claim"], owner="ann"))
    surface(db, config, "acme")
    triage.claim(db, config, "acme", "ann", now=NOW)
    assert triage.resurface_due(db, config, now=NOW + timedelta(days=10)) == ["acme"]
    assert triage.live_state(db, config, "acme", now=NOW + timedelta(days=10)).owner is None

    run = notify(db, config, notifiers(), now=NOW + timedelta(days=10))

    assert [(d.event, d.status) for d in run.deliveries] == [("stale_claim", "sent")]
    (got,) = webhook.received
    assert got.body["title"] == "Claim gone stale: Acme"
    assert got.body["pqa_event_id"].startswith("stale_claim:")
    assert "Owner: ann" in got.body["message"]
