"""Property tests: any string at all, through each way the CLI, the TUI and the exports show
or write text, comes out inert (no escape a terminal would act on) and, where it is data
(JSON, CSV), exactly as it went in: CSV by default with a ' before a cell a spreadsheet would
run as a formula, and exactly with ``exact=True`` (``pqa export --raw-csv``)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re

from hostile_data import ESCAPE_CHARS, HOSTILE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from pqa_tui.cli.app import console, out, print_json
from pqa_tui.cli.signals import plain
from pqa_tui.exporters.base import csv_text
from pqa_tui.safe_text import safe

FRAGMENTS = ["\x1b", "[", "]", "52;c;", "0;", "\x07", "\x9b", "\x9c", "\x9d", "\x1b\\", "\u202e",
             "\u2066", "\u200b", "[b]", "[/]", "[@click=app.quit]", "[link=x]", ":smile:", "\\",
             "\n", "\r", "\t", "\x00", "\x7f", "x", "é", "'; --", "=", "+", "-", "@", "1",
             ".", "=cmd|' /C calc'!A0"]  # fmt: skip
STRINGS = (
    st.text()
    | st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)
    | st.sampled_from(list(HOSTILE.values()))
)
SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own colours: the only escapes allowed out


def on_terminal(renderable) -> str:
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      width=120, markup=False, emoji=False, highlight=False)  # fmt: skip
    console.print(renderable)
    return console.file.getvalue()


def assert_inert(text: str) -> None:
    rest = SGR.sub("", text)
    for char in (*ESCAPE_CHARS, "\x00"):
        assert char not in rest, repr(rest)


def strings_settings(pick):
    return settings(max_examples=pick(1000, 10000), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def test_cli_text_and_tables_are_inert(pick, tally):
    @strings_settings(pick)
    @given(s=STRINGS)
    def run(s: str) -> None:
        assert_inert(on_terminal(plain(s)))
        table = Table("name", "note")
        table.add_row(plain(s), plain(s[::-1]))
        assert_inert(on_terminal(table))
        with console.capture() as captured:
            out(s)
        assert_inert(captured.get())
        tally.add("hostile", "strings tried")

    run()


def test_json_output_is_inert_and_exact(pick, tally):
    @strings_settings(pick)
    @given(s=STRINGS)
    def run(s: str) -> None:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            print_json({"name": s, "notes": [s]})
        text = buffer.getvalue()
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)  # no raw control at all
        assert json.loads(text) == {"name": s, "notes": [s]}
        tally.add("hostile", "strings tried")

    run()


def test_tui_text_is_inert_and_never_markup(pick, tally):
    @strings_settings(pick)
    @given(s=STRINGS)
    def run(s: str) -> None:
        text = safe(s)
        assert text.spans == []
        assert_inert(on_terminal(text))
        assert "\n" not in text.plain
        tally.add("hostile", "strings tried")

    run()


def test_csv_cells_round_trip_exactly_when_asked(pick, tally):
    @strings_settings(pick)
    @given(row=st.lists(STRINGS, min_size=1, max_size=4))
    def run(row: list[str]) -> None:
        text = csv_text(["a"] * len(row), [row], exact=True)
        header, back = list(csv.reader(io.StringIO(text, newline="")))
        assert back == row
        tally.add("hostile", "strings tried", len(row))

    run()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def test_csv_cells_never_start_a_formula_and_lose_nothing(pick, tally):
    @strings_settings(pick)
    @given(row=st.lists(STRINGS, min_size=1, max_size=4))
    def run(row: list[str]) -> None:
        text = csv_text(["a"] * len(row), [row])
        header, back = list(csv.reader(io.StringIO(text, newline="")))
        for cell, original in zip(back, row, strict=True):
            formula = original.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(original)
            assert cell == ("'" + original if formula else original)
            assert not cell.startswith(FORMULA_STARTS) or NUMBER.fullmatch(cell)
        tally.add("hostile", "strings tried", len(row))

    run()
