"""Hostile text (Rich and Textual markup, ANSI / OSC escapes incl. clipboard and title, C1
controls, bidi overrides, zero-width characters, 100 kB strings, SQL fragments) in account ids
and names, event names, properties, user traits, notes and reasons shows up literally or
visibly escaped in the CLI tables, the JSON, the exports and the TUI, and no escape sequence
ever reaches the terminal."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_data import (
    AS_OF,
    ESCAPE_CHARS,
    FORMULAS,
    HOSTILE,
    account_id,
    build_hostile_workspace,
)

from pqa_tui.workspace import Workspace

PQA = [sys.executable, "-m", "pqa_tui"]
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
WIDE = {**os.environ, "COLUMNS": "3000", "PQA_LOAD_PLUGINS": "", "TERM": "xterm-256color"}
# Strings a table must show character for character (the markup stays markup-looking text).
LITERAL = {
    "rich": "[bold red]red[/bold red]",
    "textual": "[@click=app.quit]quit[/]",
    "sql": "'); drop table notes; --",
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "pqa.db"
    build_hostile_workspace(path)
    return path


def pqa(db: Path, *args: str, cwd: Path | None = None) -> tuple[str, str]:
    proc = subprocess.run([*PQA, "--db", str(db), "--as", "ann", *args], capture_output=True,
                          env=WIDE, timeout=120, cwd=cwd)  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def assert_inert(text: str, where: str) -> None:
    """No byte that starts or ends a terminal escape sequence, and no NUL."""
    for char in (*ESCAPE_CHARS, "\x00"):
        assert char not in text, f"{where}: raw {char!r} reached the terminal"


def walk(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


def test_cli_tables_show_every_string_literally(workspace, tally):
    outputs = {
        "queue": pqa(workspace, "queue", "--view", "all", "--limit", "50"),
        "rejects": pqa(workspace, "rejects"),
        "stats": pqa(workspace, "stats"),
        "report": pqa(workspace, "report"),
    }
    for key in HOSTILE:
        ref = account_id(key)
        outputs[f"show {key}"] = pqa(workspace, "show", ref)
        outputs[f"history {key}"] = pqa(workspace, "history", ref)
    for where, (out, err) in outputs.items():
        assert_inert(out + err, where)
        tally.add("hostile", "outputs checked")
    queue = outputs["queue"][0]
    for key in HOSTILE:
        marker = HOSTILE[key].split()[0]
        assert marker in queue, f"{key} missing from the queue"
        show = outputs[f"show {key}"][0]
        assert marker in show
        assert marker in outputs[f"history {key}"][0]  # the note, shown in the log
        tally.add("hostile", "strings tried")
    for key, literal in LITERAL.items():
        assert literal in queue, f"{key}: {literal!r} not shown as written in the queue"
        assert literal in outputs[f"show {key}"][0]
    # Escapes are made visible, not dropped: the reader can see something was there.
    assert "\\x1b]52;c;" in outputs["show osc52"][0]
    assert "\\x9b31m" in outputs["show c1"][0]


def test_json_output_round_trips_every_string_exactly(workspace, tally):
    queue_out, _ = pqa(workspace, "queue", "--view", "all", "--json", "--limit", "50")
    assert_inert(queue_out, "queue --json")
    names = {row["name"] for row in json.loads(queue_out)}
    assert names == set(HOSTILE.values())
    for key, text in HOSTILE.items():
        out, _ = pqa(workspace, "show", account_id(key), "--json")
        assert_inert(out, f"show --json {key}")
        detail = json.loads(out)
        assert detail["account"] == account_id(key) and detail["name"] == text
        assert text in [n["text"] for n in detail["notes"]]
        assert text in set(walk(detail))  # event names, properties, traits: exact
        history_out, _ = pqa(workspace, "history", account_id(key), "--json")
        assert_inert(history_out, f"history --json {key}")
        tally.add("hostile", "json documents checked", 2)
    rejects_out, _ = pqa(workspace, "rejects", "--json")
    assert_inert(rejects_out, "rejects --json")
    raws = {r["source"].rsplit("/", 1)[-1]: r["raw"] for r in json.loads(rejects_out)}
    assert json.loads(raws["bad"])["userId"] == HOSTILE["ansi"]  # the line exactly as read
    assert HOSTILE["osc52"] in raws["hostile.csv"]


def exported_cells(workspace: Path, folder: Path, fmt: str, *flags: str) -> dict[str, set[str]]:
    """Every string cell of ``pqa export -f FMT FLAGS``, per kind of file ("csv", "json")."""
    folder.mkdir()
    pqa(workspace, "export", "-f", fmt, "--out", str(folder / f"out.{fmt}"), *flags, cwd=folder)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert files
    cells: dict[str, set[str]] = {"csv": set(), "json": set()}
    for path in files:
        text = path.read_bytes().decode("utf-8")  # as written: no newline translation
        if path.suffix == ".json":
            cells["json"] |= {v for v in walk(json.loads(text)) if isinstance(v, str)}
        else:
            rows = csv.reader(io.StringIO(text, newline=""))
            cells["csv"] |= {c for row in rows for c in row}
    return cells


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("fmt", ["csv", "salesforce", "hubspot", "json"])
def test_export_files_hold_the_text_with_formulas_neutralised(workspace, tmp_path, fmt, tally):
    """By default every string is exported as written, except that a CSV cell a spreadsheet
    would run as a formula gets a leading ' ; JSON keeps formulas exactly."""
    cells = exported_cells(workspace, tmp_path / "out", fmt)
    everything = cells["csv"] | cells["json"]
    for key, text in HOSTILE.items():
        assert text in everything, f"{fmt}: {key} not exported as written"
        tally.add("hostile", "export cells checked")
    for key, text in FORMULAS.items():
        if fmt == "json":
            assert text in cells["json"], f"json: formula {key} not exact"
        else:
            # As a cell, or the start of one (a HubSpot note body ends with its signature).
            starts = [c for c in cells["csv"] if c.startswith(("'" + text, text))]
            assert starts, f"{fmt}: formula {key} not exported"
            assert all(c.startswith("'" + text) for c in starts), f"{fmt}: {key} not neutralised"
        tally.add("hostile", "formula cells checked")
    live = [c for c in cells["csv"] if c.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(c)]
    assert live == [], f"{fmt}: cells a spreadsheet would run"


