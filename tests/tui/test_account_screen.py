"""The account screen: who to talk to (and y to copy their email), since when it is a PQA, the
score against its bar, the chart's axes, reasons that wrap, and screenshots that find a folder."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Static
from tui_data import NOW, drive, settle

from pqa_tui import store
from pqa_tui.tui.screens.account import AccountScreen, moments_text, score_text


def add_people_and_moments(db_path) -> None:
    """acct-01 gains a finance buyer and a no-email admin, and a PQA moment history."""
    db = store.open_db(db_path)
    try:
        with store.write(db) as conn:
            people = [
                ("u-fin", "kemal@acme.io", "Kemal Demir", "member", "ic", "finance"),
                ("u-adm", None, "No Mail", "admin", "ic", "support"),
            ]
            for user_id, email, name, role, seniority, department in people:
                conn.execute(
                    "insert into users(user_id, email, name, role, seniority, department,"
                    " traits, first_seen, last_seen) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [user_id, email, name, role, seniority, department,
                     json.dumps({"title": "Finance lead"} if email else {}),
                     "2026-02-01T09:00:00.000000Z", "2026-03-07T09:00:00.000000Z"],
                )  # fmt: skip
                conn.execute(
                    "insert into memberships(user_id, account_id, first_seen, last_seen)"
                    " values (?, 'acct-01', ?, ?)",
                    [user_id, "2026-02-01T09:00:00.000000Z", "2026-03-07T09:00:00.000000Z"],
                )
            conn.executemany(
                "insert into pqa_moments(account_id, at, score, reasons, ended_at)"
                " values ('acct-01', ?, ?, ?, ?)",
                [
                    ("2026-01-20T06:00:00.000000Z", 12.0, '["pricing viewed"]',
                     "2026-02-02T06:00:00.000000Z"),
                    ("2026-03-01T06:00:00.000000Z", 24.9, '["9 active users"]', None),
                ],
            )  # fmt: skip
    finally:
        db.close()


def test_contacts_put_the_buyers_first_and_y_copies_the_email(make_app, workspace):
    add_people_and_moments(workspace.db_path)
    app = make_app()

    async def script(pilot):
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountScreen)
        table = screen.query_one("#contacts", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[0] for r in rows] == ["Ana Lima", "Kemal Demir", "No Mail"]
        assert rows[1] == [
            "Kemal Demir",
            "kemal@acme.io",
            "Finance lead",
            "finance",
            "2026-03-07",
            "buyer",
        ]
        assert rows[0][-1] == "buyer · admin" and rows[2][-1] == "admin"
        await pilot.press("y")
        assert app.clipboard == "ana@acme.io"
        table.focus()
        await pilot.press("down", "y")
        assert app.clipboard == "kemal@acme.io"
        assert "Copied kemal@acme.io (Kemal Demir) to the clipboard" in [
            n.message for n in app._notifications
        ]
        await pilot.press("down")  # no email: nothing to copy, the key is greyed out
        assert screen.check_action("copy_email", ()) is None

    drive(app, script, notifications=True)


def test_since_when_and_the_moment_history(make_app, workspace):
    add_people_and_moments(workspace.db_path)
    app = make_app()

    async def script(pilot):
        await pilot.press("enter")
        await settle(pilot)
        text = str(app.screen.query_one("#moments", Static).render())
        assert text.startswith("PQA since 2026-03-01 (9 days), score 24.9 then")
        assert "2026-01-20 → 2026-02-02  score 12.0  pricing viewed" in text

    drive(app, script)


def test_moment_texts_without_an_open_moment():
    assert "No PQA moment yet" in moments_text({"pqa_moments": []}, NOW).plain
    ended = {"pqa_moments": [{"at": "2026-01-01", "ended_at": "2026-01-09", "score": 11}]}
    plain = moments_text(ended, NOW).plain
    assert plain.startswith("Not a PQA now; the last moment ended 2026-01-09")


def test_the_score_names_its_bar_plainly():
    text = score_text({"score": 24.91, "threshold": 10, "qualified": True}).plain
    assert text.startswith("24.9, bar 10  PQA")


def test_the_chart_has_axes_and_reasons_wrap_at_120_columns(make_app, workspace):
    long_reason = "pricing page viewed by the buyer, then the security page, " * 3
    db = store.open_db(workspace.db_path)
    with store.write(db) as conn:
        conn.execute(
            "update signals set reason = ? where account_id = 'acct-01'"
            " and detector = 'detector_1'",
            [long_reason.strip()],
        )
    db.close()
    app = make_app()

    async def script(pilot):
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert str(screen.query_one("#history-y").render()).split() == ["40.0", "4.0"]
        assert str(screen.query_one("#history-from").render()) == "2026-03-01"
        assert str(screen.query_one("#history-to").render()) == "2026-03-10"
        signals = screen.query_one("#signals", Static)
        assert signals.size.width <= 120 and signals.size.height >= 4  # wrapped, not cut
        assert "security page" in "".join(
            strip.text for strip in signals.render_lines(signals.region.reset_offset)
        )

    drive(app, script, size=(120, 34))


def test_a_screenshot_goes_to_the_current_folder_without_downloads(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        "pqa_tui.tui.app.user_downloads_path", lambda: tmp_path / "no" / "Downloads"
    )
    app = make_app()

    async def script(pilot):
        app.deliver_screenshot("shot.svg")
        await settle(pilot)
        await pilot.pause(0.2)

    drive(app, script, notifications=True)
    assert (tmp_path / "shot.svg").read_text().startswith("<svg")
