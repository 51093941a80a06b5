"""Every wrong config names file, key and expected value, exits non-zero, and leaves the
database alone: not created when missing, byte-for-byte unchanged when it exists."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from reliability_data import segment_events, write_ndjson
from typer.testing import CliRunner

from pqa_tui.cli import app
from pqa_tui.config import Config
from pqa_tui.ingest.pipeline import ingest_records
from pqa_tui.store import open_db

# (id, config file bytes or None for "missing", key named, expectation named)
BAD_CONFIGS = [
    ("bad-toml", b"[scoring\nthreshold = 3\n", "line 1", "not valid TOML"),
    ("not-utf8", b"me = '\xff\xfe'\n", "", "not UTF-8"),
    ("unknown-key", b"bogus = 1\n", "bogus", "unknown setting; expected one of:"),
    ("unknown-nested", b"[scoring]\nthresold = 3\n", "scoring.thresold", "unknown setting"),
    ("wrong-type", b"[scoring]\nthreshold = 'high'\n", "scoring.threshold", "expected a number"),
    ("wrong-bool", b"[scoring]\nexclude_paid = 'yes'\n", "scoring.exclude_paid", "true or false"),
    ("wrong-list", b"[triage]\nteam = 'ann'\n", "triage.team", "expected a list"),
    ("list-item", b"[events]\nvalue = [1]\n", "events.value[0]", "expected a string"),
    ("table-type", b"ingest = 3\n", "ingest", "expected a table"),
    ("range", b"[scoring]\nhalf_life_days = 0\n", "scoring.half_life_days", "above 0"),
    ("negative", b"[triage]\ndaily_cap_per_person = -1\n", "triage.daily_cap_per_person", "0 or"),
    ("missing-file", None, "", "file not found"),
]
# Wrong [detectors.*] tables are checked once plugins are loaded.
BAD_DETECTOR_CONFIGS = [
    ("unknown-detector", b"[detectors.nope]\nweight = 2\n", "detectors.nope", "unknown detector"),
    (
        "detector-option",
        b"[detectors.seat_count]\nweight = 'lots'\n",
        "detectors.seat_count.weight",
        "expected a number",
    ),
    (
        "detector-unknown-option",
        b"[detectors.seat_count]\nbogus = 1\n",
        "detectors.seat_count.bogus",
        "unknown option",
    ),
]
# Every command that reads the config. {events} is an NDJSON file.
COMMANDS = [
    ["ingest", "{events}"],
    ["score"],
    ["queue"],
    ["queue", "--json"],
    ["show", "acct-1"],
    ["claim", "acct-1"],
    ["note", "acct-1", "hello"],
    ["sunset", "acct-1", "--reason", "not now"],
    ["feedback", "acct-1", "good"],
    ["report"],
    ["export", "-f", "csv"],
    ["plugins"],
    ["config", "check"],
    ["backtest", "{config}"],
]
DETECTOR_COMMANDS = [["score"], ["config", "check"], ["backtest", "{config}"]]


def _fingerprint(tmp_path) -> dict[str, str]:
    """Every database file (and its -wal / -shm) by content hash."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.glob("pqa.db*"))
    }


def _invoke(args: list[str]) -> tuple[int, str]:
    """Run the CLI in-process as ``pqa`` does: a PqaError escaping a command is printed by the
    root command as ``Error: ...`` with its exit code (the subprocess test runs the real one)."""
    result = CliRunner().invoke(app, args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _write_config(tmp_path, content: bytes | None):
    path = tmp_path / "pqa.toml"
    if content is not None:
        path.write_bytes(content)
    return path


def _args(tmp_path, config, command):
    events = tmp_path / "events.ndjson"
    if not events.exists():
        write_ndjson(events, segment_events(30, accounts=2))
    filled = [a.format(events=events, config=config) for a in command]
    return ["--db", str(tmp_path / "pqa.db"), "--config", str(config), *filled]


def _check(tmp_path, tally, case, command, *, existing: bool) -> None:
    name, content, key, expected = case
    config = _write_config(tmp_path, content)
    if existing:
        db = open_db(tmp_path / "pqa.db")
        ingest_records(db, Config(), segment_events(30, accounts=2), source="seed")
        db.close()  # closed: the -wal is checkpointed and gone, nothing pending
    before = _fingerprint(tmp_path)
    code, output = _invoke(_args(tmp_path, config, command))
    flat = " ".join(output.split())  # the console may wrap long messages
    assert code != 0, f"{name} {command}: exit 0\n{output}"
    assert str(config) in flat.replace(" ", "") or str(config) in flat, (name, command, output)
    assert key in flat and expected in flat, (name, command, output)
    assert "Traceback" not in output
    assert _fingerprint(tmp_path) == before, f"{name} {command} touched the database"
    tally.add("config", "wrong configs tried")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("case", BAD_CONFIGS, ids=lambda c: c[0])
def test_wrong_config_never_creates_the_database(tmp_path, tally, case, command):
    write_ndjson(tmp_path / "events.ndjson", segment_events(30, accounts=2))
    _check(tmp_path, tally, case, command, existing=False)
    assert not list(tmp_path.glob("pqa.db*"))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("case", BAD_CONFIGS[:3] + BAD_CONFIGS[-3:], ids=lambda c: c[0])
def test_wrong_config_leaves_an_existing_database_unchanged(tmp_path, tally, case, command):
    write_ndjson(tmp_path / "events.ndjson", segment_events(30, accounts=2))
    _check(tmp_path, tally, case, command, existing=True)


@pytest.mark.parametrize("command", DETECTOR_COMMANDS, ids=lambda c: " ".join(c))
@pytest.mark.parametrize("case", BAD_DETECTOR_CONFIGS, ids=lambda c: c[0])
@pytest.mark.parametrize("existing", [False, True], ids=["no-db", "db"])
def test_wrong_detector_table_leaves_the_database_alone(tmp_path, tally, case, command, existing):
    write_ndjson(tmp_path / "events.ndjson", segment_events(30, accounts=2))
    _check(tmp_path, tally, case, command, existing=existing)


def test_the_real_command_prints_the_error_and_exits_2(tmp_path):
    """Through the console script's entry point, in its own process."""
    config = _write_config(tmp_path, b"[scoring]\nthreshold = 'high'\n")
    write_ndjson(tmp_path / "events.ndjson", segment_events(30, accounts=2))
    for command in (["ingest", str(tmp_path / "events.ndjson")], ["queue"], ["score"]):
        proc = subprocess.run(
            [sys.executable, "-m", "pqa_tui", "--db", str(tmp_path / "pqa.db"),
             "--config", str(config), *command],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        message = " ".join(proc.stderr.split())
        assert f"Error: {config}: scoring.threshold: expected a number, got 'high'" in message
        assert proc.stdout == ""
        assert not list(tmp_path.glob("pqa.db*"))