@pytest.mark.parametrize("fmt", ["csv", "salesforce", "hubspot"])
def test_raw_csv_exports_hold_the_exact_text(workspace, tmp_path, fmt, tally):
    """``--raw-csv``: every cell exactly as stored, formulas included (for importers)."""
    cells = exported_cells(workspace, tmp_path / "out", fmt, "--raw-csv")["csv"]
    for key, text in HOSTILE.items():
        assert text in cells, f"{fmt} --raw-csv: {key} not exported as written"
        tally.add("hostile", "export cells checked")
    for key, text in FORMULAS.items():  # whole, or at the start of a signed HubSpot note
        assert any(c.startswith(text) for c in cells), f"{fmt} --raw-csv: {key} changed"
        tally.add("hostile", "export cells checked")


def on_a_terminal(db: Path, cwd: Path, *args: str, env: dict | None = None) -> str:
    """Run ``pqa ARGS`` with stdout and stderr on a pseudo-terminal; what the terminal got."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes pqa, writing to the terminal
        os.chdir(cwd)
        os.execvpe(sys.executable, [*PQA, "--db", str(db), *args], {**WIDE, **(env or {})})
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, b"".join(chunks)[-2000:]
    return b"".join(chunks).decode("utf-8", "replace")


# A terminal that sees colours and box drawing from Rich is fine; what it must never see is
# an escape that came from the data. Rich's own SGR codes are "\x1b[...m"; nothing else.
def assert_only_style_escapes(text: str, where: str) -> None:
    import re

    rest = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert_inert(rest, where)


REPO_PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


@pytest.mark.parametrize(
    "args, marker",
    [
        (["queue", "--view", "all"], "OSC52"),
        (["queue", "--view", "all", "--json"], "CONE"),
        (["export", "-f", "json"], "CONE"),
        (["export", "-f", "pipedrive"], "OSC52"),  # a plugin's CSV, straight to the screen
        (["history", account_id("osc52")], "OSC52"),
        (["show", account_id("c1"), "--json"], "CONE"),
        (["show", account_id("title")], "TITLE"),
        (["rejects"], "OSC52"),  # the CSV reject's raw line
    ],
    ids=lambda a: " ".join(a)[:24] if isinstance(a, list) else None,
)
def test_nothing_from_the_data_reaches_a_real_terminal(workspace, tmp_path, args, marker, tally):
    config = tmp_path / "pqa.toml"
    config.write_text(f'plugins_dir = "{REPO_PLUGINS}"\n')
    env = {"PQA_LOAD_PLUGINS": "pipedrive_export", "PQA_CONFIG": str(config)}
    got = on_a_terminal(workspace, tmp_path, *args, env=env)
    assert_only_style_escapes(got, " ".join(args))
    assert marker in got
    tally.add("hostile", "terminal sessions checked")


def test_tui_shows_every_string_literally(workspace, tally):
    """The queue and account screens of the real app, rendered headless."""
    import asyncio

    from pqa_tui.config import Config
    from pqa_tui.safe_text import clean
    from pqa_tui.tui.app import PqaApp
    from pqa_tui.tui.widgets.queue_table import QueueTable

    app = PqaApp(Workspace(workspace, Config(), "ann", clock=lambda: AS_OF), poll_seconds=3600)
    app.animation_level = "none"
    seen: dict[str, object] = {}

    async def settle(pilot) -> None:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        await pilot.pause()

    async def main() -> None:
        async with app.run_test(size=(200, 60)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(QueueTable)
            seen["names"] = {r.account: table.get_row(r.account)[0] for r in table.rows_shown}
            seen["queue"] = app.export_screenshot()
            await pilot.press("enter")  # the first account's screen: notes, events, users
            await settle(pilot)
            seen["account"] = app.export_screenshot()

    asyncio.run(main())
    names = seen["names"]
    assert set(names) == {account_id(key) for key in HOSTILE if key != "title"}  # sunset
    for key in HOSTILE:
        if key == "title":
            continue
        cell = names[account_id(key)]
        assert cell.plain == clean(HOSTILE[key]) and cell.spans == [], key  # text, no markup
        assert_inert(cell.plain, f"tui cell {key}")
    for picture in ("queue", "account"):
        assert_inert(seen[picture], f"tui {picture} screen")
        assert "RICH" in seen[picture] or picture == "account"
    tally.add("hostile", "tui screens checked", 2)


def test_workspace_has_what_the_tests_assume(workspace):
    import sqlite3

    conn = sqlite3.connect(str(workspace))
    assert conn.execute("select count(*) from scores where qualified = 1").fetchone() == (11,)
    assert conn.execute("select count(*) from notes").fetchone() == (11 + len(FORMULAS),)
    assert AS_OF.year == 2026 and shutil.which(sys.executable)
