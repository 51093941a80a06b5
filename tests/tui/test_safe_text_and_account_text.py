"""The pieces that turn data into text: untrusted strings, and the account screen's lines."""

from __future__ import annotations

from textual.widgets import Sparkline, Static
from tui_data import NOW, drive, settle

from pqa_tui.safe_text import clean, safe
from pqa_tui.tui.screens.account import header_text, timeline_text, weekly_title


def test_clean_makes_every_control_character_visible():
    assert clean("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"
    assert clean("bell\x07 nul\x00 del\x7f") == "bell␇ nul␀ del␡"
    assert clean("csi\x9b2J osc\x9d0;x") == "csi\\u009b2J osc\\u009d0;x"
    assert clean("abc\u202edef") == "abc\\u202edef"  # right-to-left override
    assert clean("tab\there") == "tab here"
    assert clean(None) == "" and clean(42) == "42"


def test_newlines_kept_only_where_asked():
    assert clean("a\nb") == "a⏎b"
    assert clean("a\nb", multiline=True) == "a\nb"


def test_safe_is_text_not_markup():
    text = safe("[bold red]x[/] [link=http://evil]y[/link]")
    assert text.plain == "[bold red]x[/] [link=http://evil]y[/link]"
    assert text.spans == []


def test_header_reads_any_created_at_and_skips_a_bad_one():
    detail = {"account": "a1", "name": "Acme", "created_at": "2026-03-01", "signals": []}
    assert "age 9 days" in header_text(detail, NOW).plain
    detail["created_at"] = "sometime last year"
    plain = header_text(detail, NOW).plain
    assert "age" not in plain and "No buyer persona" in plain


def test_timeline_is_newest_first_with_notes_inline():
    detail = {
        "triage": {
            "notes": [{"id": 7, "text": "line one\nline \x1b[2J two"}],
            "activity": [
                {
                    "at": "2026-03-01T10:00:00.000000Z",
                    "actor": "ana",
                    "action": "claim",
                    "from": "new",
                    "to": "claimed",
                    "detail": {},
                },
                {
                    "at": "2026-03-02T10:00:00.000000Z",
                    "actor": "ana",
                    "action": "note",
                    "from": "claimed",
                    "to": "claimed",
                    "detail": {"note_id": 7},
                },
            ],
        }
    }
    lines = timeline_text(detail).plain.splitlines()
    assert lines == [
        "2026-03-02 10:00  ana noted:",
        "    line one",
        "    line ␛[2J two",
        "2026-03-01 10:00  ana claim  new → claimed",
    ]


def test_weekly_titles_give_the_first_and_last_week():
    assert weekly_title("active_users", "Active users", [1, 2, 3]).plain == "Active users  1 → 3"
    assert weekly_title("value", "Value events", [0, 12345.0]).plain == "Value events  0 → 12,345"
    storage = weekly_title("storage", "Storage", [999.0, 2.5e9, 7e15])
    assert storage.plain == "Storage  999 B → 7000.0 TB"
    assert weekly_title("storage", "Storage", [1500.0, 2.5e9]).plain == "Storage  1.5 kB → 2.5 GB"
    assert weekly_title("value", "Value events", []).plain == "Value events"


def test_account_screen_draws_the_weekly_sparklines(make_app):
    app = make_app()

    async def script(pilot):
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#active_users-weekly", Sparkline).data[-5:] == [3.0] * 5
        assert screen.query_one("#value-weekly", Sparkline).data[0] == 1.0
        assert str(screen.query_one("#storage-title", Static).render()) == (
            "Storage  0 B → 13.2 GB"
        )

    drive(app, script)
